"""``/apply/cases/{case_no}/grant``: the applicant signs a special authorisation (R-024).

The applicant (the grantor, logged in as themselves) names the proxy, the authorisation
number and its validity and states express authority; ``svc.cases.check_proxy`` judges
the terms before anything is signed. The next page shows the exact authorisation and
signs it on the device (``sign.js`` against ``/apply/api/cases/{case_no}/grant/…``:
real-name authentication, a WebCrypto P-256 key, an event certificate). The signed
authorisation is kept with the case (``svc.cases.signed_authorization``); the proxy,
logged in as themselves, presents it by the grantor's ID number and its number. Until the
proxy pledges with it, the applicant revokes it from the page that shows it
(``…/grant/revoke``, ``svc.cases.revoke_authorization``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from gaozhi_sdk.errors import GaozhiError, PermissionDeniedError, WorkflowError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.ids import mask_beside_digest
from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.enums import ActorRole, CaseStatus, IdType, PartyType
from gaozhi_sdk.models.parties import (
    AUTHORIZATION_ID_PATTERN,
    Applicant,
    Proxy,
    SpecialAuthorization,
)
from gaozhi_sdk.models.signing import AuthenticationMethod
from gaozhi_sdk.server.web.apply import case_for
from gaozhi_sdk.server.web.apply_api import drafted_grant
from gaozhi_sdk.server.web.login import journal_web
from gaozhi_sdk.server.web.pages import (
    RawBody,
    error_page,
    fields,
    posted_form,
    render,
    show,
    svc_of,
)
from gaozhi_sdk.server.web.sessions import WebSession

__all__ = ["mount_grant"]


def _grantor_case(request: Request, s: WebSession, case_no: str) -> Case:
    """The case, if the session's person is its applicant and it awaits the pledge."""
    case = case_for(request, s, case_no)
    if s.actor.role is not ActorRole.APPLICANT:
        raise PermissionDeniedError(
            "GZ-AU-011",
            "只有申请人本人可以签署特别授权书 (R-024)",
            message_en="only the applicant signs a special authorisation (R-024)",
        )
    if case.status is not CaseStatus.NOTICE_ISSUED:
        raise WorkflowError(
            "GZ-WF-002",
            "办件已不在待承诺状态, 不能再授权代为承诺",
            message_en="the case no longer awaits a pledge",
        )
    return case


def _suggested_id(case: Case) -> str:
    """A first number in the one format (R-024): ``SQ-<case number>-1``, any character of
    the case number outside :data:`AUTHORIZATION_ID_PATTERN` as ``-``."""
    number = re.sub(r"[^A-Za-z0-9._-]", "-", f"SQ-{case.case_no}")[:62] + "-1"
    return number if re.fullmatch(AUTHORIZATION_ID_PATTERN, number) else "SQ-1"


def _drafted(form: dict[str, str], case: Case) -> Proxy:
    name, id_number, auth_id, start, end = fields(
        form, "proxy_name", "proxy_id", "authorization_id", "valid_from", "valid_to"
    )
    try:
        return Proxy(
            party=Applicant(
                party_type=PartyType.CITIZEN,
                name=name[:64],
                id_type=IdType.RESIDENT_ID,
                id_number=id_number,
            ),
            authorization=SpecialAuthorization(
                authorization_id=auth_id,  # the one format, never cut
                grantor_id_number=case.applicant.id_number,
                matter_code=case.matter_code,
                entry_ids=case.entry_ids,
                valid_from=date.fromisoformat(start),
                valid_to=date.fromisoformat(end),
                express_pledge_authority=form.get("express") == "yes",
                document_ref=f"网上签署的特别授权书 {auth_id}",
            ),
        )
    except ValueError:
        raise GaozhiError(
            "GZ-HT-422",
            "代为承诺人身份或授权日期不合法",
            message_en="invalid proxy identity or dates",
        ) from None


def mount_grant(app: FastAPI) -> None:
    """Add the applicant's special-authorisation pages."""

    @app.get("/apply/cases/{case_no}/grant", include_in_schema=False)
    def grant_page(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any]:
            case = _grantor_case(request, s, case_no)
            today = svc_of(request).now().date().isoformat()
            return {"case": case, "today": today, "suggested_id": _suggested_id(case)}

        return show(request, "apply", "apply/grant.html", build)

    @app.post("/apply/cases/{case_no}/grant", include_in_schema=False)
    def draft(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        try:
            case = _grantor_case(request, s, case_no)
            proxy = svc_of(request).cases.check_proxy(case, _drafted(form, case))
        except GaozhiError as err:
            return error_page(request, "apply", err)
        s.flow.setdefault("grant", {})[case_no] = proxy.model_dump(mode="json")
        request.app.state.web_sessions.save(s)
        return RedirectResponse(f"/apply/cases/{case_no}/grant/sign", status_code=303)

    @app.get("/apply/cases/{case_no}/grant/sign", include_in_schema=False)
    def sign_grant(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any]:
            case = _grantor_case(request, s, case_no)
            grant = svc_of(request).cases.authorization_to_sign(case_no, drafted_grant(s, case_no))
            return {
                "case": case,
                "grant": grant,
                "grantor_masked": mask_beside_digest(grant.grantor.id_number),
                "proxy_masked": mask_beside_digest(grant.proxy.id_number),
                "auth_methods": [m.value for m in AuthenticationMethod],
            }

        return show(request, "apply", "apply/sign.html", build)

    @app.post("/apply/cases/{case_no}/grant/revoke", include_in_schema=False)
    def revoke(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "apply", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            case = case_for(request, s, case_no)
            (auth_id,) = fields(form, "authorization_id")
            # only the grantor, only before the proxy pledged (the library decides)
            svc.cases.revoke_authorization(case.case_no, auth_id, s.actor)
        except GaozhiError as err:
            return error_page(request, "apply", err)
        journal_web(
            svc,
            "web.proxy_authorization_revoked",
            s.actor,
            case_no=case_no,
            authorization_id=auth_id,
        )
        return render(
            request, "apply/grant_revoked.html", area="apply", session=s, case=case, auth_id=auth_id
        )

    @app.get("/apply/cases/{case_no}/grant/done", include_in_schema=False)
    def done(request: Request, case_no: str, id: str = "") -> Response:
        def build(s: WebSession) -> dict[str, Any]:
            case = case_for(request, s, case_no)
            proxy = svc_of(request).cases.signed_authorization(case.case_no, id)
            if proxy is None or s.actor.actor_id != case.applicant.id_number:
                raise GaozhiError("GZ-HT-404", "没有该授权书", message_en="no such authorisation")
            signed = proxy.authorization.signed_grant or ""
            return {
                "case": case,
                "proxy": proxy,
                "proxy_masked": mask_beside_digest(proxy.party.id_number),
                "method": Bundle.from_json(signed).method.value,
                "digest": hashlib.sha256(signed.encode("utf-8")).hexdigest(),
            }

        return show(request, "apply", "apply/grant_done.html", build)
