"""Routes: dispositions and credit records (repair, objections), disclosure, complaints,
the bureau report, journal checkpoints, evidence export and event dead letters.

Transitions are the library's (role policy, journaled refusals). Lists of records are for
officials (their own organ's records), auditors and the system; personal callers are
refused and journaled (GZ-AU-020).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gaozhi_sdk.archive import JournalCheckpoint
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.models.credit import (
    Complaint,
    CreditRecord,
    CreditRepairApplication,
    Disposition,
    Objection,
)
from gaozhi_sdk.models.disclosure import DisclosedPledge
from gaozhi_sdk.models.enums import (
    ActorRole,
    ComplaintStatus,
    CreditStatus,
    DispositionAction,
    ObjectionOutcome,
    RepairDecision,
)
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.rules.severity import FalsePledgeFacts
from gaozhi_sdk.server.paging import DEFAULT_PAGE, After, Limit, OrganOf, Page, paginate
from gaozhi_sdk.server.routes_cases import CallerDep, IdempotencyKey, SvcDep
from gaozhi_sdk.server.routes_ops import require_role
from gaozhi_sdk.service import PledgeService

__all__ = ["mount"]

_PERSONAL = frozenset({ActorRole.APPLICANT, ActorRole.PROXY})
_NOT_PERSONAL = frozenset(ActorRole) - _PERSONAL
_REPORTING = frozenset({ActorRole.AUDITOR, ActorRole.JUSTICE_REVIEWER, ActorRole.SYSTEM})
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisposeIn(_In):
    """Dispose of a false pledge (R-050 … R-058)."""

    actions: list[DispositionAction] = Field(min_length=1, max_length=5)
    facts: FalsePledgeFacts | None = None
    rectification_due: date | None = None
    penalty_ref: str | None = Field(default=None, max_length=200)
    referral_ref: str | None = Field(default=None, max_length=200)
    social_impact: str = Field(default="", max_length=2000)


class RepairDecisionIn(_In):
    """谁认定、谁修复."""

    decision: RepairDecision
    reason: str | None = Field(default=None, max_length=2000)


class ObjectionOutcomeIn(_In):
    """The outcome of an objection."""

    outcome: ObjectionOutcome
    reason: str = Field(min_length=1, max_length=2000)


class ComplaintIn(_In):
    """A complaint or report through the published channel."""

    channel: str = Field(min_length=1, max_length=50)
    subject_ref: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=5000)
    reporter_contact: str | None = Field(default=None, max_length=100)
    organ_uscc: str | None = Field(default=None, max_length=18)


class TextIn(_In):
    """A free-text step (assignee, result or feedback)."""

    text: str = Field(min_length=1, max_length=5000)


class CheckpointIn(_In):
    """Seal the journal head with an organ's seal."""

    organ_uscc: str = Field(min_length=18, max_length=18)


class DeadLetterOut(BaseModel):
    """A dead-lettered event."""

    message_id: int
    topic: str
    idempotency_key: str
    failed_plugins: dict[str, str]


class ReplayOut(BaseModel):
    """What a replay did."""

    delivered: int
    retrying: int
    dead: int


def _visible(actor: Actor, organ: str | None) -> bool:
    return actor.role in (ActorRole.AUDITOR, ActorRole.SYSTEM) or actor.organ_uscc == organ


def _message_cursor(after: str | None) -> int:
    if after is None:
        return 0
    if not after.isdigit() or len(after) > 18:
        raise GaozhiError(
            "GZ-HT-422",
            "after 须为上一页 next 中的消息编号",
            message_en="after must be the message number given as next",
        )
    return int(after)


def _officials_only(svc: PledgeService, actor: Actor, action: str) -> None:
    require_role(svc, actor, _NOT_PERSONAL, action)


def mount(app: FastAPI) -> None:
    """Add the credit, disclosure, complaint and archive routes to ``app``."""

    @app.post(
        "/v1/cases/{case_no}/disposition",
        response_model=Disposition,
        status_code=201,
        tags=["处置与信用"],
        summary="不实承诺的处置",
    )
    def dispose(
        case_no: str, body: DisposeIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Disposition:
        return svc.credit.dispose(
            case_no,
            body.actions,
            caller.actor,
            facts=body.facts,
            rectification_due=body.rectification_due,
            penalty_ref=body.penalty_ref,
            referral_ref=body.referral_ref,
            social_impact=body.social_impact,
        )

    @app.get(
        "/v1/dispositions",
        response_model=Page[Disposition],
        tags=["处置与信用"],
        summary="处置 (本机关办件的), 分页",
    )
    def dispositions(
        caller: CallerDep, svc: SvcDep, after: After = None, limit: Limit = DEFAULT_PAGE
    ) -> Page[Disposition]:
        _officials_only(svc, caller.actor, "disposition.list")
        organs = OrganOf(svc)
        return paginate(
            lambda a, n: svc.credit.dispositions(after=a, limit=n),
            lambda d: d.disposition_id,
            after=after,
            limit=limit,
            visible=lambda d: _visible(caller.actor, organs(d.case_no)),
        )

    @app.get(
        "/v1/credit-records",
        response_model=Page[CreditRecord],
        tags=["处置与信用"],
        summary="信用记录 (本机关认定的), 分页",
    )
    def credit_records(
        caller: CallerDep,
        svc: SvcDep,
        status: Annotated[CreditStatus | None, Query()] = None,
        after: After = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> Page[CreditRecord]:
        _officials_only(svc, caller.actor, "credit.list")
        return paginate(
            lambda a, n: svc.credit.list(status=status, after=a, limit=n),
            lambda r: r.record_id,
            after=after,
            limit=limit,
            visible=lambda r: _visible(caller.actor, r.organ_uscc),
        )

    @app.get(
        "/v1/credit-records/{record_id}",
        response_model=CreditRecord,
        tags=["处置与信用"],
        summary="一条信用记录",
    )
    def credit_record(record_id: str, caller: CallerDep, svc: SvcDep) -> CreditRecord:
        _officials_only(svc, caller.actor, "credit.read")
        rec = svc.credit.get(record_id)
        if not _visible(caller.actor, rec.organ_uscc):
            require_role(svc, caller.actor, frozenset(), "credit.read")
        return rec

    @app.post(
        "/v1/credit-records/{record_id}/publicize",
        response_model=CreditRecord,
        tags=["处置与信用"],
        summary="公示信用记录",
    )
    def publicize(
        record_id: str, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> CreditRecord:
        return svc.credit.publicize(record_id, caller.actor)

    @app.post(
        "/v1/credit-records/{record_id}/repair",
        response_model=CreditRepairApplication,
        status_code=201,
        tags=["处置与信用"],
        summary="信用修复申请",
    )
    def apply_repair(
        record_id: str,
        body: CreditRepairApplication,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> CreditRepairApplication:
        return svc.credit.apply_repair(record_id, body, caller.actor)

    @app.post(
        "/v1/repairs/{application_id}/decision",
        response_model=CreditRecord,
        tags=["处置与信用"],
        summary="信用修复决定",
    )
    def decide_repair(
        application_id: str,
        body: RepairDecisionIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> CreditRecord:
        return svc.credit.decide_repair(
            application_id, body.decision, caller.actor, reason=body.reason
        )

    @app.post(
        "/v1/credit-records/{record_id}/objections",
        response_model=Objection,
        status_code=201,
        tags=["处置与信用"],
        summary="对信用记录提出异议",
    )
    def object_to_record(
        record_id: str, body: Objection, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Objection:
        return svc.credit.object_to_record(record_id, body, caller.actor)

    @app.post(
        "/v1/objections/{objection_id}/resolution",
        response_model=CreditRecord,
        tags=["处置与信用"],
        summary="异议处理",
    )
    def resolve_objection(
        objection_id: str,
        body: ObjectionOutcomeIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> CreditRecord:
        return svc.credit.resolve_objection(
            objection_id, body.outcome, caller.actor, reason=body.reason
        )

    @app.post(
        "/v1/pledges/{pledge_id}/disclosure",
        response_model=DisclosedPledge,
        status_code=201,
        tags=["公开"],
        summary="公开承诺书 (脱敏)",
    )
    def publish_disclosure(
        pledge_id: str, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> DisclosedPledge:
        return svc.disclosure.publish(pledge_id, caller.actor)

    @app.get(
        "/v1/disclosures",
        response_model=Page[DisclosedPledge],
        tags=["公开"],
        summary="公开承诺书, 分页",
    )
    def disclosures(
        caller: CallerDep, svc: SvcDep, after: After = None, limit: Limit = DEFAULT_PAGE
    ) -> Page[DisclosedPledge]:
        return paginate(
            lambda a, n: svc.disclosure.list(after=a, limit=n),
            lambda d: d.disclosure_id,
            after=after,
            limit=limit,
        )

    @app.post(
        "/v1/complaints",
        response_model=Complaint,
        status_code=201,
        tags=["投诉举报"],
        summary="受理投诉举报",
    )
    def receive_complaint(
        body: ComplaintIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Complaint:
        return svc.complaints.receive(
            channel=body.channel,
            subject_ref=body.subject_ref,
            content=body.content,
            actor=caller.actor,
            reporter_contact=body.reporter_contact,
            organ_uscc=body.organ_uscc,
        )

    @app.post(
        "/v1/complaints/{complaint_id}/{step}",
        response_model=Complaint,
        tags=["投诉举报"],
        summary="投诉举报: 分派 (assign)、办理 (handle)、反馈 (feedback)",
    )
    def complaint_step(
        complaint_id: str,
        step: Literal["assign", "handle", "feedback"],
        body: TextIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> Complaint:
        if step == "assign":
            return svc.complaints.assign(complaint_id, body.text, caller.actor)
        if step == "handle":
            return svc.complaints.handle(complaint_id, body.text, caller.actor)
        return svc.complaints.give_feedback(complaint_id, body.text, caller.actor)

    @app.get(
        "/v1/complaints",
        response_model=Page[Complaint],
        tags=["投诉举报"],
        summary="投诉举报 (本机关受理的), 分页",
    )
    def complaints(
        caller: CallerDep,
        svc: SvcDep,
        status: Annotated[ComplaintStatus | None, Query()] = None,
        after: After = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> Page[Complaint]:
        _officials_only(svc, caller.actor, "complaint.list")
        # a complaint names its reporter's contact: only its organ (and oversight) sees it
        return paginate(
            lambda a, n: svc.complaints.list(status=status, after=a, limit=n),
            lambda c: c.complaint_id,
            after=after,
            limit=limit,
            visible=lambda c: _visible(caller.actor, c.organ_uscc),
        )

    @app.get(
        "/v1/statistics/report",
        tags=["统计"],
        summary="向司法局报送的书面统计 (Markdown、JSON 或 DOCX)",
        response_class=Response,
        responses={200: {"content": {"text/markdown": {}, "application/json": {}, _DOCX: {}}}},
    )
    def bureau_report(
        caller: CallerDep,
        svc: SvcDep,
        fmt: Annotated[Literal["md", "json", "docx"], Query(alias="format")] = "md",
    ) -> Response:
        from gaozhi_sdk.documents.report import render_report

        require_role(svc, caller.actor, _REPORTING, "statistics.read")
        data = render_report(svc.statistics(), fmt, hook=svc.plugin_host)
        media = {"md": "text/markdown; charset=utf-8", "json": "application/json"}.get(fmt, _DOCX)
        return Response(data, media_type=media)

    @app.post(
        "/v1/journal/checkpoint",
        response_model=JournalCheckpoint,
        status_code=201,
        tags=["归档与证据"],
        summary="以机关印章签署台账检查点",
    )
    def checkpoint(
        body: CheckpointIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> JournalCheckpoint:
        return svc.checkpoint_journal(body.organ_uscc, caller.actor)

    @app.get(
        "/v1/cases/{case_no}/evidence",
        tags=["归档与证据"],
        summary="单案离线证据包 (zip, 机关印章签署清单)",
        response_class=Response,
        responses={200: {"content": {"application/zip": {}}}},
    )
    def evidence(case_no: str, request: Request, caller: CallerDep, svc: SvcDep) -> Response:
        from gaozhi_sdk.evidence import export_evidence

        case = svc.cases.get(case_no)
        if caller.actor.role not in (ActorRole.AUDITOR, ActorRole.SYSTEM) and (
            caller.actor.organ_uscc != case.organ_uscc
        ):
            require_role(svc, caller.actor, frozenset(), "evidence.export")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "evidence.zip"
            export_evidence(
                svc.store,
                case_no,
                out,
                signer=svc.sealer.signer_for(case.organ_uscc),
                trust_pems=request.app.state.anchor_pems,
            )
            data = out.read_bytes()
        return Response(data, media_type="application/zip")

    @app.get(
        "/v1/events/dead",
        response_model=Page[DeadLetterOut],
        tags=["事件"],
        summary="死信事件, 分页 (按消息编号)",
    )
    def dead(
        caller: CallerDep, svc: SvcDep, after: After = None, limit: Limit = DEFAULT_PAGE
    ) -> Page[DeadLetterOut]:
        from gaozhi_sdk.events import dead_letters

        require_role(svc, caller.actor, frozenset({ActorRole.SYSTEM}), "events.dead")
        start = _message_cursor(after)
        letters = sorted(
            (d for d in dead_letters(svc.store) if d.message_id > start),
            key=lambda d: d.message_id,
        )
        return paginate(
            lambda _a, n: [
                DeadLetterOut(
                    message_id=d.message_id,
                    topic=d.topic,
                    idempotency_key=d.idempotency_key,
                    failed_plugins=dict(d.failed_plugins),
                )
                for d in letters[:n]
            ],
            lambda d: str(d.message_id),
            after=after,
            limit=limit,
        )

    @app.post(
        "/v1/events/dead/replay", response_model=ReplayOut, tags=["事件"], summary="重放死信事件"
    )
    def replay(caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None) -> ReplayOut:
        from gaozhi_sdk.events import replay_dead
        from gaozhi_sdk.plugins import PluginHost

        require_role(svc, caller.actor, frozenset({ActorRole.SYSTEM}), "events.replay")
        if svc.plugin_host is None:
            svc.plugin_host = PluginHost()
        r = replay_dead(svc.store, svc.plugin_host)
        return ReplayOut(delivered=r.delivered, retrying=r.retrying, dead=r.dead)
