"""Rule deviations found by scenario tests against the public API (issue 10, item 4)."""

from __future__ import annotations

import pytest

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.enums import CaseStatus

from .conftest import EXAM_ENTRY, World


def test_r064_refusal_at_pledge_names_r064_in_both_languages(world: World) -> None:
    """R-064 (not R-020): a pledge for a matter withdrawn earlier this year is refused at
    submission with GZ-RL-217 whose rules, details and English text name R-064."""
    app = world.new_applicant()
    pending = world.bring(EXAM_ENTRY, "CHOSEN", app=app)
    earlier = world.bring(EXAM_ENTRY, "ACCEPTED", app=app)
    world.svc.withdraw(earlier.case_no, "改为提交学历证明", world.actor_of(app))
    _, bundle = world.signed_pledge(pending.case_no)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.submit_pledge(bundle, world.actor_of(app))
    exc = ei.value
    assert exc.code == "GZ-RL-217"
    assert exc.rules == ("R-064",)
    assert exc.details["rules"] == ["R-064"]
    assert "R-064" in exc.message and "R-064" in (exc.message_en or "")
    assert "R-020" not in exc.message and "R-020" not in (exc.message_en or "")
    assert world.svc.case(pending.case_no).status is CaseStatus.NOTICE_ISSUED
