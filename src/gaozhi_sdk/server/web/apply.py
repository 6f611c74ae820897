"""``/apply/``: the applicant's pages (notice → choice → preview → sign → receipt; withdrawal).

Every case page checks that the session's person is the case's applicant, or the proxy
whose special authorisation (granted by that applicant, for this matter and these proofs)
the session holds; refusals are journaled (GZ-AU-020) exactly as ``/v1`` reads are.
The organ's own acts on the web channel (giving the online notice, the credit check before
the pledge) are done as the platform credential's actor; the applicant's acts (choice,
signature, withdrawal) as the person the platform authenticated.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from gaozhi_sdk.errors import GaozhiError, PermissionDeniedError
from gaozhi_sdk.ids import mask_beside_digest, normalise_identifier
from gaozhi_sdk.models.case import Case, ProofChoice
from gaozhi_sdk.models.enums import ActorRole, CaseStatus, NoticeChannel, ProofMode
from gaozhi_sdk.models.parties import Applicant, Proxy, SpecialAuthorization
from gaozhi_sdk.models.signing import AuthenticationMethod
from gaozhi_sdk.server.routes_cases import check_read
from gaozhi_sdk.server.web.login import Platform, journal_web
from gaozhi_sdk.server.web.pages import (
    RawBody,
    error_page,
    fields,
    posted_form,
    render,
    session_or_login,
    show,
    svc_of,
)
from gaozhi_sdk.server.web.sessions import WebSession
from gaozhi_sdk.service import PledgeService

__all__ = ["applicant_of", "case_for", "mount_apply", "pledge_digest", "proxy_of"]

_CASE_NO = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def applicant_of(s: WebSession) -> Applicant:
    """The session's person as an :class:`Applicant` (the identity the platform asserted)."""
    return Applicant.model_validate(
        {
            "party_type": s.party_type,
            "name": s.name,
            "id_type": s.id_type,
            "id_number": s.actor.actor_id,
        }
    )


def proxy_of(s: WebSession, case_no: str) -> Proxy | None:
    """The proxy and authorisation this session registered for ``case_no``."""
    doc = s.flow.get("proxy", {}).get(case_no)
    return None if doc is None else Proxy.model_validate(doc)


def case_for(request: Request, s: WebSession, case_no: str, action: str = "case.read") -> Case:
    """The case, if the session's person may see it (GZ-AU-020, journaled, otherwise)."""
    svc: PledgeService = request.app.state.svc
    if not _CASE_NO.match(case_no):
        raise GaozhiError("GZ-HT-404", "办件不存在", message_en="no such case")
    case = svc.cases.get(case_no)
    proxy_id = None
    if case.pledge_id:
        p = svc.cases.pledge(case.pledge_id).proxy
        proxy_id = p.party.id_number if p else None
    elif (px := proxy_of(s, case_no)) is not None and (
        svc.cases.signed_authorization(case_no, px.authorization.authorization_id) is not None
    ):  # only while the applicant has not revoked the grant the session registered
        proxy_id = px.party.id_number
    check_read(
        svc,
        s.actor,
        organ_uscc=case.organ_uscc,
        applicant_id=case.applicant.id_number,
        proxy_id=proxy_id,
        action=action,
        kind="case",
        agg_id=case_no,
    )
    return case


def pledge_digest(svc: PledgeService, case: Case) -> tuple[str, dict[str, Any]] | None:
    """(SHA-256 of the signed pledge payload, the stored bundle JSON) of a pledged case."""
    import json

    blob = svc.store.get_blob(f"pledge/{case.pledge_id}") if case.pledge_id else None
    if blob is None:
        return None
    bundle = json.loads(blob.data)
    payload = base64.b64decode(bundle["dsseEnvelope"]["payload"])
    return hashlib.sha256(payload).hexdigest(), bundle


def _matters(svc: PledgeService, list_id: str) -> list[dict[str, Any]]:
    clist = svc.lists.published(list_id)
    by_code: dict[str, dict[str, Any]] = {}
    for e in clist.entries:
        m = by_code.setdefault(
            e.matter_code, {"code": e.matter_code, "name": e.matter_name, "proofs": []}
        )
        m["proofs"].append(e.proof_name)
    return list(by_code.values())


def _presented(svc: PledgeService, form: dict[str, str], s: WebSession, case: Case) -> Proxy:
    """The authorisation a proxy presents: the one the applicant signed online under this
    number (R-024; it must name this person as proxy and the grantor typed in), else the
    terms typed in from paper — only the proxy's own claim, refused (GZ-AU-011) before any
    check of their content, whose reasons would name the applicant."""
    grantor, auth_id = fields(form, "grantor_id", "authorization_id")
    signed = svc.cases.signed_authorization(case.case_no, auth_id)  # GZ-MD-002: format
    if signed is not None:
        if normalise_identifier(signed.party.id_number) != normalise_identifier(
            s.actor.actor_id
        ) or signed.authorization.grantor_id_number != normalise_identifier(grantor):
            raise PermissionDeniedError(
                "GZ-AU-011",
                "申请人签署的该编号授权书不是授予您的, 或授权人证件号码不符 (R-024)",
                message_en="the applicant's signed authorisation of this number is not "
                "yours, or the grantor differs (R-024)",
            )
        return signed
    start, end, ref = fields(form, "valid_from", "valid_to", "document_ref")
    try:
        proxy = Proxy(
            party=applicant_of(s),
            authorization=SpecialAuthorization(
                authorization_id=auth_id,
                grantor_id_number=grantor,
                matter_code=case.matter_code,
                entry_ids=case.entry_ids,
                valid_from=date.fromisoformat(start),
                valid_to=date.fromisoformat(end),
                express_pledge_authority=form.get("express") == "yes",
                document_ref=ref,
            ),
        )
    except ValueError:
        raise GaozhiError(
            "GZ-HT-422", "授权书信息不完整或日期不合法", message_en="invalid authorisation"
        ) from None
    return proxy


def _case_page(request: Request, case_no: str) -> tuple[WebSession, Case] | Response:
    """The session and the case it may see, or the login redirect / the refusal page."""
    s = session_or_login(request, "apply")
    if not isinstance(s, WebSession):
        return s
    try:
        return s, case_for(request, s, case_no)
    except GaozhiError as err:
        return error_page(request, "apply", err)


def mount_apply(app: FastAPI) -> None:
    """Add the applicant pages."""

    @app.get("/apply/", include_in_schema=False)
    def home(request: Request) -> Response:
        s = session_or_login(request, "apply")
        if not isinstance(s, WebSession):
            return s
        matters = _matters(svc_of(request), request.app.state.web_config.list_id)
        return render(request, "apply/home.html", area="apply", session=s, matters=matters)

    @app.post("/apply/start", include_in_schema=False)
    def start(request: Request, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        try:
            if s.actor.role is not ActorRole.APPLICANT:
                raise PermissionDeniedError(
                    "GZ-AU-011",
                    "代为承诺人请打开申请人已开立的办件",
                    message_en="a proxy continues the applicant's case",
                )
            svc = svc_of(request)
            list_id = request.app.state.web_config.list_id
            (code,) = fields(form, "matter")
            entries = [
                e.entry_id for e in svc.lists.published(list_id).entries if e.matter_code == code
            ]
            if not entries:
                raise GaozhiError("GZ-HT-422", "事项不存在", message_en="unknown matter")
            platform: Platform = request.app.state.web_platform
            notice = svc.cases.issue_notice(
                list_id=list_id,
                entry_ids=entries,
                applicant=applicant_of(s),
                actor=platform.actor,
                channel=NoticeChannel.ONLINE,
            )
        except GaozhiError as err:
            return error_page(request, "apply", err)
        journal_web(svc, "web.notice_opened", s.actor, case_no=notice.case_no)
        return RedirectResponse(f"/apply/cases/{notice.case_no}", status_code=303)

    @app.get("/apply/open", include_in_schema=False)
    def open_case(request: Request, case_no: str = "") -> Response:
        if not _CASE_NO.match(case_no.strip()):
            return RedirectResponse("/apply/", status_code=303)
        return RedirectResponse(f"/apply/cases/{case_no.strip()}", status_code=303)

    @app.get("/apply/cases/{case_no}", include_in_schema=False)
    def notice_page(request: Request, case_no: str) -> Response:
        s = session_or_login(request, "apply")
        if not isinstance(s, WebSession):
            return s
        if s.actor.role is ActorRole.PROXY and proxy_of(s, case_no) is None:
            return RedirectResponse(f"/apply/cases/{case_no}/authorisation", status_code=303)
        try:
            case = case_for(request, s, case_no)
        except GaozhiError as err:
            return error_page(request, "apply", err)
        if case.status is not CaseStatus.NOTICE_ISSUED:
            return RedirectResponse(f"/apply/cases/{case_no}/receipt", status_code=303)
        notice = svc_of(request).cases.notice(str(case.notice_id))
        return render(
            request, "apply/notice.html", area="apply", session=s, case=case, notice=notice, step=1
        )

    @app.post("/apply/cases/{case_no}/choices", include_in_schema=False)
    def choices(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            case = case_for(request, s, case_no)
            picked = []
            for eid in case.entry_ids:
                mode = ProofMode(form.get(f"mode_{eid}", "") or "PLEDGE")
                picked.append(
                    ProofChoice(entry_id=eid, mode=mode, reason=form.get(f"reason_{eid}", "")[:200])
                )
            case = svc.cases.record_choices(case_no, picked, s.actor, proxy=proxy_of(s, case_no))
            if case.status is CaseStatus.NOTICE_ISSUED:
                platform: Platform = request.app.state.web_platform
                svc.cases.check_eligibility(case_no, platform.actor)
        except (GaozhiError, ValueError) as err:
            e = err if isinstance(err, GaozhiError) else GaozhiError("GZ-HT-422", "选择无效")
            return error_page(request, "apply", e)
        after = svc.cases.get(case_no)
        target = "preview" if after.status is CaseStatus.NOTICE_ISSUED else "receipt"
        return RedirectResponse(f"/apply/cases/{case_no}/{target}", status_code=303)

    @app.get("/apply/cases/{case_no}/authorisation", include_in_schema=False)
    def authorisation_page(request: Request, case_no: str) -> Response:
        s = session_or_login(request, "apply")
        if not isinstance(s, WebSession):
            return s
        return render(
            request,
            "apply/authorisation.html",
            area="apply",
            session=s,
            case_no=case_no,
            today=date.today().isoformat(),
        )

    @app.post("/apply/cases/{case_no}/authorisation", include_in_schema=False)
    def authorisation(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            if s.actor.role is not ActorRole.PROXY or not re.match(_CASE_NO, case_no):
                raise PermissionDeniedError(
                    "GZ-AU-011",
                    "只有代为承诺人需要提交特别授权",
                    message_en="only a proxy presents a special authorisation",
                )
            case = svc.cases.get(case_no)
            proxy = _presented(svc, form, s, case)
            if proxy.authorization.signed_grant is None:
                # Terms typed in from paper are only the proxy's own claim: the case opens
                # to a proxy only with the special authorisation the applicant signed
                # (R-024; a paper one is checked by a window clerk). Refused before any
                # check of its content, whose reasons would name the applicant.
                raise PermissionDeniedError(
                    "GZ-AU-011",
                    "未找到申请人签署的该编号特别授权书: 请申请人在本平台在线签署授权, "
                    "或携纸质授权书到窗口办理 (R-024)",
                    message_en="no special authorisation of this number signed by the "
                    "applicant: the applicant signs it online here, or bring the paper one "
                    "to the window (R-024)",
                )
            # granted by this case's applicant, for this matter and every proof
            # of the case, valid today; otherwise the case stays closed to this proxy.
            svc.cases.check_proxy(case, proxy)
        except GaozhiError as err:
            journal_web(
                svc, "web.authorisation_refused", s.actor, case_no=case_no[:64], code=err.code
            )
            return error_page(request, "apply", err)
        s.flow.setdefault("proxy", {})[case_no] = proxy.model_dump(mode="json")
        request.app.state.web_sessions.save(s)
        journal_web(
            svc,
            "web.authorisation",
            s.actor,
            case_no=case_no,
            authorization_id=proxy.authorization.authorization_id,
            grantor_masked=mask_beside_digest(proxy.authorization.grantor_id_number),
            signed_grant=proxy.authorization.signed_grant is not None,
        )
        return RedirectResponse(f"/apply/cases/{case_no}", status_code=303)

    @app.get("/apply/cases/{case_no}/preview", include_in_schema=False)
    def preview(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any] | Response:
            case = case_for(request, s, case_no)
            if case.status is not CaseStatus.NOTICE_ISSUED:
                return RedirectResponse(f"/apply/cases/{case_no}/receipt", status_code=303)
            pledge = svc_of(request).cases.draft_pledge(case_no, proxy=proxy_of(s, case_no))
            px = pledge.proxy
            return {
                "case": case,
                "pledge": pledge,
                "pledgor_masked": mask_beside_digest(pledge.pledgor.id_number),
                "proxy_masked": mask_beside_digest(px.party.id_number) if px else "",
                "step": 3,
            }

        return show(request, "apply", "apply/preview.html", build)

    @app.get("/apply/cases/{case_no}/sign", include_in_schema=False)
    def sign_page(request: Request, case_no: str) -> Response:
        opened = _case_page(request, case_no)
        if isinstance(opened, Response):
            return opened
        s, case = opened
        if case.status is not CaseStatus.NOTICE_ISSUED:
            return RedirectResponse(f"/apply/cases/{case_no}/receipt", status_code=303)
        return render(
            request,
            "apply/sign.html",
            area="apply",
            session=s,
            case=case,
            grant=None,
            auth_methods=[m.value for m in AuthenticationMethod],
            step=4,
        )

    @app.get("/apply/cases/{case_no}/receipt", include_in_schema=False)
    def receipt(request: Request, case_no: str) -> Response:
        opened = _case_page(request, case_no)
        if isinstance(opened, Response):
            return opened
        s, case = opened
        svc = svc_of(request)
        found = pledge_digest(svc, case)
        pledge = svc.cases.pledge(case.pledge_id) if case.pledge_id else None
        method = svc.signing.method_of(pledge.pledge_id).value if pledge else None
        return render(
            request,
            "apply/receipt.html",
            area="apply",
            session=s,
            case=case,
            pledge=pledge,
            digest=found[0] if found else None,
            method=method,
            step=5,
            withdrawable=case.status in (CaseStatus.PLEDGED, CaseStatus.ACCEPTED),
        )

    @app.get("/apply/cases/{case_no}/bundle", include_in_schema=False)
    def bundle(request: Request, case_no: str) -> Response:
        opened = _case_page(request, case_no)
        if isinstance(opened, Response):
            return opened
        _, case = opened
        svc = svc_of(request)
        blob = svc.store.get_blob(f"pledge/{case.pledge_id}") if case.pledge_id else None
        if blob is None:
            return error_page(request, "apply", GaozhiError("GZ-HT-404", "尚无已签署的承诺书"))
        return Response(
            blob.data,
            media_type="application/vnd.gaozhi.bundle+json",
            headers={
                "Content-Disposition": f'attachment; filename="{case_no}.bundle.json"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @app.get("/apply/cases/{case_no}/withdraw", include_in_schema=False)
    def withdraw_page(request: Request, case_no: str) -> Response:
        opened = _case_page(request, case_no)
        if isinstance(opened, Response):
            return opened
        s, case = opened
        return render(request, "apply/withdraw.html", area="apply", session=s, case=case)

    @app.post("/apply/cases/{case_no}/withdraw", include_in_schema=False)
    def withdraw(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            case_for(request, s, case_no)
            (reason,) = fields(form, "reason")
            svc.cases.withdraw(case_no, reason[:500], s.actor)
        except GaozhiError as err:
            return error_page(request, "apply", err)
        return RedirectResponse(f"/apply/cases/{case_no}/receipt", status_code=303)
