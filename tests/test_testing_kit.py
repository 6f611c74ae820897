"""The public testing kit (issue 11 item 4): simulated clock, clock-following test PKI,
and a whole case at a simulated date through :class:`gaozhi_sdk.testing.Sandbox`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gaozhi_sdk import ConfigError, PledgeService, esign
from gaozhi_sdk.models import VerificationResult
from gaozhi_sdk.testing import Sandbox, SimulatedClock, TestPKI, sample_list

CST = timezone(timedelta(hours=8))
FAR = "2031-06-02T09:00:00+08:00"  # beyond a real-time 3-year leaf issued today


def test_simulated_clock_moves_only_when_told() -> None:
    clock = SimulatedClock("2026-03-02T09:00:00")
    assert clock() == datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # naive → UTC+8
    assert clock() == clock.now()
    assert clock.advance(days=1, hours=2) == datetime(2026, 3, 3, 11, 0, tzinfo=CST)
    assert clock.advance(timedelta(minutes=30), seconds=5).minute == 30
    assert clock.set(datetime(2020, 1, 1, tzinfo=UTC)) == datetime(2020, 1, 1, tzinfo=UTC)
    assert "2020-01-01" in repr(clock)


def test_simulated_clock_refuses_going_backwards_and_bad_times() -> None:
    clock = SimulatedClock(FAR)
    with pytest.raises(ConfigError) as exc:
        clock.advance(days=-1)
    assert exc.value.code == "GZ-CF-040"
    assert clock() == datetime.fromisoformat(FAR)  # unchanged
    with pytest.raises(ConfigError) as bad:
        clock.set("next tuesday")
    assert bad.value.code == "GZ-CF-041"


def test_service_uses_the_simulated_clock() -> None:
    clock = SimulatedClock(FAR)
    clist = sample_list()
    organ = clist.owner_uscc or ""
    pki = TestPKI.create(clock=clock)
    svc = PledgeService.open(
        "sqlite://", signers={organ: pki.organ_seal(clist.owner_organ, organ)}, clock=clock
    )
    assert svc.now() == clock()
    clock.advance(days=400)
    assert svc.now() == datetime.fromisoformat(FAR) + timedelta(days=400)
    svc.close()


def _covers(signer: object, at: datetime) -> bool:
    cert = signer.certificate_chain[0]  # type: ignore[attr-defined]
    return bool(cert.not_valid_before_utc <= at <= cert.not_valid_after_utc)


def test_test_pki_certificates_follow_the_clock() -> None:
    clock = SimulatedClock(FAR)
    pki = TestPKI.create(clock=clock)
    assert _covers(pki.applicant("张* 测试"), clock())
    root = pki.root_certificate
    assert root.not_valid_before_utc <= clock() <= root.not_valid_after_utc
    seal = pki.organ_seal("某局", "11411222005123026Q")
    assert pki.organ_seal("某局", "11411222005123026Q") is seal  # reused while valid
    clock.advance(days=4 * 365)  # past the 3-year leaf
    renewed = pki.organ_seal("某局", "11411222005123026Q")
    assert renewed is not seal and _covers(renewed, clock()) and not _covers(seal, clock())
    # without a clock the defaults are real time, which does not cover the far date
    assert not _covers(TestPKI.create().applicant("李* 测试"), datetime.fromisoformat(FAR))


def test_signature_at_a_far_simulated_date_validates_only_with_a_clock_following_pki() -> None:
    at = datetime.fromisoformat(FAR)
    for pki, ok in ((TestPKI.create(clock=SimulatedClock(at)), True), (TestPKI.create(), False)):
        bundle = esign.sign(b"{}", pki.applicant("王* 测试"), payload_type="application/json")
        # a foreign payload type: the verifier says any trusted signer will do
        policy = esign.DEFAULT_POLICY.with_rules({"application/json": esign.UnsafeAnySigner()})
        report = esign.validate(bundle, pki.trust_store(), at=at, policy=policy)
        assert (report.indication.value == "TOTAL_PASSED") is ok


def test_whole_case_at_a_simulated_date_in_the_sandbox() -> None:
    clock = SimulatedClock(FAR)
    with Sandbox.open(clock=clock) as box:
        case = box.pledge_case(["SZ-GA-HJ-001"])
        assert case.notice.case_no == case.case_no == case.pledge.case_no
        clock.advance(days=2)
        done = box.svc.verifications.run_online(case.verifications[0].verification_id)
        assert done.result is VerificationResult.TRUE
        assert done.concluded_at == clock()
        box.decide(case.case_no)
        closed = box.svc.cases.close(case.case_no, box.clerk)
        assert closed.status.value == "CLOSED_TRUE"
        assert box.svc.store.verify_journal().ok  # type: ignore[attr-defined]


def test_sandbox_mismatch_and_not_found_answers() -> None:
    with Sandbox.open(seed=5) as box:
        false_case = box.pledge_case(["SZ-GA-HJ-001"], shared_data_agrees=False)
        v = box.svc.verifications.run_online(false_case.verifications[0].verification_id)
        assert v.result is VerificationResult.FALSE
        with pytest.raises(Exception) as refused:
            box.decide(false_case.case_no)
        assert getattr(refused.value, "code", None) == "GZ-RL-220"
        unknown = box.pledge_case(["SZ-GA-HJ-001"], shared_data_agrees=None)
        u = box.svc.verifications.run_online(unknown.verifications[0].verification_id)
        assert u.result is None and u.online_outcome is not None
        assert u.online_outcome.value == "NOT_FOUND"


def test_sandbox_is_reproducible_by_seed() -> None:
    with Sandbox.open(seed=9) as a, Sandbox.open(seed=9) as b:
        assert a.applicant() == b.applicant()
