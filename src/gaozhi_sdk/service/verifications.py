"""Verification after the pledge (machine C; R-040…R-047, R-102).

Online first (R-044) through the :class:`~gaozhi_sdk.providers.OnlineVerifier` seam;
on-site tasks pushed to inspectors (R-045); assistance from other organs with written
refusals (R-046, R-047); exempt items in 双随机、一公开 daily supervision (R-042, R-043).
Overdue verifications escalate; nothing becomes TRUE by timeout. An entry may configure
"线上核查办理，线下复核备份" (R-048): a sample of online checks found true is reviewed
offline afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from hashlib import sha256

from gaozhi_sdk import rules as R
from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.enums import (
    ActorRole,
    AssistanceReply,
    CaseStatus,
    OnlineOutcome,
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.models.lists import OfflineReview
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.models.verification import (
    AssistanceRequest,
    Evidence,
    InspectionDraw,
    Verification,
    VerificationFinding,
)
from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult
from gaozhi_sdk.service._core import Step, refusals_journaled
from gaozhi_sdk.service.cases import CasesMixin
from gaozhi_sdk.workflow.draw import ALGORITHM, compute_draw

__all__ = ["VerificationsMixin"]

SYSTEM = Actor(role=ActorRole.SYSTEM, actor_id="system")

_RESULT_OF = {
    OnlineOutcome.VERIFIED: VerificationResult.TRUE,
    OnlineOutcome.MISMATCH: VerificationResult.FALSE,
}


class VerificationsMixin(CasesMixin):
    """核查."""

    def _verification(self, verification_id: str) -> Verification:
        """A stored verification."""
        return self._load("verification", verification_id, Verification)

    def _verifications(self, *, status: VerificationStatus | None = None) -> list[Verification]:
        """All verifications, optionally in one state."""
        return [
            Verification.model_validate(r.doc)
            for r in self.store.list("verification", state=status.value if status else None)
        ]

    def _organ_of(self, v: Verification) -> str:
        return self._case(v.case_no).organ_uscc

    def _conclude(
        self,
        s: Step,
        v: Verification,
        result: VerificationResult,
        inspector: str,
        evidence: Sequence[Evidence] = (),
        outcome: OnlineOutcome | None = None,
    ) -> Verification:
        """Conclude inside a step: sealed finding, stored state, events."""
        case = self._load("case", v.case_no, Case, s.tx)
        new = v.model_copy(
            update={
                "status": VerificationStatus.CONCLUDED,
                "result": result,
                "concluded_at": s.now,
                "inspector": inspector,
                "online_outcome": outcome or v.online_outcome,
                "evidence": tuple(v.evidence) + tuple(evidence),
            }
        )
        finding = VerificationFinding(
            verification_id=v.verification_id,
            case_no=v.case_no,
            entry_id=v.entry_id,
            method=v.method,
            result=result,
            online_outcome=new.online_outcome,
            concluded_at=s.now,
            inspector=inspector,
            organ_uscc=case.organ_uscc,
            evidence=new.evidence,
        )
        s.detail.update(
            self.sealer.seal(
                s.tx, finding, case.organ_uscc, f"verification/{v.verification_id}", s.now
            )
        )
        self._put_model(s, "verification", v.verification_id, new, VerificationStatus.CONCLUDED)
        s.payload = finding.model_dump(mode="json")
        s.detail["result"] = result.value
        body = {
            "verification_id": v.verification_id,
            "case_no": v.case_no,
            "entry_id": v.entry_id,
            "method": v.method.value,
            "result": result.value,
        }
        s.emit("verification.completed", body)
        if result is VerificationResult.FALSE:
            s.emit("pledge.false_found", body)
        if new.method is VerificationMethod.ONLINE and result is VerificationResult.TRUE:
            self._schedule_offline_review(s, case, new)
        return new

    def _schedule_offline_review(self, s: Step, case: Case, online: Verification) -> None:
        """线上核查办理，线下复核备份 (R-048): when the entry configures an offline review, a
        deterministic sample (SHA-256 of the online verification id) gets a post-decision
        review by the configured method, due within the configured window from now."""
        rec = s.tx.get("entry", self._entry_key(case, online.entry_id))
        if rec is None or online.follow_up_of is not None:
            return
        spec = rec.doc.get("verification", {}).get("offline_review")
        if not spec:
            return
        review = OfflineReview.model_validate(spec)
        draw = int(sha256(online.verification_id.encode("utf-8")).hexdigest()[:8], 16) % 100
        if draw >= review.sample_percent:
            return
        due = R.end_of_day(R.window_end(self.calendar, s.now, review.amount, review.unit))
        v = Verification(
            verification_id=self._new_id("VRF"),
            case_no=case.case_no,
            entry_id=online.entry_id,
            method=review.method,
            planned_method=review.method,
            phase=VerificationPhase.POST_DECISION,
            status=VerificationStatus.SCHEDULED,
            due_at=due,
            plan_reasons=(
                f"线上核查办理，线下复核备份: 线上核查 {online.verification_id} 属实后抽中复核 "
                f"(比例 {review.sample_percent}%, R-048)",
            ),
            follow_up_of=online.verification_id,
        )
        self._put_model(s, "verification", v.verification_id, v, v.status, create=True)
        idx = s.tx.get("case_index", case.case_no)
        known = list(idx.doc.get("verifications", [])) if idx else []
        s.tx.put(
            "case_index",
            case.case_no,
            {"verifications": [*known, v.verification_id]},
            state="AUX",
            expected_version=idx.version if idx else None,
        )
        s.also(
            "verification.schedule",
            "verification",
            v.verification_id,
            v.model_dump(mode="json"),
            {
                "to": v.status.value,
                "method": v.method.value,
                "follow_up_of": online.verification_id,
            },
        )

    # -- online ------------------------------------------------------------------------------
    @refusals_journaled("verification.start_online", "verification", "verification_id")
    def _run_online_verification(self, verification_id: str, actor: Actor = SYSTEM) -> Verification:
        """One online check through the provider (R-044); the call is outside any transaction.

        VERIFIED → TRUE, MISMATCH → FALSE; NOT_FOUND / CONSENT_REQUIRED → re-planned to
        assisted or on-site verification (R-046); UNDETERMINED / REJECTED → stays open and
        is re-planned after the configured number of attempts. Never TRUE by default.
        """
        v = self._verification(verification_id)
        if v.method is not VerificationMethod.ONLINE:
            raise RuleViolationError(
                "GZ-RL-230",
                f"核查 {verification_id} 的方式为 {v.method.value}, 不是在线核查",
                message_en="not an online verification",
            )
        if self.online_verifier is None:
            raise RuleViolationError(
                "GZ-RL-231", "未配置在线核查数据共享提供方", message_en="no online verifier"
            )
        organ = self._organ_of(v)
        with self._run(
            actor, "verification", "start_online", "verification", verification_id, organ_uscc=organ
        ) as s:
            v = v.model_copy(
                update={"status": VerificationStatus.ONLINE_CHECK, "attempts": v.attempts + 1}
            )
            self._put_model(s, "verification", verification_id, v, s.target)
            s.payload = {"attempt": v.attempts}
        case = self._case(v.case_no)
        entry = self._entry_at(case, v.entry_id)
        request = ProofCheckRequest(
            request_id=f"{verification_id}-online",
            verification_id=verification_id,
            case_no=v.case_no,
            entry_id=v.entry_id,
            data_source=v.data_source or entry.verification.data_source or "",
            subject_id_type=case.applicant.id_type.value,
            subject_id_number=case.applicant.id_number,
            subject_digest=self.subject_digest(case.applicant.id_number),
            subject_name=case.applicant.name,
            proof_name=entry.proof_name,
            proof_content=entry.proof_content,
        )
        try:
            result = self.online_verifier.verify_proof(request)
        except Exception as exc:
            result = ProofCheckResult(
                request_id=request.request_id,
                outcome=OnlineOutcome.UNDETERMINED,
                detail=f"provider raised {type(exc).__name__}",
            )
        ev = Evidence(
            kind="数据共享回执",
            ref=result.evidence_ref or result.request_id,
            note=result.outcome.value,
        )
        if result.outcome in _RESULT_OF:
            with self._run(
                actor,
                "verification",
                "record_online",
                "verification",
                verification_id,
                organ_uscc=organ,
                target=VerificationStatus.CONCLUDED,
            ) as s:
                return self._conclude(
                    s, v, _RESULT_OF[result.outcome], actor.actor_id, [ev], result.outcome
                )
        with self._run(
            actor,
            "verification",
            "record_online",
            "verification",
            verification_id,
            organ_uscc=organ,
            target=VerificationStatus.ONLINE_CHECK,
        ) as s:
            v = v.model_copy(
                update={"online_outcome": result.outcome, "evidence": (*v.evidence, ev)}
            )
            self._put_model(s, "verification", verification_id, v, s.target)
            s.payload = result.model_dump(mode="json")
            s.detail["outcome"] = result.outcome.value
        retry_left = v.attempts < self.rules.planning.max_online_attempts
        if result.outcome in (OnlineOutcome.UNDETERMINED, OnlineOutcome.REJECTED) and retry_left:
            return v
        method = R.replan_after(
            result.outcome, v.method, entry, attempts=v.attempts, config=self.rules.planning
        )
        if method is not VerificationMethod.ONLINE and v.planned_method in (
            VerificationMethod.ON_SITE,
            VerificationMethod.ASSISTED,
        ):
            method = v.planned_method  # online first was only a shortcut (plan_verification)
        return self._replan(verification_id, method, f"在线核查结论 {result.outcome.value}", actor)

    def _replan(
        self, verification_id: str, method: VerificationMethod, reason: str, actor: Actor
    ) -> Verification:
        """Change the verification method (R-045, R-046), keeping the due date."""
        v = self._verification(verification_id)
        with self._run(
            actor,
            "verification",
            "replan",
            "verification",
            verification_id,
            organ_uscc=self._organ_of(v),
        ) as s:
            new = v.model_copy(
                update={
                    "status": VerificationStatus.SCHEDULED,
                    "method": method,
                    "plan_reasons": (*v.plan_reasons, f"改为{method.value}: {reason}"),
                }
            )
            self._put_model(s, "verification", verification_id, new, s.target)
            s.payload = {"method": method.value, "reason": reason}
            s.detail["method"] = method.value
        return new

    # -- on site ------------------------------------------------------------------------------
    @refusals_journaled("verification.dispatch_on_site", "verification", "verification_id")
    def _dispatch_on_site(self, verification_id: str, inspector: str, actor: Actor) -> Verification:
        """Push the pledge to an inspector as an on-site task (R-045)."""
        v = self._verification(verification_id)
        self._require_method(v, VerificationMethod.ON_SITE)
        with self._run(
            actor,
            "verification",
            "dispatch_on_site",
            "verification",
            verification_id,
            organ_uscc=self._organ_of(v),
        ) as s:
            new = v.model_copy(
                update={"status": VerificationStatus.ON_SITE_TASK, "inspector": inspector}
            )
            self._put_model(s, "verification", verification_id, new, s.target)
            s.payload = {"inspector": inspector}
            s.emit(
                "verification.on_site_dispatched",
                {"verification_id": verification_id, "case_no": v.case_no, "inspector": inspector},
            )
        return new

    @refusals_journaled("verification.record_on_site", "verification", "verification_id")
    def _record_on_site(
        self,
        verification_id: str,
        result: VerificationResult,
        actor: Actor,
        evidence: Sequence[Evidence] = (),
    ) -> Verification:
        """Record the inspector's finding; INCONCLUSIVE sends it back for re-planning."""
        v = self._verification(verification_id)
        if result is VerificationResult.INCONCLUSIVE:
            return self._replan(
                verification_id, VerificationMethod.ON_SITE, "现场核查未能得出结论, 补充核查", actor
            )
        self._require_result(result)
        with self._run(
            actor,
            "verification",
            "record_on_site",
            "verification",
            verification_id,
            organ_uscc=self._organ_of(v),
        ) as s:
            return self._conclude(s, v, result, actor.actor_id, evidence)

    # -- assistance ---------------------------------------------------------------------------
    @refusals_journaled("verification.request_assistance", "verification", "verification_id")
    def _request_assistance(
        self, verification_id: str, *, requested_organ: str, question: str, actor: Actor
    ) -> AssistanceRequest:
        """Ask another organ to help verify (R-046); reply due in working days (R-047, R-102)."""
        v = self._verification(verification_id)
        self._require_method(v, VerificationMethod.ASSISTED)
        organ = self._organ_of(v)
        with self._run(
            actor,
            "verification",
            "request_assistance",
            "verification",
            verification_id,
            organ_uscc=organ,
        ) as s:
            req = AssistanceRequest(
                assistance_id=self._new_id("AST"),
                verification_id=verification_id,
                requesting_organ=organ,
                requested_organ=requested_organ,
                question=question,
                sent_at=s.now,
                due_at=self.calendar.add_working_days(
                    s.now, self.rules.assistance_reply_working_days
                ),
            )
            self._put_model(s, "assistance", req.assistance_id, req, "OPEN", create=True)
            new = v.model_copy(
                update={
                    "status": VerificationStatus.ASSIST_REQUESTED,
                    "assistance_id": req.assistance_id,
                }
            )
            self._put_model(s, "verification", verification_id, new, s.target)
            s.payload = req.model_dump(mode="json")
            s.emit(
                "assistance.requested",
                {
                    "assistance_id": req.assistance_id,
                    "requested_organ": requested_organ,
                    "verification_id": verification_id,
                },
            )
        return req

    @refusals_journaled("verification.reply_assistance", "assistance", "assistance_id")
    def _reply_assistance(
        self,
        assistance_id: str,
        reply: AssistanceReply,
        actor: Actor,
        *,
        refusal_reason: str | None = None,
    ) -> Verification:
        """The requested organ's reply. A refusal needs written reasons (R-047)."""
        req = self._load("assistance", assistance_id, AssistanceRequest)
        if reply is AssistanceReply.REFUSED and not (refusal_reason or "").strip():
            raise RuleViolationError(
                "GZ-RL-232",
                "被请求机关不能协助的, 须书面告知并说明理由 (R-047)",
                message_en="a refusal needs written reasons (R-047)",
            )
        v = self._verification(req.verification_id)
        target = (
            VerificationStatus.ASSIST_REFUSED
            if reply is AssistanceReply.REFUSED
            else VerificationStatus.CONCLUDED
        )
        with self._run(
            actor,
            "verification",
            "reply_assistance",
            "verification",
            v.verification_id,
            organ_uscc=req.requested_organ,
            target=target,
        ) as s:
            done = req.model_copy(
                update={"reply": reply, "refusal_reason": refusal_reason, "replied_at": s.now}
            )
            self._put_model(s, "assistance", assistance_id, done, reply.value)
            if reply is AssistanceReply.REFUSED:
                new = v.model_copy(update={"status": VerificationStatus.ASSIST_REFUSED})
                self._put_model(s, "verification", v.verification_id, new, s.target)
                s.payload = done.model_dump(mode="json")
                s.detail["refusal_reason_sha256"] = _sha(refusal_reason or "")
            else:
                result = (
                    VerificationResult.TRUE
                    if reply is AssistanceReply.CONFIRMED
                    else VerificationResult.FALSE
                )
                ev = Evidence(kind="协助核查复函", ref=assistance_id, note=reply.value)
                return self._conclude(s, v, result, actor.actor_id, [ev])
        entry = self._entry_at(self._case(v.case_no), v.entry_id)
        method = R.replan_after("ASSIST_REFUSED", v.method, entry)
        return self._replan(v.verification_id, method, "被请求机关书面说明不能协助", SYSTEM)

    # -- exempt items: daily supervision -------------------------------------------------------
    def _draw_inspections(
        self,
        organ_uscc: str,
        inspectors: Sequence[str],
        actor: Actor,
        *,
        seed_hex: str | None = None,
        rate_percent: int | None = None,
    ) -> list[InspectionDraw]:
        """双随机、一公开 (R-042, R-043): per entry, draw pledges and inspectors from public inputs.

        The seed, population, inspector pool and result are sealed, journaled and
        publishable; :func:`gaozhi_sdk.workflow.draw.compute_draw` recomputes them.
        """
        groups: dict[str, list[Verification]] = {}
        for v in self._verifications(status=VerificationStatus.DAILY_SUPERVISION):
            if v.draw_id is None and self._organ_of(v) == organ_uscc:
                groups.setdefault(v.entry_id, []).append(v)
        draws: list[InspectionDraw] = []
        for entry_id, vs in sorted(groups.items()):
            case = self._case(vs[0].case_no)
            entry = self._entry_at(case, entry_id)
            rate = rate_percent or entry.verification.inspection_rate_percent or 5
            seed = seed_hex or secrets.token_hex(16)
            seed_e = _sha(seed + ":" + entry_id)[:32] if seed_hex else seed
            population = [v.verification_id for v in vs]
            selected, assignments = compute_draw(seed_e, population, inspectors, rate)
            draw_id = self._new_id("DRAW")
            with self._run(
                actor, "draw", "publish", "draw", draw_id, organ_uscc=organ_uscc, creating=True
            ) as s:
                d = InspectionDraw(
                    draw_id=draw_id,
                    organ_uscc=organ_uscc,
                    seed=seed_e,
                    drawn_at=s.now,
                    population=tuple(sorted(population)),
                    inspectors=tuple(sorted(inspectors)),
                    rate_percent=rate,
                    selected=selected,
                    assignments=assignments,
                    algorithm=ALGORITHM,
                )
                s.detail.update(self.sealer.seal(s.tx, d, organ_uscc, f"draw/{draw_id}", s.now))
                self._put_model(s, "draw", draw_id, d, "PUBLISHED", create=True)
                # Only selected pledges are bound to the draw; the others stay in daily
                # supervision and take part in later draws (R-043: random each time).
                who = dict(assignments)
                for v in vs:
                    if v.verification_id not in who:
                        continue
                    new = v.model_copy(
                        update={"draw_id": draw_id, "inspector": who[v.verification_id]}
                    )
                    self._put_model(s, "verification", v.verification_id, new, new.status)
                s.payload = d.model_dump(mode="json")
                s.detail.update(selected=len(selected), population=len(population))
                s.emit(
                    "draw.published",
                    {"draw_id": draw_id, "entry_id": entry_id, "selected": len(selected)},
                )
            draws.append(d)
        return draws

    @refusals_journaled("verification.record_supervision", "verification", "verification_id")
    def _record_supervision(
        self,
        verification_id: str,
        adverse_finding: bool,
        actor: Actor,
        evidence: Sequence[Evidence] = (),
    ) -> Verification:
        """Record an inspection of a drawn exempt pledge: adverse → FALSE, else TRUE (R-042)."""
        v = self._verification(verification_id)
        if v.draw_id is None or verification_id not in self._selected(v.draw_id):
            raise RuleViolationError(
                "GZ-RL-233",
                "该免予核查事项未被双随机抽中, 不能记录抽查结果",
                message_en="not selected in a draw",
            )
        result = VerificationResult.FALSE if adverse_finding else VerificationResult.TRUE
        with self._run(
            actor,
            "verification",
            "record_supervision",
            "verification",
            verification_id,
            organ_uscc=self._organ_of(v),
            target=VerificationStatus.CONCLUDED,
        ) as s:
            return self._conclude(s, v, result, actor.actor_id, evidence)

    # -- helpers of the periodic sweep (PledgeService.sweep) ----------------------------
    def _selected(self, draw_id: str) -> frozenset[str]:
        return frozenset(self._load("draw", draw_id, InspectionDraw).selected)

    def _exempt_horizon_passed(self, v: Verification, now: datetime) -> bool:
        case = self._case(v.case_no)
        if case.status is not CaseStatus.DECIDED or case.concluded_at is None:
            return False
        horizon = R.add_months(case.concluded_at, self.rules.exempt_horizon_months)
        return now >= horizon

    def _close_exempt(self, v: Verification, actor: Actor) -> None:
        with self._run(
            actor,
            "verification",
            "close_exempt",
            "verification",
            v.verification_id,
            organ_uscc=self._organ_of(v),
        ) as s:
            self._conclude(s, v, VerificationResult.NO_ADVERSE_FINDING, actor.actor_id)

    def _mark_overdue(self, v: Verification, actor: Actor, now: datetime) -> None:
        with self._run(
            actor,
            "verification",
            "mark_overdue",
            "verification",
            v.verification_id,
            organ_uscc=self._organ_of(v),
        ) as s:
            first = v.status is not VerificationStatus.OVERDUE
            new = v.model_copy(
                update={
                    "status": VerificationStatus.OVERDUE,
                    "overdue_since": now if first else v.overdue_since,
                    "escalations": v.escalations + (0 if first else 1),
                }
            )
            self._put_model(s, "verification", v.verification_id, new, s.target)
            s.payload = {"escalations": new.escalations}
            s.emit(
                "verification.overdue",
                {
                    "verification_id": v.verification_id,
                    "case_no": v.case_no,
                    "escalations": new.escalations,
                },
            )

    # -- guards -------------------------------------------------------------------------------
    @staticmethod
    def _require_method(v: Verification, method: VerificationMethod) -> None:
        if v.method is not method:
            raise RuleViolationError(
                "GZ-RL-234",
                f"核查 {v.verification_id} 的方式为 {v.method.value}, 不是 {method.value}",
                message_en="wrong verification method for this action",
            )

    @staticmethod
    def _require_result(result: VerificationResult) -> None:
        if result not in (VerificationResult.TRUE, VerificationResult.FALSE):
            raise RuleViolationError(
                "GZ-RL-235", "核查结果须为属实或不实", message_en="result must be TRUE or FALSE"
            )


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
