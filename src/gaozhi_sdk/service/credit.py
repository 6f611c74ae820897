"""False pledges: disposition, credit records, repair and objections (machine D).

Rules: R-050…R-058 (disposition and credit record), R-059a (penalty limitation: a penalty
is refused once 行政处罚法 Art.36's 2/5 years have run), R-055/R-110 (grading and publicity),
R-112…R-116 (repair and objections), R-117 (historic regimes by effective date).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from gaozhi_sdk import rules as R
from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError
from gaozhi_sdk.ids import mask_beside_digest
from gaozhi_sdk.models import CST
from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.credit import (
    CreditRecord,
    CreditRepairApplication,
    Disposition,
    Objection,
)
from gaozhi_sdk.models.documents import Pledge
from gaozhi_sdk.models.enums import (
    ActorRole,
    CaseStatus,
    Conduct,
    CreditStatus,
    DispositionAction,
    ObjectionOutcome,
    RepairDecision,
    Severity,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.models.verification import Verification
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.verifications import SYSTEM, VerificationsMixin

__all__ = ["CreditMixin"]

A = DispositionAction
#: Store kind counting cases whose penalty was refused for limitation (R-059a).
LIMITATION_REFUSAL = "limitation_refusal"


class CreditMixin(VerificationsMixin):
    """处置、信用记录、信用修复与异议."""

    def _credit_record(self, record_id: str) -> CreditRecord:
        """A stored credit record."""
        return self._load("credit_record", record_id, CreditRecord)

    def _credit_records(self, *, status: CreditStatus | None = None) -> list[CreditRecord]:
        """All credit records, optionally in one state."""
        return [
            CreditRecord.model_validate(r.doc)
            for r in self.store.list("credit_record", state=status.value if status else None)
        ]

    def _dispositions(self) -> list[Disposition]:
        """All dispositions."""
        return [Disposition.model_validate(r.doc) for r in self.store.list("disposition")]

    # -- disposition -------------------------------------------------------------------------
    @refusals_journaled("case.dispose", "case", "case_no")
    def _dispose(
        self,
        case_no: str,
        actions: Iterable[DispositionAction],
        actor: Actor,
        *,
        facts: R.FalsePledgeFacts | None = None,
        rectification_due: date | None = None,
        penalty_ref: str | None = None,
        referral_ref: str | None = None,
        social_impact: str = "",
    ) -> Disposition:
        """Dispose of a false pledge and record it in credit (R-050…R-058).

        Before the decision (ACCEPTED): 终止办理 (TERMINATE). After it (DECIDED): 责令限期整改
        (ORDER_RECTIFICATION) or 撤销行政决定 (REVOKE_DECISION). 予以行政处罚 and 移送司法机关
        may accompany either. A penalty also issues the 信用修复告知书 (两书同达, R-058).
        The credit record is graded by the configured severity mapping (R-055, R-110).
        """
        case = self._case(case_no)
        acts = tuple(dict.fromkeys(actions))
        false_v = [
            v
            for v in self._verifications_of(case_no)
            if v.status is VerificationStatus.CONCLUDED and v.result is VerificationResult.FALSE
        ]
        if not false_v:
            raise RuleViolationError(
                "GZ-RL-250",
                "只有核查认定承诺不实后才能处置 (R-050)",
                message_en="disposition requires a FALSE verification",
            )
        transition = self._disposition_transition(case, set(acts))
        facts = facts or R.FalsePledgeFacts(
            decision_issued=case.decision is not None, referred_for_crime=A.REFER_JUDICIAL in acts
        )
        limitation = self._penalty_limitation(case, false_v, facts)
        if A.ADMIN_PENALTY in acts and limitation is not None and limitation.barred:
            self._note_limitation_refusal(case, limitation)
            raise RuleViolationError(
                "GZ-RL-258",
                f"不得予以行政处罚: {limitation.reason}; 可依法终止办理、责令整改或撤销决定",
                message_en=(
                    f"penalty barred: the {limitation.years}-year limitation ended on "
                    f"{limitation.last_day.isoformat()} (Administrative Penalty Law Art.36)"
                ),
                details={
                    "case_no": case_no,
                    "years": limitation.years,
                    "last_day": limitation.last_day.isoformat(),
                    "discovered_on": limitation.discovered_on.isoformat(),
                },
            )
        severity, reasons = self.rules.severity.grade(facts)
        with self._run(actor, "case", transition, "case", case_no, organ_uscc=case.organ_uscc) as s:
            disp_id = self._new_id("DSP")
            record_id = self._new_id("CR")
            d = Disposition(
                disposition_id=disp_id,
                case_no=case_no,
                verification_id=false_v[0].verification_id,
                organ_uscc=case.organ_uscc,
                actions=acts,
                rectification_due=rectification_due,
                penalty_ref=penalty_ref,
                repair_notice_ref=self._new_id("XFGZ") if A.ADMIN_PENALTY in acts else None,
                referral_ref=referral_ref,
                decided_at=s.now,
                credit_record_id=record_id,
                social_impact=social_impact or ";".join(reasons),
            )
            s.detail.update(
                self.sealer.seal(s.tx, d, case.organ_uscc, f"disposition/{disp_id}", s.now)
            )
            self._put_model(s, "disposition", disp_id, d, "DECIDED", create=True)
            record = self._new_record(case, d, severity, ";".join(reasons), s.now.date())
            self._put_model(
                s, "credit_record", record_id, record, CreditStatus.RECORDED, create=True
            )
            self._note_credit_record(s.tx, record)
            sealed = self.sealer.seal(
                s.tx, record, case.organ_uscc, f"credit-record/{record_id}", s.now
            )
            s.also(
                "credit.record",
                "credit_record",
                record_id,
                record.model_dump(mode="json"),
                {"to": CreditStatus.RECORDED.value, "severity": severity.value, **sealed},
            )
            cancelled = self._cancel_open(s, case_no, "承诺不实, 已处置")
            new = case.model_copy(
                update={"status": CaseStatus(s.target), "disposition_id": disp_id}
            )
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = d.model_dump(mode="json")
            s.detail.update(
                actions=[a.value for a in acts], credit_record=record_id, cancelled=cancelled
            )
            if limitation is not None and A.ADMIN_PENALTY in acts:
                s.detail["penalty_limitation_last_day"] = limitation.last_day.isoformat()
            s.emit(
                "credit.record_created",
                {
                    "record_id": record_id,
                    "case_no": case_no,
                    "severity": severity.value,
                    "organ_uscc": case.organ_uscc,
                },
            )
        return d

    def _penalty_limitation(
        self, case: Case, false_v: list[Verification], facts: R.FalsePledgeFacts
    ) -> R.PenaltyLimitation | None:
        """行政处罚追责时效 (R-059a): act = signing (or the end of a continuing act),
        discovery = the first verification that found the pledge false."""
        if case.pledge_id is None:
            return None
        signed = self._pledge(case.pledge_id).signed_at.astimezone(CST).date()
        act_on = facts.act_ended_on or signed
        found = min(v.concluded_at for v in false_v if v.concluded_at is not None)
        safety = facts.safety_involved or any(
            self._entry_at(case, v.entry_id).safety_critical for v in false_v
        )
        return R.penalty_limitation(
            act_on,
            found.astimezone(CST).date(),
            safety_harm=safety and facts.harmful_consequences,
        )

    def _note_limitation_refusal(self, case: Case, limitation: R.PenaltyLimitation) -> None:
        """Count a penalty refused for limitation once per case (statistics, R-059a)."""
        with self.store.transaction() as tx:
            rec = tx.get(LIMITATION_REFUSAL, case.case_no)
            tx.put(
                LIMITATION_REFUSAL,
                case.case_no,
                {
                    "case_no": case.case_no,
                    "organ_uscc": case.organ_uscc,
                    "years": limitation.years,
                    "last_day": limitation.last_day.isoformat(),
                    "discovered_on": limitation.discovered_on.isoformat(),
                },
                state="REFUSED",
                expected_version=None if rec is None else rec.version,
            )

    def _limitation_refusals(self) -> int:
        """Cases whose penalty was refused because the limitation had run (R-059a)."""
        return self.store.count(LIMITATION_REFUSAL)

    @staticmethod
    def _disposition_transition(case: Case, acts: set[DispositionAction]) -> str:
        main = acts & {A.TERMINATE, A.ORDER_RECTIFICATION, A.REVOKE_DECISION}
        if len(main) != 1:
            raise RuleViolationError(
                "GZ-RL-251",
                "须且只能选择终止办理、责令限期整改、撤销行政决定之一 (R-051, R-052)",
                message_en="exactly one of TERMINATE, ORDER_RECTIFICATION, REVOKE_DECISION",
            )
        (m,) = main
        if case.status is CaseStatus.ACCEPTED and m is A.TERMINATE:
            return "terminate"
        if case.status is CaseStatus.DECIDED and m is A.ORDER_RECTIFICATION:
            return "order_rectification"
        if case.status is CaseStatus.DECIDED and m is A.REVOKE_DECISION:
            return "revoke"
        raise RuleViolationError(
            "GZ-RL-252",
            f"办件状态 {case.status.value} 下不能采取 {m.value}: 决定前终止办理, 决定后整改或撤销",
            message_en="TERMINATE before the decision; rectification or revocation after it",
        )

    def _new_record(
        self, case: Case, d: Disposition, severity: Severity, impact: str, on: date
    ) -> CreditRecord:
        regime = R.regime_for(on, self.rules.regimes())
        legal = not case.applicant.is_natural_person
        return CreditRecord(
            record_id=d.credit_record_id or "",
            subject_digest=self.subject_digest(case.applicant.id_number),
            subject_masked=mask_beside_digest(case.applicant.id_number),
            subject_is_legal_person=legal,
            subject_name_public=case.applicant.name if legal else None,
            conduct=Conduct.FALSE_PLEDGE,
            severity=severity,
            social_impact=impact,
            case_no=case.case_no,
            disposition_id=d.disposition_id,
            recorded_on=on,
            organ_uscc=case.organ_uscc,
            status=CreditStatus.RECORDED,
            publicity=R.publicity_period(severity, on, regime),
        )

    def _confirm_rectified(self, case_no: str, actor: Actor) -> Case:
        """整改到位 within the period (R-051)."""
        return self._case_step(case_no, "confirm_rectified", actor)

    def _revoke_after_rectification(self, case_no: str, actor: Actor) -> Case:
        """Not rectified in time: 撤销行政决定 (R-052)."""
        return self._case_step(case_no, "revoke", actor)

    def _case_step(self, case_no: str, transition: str, actor: Actor) -> Case:
        case = self._case(case_no)
        with self._run(actor, "case", transition, "case", case_no, organ_uscc=case.organ_uscc) as s:
            new = case.model_copy(update={"status": CaseStatus(s.target)})
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = {"case_no": case_no, "status": s.target}
            s.emit("case.concluded", self._event(new))
        return new

    # -- credit record machine -----------------------------------------------------------------
    @refusals_journaled("credit.publicize", "credit_record", "record_id")
    def _publicize(self, record_id: str, actor: Actor) -> CreditRecord:
        """Publish a record for its publicity period (R-110); 轻微 is not published."""
        rec = self._credit_record(record_id)
        if not rec.publicity.published:
            raise RuleViolationError(
                "GZ-RL-253",
                "按现行规则该失信信息不予公示 (R-110)",
                message_en="this record is not published under the regime",
            )
        return self._credit_step(rec, "publicize", actor, CreditStatus.PUBLICIZED, {})

    def _credit_step(
        self,
        rec: CreditRecord,
        transition: str,
        actor: Actor,
        target: CreditStatus,
        payload: dict[str, object],
        event: str | None = None,
    ) -> CreditRecord:
        with self._run(
            actor,
            "credit",
            transition,
            "credit_record",
            rec.record_id,
            organ_uscc=rec.organ_uscc,
            target=target,
        ) as s:
            new = rec.model_copy(update={"status": target})
            self._put_model(s, "credit_record", rec.record_id, new, target)
            s.payload = {"record_id": rec.record_id, **payload}
            if event:
                s.emit(
                    event,
                    {
                        "record_id": rec.record_id,
                        "status": target.value,
                        "organ_uscc": rec.organ_uscc,
                    },
                )
        return new

    def _check_credit_subject(self, rec: CreditRecord, actor: Actor) -> None:
        """A person objects to or asks to repair only their own credit record (R-057,
        R-112, R-116): an applicant only as its subject, a proxy only as the proxy the
        record's pledge names (it signed with the subject's signed authorisation, R-024).
        Officials are checked by the role policy. The refusal names no one (GZ-AU-011)."""
        if actor.role is ActorRole.APPLICANT:
            if rec.subject_digest in self.subject_digests(actor.actor_id):
                return
        elif actor.role is ActorRole.PROXY:
            case = self._load("case", rec.case_no, Case)
            pledge = self._load("pledge", case.pledge_id, Pledge) if case.pledge_id else None
            proxy = pledge.proxy if pledge is not None else None
            if proxy is not None and proxy.party.id_number == actor.actor_id:
                return
        else:
            return
        raise PermissionDeniedError(
            "GZ-AU-011",
            "只有信用主体本人或其承诺书所载代为承诺人可以对该信用记录提出异议或申请修复",
            message_en="only the record's subject, or the proxy its pledge names, may object "
            "to or ask to repair this credit record",
            details={"role": actor.role.value},
        )

    @refusals_journaled("credit.apply_repair", "credit_record", "record_id")
    def _apply_repair(
        self,
        record_id: str,
        application: CreditRepairApplication | dict[str, object],
        actor: Actor,
    ) -> CreditRepairApplication:
        """信用修复申请: only after the minimum publicity period (R-112, R-113)."""
        rec = self._credit_record(record_id)
        self._check_credit_subject(rec, actor)
        app = self._parse(CreditRepairApplication, application, "信用修复申请")
        if app.record_id != record_id:
            raise RuleViolationError(
                "GZ-RL-254",
                "申请所指信用记录不一致",
                message_en="application is for another record",
            )
        ok, why = R.repair_allowed(rec, self.now().date(), regimes=self.rules.regimes())
        if not ok:
            raise RuleViolationError("GZ-RL-255", why, message_en="repair not yet allowed")
        with self._run(
            actor, "credit", "apply_repair", "credit_record", record_id, organ_uscc=None
        ) as s:
            self._put_model(s, "repair", app.application_id, app, "PENDING", create=True)
            s.tx.put(
                "repair_prior",
                app.application_id,
                {"state": rec.status.value},
                state="AUX",
                expected_version=None,
            )
            new = rec.model_copy(update={"status": CreditStatus.REPAIR_PENDING})
            self._put_model(s, "credit_record", record_id, new, s.target)
            s.payload = app.model_dump(mode="json")
        return app

    @refusals_journaled("credit.decide_repair", "repair", "application_id")
    def _decide_repair(
        self,
        application_id: str,
        decision: RepairDecision,
        actor: Actor,
        *,
        reason: str | None = None,
    ) -> CreditRecord:
        """谁认定、谁修复 (R-114): REPAIRED ends publicity and sharing (R-111, R-115)."""
        app = self._load("repair", application_id, CreditRepairApplication)
        if decision is RepairDecision.REJECTED and not (reason or "").strip():
            raise RuleViolationError(
                "GZ-RL-256", "不予修复须说明理由", message_en="a rejection needs reasons"
            )
        rec = self._credit_record(app.record_id)
        prior = CreditStatus(self._load_record("repair_prior", application_id).doc["state"])
        target = CreditStatus.REPAIRED if decision is RepairDecision.REPAIRED else prior
        with self._run(
            actor,
            "credit",
            "decide_repair",
            "credit_record",
            rec.record_id,
            organ_uscc=rec.organ_uscc,
            target=target,
        ) as s:
            done = app.model_copy(
                update={"decision": decision, "decision_reason": reason, "decided_on": s.now.date()}
            )
            self._put_model(s, "repair", application_id, done, decision.value)
            new = rec.model_copy(update={"status": target})
            self._put_model(s, "credit_record", rec.record_id, new, target)
            s.payload = done.model_dump(mode="json")
            if decision is RepairDecision.REPAIRED:
                s.emit(
                    "credit.record_repaired",
                    {"record_id": rec.record_id, "organ_uscc": rec.organ_uscc},
                )
        return new

    @refusals_journaled("credit.object", "credit_record", "record_id")
    def _object_to_record(
        self, record_id: str, objection: Objection | dict[str, object], actor: Actor
    ) -> Objection:
        """异议 about a record (R-057, R-116)."""
        rec = self._credit_record(record_id)
        self._check_credit_subject(rec, actor)
        obj = self._parse(Objection, objection, "异议")
        with self._run(actor, "credit", "object", "credit_record", record_id, organ_uscc=None) as s:
            self._put_model(s, "objection", obj.objection_id, obj, "OPEN", create=True)
            s.tx.put(
                "objection_prior",
                obj.objection_id,
                {"state": rec.status.value},
                state="AUX",
                expected_version=None,
            )
            self._put_model(
                s,
                "credit_record",
                record_id,
                rec.model_copy(update={"status": CreditStatus.UNDER_OBJECTION}),
                s.target,
            )
            s.payload = obj.model_dump(mode="json")
        return obj

    @refusals_journaled("credit.resolve_objection", "objection", "objection_id")
    def _resolve_objection(
        self, objection_id: str, outcome: ObjectionOutcome, actor: Actor, *, reason: str
    ) -> CreditRecord:
        """Decide an objection: CORRECTED / INVALIDATED end the record, MAINTAINED restores it."""
        obj = self._load("objection", objection_id, Objection)
        if not reason.strip():
            raise RuleViolationError(
                "GZ-RL-257", "异议处理须说明理由", message_en="objection decisions need reasons"
            )
        rec = self._credit_record(obj.record_id)
        prior = CreditStatus(self._load_record("objection_prior", objection_id).doc["state"])
        target = {
            ObjectionOutcome.CORRECTED: CreditStatus.CORRECTED,
            ObjectionOutcome.INVALIDATED: CreditStatus.INVALIDATED,
            ObjectionOutcome.MAINTAINED: prior,
        }[outcome]
        with self._run(
            actor,
            "credit",
            "resolve_objection",
            "credit_record",
            rec.record_id,
            organ_uscc=rec.organ_uscc,
            target=target,
        ) as s:
            done = obj.model_copy(
                update={"outcome": outcome, "outcome_reason": reason, "decided_on": s.now.date()}
            )
            self._put_model(s, "objection", objection_id, done, outcome.value)
            new = rec.model_copy(update={"status": target})
            self._put_model(s, "credit_record", rec.record_id, new, target)
            s.payload = done.model_dump(mode="json")
        return new

    def _expire_credit_records(self, actor: Actor = SYSTEM) -> int:
        """Stop publication after the maximum period (R-110); returns how many expired."""
        today = self.now().date()
        n = 0
        for rec in self._credit_records(status=CreditStatus.PUBLICIZED):
            if rec.publicity.max_end is not None and today >= rec.publicity.max_end:
                self._credit_step(
                    rec, "expire", actor, CreditStatus.EXPIRED, {}, "credit.record_expired"
                )
                n += 1
        return n

    # -- the sweep ----------------------------------------------------------------------------
    def sweep(self, actor: Actor = SYSTEM) -> dict[str, int]:
        """Periodic job: overdue escalation (never TRUE by timeout), exempt horizon, expiry.

        Returns counts: ``overdue`` newly overdue, ``escalated``, ``exempt_closed`` and
        ``credit_expired``.
        """
        now = self.now()
        out = {"overdue": 0, "escalated": 0, "exempt_closed": 0, "credit_expired": 0}
        for v in self._verifications():
            if v.status in (VerificationStatus.CONCLUDED, VerificationStatus.CANCELLED):
                continue
            if v.status is VerificationStatus.DAILY_SUPERVISION:
                if v.draw_id is None and self._exempt_horizon_passed(v, now):
                    self._close_exempt(v, actor)
                    out["exempt_closed"] += 1
                continue
            if v.due_at is not None and now > v.due_at:
                first = v.status is not VerificationStatus.OVERDUE
                last = v.overdue_since
                if first or last is None or now - last >= timedelta(days=1) * (v.escalations + 1):
                    self._mark_overdue(v, actor, now)
                    out["overdue" if first else "escalated"] += 1
        out["credit_expired"] = self._expire_credit_records(actor)
        return out
