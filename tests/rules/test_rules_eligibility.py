"""Credit gate and proxies (R-008, R-020, R-024, R-025, R-064, R-075, R-076)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models import Applicant, CreditSnapshot, Proxy, SpecialAuthorization
from gaozhi_sdk.models.enums import Severity
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.rules import EligibilityConfig, PriorWithdrawal, check_eligibility, check_proxy

Make = Callable[..., CommitmentListEntry]
Snap = Callable[..., CreditSnapshot]
ON = date(2026, 5, 6)

PLEDGOR = Applicant(
    party_type="CITIZEN", name="张三", id_type="RESIDENT_ID", id_number="11010519491231002X"
)
PROXY_PARTY = Applicant(
    party_type="CITIZEN", name="李四", id_type="RESIDENT_ID", id_number="440524188001010014"
)


def _proxy(**over: object) -> Proxy:
    auth = {
        "authorization_id": "SA-1",
        "grantor_id_number": "11010519491231002X",
        "matter_code": "M-HJ-1",
        "entry_ids": ("E-1",),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 12, 31),
        "express_pledge_authority": True,
        "document_ref": "DOC-1",
    }
    auth.update(over)
    return Proxy(party=PROXY_PARTY, authorization=SpecialAuthorization.model_validate(auth))


def test_r020_clean_snapshot_is_eligible(make_entry: Make, make_snapshot: Snap) -> None:
    res = check_eligibility(make_snapshot(), make_entry(), on=ON)
    assert res.eligible and res.reasons == () and res.barring_record_ids == ()


@pytest.mark.parametrize(
    "status", ["RECORDED", "PUBLICIZED", "UNDER_OBJECTION", "REPAIR_PENDING", "EXPIRED"]
)
def test_r020_prior_false_pledge_bars_until_repaired(
    make_entry: Make, make_snapshot: Snap, status: str
) -> None:
    snap = make_snapshot(("CR-9", "FALSE_PLEDGE", "MINOR", status))
    res = check_eligibility(snap, make_entry(), on=ON)
    assert not res.eligible
    assert res.barring_record_ids == ("CR-9",)
    assert any("R-020" in r and "虚假承诺" in r for r in res.reasons)


@pytest.mark.parametrize("status", ["REPAIRED", "INVALIDATED", "CORRECTED"])
def test_r020_repaired_or_invalidated_records_never_bar(
    make_entry: Make, make_snapshot: Snap, status: str
) -> None:
    snap = make_snapshot(("CR-9", "FALSE_PLEDGE", "SERIOUS", status))
    assert check_eligibility(snap, make_entry(), on=ON).eligible


@pytest.mark.parametrize(
    ("severity", "bars"), [("MINOR", False), ("GENERAL", True), ("SERIOUS", True)]
)
def test_r020_default_threshold_general(
    make_entry: Make, make_snapshot: Snap, severity: str, bars: bool
) -> None:
    snap = make_snapshot(("CR-1", "OTHER", severity, "PUBLICIZED"))
    res = check_eligibility(snap, make_entry(), on=ON)
    assert res.eligible is not bars
    if not bars:
        assert any("R-075" in w for w in res.warnings)  # pre-application credit warning


def test_r020_entry_threshold_overrides_config(make_entry: Make, make_snapshot: Snap) -> None:
    snap = make_snapshot(("CR-1", "OTHER", "GENERAL", "PUBLICIZED"))
    res = check_eligibility(snap, make_entry(eligibility_threshold="SERIOUS"), on=ON)
    assert res.eligible and res.threshold is Severity.SERIOUS
    strict = EligibilityConfig(threshold=Severity.MINOR)
    minor = make_snapshot(("CR-2", "OTHER", "MINOR", "RECORDED"))
    assert not check_eligibility(minor, make_entry(), strict, on=ON).eligible


def test_r020_expired_restores_only_when_configured(make_entry: Make, make_snapshot: Snap) -> None:
    snap = make_snapshot(("CR-1", "OTHER", "SERIOUS", "EXPIRED"))
    assert not check_eligibility(snap, make_entry(), on=ON).eligible
    cfg = EligibilityConfig(expired_restores_eligibility=True)
    assert check_eligibility(snap, make_entry(), cfg, on=ON).eligible


def test_r020_unknown_status_fails_closed(make_entry: Make, make_snapshot: Snap) -> None:
    snap = make_snapshot(("CR-1", "OTHER", "MINOR", "SOMETHING"))
    res = check_eligibility(snap, make_entry(), on=ON)
    assert not res.eligible and res.barring_record_ids == ("CR-1",)


def test_r008_unpublished_entry_not_usable(make_entry: Make, make_snapshot: Snap) -> None:
    res = check_eligibility(make_snapshot(), make_entry(status="DRAFT"), on=ON)
    assert not res.eligible and "R-008" in res.reasons[0]


def test_r064_withdrawal_bars_same_matter_same_year(make_entry: Make, make_snapshot: Snap) -> None:
    e = make_entry(post_withdrawal_rule="SAME_MATTER_SAME_YEAR")
    same = [PriorWithdrawal(matter_code="M-HJ-1", withdrawn_on=date(2026, 2, 1))]
    res = check_eligibility(make_snapshot(), e, on=ON, prior_withdrawals=same)
    assert not res.eligible and "R-064" in res.reasons[0]
    last_year = [PriorWithdrawal(matter_code="M-HJ-1", withdrawn_on=date(2025, 12, 31))]
    assert check_eligibility(make_snapshot(), e, on=ON, prior_withdrawals=last_year).eligible
    other = [PriorWithdrawal(matter_code="M-OTHER", withdrawn_on=date(2026, 2, 1))]
    assert check_eligibility(make_snapshot(), e, on=ON, prior_withdrawals=other).eligible
    # Without the entry rule a withdrawal has no effect (R-064 is item-specific).
    assert check_eligibility(make_snapshot(), make_entry(), on=ON, prior_withdrawals=same).eligible


def test_r076_insurance_required_flag(make_entry: Make, make_snapshot: Snap) -> None:
    e = make_entry(liability_insurance={"required": True, "min_coverage_yuan": "100000"})
    res = check_eligibility(make_snapshot(), e, on=ON)
    assert res.eligible and res.insurance_required


def test_r075_stale_snapshot_warns(make_entry: Make, make_snapshot: Snap) -> None:
    res = check_eligibility(make_snapshot(taken_at=date(2026, 4, 1)), make_entry(), on=ON)
    assert res.eligible and any("快照" in w for w in res.warnings)


def test_r024_valid_special_authorisation_passes(make_entry: Make) -> None:
    check_proxy(make_entry(), _proxy(), PLEDGOR, matter_code="M-HJ-1", entry_ids=["E-1"], on=ON)


@pytest.mark.parametrize(
    ("entry_over", "proxy_over", "matter", "ids", "code"),
    [
        ({"proxy_allowed": False}, {}, "M-HJ-1", ["E-1"], "GZ-RL-001"),
        ({"priority_area": "QUALIFICATION_EXAM"}, {}, "M-HJ-1", ["E-1"], "GZ-RL-001"),
        ({}, {"express_pledge_authority": False}, "M-HJ-1", ["E-1"], "GZ-RL-002"),
        ({}, {}, "M-OTHER", ["E-1"], "GZ-RL-003"),
        ({}, {}, "M-HJ-1", ["E-1", "E-2"], "GZ-RL-004"),
        ({}, {"valid_to": date(2026, 5, 5)}, "M-HJ-1", ["E-1"], "GZ-RL-005"),
        (
            {},
            {"valid_from": date(2026, 5, 7), "valid_to": date(2026, 6, 1)},
            "M-HJ-1",
            ["E-1"],
            "GZ-RL-005",
        ),
        ({}, {"grantor_id_number": "440524188001010014"}, "M-HJ-1", ["E-1"], "GZ-RL-006"),
    ],
)
def test_r024_r025_proxy_violations(
    make_entry: Make,
    entry_over: dict,
    proxy_over: dict,
    matter: str,
    ids: list[str],
    code: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(RuleViolationError) as ei:
        check_proxy(
            make_entry(**entry_over),
            _proxy(**proxy_over),
            PLEDGOR,
            matter_code=matter,
            entry_ids=ids,
            on=ON,
        )
    assert ei.value.code == code
    assert "R-02" in ei.value.message
    assert "11010519491231002X" not in ei.value.message  # never a full identifier


def test_r025_exam_proxy_message_cites_r025(make_entry: Make) -> None:
    e = make_entry(priority_area="QUALIFICATION_EXAM", proxy_allowed=False)
    with pytest.raises(RuleViolationError, match="R-025"):
        check_proxy(e, _proxy(), PLEDGOR, matter_code="M-HJ-1", entry_ids=["E-1"], on=ON)


def test_r022_ineligibility_is_a_result_not_an_error(make_entry: Make, make_snapshot: Snap) -> None:
    """R-022: an ineligible applicant is routed to the proof, so the gate returns, not raises."""
    snap = make_snapshot(("CR-1", "FALSE_PLEDGE", "GENERAL", "PUBLICIZED"))
    res = check_eligibility(snap, make_entry(), on=ON)
    assert res.eligible is False and res.reasons
