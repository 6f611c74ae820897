"""Verification after the pledge (machine C; R-026, R-040…R-047, R-102)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from gaozhi_sdk.canonical import model_bytes
from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError
from gaozhi_sdk.esign import Bundle, Indication, validate
from gaozhi_sdk.models import CreditSnapshot, CreditSnapshotItem, Evidence
from gaozhi_sdk.models.enums import (
    AssistanceReply,
    CaseStatus,
    OnlineOutcome,
    Severity,
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.testing.fakes import FakeCreditSource
from gaozhi_sdk.workflow.draw import compute_draw

from .conftest import (
    ASSISTED_ENTRY,
    EXEMPT_ENTRY,
    ON_SITE_ENTRY,
    ONLINE_ENTRY,
    ONLINE_FIRST_ENTRY,
    OWNER_USCC,
    POLICE_USCC,
    World,
)

SEED = "00112233445566778899aabbccddeeff"
INSPECTORS = ["IN0007", "IN0008", "IN0009"]


def _only_verification(world: World, case_no: str) -> Any:
    (v,) = world.svc.verifications.list(case_no=case_no)
    return v


def _assert_sealed_finding(world: World, vid: str) -> None:
    blob = world.svc.store.get_blob(f"verification/{vid}")
    assert blob is not None
    report = validate(Bundle.from_json(blob.data), world.pki.trust_store(), at=world.clock())
    assert report.indication is Indication.TOTAL_PASSED
    concluded = [
        e
        for e in world.journal(aggregate_id=vid, outcome="APPLIED")
        if e.detail.get("to") == "CONCLUDED"
    ]
    assert len(concluded) == 1 and concluded[0].detail["bundle_sha256"] == blob.sha256


def _topics(world: World) -> list[str]:
    return [m.topic for m in world.svc.store.pending_outbox(limit=1000)]


# -- R-044 online first ------------------------------------------------------------------------
def test_r044_online_verified_concludes_true(world: World) -> None:
    """R-044: VERIFIED from the data-sharing provider concludes TRUE with a sealed finding."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    v = _only_verification(world, case.case_no)
    assert v.method is VerificationMethod.ONLINE and v.phase is VerificationPhase.IN_PROCESS
    done = world.svc.verifications.run_online(v.verification_id)
    assert done.status is VerificationStatus.CONCLUDED
    assert done.result is VerificationResult.TRUE
    assert done.online_outcome is OnlineOutcome.VERIFIED
    assert done.evidence and done.evidence[-1].kind == "数据共享回执"
    _assert_sealed_finding(world, v.verification_id)
    assert "verification.completed" in _topics(world)
    assert "pledge.false_found" not in _topics(world)


def test_r044_online_mismatch_concludes_false(world: World) -> None:
    """R-044/R-050: MISMATCH concludes FALSE and announces the false pledge."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=False)
    v = _only_verification(world, case.case_no)
    done = world.svc.verifications.run_online(v.verification_id)
    assert done.result is VerificationResult.FALSE
    assert done.online_outcome is OnlineOutcome.MISMATCH
    _assert_sealed_finding(world, v.verification_id)
    assert "pledge.false_found" in _topics(world)


@pytest.mark.parametrize(
    ("entry_id", "fallback"),
    [
        (ONLINE_ENTRY, VerificationMethod.ASSISTED),  # the entry's fallback_method
        (ONLINE_FIRST_ENTRY, VerificationMethod.ON_SITE),
    ],  # ON_SITE planned, online first
)
def test_r044_not_found_replanned_to_fallback(
    world: World, entry_id: str, fallback: VerificationMethod
) -> None:
    """R-044/R-046: NOT_FOUND (no shared data) re-plans to the fallback method — the one the
    plan announced — and never concludes TRUE."""
    case = world.bring(entry_id, "ACCEPTED", truth=None)
    v = _only_verification(world, case.case_no)
    assert v.method is VerificationMethod.ONLINE
    after = world.svc.verifications.run_online(v.verification_id)
    assert after.method is fallback
    assert after.status is VerificationStatus.SCHEDULED
    assert after.result is None and after.concluded_at is None
    assert after.online_outcome is OnlineOutcome.NOT_FOUND
    assert any(fallback.value in r for r in after.plan_reasons)
    (replan,) = world.journal(aggregate_id=v.verification_id, event="verification.replan")
    assert replan.detail["method"] == fallback.value


def test_r044_consent_required_replanned(world: World) -> None:
    """R-044/R-046: CONSENT_REQUIRED re-plans (assisted), never TRUE."""
    app = world.new_applicant()
    world.provider.consent_required = frozenset({(app.id_number, ONLINE_ENTRY)})
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", app=app, truth=True)
    v = _only_verification(world, case.case_no)
    after = world.svc.verifications.run_online(v.verification_id)
    assert after.method is VerificationMethod.ASSISTED
    assert after.result is None


def test_r044_undetermined_retried_then_replanned(world: World) -> None:
    """R-044: UNDETERMINED (provider fault) keeps the check online for the configured number
    of attempts, then re-plans to the fallback; it never becomes TRUE."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    world.provider.fault_rate = 1.0  # every call: HTTP 503
    v = _only_verification(world, case.case_no)
    attempts = world.svc.rules.planning.max_online_attempts
    for n in range(1, attempts):
        after = world.svc.verifications.run_online(v.verification_id)
        assert after.status is VerificationStatus.ONLINE_CHECK
        assert after.method is VerificationMethod.ONLINE
        assert after.attempts == n and after.result is None
    last = world.svc.verifications.run_online(v.verification_id)
    assert last.method is VerificationMethod.ASSISTED
    assert last.status is VerificationStatus.SCHEDULED and last.result is None
    assert world.provider.calls == attempts


def test_r044_provider_exception_is_undetermined(world: World) -> None:
    """R-044: a provider that raises is a technical outcome (UNDETERMINED), not a result."""

    class Broken:
        def verify_proof(self, request: Any) -> Any:
            raise ConnectionError("endpoint down")

    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    world.svc.online_verifier = Broken()
    v = _only_verification(world, case.case_no)
    after = world.svc.verifications.run_online(v.verification_id)
    assert after.online_outcome is OnlineOutcome.UNDETERMINED
    assert after.result is None and after.status is VerificationStatus.ONLINE_CHECK


def test_r044_online_only_for_online_method(world: World) -> None:
    """R-044: an on-site verification cannot be run through the online provider."""
    case = world.bring(ON_SITE_ENTRY, "ACCEPTED")
    v = _only_verification(world, case.case_no)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.verifications.run_online(v.verification_id)
    assert ei.value.code == "GZ-RL-230"


# -- R-045 on site -----------------------------------------------------------------------------
def test_r045_on_site_task_pushed_and_recorded(world: World) -> None:
    """R-045: the on-site task is pushed to an inspector, who records the finding."""
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    v = _only_verification(world, case.case_no)
    assert v.method is VerificationMethod.ON_SITE and v.phase is VerificationPhase.POST_DECISION
    task = world.svc.verifications.dispatch_on_site(v.verification_id, "IN0008", world.inspector)
    assert task.status is VerificationStatus.ON_SITE_TASK and task.inspector == "IN0008"
    assert "verification.on_site_dispatched" in _topics(world)
    # INCONCLUSIVE → 补充核查: re-planned on site, not concluded
    again = world.svc.verifications.record_on_site(
        v.verification_id, VerificationResult.INCONCLUSIVE, world.inspector
    )
    assert again.status is VerificationStatus.SCHEDULED and again.result is None
    world.svc.verifications.dispatch_on_site(v.verification_id, "IN0008", world.inspector)
    done = world.svc.verifications.record_on_site(
        v.verification_id,
        VerificationResult.TRUE,
        world.inspector,
        [Evidence(kind="现场检查记录", ref="XC-1")],
    )
    assert done.result is VerificationResult.TRUE and done.inspector == "IN0007"
    _assert_sealed_finding(world, v.verification_id)


def test_r045_on_site_guards(world: World) -> None:
    """R-045: only inspectors of the organ record; results are TRUE/FALSE; method must fit."""
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    v = _only_verification(world, case.case_no)
    world.svc.verifications.dispatch_on_site(v.verification_id, "IN0007", world.inspector)
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.verifications.record_on_site(
            v.verification_id, VerificationResult.TRUE, world.clerk
        )
    assert ei.value.code == "GZ-AU-001"
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.verifications.record_on_site(
            v.verification_id, VerificationResult.TRUE, world.police
        )
    assert ei.value.code == "GZ-AU-002"
    with pytest.raises(RuleViolationError) as ei2:
        world.svc.verifications.record_on_site(
            v.verification_id, VerificationResult.NO_ADVERSE_FINDING, world.inspector
        )
    assert ei2.value.code == "GZ-RL-235"
    assert world.svc.verifications.get(v.verification_id).status is VerificationStatus.ON_SITE_TASK
    online = _only_verification(world, world.bring(ONLINE_ENTRY, "ACCEPTED").case_no)
    with pytest.raises(RuleViolationError) as ei3:
        world.svc.verifications.dispatch_on_site(online.verification_id, "IN0007", world.inspector)
    assert ei3.value.code == "GZ-RL-234"


# -- assistance ------------------------------------------------------------------
def _assistance(world: World) -> tuple[Any, Any]:
    case = world.bring(ASSISTED_ENTRY, "ACCEPTED")
    v = _only_verification(world, case.case_no)
    assert v.method is VerificationMethod.ASSISTED
    req = world.svc.verifications.request_assistance(
        v.verification_id,
        requested_organ=POLICE_USCC,
        question="请核实申领人与已故参保人员的亲属关系",
        actor=world.inspector,
    )
    return v, req


def test_r046_assistance_requested_with_working_day_deadline(world: World) -> None:
    """R-046/R-102: the request is stored with a reply deadline in working days."""
    v, req = _assistance(world)
    assert (
        world.svc.verifications.get(v.verification_id).status is VerificationStatus.ASSIST_REQUESTED
    )
    days = world.svc.rules.assistance_reply_working_days
    assert req.due_at == world.svc.calendar.add_working_days(req.sent_at, days)
    assert req.due_at > req.sent_at + timedelta(days=days - 1)
    assert "assistance.requested" in _topics(world)


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_r047_refusal_without_reason_refused(world: World, reason: str | None) -> None:
    """R-047: a requested organ that cannot assist must say why in writing (GZ-RL-232)."""
    v, req = _assistance(world)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.verifications.reply_assistance(
            req.assistance_id, AssistanceReply.REFUSED, world.police, refusal_reason=reason
        )
    assert ei.value.code == "GZ-RL-232"
    assert (
        world.svc.verifications.get(v.verification_id).status is VerificationStatus.ASSIST_REQUESTED
    )


def test_r047_written_refusal_then_replanned_on_site(world: World) -> None:
    """R-047: a written refusal moves to ASSIST_REFUSED and the check is re-planned ON_SITE."""
    v, req = _assistance(world)
    after = world.svc.verifications.reply_assistance(
        req.assistance_id,
        AssistanceReply.REFUSED,
        world.police,
        refusal_reason="相关档案已移交市级档案馆, 本机关无法查询",
    )
    assert after.method is VerificationMethod.ON_SITE
    assert after.status is VerificationStatus.SCHEDULED and after.result is None
    steps = [
        (e.event, e.detail.get("to"))
        for e in world.journal(aggregate_id=v.verification_id, outcome="APPLIED")
    ]
    assert ("verification.reply_assistance", "ASSIST_REFUSED") in steps
    assert steps[-1] == ("verification.replan", "SCHEDULED")
    stored = world.svc.store.get("assistance", req.assistance_id)
    assert stored is not None and stored.state == "REFUSED"
    assert stored.doc["refusal_reason"].startswith("相关档案")


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        (AssistanceReply.CONFIRMED, VerificationResult.TRUE),
        (AssistanceReply.DENIED_FACT, VerificationResult.FALSE),
    ],
)
def test_r046_assistance_reply_concludes(
    world: World, reply: AssistanceReply, result: VerificationResult
) -> None:
    """R-046: the other organ's reply concludes the verification (sealed by the requester)."""
    v, req = _assistance(world)
    done = world.svc.verifications.reply_assistance(req.assistance_id, reply, world.police)
    assert done.result is result
    _assert_sealed_finding(world, v.verification_id)


def test_r046_reply_by_official_of_another_organ_refused(world: World) -> None:
    """R-046: only the requested organ replies; an inspector of another organ is refused and
    the attempt journaled."""
    v, req = _assistance(world)
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.verifications.reply_assistance(
            req.assistance_id, AssistanceReply.CONFIRMED, world.inspector
        )
    assert ei.value.code == "GZ-AU-002"
    refused = world.journal(aggregate_id=v.verification_id, outcome="REFUSED")
    assert [e.detail["code"] for e in refused] == ["GZ-AU-002"]
    assert (
        world.svc.verifications.get(v.verification_id).status is VerificationStatus.ASSIST_REQUESTED
    )


# -- credit-based tightening -----------------------------------------------------
def _adverse(world: World) -> Any:
    app = world.new_applicant()
    item = CreditSnapshotItem(
        record_id="EXT-1",
        conduct="OTHER",
        severity=Severity.MINOR,
        status="PUBLICIZED",
        recorded_on=date(2025, 10, 1),
    )
    snap = CreditSnapshot(
        subject_digest=world.svc.subject_digest(app.id_number),
        taken_at=world.clock().date(),
        source="信用信息共享平台",
        items=(item,),
    )
    world.svc.credit_source = FakeCreditSource({app.id_number: snap})
    return app


@pytest.mark.parametrize("entry_id", [ONLINE_ENTRY, ON_SITE_ENTRY, EXEMPT_ENTRY])
def test_r040_adverse_record_tightens_plan(world: World, entry_id: str) -> None:
    """R-026/R-040: a (non-barring) adverse record makes the plan stricter: in-process, a
    shorter window, and exempt items verified after all."""
    plain = _only_verification(world, world.bring(entry_id, "ACCEPTED").case_no)
    app = _adverse(world)
    case = world.bring(entry_id, "ACCEPTED", app=app)
    tight = _only_verification(world, case.case_no)
    assert not plain.tightened and tight.tightened
    assert tight.phase is VerificationPhase.IN_PROCESS
    assert tight.status is VerificationStatus.SCHEDULED
    assert tight.due_at is not None
    assert any("R-040" in r for r in tight.plan_reasons)
    if plain.due_at is not None:
        assert tight.due_at < plain.due_at
    if entry_id == EXEMPT_ENTRY:
        assert plain.status is VerificationStatus.DAILY_SUPERVISION
        assert tight.method is not VerificationMethod.EXEMPT
    # the tightened in-process check now gates the decision
    with pytest.raises(RuleViolationError):
        world.decide(case.case_no)


# -- 双随机 -------------------------------------------------------------------------
def _exempt_population(world: World, n: int) -> list[str]:
    vids = []
    for _ in range(n):
        case = world.bring(EXEMPT_ENTRY, "ACCEPTED")
        v = _only_verification(world, case.case_no)
        assert v.status is VerificationStatus.DAILY_SUPERVISION and v.due_at is None
        vids.append(v.verification_id)
    return vids


def test_r043_draw_only_among_daily_supervision(world: World) -> None:
    """R-042/R-043: the draw's population is exactly the organ's exempt pledges in daily
    supervision; it is sealed, journaled, and reproducible with compute_draw."""
    exempt = _exempt_population(world, 6)
    other = _only_verification(world, world.bring(ONLINE_ENTRY, "ACCEPTED").case_no)
    (d,) = world.svc.verifications.draw_inspections(
        OWNER_USCC, INSPECTORS, world.inspector, seed_hex=SEED, rate_percent=30
    )
    assert d.population == tuple(sorted(exempt))
    assert other.verification_id not in d.population
    assert len(d.selected) == 2  # ceil(6 × 30 %)
    assert set(d.selected) <= set(exempt)
    assert compute_draw(d.seed, d.population, d.inspectors, d.rate_percent) == (
        d.selected,
        d.assignments,
    )
    assert {vid for vid, _ in d.assignments} == set(d.selected)
    assert {who for _, who in d.assignments} <= set(INSPECTORS)
    blob = world.svc.store.get_blob(f"draw/{d.draw_id}")
    assert blob is not None
    bundle = Bundle.from_json(blob.data)
    assert bundle.payload == model_bytes(d)
    assert validate(bundle, world.pki.trust_store(), at=world.clock()).indication is (
        Indication.TOTAL_PASSED
    )
    (entry,) = world.journal(event="draw.publish")
    assert entry.aggregate_id == d.draw_id and entry.detail["bundle_sha256"] == blob.sha256
    assert entry.detail["selected"] == 2 and entry.detail["population"] == 6
    for vid, who in d.assignments:
        assert world.svc.verifications.get(vid).inspector == who
    # the drawn ones are not drawn again; the others take part in the next draw
    (again,) = world.svc.verifications.draw_inspections(
        OWNER_USCC, INSPECTORS, world.inspector, seed_hex=SEED
    )
    assert set(again.population) == set(exempt) - set(d.selected)


def test_r043_same_public_inputs_same_draw(world_factory: Any) -> None:
    """R-043: two services with the same pledges and the same published seed draw the same."""
    results = []
    for name in ("a.db", "b.db"):
        w = world_factory(name=name)
        _exempt_population(w, 5)
        (d,) = w.svc.verifications.draw_inspections(
            OWNER_USCC, INSPECTORS, w.inspector, seed_hex=SEED, rate_percent=40
        )
        results.append((d.seed, d.population, d.selected, d.assignments))
    assert results[0] == results[1]


def test_r042_supervision_result_only_for_selected(world: World) -> None:
    """R-042: inspection results are recorded for drawn pledges only; adverse → FALSE."""
    _exempt_population(world, 4)
    (d,) = world.svc.verifications.draw_inspections(
        OWNER_USCC, INSPECTORS, world.inspector, seed_hex=SEED, rate_percent=25
    )
    (chosen,) = d.selected
    not_chosen = [v for v in d.population if v not in d.selected]
    with pytest.raises(RuleViolationError) as ei:
        world.svc.verifications.record_supervision(not_chosen[0], False, world.inspector)
    assert ei.value.code == "GZ-RL-233"
    assert world.svc.verifications.get(not_chosen[0]).status is VerificationStatus.DAILY_SUPERVISION
    done = world.svc.verifications.record_supervision(
        chosen, True, world.inspector, [Evidence(kind="双随机抽查记录", ref=d.draw_id)]
    )
    assert done.result is VerificationResult.FALSE
    _assert_sealed_finding(world, chosen)


def test_r042_draw_by_clerk_refused(world: World) -> None:
    """R-043: the draw is made by inspectors or the system, not by window clerks."""
    _exempt_population(world, 2)
    with pytest.raises(PermissionDeniedError):
        world.svc.verifications.draw_inspections(OWNER_USCC, INSPECTORS, world.clerk, seed_hex=SEED)
    assert world.svc.store.count("draw") == 0
    assert world.journal(event="draw.publish", outcome="REFUSED")


# -- overdue and the exempt horizon ------------------------------------------------------------
def test_r041_overdue_escalates_and_never_concludes_true(world: World) -> None:
    """R-041 [INFERRED]: past its due date an open verification goes OVERDUE, escalates
    daily, and never becomes TRUE by timeout; it can still be completed afterwards."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    v = _only_verification(world, case.case_no)
    assert v.due_at is not None
    world.clock.set(v.due_at - timedelta(minutes=1))
    assert world.svc.sweep()["overdue"] == 0
    world.clock.set(v.due_at + timedelta(hours=1))
    assert world.svc.sweep()["overdue"] == 1
    v1 = world.svc.verifications.get(v.verification_id)
    assert v1.status is VerificationStatus.OVERDUE and v1.result is None
    assert v1.overdue_since == world.clock() and v1.escalations == 0
    assert world.svc.sweep() == {
        "overdue": 0,
        "escalated": 0,
        "exempt_closed": 0,
        "credit_expired": 0,
    }
    world.clock.advance(days=1)
    assert world.svc.sweep()["escalated"] == 1
    assert world.svc.sweep()["escalated"] == 0  # at most one escalation per day
    world.clock.advance(hours=12)
    assert world.svc.sweep()["escalated"] == 0
    world.clock.advance(hours=12)
    assert world.svc.sweep()["escalated"] == 1
    v2 = world.svc.verifications.get(v.verification_id)
    assert v2.status is VerificationStatus.OVERDUE and v2.escalations == 2
    assert v2.result is None
    assert _topics(world).count("verification.overdue") == 3
    with pytest.raises(RuleViolationError):
        world.decide(case.case_no)
    marks = world.journal(aggregate_id=v.verification_id, event="verification.mark_overdue")
    assert len(marks) == 3 and all(m.actor["role"] == "SYSTEM" for m in marks)
    # a late check still concludes on its merits
    done = world.svc.verifications.run_online(v.verification_id)
    assert done.result is VerificationResult.TRUE


def test_r041_overdue_post_decision_blocks_closing(world: World) -> None:
    """An overdue post-decision check keeps the case DECIDED: close_case is refused."""
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    v = _only_verification(world, case.case_no)
    assert v.due_at is not None
    world.clock.set(v.due_at + timedelta(days=1))
    world.svc.sweep()
    assert world.svc.verifications.get(v.verification_id).status is VerificationStatus.OVERDUE
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.close(case.case_no, world.clerk)
    assert ei.value.code == "GZ-RL-221"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.DECIDED


def test_r042_exempt_horizon_gives_no_adverse_finding(world: World) -> None:
    """R-042 [INFERRED horizon]: an exempt pledge not drawn and without adverse finding closes
    NO_ADVERSE_FINDING (not TRUE) after the horizon; the case can then be archived."""
    case = world.bring(EXEMPT_ENTRY, "DECIDED")
    v = _only_verification(world, case.case_no)
    months = world.svc.rules.exempt_horizon_months
    world.clock.advance(days=months * 30 - 10)
    assert world.svc.sweep()["exempt_closed"] == 0
    world.clock.advance(days=20)
    assert world.svc.sweep()["exempt_closed"] == 1
    done = world.svc.verifications.get(v.verification_id)
    assert done.status is VerificationStatus.CONCLUDED
    assert done.result is VerificationResult.NO_ADVERSE_FINDING
    _assert_sealed_finding(world, v.verification_id)
    assert world.svc.cases.close(case.case_no, world.clerk).status is CaseStatus.CLOSED_TRUE


def test_r042_exempt_not_closed_before_decision_or_when_drawn(world: World) -> None:
    """The horizon runs from the decision; a drawn pledge awaits its inspection result."""
    undecided = world.bring(EXEMPT_ENTRY, "ACCEPTED")
    drawn = world.bring(EXEMPT_ENTRY, "DECIDED")
    (d,) = world.svc.verifications.draw_inspections(
        OWNER_USCC, INSPECTORS, world.inspector, seed_hex=SEED, rate_percent=100
    )
    assert set(d.selected) == set(d.population)
    world.clock.advance(days=400)
    assert world.svc.sweep()["exempt_closed"] == 0
    for c in (undecided, drawn):
        v = _only_verification(world, c.case_no)
        assert v.status is VerificationStatus.DAILY_SUPERVISION and v.result is None
