"""Rule deviations found by scenario tests against the public API (issue 10, item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gaozhi_sdk.error_codes import CATALOGUE
from gaozhi_sdk.errors import ListValidationError, RuleViolationError
from gaozhi_sdk.models.enums import CaseStatus
from gaozhi_sdk.rules import FindingLevel, lint_list, load_list
from gaozhi_sdk.testing import sample_list_text

from .conftest import EXAM_ENTRY, ONLINE_ENTRY, World, review


def test_r064_refusal_at_pledge_names_r064_in_both_languages(world: World) -> None:
    """R-064 (not R-020): a pledge for a matter withdrawn earlier this year is refused at
    submission with GZ-RL-217 whose rules, details and English text name R-064."""
    app = world.new_applicant()
    pending = world.bring(EXAM_ENTRY, "CHOSEN", app=app)
    earlier = world.bring(EXAM_ENTRY, "ACCEPTED", app=app)
    world.svc.cases.withdraw(earlier.case_no, "改为提交学历证明", world.actor_of(app))
    _, bundle = world.signed_pledge(pending.case_no)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(app))
    exc = ei.value
    assert exc.code == "GZ-RL-217"
    assert exc.rules == ("R-064",)
    assert exc.details["rules"] == ["R-064"]
    assert "R-064" in exc.message and "R-064" in (exc.message_en or "")
    assert "R-020" not in exc.message and "R-020" not in (exc.message_en or "")
    assert world.svc.cases.get(pending.case_no).status is CaseStatus.NOTICE_ISSUED


# -- R-008 / DOMAIN §2.3: the entry version in force at signing governs -------------------------
def _publish_version_2(world: World) -> None:
    doc = load_list(sample_list_text()).model_dump(mode="json")
    doc.update(list_id=world.list_id, version=2)
    world.svc.lists.draft(doc, world.officer)
    world.svc.lists.submit(world.list_id, 2, world.officer)
    world.svc.lists.publish(world.list_id, 2, review(), world.reviewer)


def test_r008_pledge_signed_under_version_1_is_taken_after_version_2_is_published(
    world: World,
) -> None:
    """R-008: a pledge signed while version 1 was in force is accepted although version 2
    was published before the pledge reached the organ."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    assert case.list_version == 1
    _, bundle = world.signed_pledge(case.case_no)  # signed now, under version 1
    world.clock.advance(minutes=30)
    _publish_version_2(world)
    world.clock.advance(minutes=30)
    world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED


def test_r008_pledge_signed_after_its_version_was_superseded_is_refused(world: World) -> None:
    """R-008: signing under version 1 after version 2 replaced it is refused (GZ-RL-207)."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    _publish_version_2(world)
    world.clock.advance(minutes=10)
    _, bundle = world.signed_pledge(case.case_no, signed_at=world.clock())
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-207" and ei.value.rules == ("R-008",)
    assert ei.value.details["entry_id"] == ONLINE_ENTRY
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


# -- signed_at lies between the notice and the receipt (with clock skew) -------------------
def test_r001_pledge_dated_30_days_ahead_is_refused(world: World) -> None:
    """R-001: a pledge dated 30 days after its receipt is refused (GZ-RL-208); the case is
    unchanged."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    _, bundle = world.signed_pledge(case.case_no, signed_at=world.clock() + timedelta(days=30))
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-208" and ei.value.rules == ("R-001",)
    assert ei.value.details["clock_skew_seconds"] == 300
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r001_pledge_within_the_configured_clock_skew_is_accepted(world: World) -> None:
    """R-001: a device clock a little ahead (within ``pledge_clock_skew_seconds``) is fine,
    one beyond it is not."""
    ok = world.bring(ONLINE_ENTRY, "CHOSEN")
    _, bundle = world.signed_pledge(ok.case_no, signed_at=world.clock() + timedelta(seconds=290))
    world.svc.cases.submit_pledge(bundle, world.actor_of(ok.applicant))
    assert world.svc.cases.get(ok.case_no).status is CaseStatus.PLEDGED
    late = world.bring(ONLINE_ENTRY, "CHOSEN")
    _, bundle = world.signed_pledge(late.case_no, signed_at=world.clock() + timedelta(seconds=310))
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(late.applicant))
    assert ei.value.code == "GZ-RL-208"


# -- vague terms are errors unless the organ lowers them with a reason ----------------------
def _list_with(world: World, text: str, **extra: object) -> dict[str, object]:
    doc = load_list(sample_list_text()).model_dump(mode="json")
    doc.update(list_id="SZ-R029", **extra)
    doc["entries"][0]["proof_content"] = text
    return doc


@pytest.mark.parametrize("term", ["相关", "有关"])
def test_r029_vague_wording_is_an_error_by_default(world: World, term: str) -> None:
    """R-029: "相关材料"/"有关材料" (模糊表述) refuse the list like a catch-all does."""
    doc = _list_with(world, f"申请人户籍{term}材料。")
    with pytest.raises(ListValidationError) as ei:
        world.svc.lists.draft(doc, world.officer)
    vague = [f for f in ei.value.findings if f.code == "GZ-LS-129"]
    assert vague and vague[0].level is FindingLevel.ERROR and vague[0].term == term
    assert ei.value.code == "GZ-LS-003"
    assert CATALOGUE["GZ-LS-129"].rules == ("R-029",)


def test_r029_catch_all_other_materials_is_an_error(world: World) -> None:
    """R-029: "其他材料" is a catch-all clause: an error, and it cannot be lowered."""
    doc = _list_with(
        world,
        "身份证及其他材料。",
        wording_exceptions=[{"term": "其他", "reason": "试图降级兜底条款"}],
    )
    with pytest.raises(ListValidationError) as ei:
        world.svc.lists.draft(doc, world.officer)
    assert any(f.code == "GZ-LS-029" for f in ei.value.findings)


def test_r029_organ_lowers_a_vague_term_to_a_warning_with_its_reason(world: World) -> None:
    """R-029: the list records the organ's reason; the term is then a warning that carries
    the reason, and the list can be drafted; other vague terms stay errors."""
    reason = "本事项法定名称即为「相关材料」, 经司法局审核同意"
    doc = _list_with(
        world, "申请人户籍相关材料。", wording_exceptions=[{"term": "相关", "reason": reason}]
    )
    clist = world.svc.lists.draft(doc, world.officer)
    assert clist.wording_exceptions[0].reason == reason
    findings = [f for f in lint_list(clist) if f.code == "GZ-LS-129"]
    assert [f.level for f in findings] == [FindingLevel.WARNING]
    assert reason in findings[0].message_zh
    stored = world.svc.store.get("list_version", "SZ-R029@1")
    assert stored is not None and stored.doc["wording_exceptions"][0]["reason"] == reason
    other = _list_with(
        world,
        "申请人户籍有关材料。",
        wording_exceptions=[{"term": "相关", "reason": reason}],
    )
    other["list_id"] = "SZ-R029-B"
    with pytest.raises(ListValidationError):
        world.svc.lists.draft(other, world.officer)
