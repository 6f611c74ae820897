"""Routes: lists, verifications and assistance, offline verification, statistics, events.

Transitions go through the library's role policy; reads and operator actions that the
library does not guard are checked here (refused and journaled with GZ-AU-020).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gaozhi_sdk.errors import PermissionDeniedError
from gaozhi_sdk.esign.report import VerificationReport
from gaozhi_sdk.models.enums import (
    ActorRole,
    AssistanceReply,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.models.lists import CommitmentList, ReviewRecord
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.models.verification import AssistanceRequest, Verification
from gaozhi_sdk.rules.list_lint import Finding, lint_list
from gaozhi_sdk.server.paging import DEFAULT_PAGE, After, Limit, OrganOf, Page, paginate
from gaozhi_sdk.server.routes_cases import CallerDep, IdempotencyKey, SvcDep, check_read
from gaozhi_sdk.service import PledgeService, Statistics

__all__ = ["mount", "require_role"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_REPORTING = frozenset({ActorRole.AUDITOR, ActorRole.JUSTICE_REVIEWER, ActorRole.SYSTEM})


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssistanceIn(_In):
    """Ask another organ to assist (R-043)."""

    requested_organ: str = Field(min_length=1, max_length=18, description="被请求机关 USCC")
    question: str = Field(min_length=1, max_length=2000, description="协助核查事项")


class AssistanceReplyIn(_In):
    """The assisting organ's reply, or its written refusal."""

    reply: AssistanceReply = Field(description="答复")
    refusal_reason: str | None = Field(default=None, max_length=2000, description="书面拒绝理由")


class DispatchIn(_In):
    """Push an on-site task to an inspector (R-045)."""

    inspector: str = Field(min_length=1, max_length=64, description="核查人员工号")


class OnSiteResultIn(_In):
    """The inspector's on-site finding."""

    result: VerificationResult = Field(description="核查结论")


class DeliveryOut(BaseModel):
    """What one event delivery run did."""

    delivered: int
    retrying: int
    dead: int


def require_role(
    svc: PledgeService, actor: Actor, roles: frozenset[ActorRole], action: str
) -> None:
    """Refuse (GZ-AU-020) and journal unless the actor has one of ``roles``."""
    if actor.role in roles:
        return
    err = PermissionDeniedError(
        "GZ-AU-020",
        f"角色 {actor.role.value} 无权执行 {action}",
        message_en=f"role {actor.role.value} may not perform {action}",
        details={"action": action, "role": actor.role.value},
    )
    svc.journal_refusal(actor, action, "service", "-", err)
    raise err


def _read_verification(svc: PledgeService, actor: Actor, v: Verification) -> None:
    case = svc.cases.get(v.case_no)
    check_read(
        svc,
        actor,
        organ_uscc=case.organ_uscc,
        applicant_id=case.applicant.id_number,
        action="verification.read",
        kind="verification",
        agg_id=v.verification_id,
    )


def mount(app: FastAPI) -> None:
    """Add the operational routes to ``app``."""

    @app.post(
        "/v1/lists",
        response_model=CommitmentList,
        status_code=201,
        tags=["清单"],
        summary="起草清单",
    )
    def draft_list(
        body: CommitmentList, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> CommitmentList:
        return svc.lists.draft(body, caller.actor)

    @app.post(
        "/v1/lists/{list_id}/versions/{version}/submit",
        response_model=CommitmentList,
        tags=["清单"],
        summary="提交审核",
    )
    def submit_list(
        list_id: str,
        version: Annotated[int, Field(ge=1, le=1_000_000)],
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> CommitmentList:
        return svc.lists.submit(list_id, version, caller.actor)

    @app.post(
        "/v1/lists/{list_id}/versions/{version}/publish",
        response_model=CommitmentList,
        tags=["清单"],
        summary="审核通过并公布 (R-011)",
    )
    def publish_list(
        list_id: str,
        version: Annotated[int, Field(ge=1, le=1_000_000)],
        body: ReviewRecord,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> CommitmentList:
        return svc.lists.publish(list_id, version, body, caller.actor)

    @app.post(
        "/v1/lists/lint",
        response_model=list[Finding],
        tags=["清单"],
        summary="检查清单 (不保存; 用语、要素与一致性)",
    )
    def lint(body: CommitmentList, caller: CallerDep, key: IdempotencyKey = None) -> list[Finding]:
        return lint_list(body)

    @app.get(
        "/v1/lists/{list_id}/export",
        tags=["清单"],
        summary="按公布列导出已公布清单 (XLSX 或 DOCX)",
        response_class=Response,
        responses={200: {"content": {_XLSX: {}, _DOCX: {}}}},
    )
    def export(
        list_id: str,
        caller: CallerDep,
        svc: SvcDep,
        fmt: Annotated[Literal["xlsx", "docx"], Query(alias="format")] = "xlsx",
    ) -> Response:
        from gaozhi_sdk.documents import export_list_docx, export_list_xlsx

        clist = svc.lists.published(list_id)
        if fmt == "xlsx":
            return Response(export_list_xlsx(clist), media_type=_XLSX)
        return Response(export_list_docx(clist), media_type=_DOCX)

    @app.get(
        "/v1/lists/{list_id}", response_model=CommitmentList, tags=["清单"], summary="已公布的清单"
    )
    def published_list(list_id: str, caller: CallerDep, svc: SvcDep) -> CommitmentList:
        return svc.lists.published(list_id)

    @app.get(
        "/v1/verifications",
        response_model=Page[Verification],
        tags=["核查"],
        summary="核查 (本机关; 审计人员为全部), 分页",
    )
    def verifications(
        caller: CallerDep,
        svc: SvcDep,
        status: Annotated[VerificationStatus | None, Query()] = None,
        due_before: Annotated[
            datetime | None, Query(description="只列出截止时间早于该时间的 (待办核查)")
        ] = None,
        after: After = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> Page[Verification]:
        actor = caller.actor
        if actor.role in (ActorRole.APPLICANT, ActorRole.PROXY):
            require_role(svc, actor, frozenset(), "verification.list")
        organs = OrganOf(svc)

        def visible(v: Verification) -> bool:
            if due_before is not None and (v.due_at is None or v.due_at >= due_before):
                return False
            return actor.role in (ActorRole.AUDITOR, ActorRole.SYSTEM) or (
                organs(v.case_no) == actor.organ_uscc
            )

        return paginate(
            lambda a, n: svc.verifications.list(status=status, after=a, limit=n),
            lambda v: v.verification_id,
            after=after,
            limit=limit,
            visible=visible,
        )

    @app.get(
        "/v1/verifications/{verification_id}",
        response_model=Verification,
        tags=["核查"],
        summary="一项核查",
    )
    def get_verification(verification_id: str, caller: CallerDep, svc: SvcDep) -> Verification:
        v = svc.verifications.get(verification_id)
        _read_verification(svc, caller.actor, v)
        return v

    @app.post(
        "/v1/verifications/{verification_id}/online",
        response_model=Verification,
        tags=["核查"],
        summary="在线核查 (数据共享, R-041)",
    )
    def online(
        verification_id: str, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Verification:
        return svc.verifications.run_online(verification_id, caller.actor)

    @app.post(
        "/v1/verifications/{verification_id}/on-site/dispatch",
        response_model=Verification,
        tags=["核查"],
        summary="派发现场核查任务",
    )
    def dispatch_on_site(
        verification_id: str,
        body: DispatchIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> Verification:
        return svc.verifications.dispatch_on_site(verification_id, body.inspector, caller.actor)

    @app.post(
        "/v1/verifications/{verification_id}/on-site/result",
        response_model=Verification,
        tags=["核查"],
        summary="记录现场核查结论",
    )
    def record_on_site(
        verification_id: str,
        body: OnSiteResultIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> Verification:
        return svc.verifications.record_on_site(verification_id, body.result, caller.actor)

    @app.post(
        "/v1/verifications/{verification_id}/assistance",
        response_model=AssistanceRequest,
        status_code=201,
        tags=["核查"],
        summary="请求协助核查 (R-043)",
    )
    def request_assistance(
        verification_id: str,
        body: AssistanceIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> AssistanceRequest:
        return svc.verifications.request_assistance(
            verification_id,
            requested_organ=body.requested_organ,
            question=body.question,
            actor=caller.actor,
        )

    @app.post(
        "/v1/assistance/{assistance_id}/reply",
        response_model=Verification,
        tags=["核查"],
        summary="协助核查答复或书面拒绝",
    )
    def reply_assistance(
        assistance_id: str,
        body: AssistanceReplyIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> Verification:
        return svc.verifications.reply_assistance(
            assistance_id, body.reply, caller.actor, refusal_reason=body.refusal_reason
        )

    @app.post(
        "/v1/verify",
        response_model=VerificationReport,
        tags=["验证"],
        summary="验证签名文件 (按本服务配置的信任锚, 另查本服务撤销的特别授权书; 不保存任何数据)",
    )
    def verify_bundle(
        caller: CallerDep,
        svc: SvcDep,
        bundle: Annotated[dict[str, Any], Body(description="签名文件 (DESIGN §4)")],
        key: IdempotencyKey = None,
    ) -> VerificationReport:
        # as offline, plus the service's own revocations of proxy grants
        return svc.cases.verify_bundle(json.dumps(bundle).encode())

    @app.get(
        "/v1/statistics", response_model=Statistics, tags=["统计"], summary="向司法局报送的统计"
    )
    def statistics(caller: CallerDep, svc: SvcDep) -> Statistics:
        require_role(svc, caller.actor, _REPORTING, "statistics.read")
        return svc.statistics()

    @app.post(
        "/v1/events/deliver",
        response_model=DeliveryOut,
        tags=["事件"],
        summary="投递待发事件 (插件 gaozhi_event)",
    )
    def deliver(caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None) -> DeliveryOut:
        require_role(svc, caller.actor, frozenset({ActorRole.SYSTEM}), "events.deliver")
        r = svc.deliver_events()
        return DeliveryOut(delivered=r.delivered, retrying=r.retrying, dead=r.dead)
