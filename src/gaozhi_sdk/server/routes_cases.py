"""Routes: notices, cases, the pledge with three-step signing (DESIGN §10) and the
applicant's special authorisation of a proxy, signed the same way and revocable (R-024).

Every route calls the public :class:`~gaozhi_sdk.PledgeService` method with the caller's
actor, so the library's role policy decides and journals refusals. Reads, which the
library does not guard, go through :func:`check_read` (officials of the owning organ, the
applicant the platform asserts, auditors) and are refused and journaled otherwise.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from gaozhi_sdk.errors import GaozhiError, PermissionDeniedError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.models.case import Case, Decision, ProofChoice
from gaozhi_sdk.models.documents import Notice, Pledge
from gaozhi_sdk.models.enums import ActorRole, CaseStatus, NoticeChannel
from gaozhi_sdk.models.parties import AUTHORIZATION_ID_PATTERN, Actor, Applicant, Proxy
from gaozhi_sdk.models.verification import Verification
from gaozhi_sdk.rules.eligibility import EligibilityResult
from gaozhi_sdk.server.app import Caller, caller_for
from gaozhi_sdk.server.paging import DEFAULT_PAGE, After, Limit, Page, paginate
from gaozhi_sdk.service import DataToSign, PledgeService

__all__ = ["IdempotencyKey", "check_read", "get_caller", "mount", "service"]

_OVERSIGHT = frozenset({ActorRole.AUDITOR, ActorRole.SYSTEM})
_PERSONAL = frozenset({ActorRole.APPLICANT, ActorRole.PROXY})

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="幂等键: 同一键的重试返回第一次的响应, 不重复执行",
        max_length=200,
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


async def service(request: Request) -> PledgeService:
    """The application's service."""
    svc: PledgeService = request.app.state.svc
    return svc


async def get_caller(
    request: Request,
    on_behalf_of: Annotated[
        str | None,
        Header(
            alias="X-Gaozhi-On-Behalf-Of",
            description="代申请人调用: 申请人 (或代为承诺人) 的证件号码, 由平台认证",
            max_length=64,
        ),
    ] = None,
    on_behalf_role: Annotated[
        Literal["APPLICANT", "PROXY"] | None,
        Header(alias="X-Gaozhi-On-Behalf-Role", description="APPLICANT (默认) 或 PROXY"),
    ] = None,
    assertion: Annotated[
        str | None,
        Header(
            alias="X-Gaozhi-Identity-Assertion",
            description="平台对申请人身份的认证断言, 如 method=FACE;provider=…;txn=…",
            max_length=512,
        ),
    ] = None,
) -> Caller:
    """The authenticated caller, resolved by the gateway (headers are declared here for
    the OpenAPI document; async: no worker-thread hop of its own)."""
    del on_behalf_of, on_behalf_role, assertion  # read by the gateway (resolve_caller)
    return caller_for(request)


CallerDep = Annotated[Caller, Depends(get_caller)]
SvcDep = Annotated[PledgeService, Depends(service)]


def check_read(
    svc: PledgeService,
    actor: Actor,
    *,
    organ_uscc: str,
    applicant_id: str | None,
    proxy_id: str | None = None,
    action: str,
    kind: str,
    agg_id: str,
) -> None:
    """Who may read a case's documents; refusals are journaled (GZ-AU-020)."""
    if actor.role in _OVERSIGHT:
        return
    if actor.role in _PERSONAL:
        if actor.actor_id in {applicant_id, proxy_id} - {None}:
            return
    elif actor.organ_uscc == organ_uscc:
        return
    err = PermissionDeniedError(
        "GZ-AU-020",
        f"角色 {actor.role.value} 无权查看该{'办件' if kind == 'case' else '文书'}",
        message_en=f"role {actor.role.value} may not read this {kind}",
        details={"action": action, "role": actor.role.value},
    )
    svc.journal_refusal(actor, action, kind, agg_id, err)
    raise err


def _read_case(svc: PledgeService, actor: Actor, case_no: str, action: str) -> Case:
    case = svc.cases.get(case_no)
    proxy_id = None
    if case.pledge_id:
        pledge = svc.cases.pledge(case.pledge_id)
        proxy_id = pledge.proxy.party.id_number if pledge.proxy else None
    check_read(
        svc,
        actor,
        organ_uscc=case.organ_uscc,
        applicant_id=case.applicant.id_number,
        proxy_id=proxy_id,
        action=action,
        kind="case",
        agg_id=case_no,
    )
    return case


class NoticeIn(_In):
    """Open a case and give the notice."""

    list_id: str = Field(min_length=1, max_length=100, description="已公布清单编号")
    entry_ids: list[str] = Field(min_length=1, max_length=50, description="告知的证明事项")
    applicant: Applicant = Field(description="申请人")
    channel: NoticeChannel = Field(default=NoticeChannel.COUNTER, description="告知渠道")
    case_no: str | None = Field(default=None, max_length=64, description="办件编号 (可选)")


class ChoicesIn(_In):
    """The applicant's choice per proof (R-021)."""

    choices: list[ProofChoice] = Field(min_length=1, max_length=50)
    proxy: Proxy | None = Field(
        default=None, description="代为承诺人选择时: 其本人及申请人的特别授权 (R-024)"
    )


class DraftIn(_In):
    """Draft parameters."""

    proxy: Proxy | None = Field(default=None, description="代为承诺人及特别授权")


class DataToSignIn(_In):
    """Step 1 of three-step signing."""

    certificate_chain: list[str] = Field(
        min_length=1, max_length=5, description="签名者证书链, base64 DER, 叶证书在前"
    )
    proxy: Proxy | None = Field(default=None, description="代为承诺人及特别授权 (代签时)")
    sm2_signer_id: str | None = Field(
        default=None, max_length=64, description="SM2 签名者标识 (默认 1234567812345678)"
    )


class AuthorizationDataToSignIn(DataToSignIn):
    """Step 1 of the applicant's three-step signing of a special authorisation (R-024)."""

    proxy: Proxy = Field(
        description="代为承诺人及特别授权书条款 (编号、证明事项、有效期、明确授权代为承诺)"
    )


class SignatureIn(_In):
    """Step 3 of three-step signing."""

    session_id: str = Field(min_length=1, max_length=64, description="第一步返回的会话标识")
    signature: str = Field(
        min_length=4, max_length=1024, description="对 PAE 字节的签名值 (base64)"
    )
    signature_format: Literal["der", "raw"] = Field(
        default="der", description="der: ECDSA/SM2 DER; raw: r‖s 64 字节 (WebCrypto、HSM)"
    )


class WithdrawIn(_In):
    """Withdraw the pledge (R-060)."""

    reason: str = Field(min_length=1, max_length=500, description="撤回理由")


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise GaozhiError(
            "GZ-HT-422", f"{what} 须为 base64", message_en=f"{what} must be base64"
        ) from None


def mount(app: FastAPI) -> None:
    """Add the case routes to ``app``."""

    @app.post(
        "/v1/notices",
        response_model=Notice,
        status_code=201,
        tags=["告知与办件"],
        summary="开立办件并告知 (R-001, R-008)",
    )
    def issue_notice(
        body: NoticeIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Notice:
        return svc.cases.issue_notice(
            list_id=body.list_id,
            entry_ids=body.entry_ids,
            applicant=body.applicant,
            actor=caller.actor,
            channel=body.channel,
            case_no=body.case_no,
        )

    @app.get(
        "/v1/notices/{notice_id}", response_model=Notice, tags=["告知与办件"], summary="告知书"
    )
    def get_notice(notice_id: str, caller: CallerDep, svc: SvcDep) -> Notice:
        notice = svc.cases.notice(notice_id)
        _read_case(svc, caller.actor, notice.case_no, "notice.read")
        return notice

    @app.get(
        "/v1/notices/{notice_id}/document",
        tags=["告知与办件"],
        summary="告知书文书 (HTML 或 DOCX)",
        response_class=Response,
        responses={
            200: {
                "content": {
                    "text/html": {},
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                }
            }
        },
    )
    def notice_document(
        notice_id: str,
        caller: CallerDep,
        svc: SvcDep,
        fmt: Annotated[Literal["html", "docx"], Query(alias="format")] = "html",
    ) -> Response:
        from gaozhi_sdk.documents import render_notice

        notice = svc.cases.notice(notice_id)
        _read_case(svc, caller.actor, notice.case_no, "notice.read")
        data = render_notice(notice, fmt, hook=svc.plugin_host)
        media = (
            "text/html; charset=utf-8"
            if fmt == "html"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        return Response(data, media_type=media)

    @app.get(
        "/v1/cases",
        response_model=Page[Case],
        tags=["告知与办件"],
        summary="办件列表 (本机关的; 申请人为本人的; 审计人员为全部), 按受理时间分页",
    )
    def list_cases(
        caller: CallerDep,
        svc: SvcDep,
        status: Annotated[CaseStatus | None, Query()] = None,
        organ_uscc: Annotated[
            str | None, Query(min_length=18, max_length=18, description="受理机关 (审计人员)")
        ] = None,
        accepted_from: Annotated[date | None, Query(description="受理日期起 (含)")] = None,
        accepted_to: Annotated[date | None, Query(description="受理日期止 (含)")] = None,
        after: After = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> Page[Case]:
        actor = caller.actor
        applicant = actor.actor_id if actor.role in _PERSONAL else None
        organ = organ_uscc
        if actor.role not in _OVERSIGHT and actor.role not in _PERSONAL:
            if organ_uscc not in (None, actor.organ_uscc):
                err = PermissionDeniedError(
                    "GZ-AU-020",
                    f"角色 {actor.role.value} 只能列出本机关的办件",
                    message_en=f"role {actor.role.value} may list only its own organ's cases",
                    details={"action": "case.list", "role": actor.role.value},
                )
                svc.journal_refusal(actor, "case.list", "case", "*", err)
                raise err
            organ = actor.organ_uscc
        return paginate(
            lambda a, n: svc.cases.list(
                status=status,
                organ_uscc=organ,
                applicant_id=applicant,
                accepted_from=accepted_from,
                accepted_to=accepted_to,
                after=a,
                limit=n,
            ),
            lambda c: c.case_no,
            after=after,
            limit=limit,
        )

    @app.get("/v1/cases/{case_no}", response_model=Case, tags=["告知与办件"], summary="办件")
    def get_case(case_no: str, caller: CallerDep, svc: SvcDep) -> Case:
        return _read_case(svc, caller.actor, case_no, "case.read")

    @app.post(
        "/v1/cases/{case_no}/choices",
        response_model=Case,
        tags=["告知与办件"],
        summary="记录申请人的选择 (R-021, R-022)",
    )
    def record_choices(
        case_no: str, body: ChoicesIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Case:
        return svc.cases.record_choices(case_no, body.choices, caller.actor, proxy=body.proxy)

    @app.post(
        "/v1/cases/{case_no}/eligibility",
        response_model=EligibilityResult,
        tags=["告知与办件"],
        summary="信用核验 (R-020)",
    )
    def check_eligibility(
        case_no: str, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> EligibilityResult:
        return svc.cases.check_eligibility(case_no, caller.actor)

    @app.post(
        "/v1/cases/{case_no}/pledge/draft",
        response_model=Pledge,
        tags=["承诺书签署"],
        summary="承诺书草稿 (供申请人阅读; 签署请用三步签署)",
    )
    def draft_pledge(
        case_no: str,
        caller: CallerDep,
        svc: SvcDep,
        body: DraftIn | None = None,
        key: IdempotencyKey = None,
    ) -> Pledge:
        _read_case(svc, caller.actor, case_no, "case.read")
        return svc.cases.draft_pledge(case_no, proxy=body.proxy if body else None)

    @app.post(
        "/v1/cases/{case_no}/pledge/data-to-sign",
        response_model=DataToSign,
        tags=["承诺书签署"],
        summary="三步签署 ①: 获取待签数据 (DSSE PAE 字节及摘要)",
    )
    def data_to_sign(
        case_no: str, body: DataToSignIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> DataToSign:
        chain = [_b64(c, "certificate_chain") for c in body.certificate_chain]
        return svc.cases.pledge_data_to_sign(
            case_no, chain, caller.actor, proxy=body.proxy, sm2_signer_id=body.sm2_signer_id
        )

    @app.post(
        "/v1/cases/{case_no}/pledge/signature",
        response_model=Pledge,
        status_code=201,
        tags=["承诺书签署"],
        summary="三步签署 ③: 提交签名, 组装并按 submit_pledge 校验",
    )
    def signature(
        case_no: str, body: SignatureIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Pledge:
        return svc.cases.assemble_pledge(
            case_no,
            body.session_id,
            _b64(body.signature, "signature"),
            caller.actor,
            signature_format=body.signature_format,
        )

    @app.post(
        "/v1/cases/{case_no}/authorizations/data-to-sign",
        response_model=DataToSign,
        tags=["特别授权书"],
        summary="申请人签署特别授权书 ①: 获取待签数据 (R-024; 仅申请人本人)",
    )
    def authorization_data_to_sign(
        case_no: str,
        body: AuthorizationDataToSignIn,
        caller: CallerDep,
        svc: SvcDep,
        key: IdempotencyKey = None,
    ) -> DataToSign:
        chain = [_b64(c, "certificate_chain") for c in body.certificate_chain]
        return svc.cases.authorization_data_to_sign(
            case_no, body.proxy, chain, caller.actor, sm2_signer_id=body.sm2_signer_id
        )

    @app.post(
        "/v1/cases/{case_no}/authorizations/signature",
        response_model=Proxy,
        status_code=201,
        tags=["特别授权书"],
        summary="申请人签署特别授权书 ③: 提交签名; 返回附有签名授权书的代为承诺人 (R-024)",
    )
    def authorization_signature(
        case_no: str, body: SignatureIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Proxy:
        return svc.cases.assemble_authorization(
            case_no,
            body.session_id,
            _b64(body.signature, "signature"),
            caller.actor,
            signature_format=body.signature_format,
        )

    @app.post(
        "/v1/cases/{case_no}/authorizations/{authorization_id}/revocation",
        status_code=204,
        response_class=Response,
        tags=["特别授权书"],
        summary="申请人撤销特别授权书 (代为承诺人凭其签署承诺书之前; R-024)",
    )
    def revoke_authorization(
        case_no: str,
        authorization_id: Annotated[str, Path(pattern=AUTHORIZATION_ID_PATTERN)],
        caller: CallerDep,
        svc: SvcDep,
        signed_elsewhere: Annotated[
            bool,
            Query(
                description="申请人确认该编号的授权书是在别处以本人证书签署的 (本服务未保存); "
                "否则本服务未签署的编号答复 404 GZ-WF-033"
            ),
        ] = False,
        key: IdempotencyKey = None,
    ) -> Response:
        svc.cases.revoke_authorization(
            case_no, authorization_id, caller.actor, signed_elsewhere=signed_elsewhere
        )
        return Response(status_code=204)

    @app.post(
        "/v1/cases/{case_no}/pledge",
        response_model=Pledge,
        status_code=201,
        tags=["承诺书签署"],
        summary="提交已签署的承诺书签名文件 (bundle)",
    )
    def submit_pledge(
        case_no: str,
        caller: CallerDep,
        svc: SvcDep,
        bundle: Annotated[dict[str, Any], Body(description="签名文件 (DESIGN §4)")],
        key: IdempotencyKey = None,
    ) -> Pledge:
        parsed = Bundle.from_json(json.dumps(bundle))
        pledge = (
            svc.cases.submit_pledge(parsed, caller.actor) if _case_of(parsed) == case_no else None
        )
        if pledge is None:
            raise GaozhiError(
                "GZ-HT-422",
                "签名文件中的承诺书不属于该办件",
                message_en="the bundle's pledge is for another case",
            )
        return pledge

    @app.get(
        "/v1/cases/{case_no}/pledge/bundle",
        tags=["承诺书签署"],
        summary="已签署承诺书的签名文件 (供离线验证)",
        responses={200: {"content": {"application/vnd.gaozhi.bundle+json": {}}}},
    )
    def pledge_bundle(case_no: str, caller: CallerDep, svc: SvcDep) -> Response:
        case = _read_case(svc, caller.actor, case_no, "case.read")
        blob = svc.store.get_blob(f"pledge/{case.pledge_id}") if case.pledge_id else None
        if blob is None:
            raise GaozhiError(
                "GZ-HT-404", "该办件尚无已签署的承诺书", message_en="this case has no signed pledge"
            )
        return Response(blob.data, media_type="application/vnd.gaozhi.bundle+json")

    @app.post(
        "/v1/cases/{case_no}/accept",
        response_model=list[Verification],
        tags=["告知与办件"],
        summary="受理并安排核查 (R-040)",
    )
    def accept(
        case_no: str, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> list[Verification]:
        return svc.cases.accept(case_no, caller.actor)

    @app.post(
        "/v1/cases/{case_no}/withdraw",
        response_model=Case,
        tags=["告知与办件"],
        summary="撤回承诺 (R-060)",
    )
    def withdraw(
        case_no: str, body: WithdrawIn, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Case:
        return svc.cases.withdraw(case_no, body.reason, caller.actor)

    @app.post(
        "/v1/cases/{case_no}/decide", response_model=Case, tags=["告知与办件"], summary="作出决定"
    )
    def decide(
        case_no: str, body: Decision, caller: CallerDep, svc: SvcDep, key: IdempotencyKey = None
    ) -> Case:
        return svc.cases.decide(case_no, body, caller.actor)

    @app.get(
        "/v1/cases/{case_no}/verifications",
        response_model=Page[Verification],
        tags=["核查"],
        summary="办件的核查, 分页",
    )
    def case_verifications(
        case_no: str,
        caller: CallerDep,
        svc: SvcDep,
        after: After = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> Page[Verification]:
        _read_case(svc, caller.actor, case_no, "case.read")
        return paginate(
            lambda a, n: svc.verifications.list(case_no=case_no, after=a, limit=n),
            lambda v: v.verification_id,
            after=after,
            limit=limit,
        )


def _case_of(bundle: Bundle) -> str | None:
    from gaozhi_sdk.esign import payload_model

    model = payload_model(bundle)
    return model.case_no if isinstance(model, Pledge) else None
