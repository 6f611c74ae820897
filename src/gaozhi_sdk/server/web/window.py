"""``/window/``: the window clerk's pages (open a case, print the notice, record the
applicant's choice, capture the handwritten signature, attest and seal).

The clerk is the session's actor (``WINDOW_CLERK`` of the platform credential's organ), so
the role policy and the organ scope of the library decide as for any clerk call.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.ids import mask_beside_digest
from gaozhi_sdk.models.case import Case, ProofChoice
from gaozhi_sdk.models.enums import CaseStatus, IdType, NoticeChannel, PartyType, ProofMode
from gaozhi_sdk.models.parties import Applicant
from gaozhi_sdk.server.web.apply import pledge_digest
from gaozhi_sdk.server.web.apply_api import b64_field, json_call, ok
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

__all__ = ["clerk_case", "mount_window"]

_PNG = b"\x89PNG\r\n\x1a\n"
_MAX_IMAGE_B64 = 1_400_000  # a signature-pad PNG is tens of kilobytes
_PARTY_ID = {
    PartyType.CITIZEN: IdType.RESIDENT_ID,
    PartyType.LEGAL_PERSON: IdType.USCC,
    PartyType.OTHER_ORG: IdType.USCC,
}


def clerk_case(request: Request, s: WebSession, case_no: str) -> Case:
    """The case, if it belongs to the clerk's organ (GZ-AU-020, journaled, otherwise)."""
    from gaozhi_sdk.server.web.apply import case_for

    return case_for(request, s, case_no)


def _matters(svc: PledgeService, list_id: str) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in svc.lists.published(list_id).entries:
        out.setdefault(e.matter_code, {"code": e.matter_code, "name": e.matter_name})
    return list(out.values())


def mount_window(app: FastAPI) -> None:
    """Add the window pages."""

    @app.get("/window/", include_in_schema=False)
    def home(request: Request) -> Response:
        s = session_or_login(request, "window")
        if not isinstance(s, WebSession):
            return s
        matters = _matters(svc_of(request), request.app.state.web_config.list_id)
        return render(request, "window/home.html", area="window", session=s, matters=matters)

    @app.post("/window/cases", include_in_schema=False)
    def open_case(request: Request, raw: RawBody) -> Response:
        posted = posted_form(request, "window", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            name, id_number, code = fields(form, "name", "id_number", "matter")
            party = PartyType(form.get("party_type") or "CITIZEN")
            applicant = Applicant(
                party_type=party, name=name, id_type=_PARTY_ID[party], id_number=id_number
            )
            list_id = request.app.state.web_config.list_id
            entries = [
                e.entry_id for e in svc.lists.published(list_id).entries if e.matter_code == code
            ]
            notice = svc.cases.issue_notice(
                list_id=list_id,
                entry_ids=entries,
                applicant=applicant,
                actor=s.actor,
                channel=NoticeChannel.COUNTER,
            )
        except GaozhiError as err:
            return error_page(request, "window", err)
        except ValueError:
            bad = GaozhiError("GZ-HT-422", "申请人信息不合法", message_en="invalid applicant")
            return error_page(request, "window", bad)
        return RedirectResponse(f"/window/cases/{notice.case_no}", status_code=303)

    @app.get("/window/cases/{case_no}", include_in_schema=False)
    def notice_page(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any] | Response:
            case = clerk_case(request, s, case_no)
            if case.status is not CaseStatus.NOTICE_ISSUED:
                return RedirectResponse(f"/window/cases/{case_no}/done", status_code=303)
            return {"case": case, "notice": svc_of(request).cases.notice(str(case.notice_id))}

        return show(request, "window", "window/notice.html", build)

    @app.post("/window/cases/{case_no}/choices", include_in_schema=False)
    def choices(request: Request, case_no: str, raw: RawBody) -> Response:
        posted = posted_form(request, "window", raw)
        if isinstance(posted, Response):
            return posted
        s, form = posted
        svc = svc_of(request)
        try:
            case = clerk_case(request, s, case_no)
            picked = [
                ProofChoice(entry_id=eid, mode=ProofMode(form.get(f"mode_{eid}") or "PLEDGE"))
                for eid in case.entry_ids
            ]
            case = svc.cases.record_choices(case_no, picked, s.actor)
            if case.status is CaseStatus.NOTICE_ISSUED:
                svc.cases.check_eligibility(case_no, s.actor)
        except GaozhiError as err:
            return error_page(request, "window", err)
        except ValueError:
            bad = GaozhiError("GZ-HT-422", "办理方式无效", message_en="invalid choice")
            return error_page(request, "window", bad)
        if svc.cases.get(case_no).status is not CaseStatus.NOTICE_ISSUED:
            return RedirectResponse(f"/window/cases/{case_no}/done", status_code=303)
        return RedirectResponse(f"/window/cases/{case_no}/sign", status_code=303)

    @app.get("/window/cases/{case_no}/sign", include_in_schema=False)
    def sign_page(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any]:
            case = clerk_case(request, s, case_no)
            pledge = svc_of(request).cases.draft_pledge(case_no)
            return {
                "case": case,
                "pledge": pledge,
                "pledgor_masked": mask_beside_digest(pledge.pledgor.id_number),
            }

        return show(request, "window", "window/sign.html", build)

    @app.get("/window/cases/{case_no}/done", include_in_schema=False)
    def done(request: Request, case_no: str) -> Response:
        def build(s: WebSession) -> dict[str, Any]:
            svc = svc_of(request)
            case = clerk_case(request, s, case_no)
            found = pledge_digest(svc, case)
            pledge = svc.cases.pledge(case.pledge_id) if case.pledge_id else None
            return {
                "case": case,
                "pledge": pledge,
                "digest": found[0] if found else None,
                "method": svc.signing.method_of(pledge.pledge_id).value if pledge else None,
            }

        return show(request, "window", "window/done.html", build)

    @app.post("/window/api/cases/{case_no}/handwritten", include_in_schema=False)
    def handwritten(request: Request, case_no: str, raw: RawBody) -> Response:
        s, body = json_call(request, "window", raw, limit=_MAX_IMAGE_B64 + 1024)
        clerk_case(request, s, case_no)
        if body.get("attested") is not True:
            raise GaozhiError(
                "GZ-HT-422",
                "受理人员须确认见证声明",
                message_en="the clerk must confirm the attestation",
            )
        image = b64_field(body, "image", limit=_MAX_IMAGE_B64)
        if not image.startswith(_PNG):
            raise GaozhiError("GZ-HT-422", "签名图像须为 PNG", message_en="the image must be PNG")
        svc_of(request).signing.window_pledge(case_no, s.actor, image=image)
        return ok({"done": f"/window/cases/{case_no}/done"})
