"""False pledges: disposition, credit records, repair, objections, expiry (machine D)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError
from gaozhi_sdk.esign import Bundle, Indication, validate
from gaozhi_sdk.models import CST, CreditRepairApplication, Objection
from gaozhi_sdk.models.enums import (
    CaseStatus,
    CreditStatus,
    DispositionAction,
    ObjectionOutcome,
    ProofMode,
    RepairDecision,
    Severity,
    VerificationStatus,
)
from gaozhi_sdk.rules import (
    CreditRegime,
    FalsePledgeFacts,
    RulesConfig,
    SeverityMapping,
    SeverityPolicy,
    add_months,
)

from .conftest import EXEMPT_ENTRY, ONLINE_ENTRY, ONLINE_FIRST_ENTRY, World, WorldFactory

A = DispositionAction


def _terminate(world: World, *extra: DispositionAction, **kw: Any) -> tuple[Any, Any]:
    case = world.false_case(CaseStatus.ACCEPTED)
    d = world.svc.credit.dispose(case.case_no, [A.TERMINATE, *extra], world.inspector, **kw)
    return case, world.svc.credit.get(d.credit_record_id or "")


def _repair_app(world: World, record_id: str, n: int = 1) -> CreditRepairApplication:
    return CreditRepairApplication(
        application_id=f"XF-{record_id}-{n}",
        record_id=record_id,
        submitted_on=world.clock().date(),
        obligations_fulfilled_ref="整改完成证明及罚款缴纳凭证",
        credit_commitment_ref="信用承诺书",
    )


def _objection(world: World, record_id: str, n: int = 1) -> Objection:
    return Objection(
        objection_id=f"OBJ-{n}",
        record_id=record_id,
        submitted_on=world.clock().date(),
        grounds="申请人认为认定事实有误",
    )


def _eligible_again(world: World, app: Any) -> bool:
    n = world.notice([ONLINE_ENTRY], app)
    world.choose(n.case_no, {ONLINE_ENTRY: ProofMode.PLEDGE})
    return world.svc.cases.check_eligibility(n.case_no, world.clerk).eligible


# -- R-050 … R-052 disposition -----------------------------------------------------------------
def test_r050_dispose_requires_false_verification(world: World) -> None:
    """R-050: without a FALSE verification there is nothing to dispose of."""
    accepted = world.bring(ONLINE_ENTRY, "ACCEPTED")
    decided = world.bring(ONLINE_ENTRY, "DECIDED", truth=True)  # verified TRUE
    for case, act in ((accepted, A.TERMINATE), (decided, A.REVOKE_DECISION)):
        with pytest.raises(RuleViolationError) as ei:
            world.svc.credit.dispose(case.case_no, [act], world.inspector)
        assert ei.value.code == "GZ-RL-250"
    assert world.svc.store.count("disposition") == 0
    assert world.svc.store.count("credit_record") == 0


def test_r051_terminate_only_before_decision(world: World) -> None:
    """R-051: before the decision the organ terminates handling (终止办理); rectification or
    revocation is not available; exactly one main measure is required."""
    case = world.false_case(CaseStatus.ACCEPTED)
    for acts in ([A.ORDER_RECTIFICATION], [A.REVOKE_DECISION]):
        with pytest.raises(RuleViolationError) as ei:
            world.svc.credit.dispose(case.case_no, acts, world.inspector)
        assert ei.value.code == "GZ-RL-252"
    for acts in ([A.ADMIN_PENALTY], [A.TERMINATE, A.REVOKE_DECISION]):
        with pytest.raises(RuleViolationError) as ei:
            world.svc.credit.dispose(case.case_no, acts, world.inspector)
        assert ei.value.code == "GZ-RL-251"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED
    d = world.svc.credit.dispose(case.case_no, [A.TERMINATE], world.inspector)
    new = world.svc.cases.get(case.case_no)
    assert new.status is CaseStatus.TERMINATED and new.disposition_id == d.disposition_id
    assert d.actions == (A.TERMINATE,)
    (entry,) = world.journal(event="case.terminate")
    assert entry.detail["credit_record"] == d.credit_record_id
    assert entry.detail["actions"] == ["TERMINATE"]


def test_r051_r052_after_decision_rectify_or_revoke(world: World) -> None:
    """R-051/R-052: after the decision: 责令限期整改 (then 整改到位 or 撤销) or 撤销行政决定;
    终止办理 is no longer possible."""
    c1 = world.false_case(CaseStatus.DECIDED)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.dispose(c1.case_no, [A.TERMINATE], world.inspector)
    assert ei.value.code == "GZ-RL-252"
    due = date(2026, 3, 1)
    d1 = world.svc.credit.dispose(
        c1.case_no, [A.ORDER_RECTIFICATION], world.inspector, rectification_due=due
    )
    assert d1.rectification_due == due
    assert world.svc.cases.get(c1.case_no).status is CaseStatus.RECTIFYING
    assert world.svc.credit.confirm_rectified(c1.case_no, world.inspector).status is (
        CaseStatus.CLOSED_RECTIFIED
    )

    c2 = world.false_case(CaseStatus.DECIDED)
    world.svc.credit.dispose(
        c2.case_no, [A.ORDER_RECTIFICATION], world.inspector, rectification_due=due
    )
    assert world.svc.credit.revoke_after_rectification(c2.case_no, world.inspector).status is (
        CaseStatus.REVOKED
    )

    c3 = world.false_case(CaseStatus.DECIDED)
    world.svc.credit.dispose(c3.case_no, [A.REVOKE_DECISION], world.inspector)
    assert world.svc.cases.get(c3.case_no).status is CaseStatus.REVOKED
    assert world.svc.store.count("credit_record") == 3
    with pytest.raises(Exception) as ei2:  # REVOKED is terminal
        world.svc.credit.confirm_rectified(c3.case_no, world.inspector)
    assert getattr(ei2.value, "code", "") == "GZ-WF-002"


def test_r050_disposition_by_credit_officer_refused(world: World) -> None:
    """The disposition is an act of the handling organ's clerks/inspectors (role policy)."""
    case = world.false_case(CaseStatus.ACCEPTED)
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.credit.dispose(case.case_no, [A.TERMINATE], world.credit_officer)
    assert ei.value.code == "GZ-AU-001"
    assert world.svc.store.count("credit_record") == 0
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED


def test_r050_disposition_and_record_are_sealed(world: World) -> None:
    """R-050/R-056: the disposition and the credit record are sealed and journaled in the same
    transaction as the case change."""
    case, rec = _terminate(world)
    trust = world.pki.trust_store()
    for blob_id in (f"disposition/{rec.disposition_id}", f"credit-record/{rec.record_id}"):
        blob = world.svc.store.get_blob(blob_id)
        assert blob is not None
        report = validate(Bundle.from_json(blob.data), trust, at=world.clock())
        assert report.indication is Indication.TOTAL_PASSED
    (terminate,) = world.journal(event="case.terminate")
    (record,) = world.journal(event="credit.record")
    assert record.seq == terminate.seq + 1 and record.at == terminate.at
    assert record.aggregate_id == rec.record_id and record.detail["to"] == "RECORDED"
    assert rec.status is CreditStatus.RECORDED and rec.case_no == case.case_no
    assert rec.subject_digest == world.svc.subject_digest(case.applicant.id_number)
    assert case.applicant.id_number not in rec.model_dump_json()
    assert rec.subject_name_public is None  # a citizen's name is never public


def test_r058_admin_penalty_issues_repair_notice(world: World) -> None:
    """R-058 (两书同达): an administrative penalty comes with the 信用修复告知书."""
    _, plain = _terminate(world)
    assert world.svc.credit.dispositions()[0].repair_notice_ref is None
    case = world.false_case(CaseStatus.ACCEPTED)
    d = world.svc.credit.dispose(
        case.case_no,
        [A.TERMINATE, A.ADMIN_PENALTY],
        world.inspector,
        penalty_ref="陕市监罚〔2026〕11号",
    )
    assert d.penalty_ref == "陕市监罚〔2026〕11号"
    assert d.repair_notice_ref is not None and d.repair_notice_ref.startswith("XFGZ-")
    assert plain.record_id != d.credit_record_id


# -- grading and regimes ---------------------------------------------------------
def test_r055_record_graded_by_severity_mapping(world: World) -> None:
    """R-055/R-110: no decision and no harm → 一般; referral for crime → 严重; a benefit at or
    above the threshold → 严重 (default mapping)."""
    _, general = _terminate(world)
    assert general.severity is Severity.GENERAL
    assert "R-055" in general.social_impact
    _, referred = _terminate(world, A.REFER_JUDICIAL, referral_ref="陕移〔2026〕3号")
    assert referred.severity is Severity.SERIOUS
    case = world.false_case(CaseStatus.DECIDED)
    facts = FalsePledgeFacts(decision_issued=True, benefit_value_yuan="20000")
    d = world.svc.credit.dispose(case.case_no, [A.REVOKE_DECISION], world.inspector, facts=facts)
    assert world.svc.credit.get(d.credit_record_id or "").severity is Severity.SERIOUS
    (entry,) = [
        e for e in world.journal(event="credit.record") if e.aggregate_id == d.credit_record_id
    ]
    assert entry.detail["severity"] == "SERIOUS"


def test_r055_configured_severity_mapping_applies(world_factory: WorldFactory) -> None:
    """R-055: the severity mapping is the deployment's configuration."""
    w = world_factory(rules=RulesConfig(severity=SeverityMapping(base_severity=Severity.SERIOUS)))
    _, rec = _terminate(w)
    assert rec.severity is Severity.SERIOUS
    assert rec.publicity.max_end == add_months(rec.recorded_on, 36)


def test_r110_publicity_follows_regime_on_recording_date(world: World) -> None:
    """R-110/R-117: a record made before 2026-04-01 follows the 2023 regime, one made after
    follows the 2026 one (令第36号); periods are counted from the recording date."""
    _, before = _terminate(world)
    assert before.recorded_on < date(2026, 4, 1)
    assert before.publicity.regime_id == "CN-2023-TRIAL"
    world.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=CST))
    _, after = _terminate(world)
    assert after.recorded_on == date(2026, 4, 2)
    assert after.publicity.regime_id == "CN-2026"
    for rec in (before, after):
        assert rec.severity is Severity.GENERAL
        assert rec.publicity.published
        assert rec.publicity.start == rec.recorded_on
        assert rec.publicity.min_end == add_months(rec.recorded_on, 3)
        assert rec.publicity.max_end == add_months(rec.recorded_on, 12)


def test_r110_local_regime_changes_periods_from_its_date(world_factory: WorldFactory) -> None:
    """R-110: a configured later regime governs records made from its effective date only."""
    local = CreditRegime(
        regime_id="HA-2026-LOCAL",
        name_zh="地方补充规则 (测试)",
        effective_from=date(2026, 2, 1),
        source="测试用补充规则",
        policies={
            Severity.MINOR: SeverityPolicy(published=False, min_months=0, max_months=3),
            Severity.GENERAL: SeverityPolicy(published=True, min_months=6, max_months=24),
            Severity.SERIOUS: SeverityPolicy(published=True, min_months=12, max_months=36),
        },
    )
    w = world_factory(rules=RulesConfig(extra_regimes=(local,)))
    _, old = _terminate(w)
    w.clock.set(datetime(2026, 2, 2, 10, 0, tzinfo=CST))
    _, new = _terminate(w)
    assert old.publicity.regime_id == "CN-2023-TRIAL"
    assert old.publicity.max_end == add_months(old.recorded_on, 12)
    assert new.publicity.regime_id == "HA-2026-LOCAL"
    assert new.publicity.min_end == add_months(new.recorded_on, 6)
    assert new.publicity.max_end == add_months(new.recorded_on, 24)


# -- R-112 … R-115 repair ----------------------------------------------------------------------
def test_r113_repair_refused_before_minimum_period(world: World) -> None:
    """R-113: repair may be applied for only after the minimum publicity period."""
    case, rec = _terminate(world)
    world.svc.credit.publicize(rec.record_id, world.credit_officer)
    world.clock.set(
        datetime.combine(rec.publicity.min_end - timedelta(days=1), datetime.min.time(), tzinfo=CST)
    )
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.apply_repair(
            rec.record_id, _repair_app(world, rec.record_id), world.actor_of(case.applicant)
        )
    assert ei.value.code == "GZ-RL-255" and "R-113" in ei.value.message
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.PUBLICIZED
    assert world.svc.store.count("repair") == 0
    world.clock.advance(days=1)
    app = world.svc.credit.apply_repair(
        rec.record_id, _repair_app(world, rec.record_id), world.actor_of(case.applicant)
    )
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.REPAIR_PENDING
    assert world.state("repair", app.application_id) == "PENDING"


def test_r114_r111_r115_repair_by_recording_organ_ends_publicity_and_is_shared(
    world: World,
) -> None:
    """R-114 (谁认定、谁修复): only the recording organ's credit officer decides; REPAIRED ends
    publicity and sharing (R-111, R-115) and restores eligibility (R-020)."""
    case, rec = _terminate(world)
    world.svc.credit.publicize(rec.record_id, world.credit_officer)
    world.clock.advance(days=95)
    app = world.svc.credit.apply_repair(
        rec.record_id, _repair_app(world, rec.record_id), world.actor_of(case.applicant)
    )
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.credit.decide_repair(
            app.application_id, RepairDecision.REPAIRED, world.police_credit
        )
    assert ei.value.code == "GZ-AU-002"
    (refused,) = world.journal(event="credit.decide_repair", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-AU-002"}
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.REPAIR_PENDING
    assert not _eligible_again(world, case.applicant)
    done = world.svc.credit.decide_repair(
        app.application_id, RepairDecision.REPAIRED, world.credit_officer
    )
    assert done.status is CreditStatus.REPAIRED
    topics = [m.topic for m in world.svc.store.pending_outbox(limit=1000)]
    assert "credit.record_repaired" in topics
    assert _eligible_again(world, case.applicant)
    # a repaired record cannot be repaired again
    with pytest.raises(RuleViolationError):
        world.svc.credit.apply_repair(
            rec.record_id, _repair_app(world, rec.record_id, 2), world.actor_of(case.applicant)
        )


@pytest.mark.parametrize("publicized", [True, False])
def test_r114_rejection_needs_reasons_and_restores_prior_state(
    world: World, publicized: bool
) -> None:
    """R-114: 不予修复 needs reasons and puts the record back where it was."""
    case, rec = _terminate(world)
    if publicized:
        world.svc.credit.publicize(rec.record_id, world.credit_officer)
    prior = CreditStatus.PUBLICIZED if publicized else CreditStatus.RECORDED
    world.clock.advance(days=95)
    app = world.svc.credit.apply_repair(
        rec.record_id, _repair_app(world, rec.record_id), world.actor_of(case.applicant)
    )
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.decide_repair(
            app.application_id, RepairDecision.REJECTED, world.credit_officer, reason="  "
        )
    assert ei.value.code == "GZ-RL-256"
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.REPAIR_PENDING
    back = world.svc.credit.decide_repair(
        app.application_id,
        RepairDecision.REJECTED,
        world.credit_officer,
        reason="申请材料不能证明法定责任已履行完毕",
    )
    assert back.status is prior
    stored = world.svc.store.get("repair", app.application_id)
    assert stored is not None and stored.state == "REJECTED"
    assert stored.doc["decision_reason"] == "申请材料不能证明法定责任已履行完毕"
    assert not _eligible_again(world, case.applicant)


# -- R-116 objections --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("outcome", "final", "bars"),
    [
        (ObjectionOutcome.MAINTAINED, CreditStatus.PUBLICIZED, True),
        (ObjectionOutcome.CORRECTED, CreditStatus.CORRECTED, False),
        (ObjectionOutcome.INVALIDATED, CreditStatus.INVALIDATED, False),
    ],
)
def test_r116_objection_outcomes(
    world: World, outcome: ObjectionOutcome, final: CreditStatus, bars: bool
) -> None:
    """R-116: an objection is MAINTAINED (record restored), CORRECTED or INVALIDATED; corrected
    or invalidated records never bar eligibility (R-020)."""
    case, rec = _terminate(world)
    world.svc.credit.publicize(rec.record_id, world.credit_officer)
    world.svc.credit.object_to_record(
        rec.record_id, _objection(world, rec.record_id), world.actor_of(case.applicant)
    )
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.UNDER_OBJECTION
    world.clock.advance(days=95)
    with pytest.raises(RuleViolationError) as ei:  # no repair while the objection is open
        world.svc.credit.apply_repair(
            rec.record_id, _repair_app(world, rec.record_id), world.actor_of(case.applicant)
        )
    assert ei.value.code == "GZ-RL-255"
    with pytest.raises(RuleViolationError) as ei:
        world.svc.credit.resolve_objection("OBJ-1", outcome, world.credit_officer, reason=" ")
    assert ei.value.code == "GZ-RL-257"
    after = world.svc.credit.resolve_objection(
        "OBJ-1", outcome, world.credit_officer, reason="经复核, 作出处理"
    )
    assert after.status is final
    stored = world.svc.store.get("objection", "OBJ-1")
    assert stored is not None and stored.state == outcome.value
    assert _eligible_again(world, case.applicant) is not bars


def test_r116_objection_by_other_organ_officer_refused(world: World) -> None:
    """R-116: the objection is decided by the recording organ."""
    case, rec = _terminate(world)
    world.svc.credit.object_to_record(
        rec.record_id, _objection(world, rec.record_id), world.actor_of(case.applicant)
    )
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.credit.resolve_objection(
            "OBJ-1", ObjectionOutcome.INVALIDATED, world.police_credit, reason="越权处理"
        )
    assert ei.value.code == "GZ-AU-002"
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.UNDER_OBJECTION


# -- R-110 expiry ------------------------------------------------------------------------------
def test_r110_expiry_after_maximum_period(world: World) -> None:
    """R-110: publication stops (EXPIRED) when the maximum period is reached, not before; an
    expired, unrepaired false pledge still bars by default (R-020, literal reading)."""
    case, rec = _terminate(world)
    world.svc.credit.publicize(rec.record_id, world.credit_officer)
    max_end = rec.publicity.max_end
    assert max_end is not None
    world.clock.set(datetime.combine(max_end - timedelta(days=1), datetime.min.time(), tzinfo=CST))
    assert world.svc.sweep()["credit_expired"] == 0
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.PUBLICIZED
    world.clock.advance(days=1)
    assert world.svc.sweep()["credit_expired"] == 1
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.EXPIRED
    assert world.svc.sweep()["credit_expired"] == 0
    topics = [m.topic for m in world.svc.store.pending_outbox(limit=1000)]
    assert "credit.record_expired" in topics
    (exp,) = world.journal(event="credit.expire")
    assert exp.actor["role"] == "SYSTEM" and exp.detail["to"] == "EXPIRED"
    assert not _eligible_again(world, case.applicant)


def test_r110_unpublished_record_does_not_expire(world: World) -> None:
    """Only publicized records expire; a record never publicized stays RECORDED."""
    _, rec = _terminate(world)
    assert rec.publicity.max_end is not None
    world.clock.set(
        datetime.combine(rec.publicity.max_end + timedelta(days=1), datetime.min.time(), tzinfo=CST)
    )
    assert world.svc.sweep()["credit_expired"] == 0
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.RECORDED


def test_r061_disposition_cancels_other_open_verifications(world: World) -> None:
    """R-051/R-061: handling ends with the disposition; the case's other open checks (here the
    exempt proof in daily supervision) are cancelled, each journaled."""
    list_id = world.publish_two_proof_list()
    app = world.new_applicant()
    world.provider.truth[(app.id_number, ONLINE_FIRST_ENTRY)] = False
    n = world.svc.cases.issue_notice(
        list_id=list_id,
        entry_ids=[ONLINE_FIRST_ENTRY, EXEMPT_ENTRY],
        applicant=app,
        actor=world.clerk,
    )
    world.choose(n.case_no, {ONLINE_FIRST_ENTRY: ProofMode.PLEDGE, EXEMPT_ENTRY: ProofMode.PLEDGE})
    world.pledge(n.case_no)
    checked, exempt = world.svc.cases.accept(n.case_no, world.clerk)
    assert exempt.status is VerificationStatus.DAILY_SUPERVISION
    world.svc.verifications.run_online(checked.verification_id)  # MISMATCH → FALSE
    d = world.svc.credit.dispose(n.case_no, [A.TERMINATE], world.inspector)
    assert d.verification_id == checked.verification_id
    assert (
        world.svc.verifications.get(exempt.verification_id).status is VerificationStatus.CANCELLED
    )
    (cancel,) = world.journal(event="verification.cancel")
    assert cancel.aggregate_id == exempt.verification_id
    (term,) = world.journal(event="case.terminate")
    assert term.detail["cancelled"] == [exempt.verification_id]


@pytest.mark.parametrize("role", ["APPLICANT", "PROXY"])
def test_r116_r112_only_the_subject_objects_or_asks_to_repair(world: World, role: str) -> None:
    """R-116, R-112 (R-057): an objection or a repair application about a credit record is
    the subject's own. Someone else — in the applicant's or a proxy's role, whom no pledge
    of the record's case names — is refused GZ-AU-011 (journaled, naming no one), and the
    record stays as it was; the subject then objects."""
    from gaozhi_sdk.models.enums import ActorRole

    case, rec = _terminate(world)
    world.svc.credit.publicize(rec.record_id, world.credit_officer)
    stranger = world.actor_of(world.new_applicant(), ActorRole(role))
    world.clock.advance(days=95)  # past the minimum publicity period: repair is possible
    for attempt in (
        lambda: world.svc.credit.object_to_record(
            rec.record_id, _objection(world, rec.record_id), stranger
        ),
        lambda: world.svc.credit.apply_repair(
            rec.record_id, _repair_app(world, rec.record_id), stranger
        ),
    ):
        with pytest.raises(PermissionDeniedError) as ei:
            attempt()
        assert ei.value.code == "GZ-AU-011"
        assert case.applicant.id_number[-4:] not in ei.value.message
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.PUBLICIZED
    assert world.svc.store.count("objection") == 0 and world.svc.store.count("repair") == 0
    refused = [e for e in world.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [e.detail["code"] for e in refused[-2:]] == ["GZ-AU-011", "GZ-AU-011"]
    world.svc.credit.object_to_record(
        rec.record_id, _objection(world, rec.record_id), world.actor_of(case.applicant)
    )
    assert world.svc.credit.get(rec.record_id).status is CreditStatus.UNDER_OBJECTION
