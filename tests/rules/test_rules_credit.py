"""R-110…R-117 credit regimes, publicity periods, repair; R-055 severity mapping."""

from __future__ import annotations

from datetime import date

import pytest

from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models import CreditRecord, PublicityPeriod
from gaozhi_sdk.models.enums import Conduct, CreditStatus, Severity
from gaozhi_sdk.rules import (
    BUILTIN_REGIMES,
    FalsePledgeFacts,
    SeverityMapping,
    publicity_period,
    regime_by_id,
    regime_for,
    repair_allowed,
)


def _record(period: PublicityPeriod, severity: Severity, status: CreditStatus) -> CreditRecord:
    return CreditRecord(
        record_id="CR-1",
        subject_digest="a" * 64,
        subject_masked="1101**********002X",
        subject_is_legal_person=False,
        conduct=Conduct.FALSE_PLEDGE,
        severity=severity,
        case_no="C-1",
        disposition_id="D-1",
        recorded_on=period.start,
        organ_uscc="11411222005123018X",
        status=status,
        publicity=period,
    )


@pytest.mark.parametrize(
    ("on", "regime_id"),
    [
        (date(2020, 1, 1), "CN-2019-527"),
        (date(2023, 4, 30), "CN-2019-527"),
        (date(2023, 5, 1), "CN-2023-TRIAL"),
        (date(2026, 3, 31), "CN-2023-TRIAL"),
        (date(2026, 4, 1), "CN-2026"),
    ],
)
def test_r110_regime_chosen_by_effective_date(on: date, regime_id: str) -> None:
    assert regime_for(on).regime_id == regime_id


def test_r110_no_regime_before_2019_is_config_error() -> None:
    with pytest.raises(ConfigError) as ei:
        regime_for(date(2018, 1, 1))
    assert ei.value.code == "GZ-CF-121"
    with pytest.raises(ConfigError) as ei:
        regime_by_id("CN-1999")
    assert ei.value.code == "GZ-CF-120"


def test_r110_2026_periods() -> None:
    reg = regime_by_id("CN-2026")
    general = publicity_period(Severity.GENERAL, date(2026, 5, 31), reg)
    assert (general.min_end, general.max_end) == (date(2026, 8, 31), date(2027, 5, 31))
    serious = publicity_period(Severity.SERIOUS, date(2026, 4, 1), reg)
    assert (serious.min_end, serious.max_end) == (date(2027, 4, 1), date(2029, 4, 1))
    minor = publicity_period(Severity.MINOR, date(2026, 4, 1), reg)
    assert minor.published is False
    assert minor.min_end == minor.max_end == date(2026, 4, 1)


def test_r117_2019_serious_min_six_months() -> None:
    reg = regime_for(date(2021, 1, 1))
    p = publicity_period(Severity.SERIOUS, date(2021, 8, 31), reg)
    assert (p.min_end, p.max_end) == (date(2022, 2, 28), date(2024, 8, 31))
    assert p.regime_id == "CN-2019-527"


def test_r110_every_builtin_regime_has_every_grade() -> None:
    for reg in BUILTIN_REGIMES:
        assert set(reg.policies) == set(Severity)


def test_r113_repair_only_after_minimum_publicity() -> None:
    reg = regime_by_id("CN-2026")
    p = publicity_period(Severity.GENERAL, date(2026, 4, 10), reg)
    rec = _record(p, Severity.GENERAL, CreditStatus.PUBLICIZED)
    ok, why = repair_allowed(rec, date(2026, 7, 9))
    assert not ok and "R-113" in why
    ok, why = repair_allowed(rec, date(2026, 7, 10))
    assert ok and "R-113" in why


def test_r112_non_repairable_case_never_repairable() -> None:
    p = publicity_period(Severity.GENERAL, date(2026, 4, 10), regime_by_id("CN-2026"))
    rec = _record(p, Severity.GENERAL, CreditStatus.PUBLICIZED)
    ok, why = repair_allowed(rec, date(2030, 1, 1), non_repairable=True)
    assert not ok and "R-112" in why


@pytest.mark.parametrize(
    "status",
    [
        CreditStatus.REPAIRED,
        CreditStatus.INVALIDATED,
        CreditStatus.CORRECTED,
        CreditStatus.REPAIR_PENDING,
        CreditStatus.UNDER_OBJECTION,
    ],
)
def test_r113_no_repair_for_closed_or_pending_records(status: CreditStatus) -> None:
    """R-116: records under objection or already corrected/invalidated are not repaired."""
    p = publicity_period(Severity.SERIOUS, date(2026, 4, 10), regime_by_id("CN-2026"))
    ok, _ = repair_allowed(_record(p, Severity.SERIOUS, status), date(2030, 1, 1))
    assert not ok


def test_r110_minor_unpublished_repairable_at_once() -> None:
    p = publicity_period(Severity.MINOR, date(2026, 4, 10), regime_by_id("CN-2026"))
    ok, why = repair_allowed(_record(p, Severity.MINOR, CreditStatus.RECORDED), date(2026, 4, 10))
    assert ok and "R-110" in why


def test_r055_default_grades() -> None:
    m = SeverityMapping()
    assert m.grade(FalsePledgeFacts())[0] is Severity.GENERAL
    small = FalsePledgeFacts(
        decision_issued=True, benefit_obtained=True, benefit_value_yuan="9999.99"
    )
    assert m.grade(small)[0] is Severity.GENERAL
    big = FalsePledgeFacts(benefit_obtained=True, benefit_value_yuan="10000")
    sev, reasons = m.grade(big)
    assert sev is Severity.SERIOUS and any("10000" in r for r in reasons)
    assert m.grade(FalsePledgeFacts(referred_for_crime=True))[0] is Severity.SERIOUS
    assert m.grade(FalsePledgeFacts(third_party_harm=True))[0] is Severity.SERIOUS


def test_r055_mapping_is_configurable() -> None:
    m = SeverityMapping(serious_benefit_threshold_yuan="500", third_party_harm_serious=False)
    assert (
        m.grade(FalsePledgeFacts(benefit_obtained=True, benefit_value_yuan="600"))[0]
        is Severity.SERIOUS
    )
    assert m.grade(FalsePledgeFacts(third_party_harm=True))[0] is Severity.GENERAL


def test_r020_minor_never_default_for_false_pledge() -> None:
    with pytest.raises(ValueError, match="轻微"):
        SeverityMapping(base_severity=Severity.MINOR)
    for facts in (FalsePledgeFacts(), FalsePledgeFacts(decision_issued=True)):
        assert SeverityMapping().grade(facts)[0] is not Severity.MINOR


def test_r055_amounts_are_decimal_strings() -> None:
    with pytest.raises(ValueError):
        FalsePledgeFacts(benefit_value_yuan="1e4")


def test_r054_referral_for_crime_is_serious() -> None:
    sev, reasons = SeverityMapping().grade(FalsePledgeFacts(referred_for_crime=True))
    assert sev is Severity.SERIOUS and any("R-054" in r for r in reasons)
    lenient = SeverityMapping(referral_serious=False)
    assert lenient.grade(FalsePledgeFacts(referred_for_crime=True))[0] is Severity.GENERAL
