"""``/apply/api/…``: the JSON calls of ``sign.js`` (signing on the applicant's device).

authenticate → authenticate/finish → challenge → certificate → data-to-sign → signature,
each through ``svc.signing`` as the session's person (the applicant, or the proxy with the
authorisation registered for the case). The same steps under ``…/grant/`` sign the
special authorisation the applicant drafted for a proxy (R-024) instead of the pledge.
The authentication session id, the token behind it and the event certificate stay on the
server, in the web session; the browser only ever holds its own key pair
(non-extractable) and the bytes it signs. Errors are RFC 9457 problems with the library's
codes. Every call needs the session cookie, the session's
``X-CSRF-Token`` header and (when the browser sends one) a same-site ``Origin``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gaozhi_sdk.errors import GaozhiError, SignatureError, WorkflowError
from gaozhi_sdk.models.parties import Proxy
from gaozhi_sdk.models.signing import AuthenticationMethod, SigningMethod
from gaozhi_sdk.server.auth import AuthError
from gaozhi_sdk.server.web.apply import case_for, proxy_of
from gaozhi_sdk.server.web.login import journal_web
from gaozhi_sdk.server.web.pages import COOKIE, SECURITY_HEADERS, RawBody, check_origin, svc_of
from gaozhi_sdk.server.web.sessions import Area, SessionStore, WebSession
from gaozhi_sdk.service import DataToSign

__all__ = ["drafted_grant", "json_call", "mount_apply_api"]

_MAX_JSON = 16 * 1024


def json_call(
    request: Request, area: Area, raw: bytes, limit: int = _MAX_JSON
) -> tuple[WebSession, dict[str, Any]]:
    """The session (GZ-HT-401 without one), CSRF and Origin checked, and the JSON body
    (``raw``)."""
    sessions: SessionStore = request.app.state.web_sessions
    s = sessions.load(request.cookies.get(COOKIE[area]), area)
    if s is None:
        raise AuthError("GZ-HT-401", "登录已失效, 请重新登录", message_en="session expired")
    check_origin(request)
    s.check_csrf(request.headers.get("x-csrf-token"))
    if len(raw) > limit:
        raise GaozhiError("GZ-HT-413", "请求体过大", message_en="body too large")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise GaozhiError("GZ-HT-422", "请求须为 JSON 对象", message_en="a JSON object is required")
    return s, body


def b64_field(body: dict[str, Any], name: str, limit: int = 4096) -> bytes:
    """A base64 field of the body (GZ-HT-422 if missing, malformed or too long)."""
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise GaozhiError("GZ-HT-422", f"缺少或过长: {name}", message_en=f"missing: {name}")
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise GaozhiError(
            "GZ-HT-422", f"{name} 须为 base64", message_en=f"{name}: base64"
        ) from None


def ok(doc: dict[str, Any]) -> Response:
    """A JSON answer with the pages' security headers."""
    return JSONResponse(doc, headers=SECURITY_HEADERS)


class _Purpose(NamedTuple):
    """What the signing steps sign: the pledge, or the applicant's special authorisation."""

    prefix: str  # the URL path part after the case number
    flow_key: str  # where the web session keeps the flow
    data_to_sign: Callable[[Request, WebSession, str, list[str]], DataToSign]
    assemble: Callable[[Request, WebSession, str, str, bytes], str]  # → the next page


def _flow(s: WebSession, case_no: str, key: str = "sign") -> dict[str, Any]:
    sign: dict[str, Any] = s.flow.setdefault(key, {})
    # one case at a time: a new case's flow replaces the old one
    if sign.get("case_no") != case_no:
        sign.clear()
        sign["case_no"] = case_no
    return sign


def _pledge_dts(request: Request, s: WebSession, case_no: str, chain: list[str]) -> DataToSign:
    case_for(request, s, case_no, "case.sign_pledge")
    return svc_of(request).cases.pledge_data_to_sign(
        case_no,
        chain,
        s.actor,
        proxy=proxy_of(s, case_no),
        signing_method=SigningMethod.EVENT_CERTIFICATE,
    )


def _pledge_assemble(
    request: Request, s: WebSession, case_no: str, session_id: str, sig: bytes
) -> str:
    case_for(request, s, case_no, "case.sign_pledge")
    svc_of(request).cases.assemble_pledge(case_no, session_id, sig, s.actor, signature_format="raw")
    journal_web(svc_of(request), "web.signed", s.actor, case_no=case_no)
    return f"/apply/cases/{case_no}/receipt"


def _grant_dts(request: Request, s: WebSession, case_no: str, chain: list[str]) -> DataToSign:
    case_for(request, s, case_no, "case.sign_pledge")
    return svc_of(request).cases.authorization_data_to_sign(
        case_no,
        drafted_grant(s, case_no),
        chain,
        s.actor,
        signing_method=SigningMethod.EVENT_CERTIFICATE,
    )


def _grant_assemble(
    request: Request, s: WebSession, case_no: str, session_id: str, sig: bytes
) -> str:
    case_for(request, s, case_no, "case.sign_pledge")
    proxy = svc_of(request).cases.assemble_authorization(
        case_no, session_id, sig, s.actor, signature_format="raw"
    )
    journal_web(
        svc_of(request),
        "web.proxy_authorized",
        s.actor,
        case_no=case_no,
        authorization_id=proxy.authorization.authorization_id,
    )
    return f"/apply/cases/{case_no}/grant/done?id={quote(proxy.authorization.authorization_id)}"


def drafted_grant(s: WebSession, case_no: str) -> Proxy:
    """The special authorisation the applicant drafted for ``case_no`` (GZ-WF-020 if none)."""
    doc = s.flow.get("grant", {}).get(case_no)
    if doc is None:
        raise WorkflowError(
            "GZ-WF-020", "请先填写特别授权书", message_en="fill in the authorisation first"
        )
    return Proxy.model_validate(doc)


PURPOSES = (
    _Purpose("", "sign", _pledge_dts, _pledge_assemble),
    _Purpose("grant/", "grant_sign", _grant_dts, _grant_assemble),
)


def mount_apply_api(app: FastAPI) -> None:
    """Add the JSON calls of the signing pages (the pledge, the special authorisation)."""
    for purpose in PURPOSES:
        _mount(app, purpose)


def _mount(app: FastAPI, purpose: _Purpose) -> None:
    base = "/apply/api/cases/{case_no}/" + purpose.prefix
    key = purpose.flow_key
    signs_pledge = purpose.prefix == ""

    def save(request: Request, s: WebSession) -> None:
        request.app.state.web_sessions.save(s)

    @app.post(base + "authenticate", include_in_schema=False)
    def authenticate(request: Request, case_no: str, raw: RawBody) -> Response:
        s, body = json_call(request, "apply", raw)
        case_for(request, s, case_no, "case.sign_pledge")
        try:
            method = AuthenticationMethod(str(body.get("method", "")))
        except ValueError:
            raise GaozhiError("GZ-HT-422", "认证方式无效", message_en="unknown method") from None
        started = svc_of(request).signing.start_authentication(
            case_no, s.actor, method=method, proxy=proxy_of(s, case_no) if signs_pledge else None
        )
        flow = _flow(s, case_no, key)
        flow.update(auth_session=started.session_id, chain=None)
        save(request, s)
        return ok(
            {
                "needs_code": method is AuthenticationMethod.SMS_CODE,
                "instructions": started.instructions,
                "redirect_url": started.redirect_url,
            }
        )

    @app.post(base + "authenticate/finish", include_in_schema=False)
    def finish(request: Request, case_no: str, raw: RawBody) -> Response:
        s, body = json_call(request, "apply", raw)
        flow = _flow(s, case_no, key)
        code = body.get("code")
        response = {"code": code} if isinstance(code, str) and len(code) <= 16 else {}
        done = svc_of(request).signing.finish_authentication(
            str(flow.get("auth_session", "")), s.actor, response
        )
        journal_web(
            svc_of(request),
            "web.authenticated",
            s.actor,
            case_no=case_no,
            outcome=str(done.outcome),
            provider=done.provider,
        )
        if done.state != "AUTHENTICATED":
            raise SignatureError(
                "GZ-SG-088",
                f"实名认证未通过: {done.message or done.outcome}",
                message_en=f"real-name authentication failed: {done.outcome}",
            )
        return ok({"method": done.method.value, "assurance_level": str(done.assurance_level)})

    @app.post(base + "challenge", include_in_schema=False)
    def challenge(request: Request, case_no: str, raw: RawBody) -> Response:
        s, _ = json_call(request, "apply", raw)
        flow = _flow(s, case_no, key)
        ch = svc_of(request).signing.event_certificate_challenge(
            str(flow.get("auth_session", "")), s.actor
        )
        flow["challenge_id"] = ch.challenge_id
        save(request, s)
        return ok({"challenge": ch.challenge, "expires_at": ch.expires_at.isoformat()})

    @app.post(base + "certificate", include_in_schema=False)
    def certificate(request: Request, case_no: str, raw: RawBody) -> Response:
        s, body = json_call(request, "apply", raw)
        flow = _flow(s, case_no, key)
        issued = svc_of(request).signing.issue_event_certificate(
            str(flow.get("auth_session", "")),
            s.actor,
            public_key=b64_field(body, "public_key"),
            challenge_id=str(flow.get("challenge_id", "")),
            challenge_signature=b64_field(body, "challenge_signature"),
            signature_format="raw",
        )
        flow["chain"] = [base64.b64encode(c).decode("ascii") for c in issued.certificate_chain]
        save(request, s)
        return ok({"not_after": issued.not_after.isoformat(), "serial": issued.serial_number})

    @app.post(base + "data-to-sign", include_in_schema=False)
    def data_to_sign(request: Request, case_no: str, raw: RawBody) -> Response:
        s, _ = json_call(request, "apply", raw)
        chain = _flow(s, case_no, key).get("chain")
        if not chain:
            raise SignatureError(
                "GZ-SG-070", "尚未取得事件证书", message_en="no event certificate yet"
            )
        dts = purpose.data_to_sign(request, s, case_no, list(chain))
        return ok({"session_id": dts.session_id, "pae": dts.pae, "digest": dts.digest})

    @app.post(base + "signature", include_in_schema=False)
    def signature(request: Request, case_no: str, raw: RawBody) -> Response:
        s, body = json_call(request, "apply", raw)
        session_id = body.get("session_id")
        if not isinstance(session_id, str) or len(session_id) > 64:
            raise GaozhiError("GZ-HT-422", "缺少 session_id", message_en="missing session_id")
        nxt = purpose.assemble(request, s, case_no, session_id, b64_field(body, "signature"))
        s.flow.pop(key, None)
        save(request, s)
        return ok({"receipt": nxt})
