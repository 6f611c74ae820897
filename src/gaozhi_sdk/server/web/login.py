"""``/apply/login`` and ``/window/login``: the platform's assertion in, a session cookie out.

Logins and logouts are journaled with the keyed digest and the masked identifier only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.ids import mask_beside_digest
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.server.auth import AuthError
from gaozhi_sdk.server.web.pages import (
    COOKIE,
    RawBody,
    check_origin,
    error_page,
    fields,
    form_of,
    render,
    session_or_login,
)
from gaozhi_sdk.server.web.sessions import (
    Area,
    SessionStore,
    WebSession,
    make_assertion,
    verify_assertion,
)
from gaozhi_sdk.service import PledgeService

__all__ = ["Platform", "journal_web", "mount_login"]

DEV_METHODS = ("FACE_RECOGNITION", "SOCIAL_SECURITY_CARD", "SMS_CODE", "UKEY")


@dataclass(frozen=True)
class Platform:
    """The platform credential that signs login assertions and acts on the web channel."""

    key_id: str
    secret: str
    actor: Actor
    max_age_s: int


def journal_web(svc: PledgeService, event: str, actor: Actor, **detail: Any) -> None:
    """One journal line for a web event (identifiers digested and masked)."""
    body = {
        "subject": svc.actor_ref(actor),
        "subject_masked": mask_beside_digest(actor.actor_id)
        if actor.role in (ActorRole.APPLICANT, ActorRole.PROXY)
        else actor.actor_id,
        **detail,
    }
    with svc.store.transaction() as tx:
        tx.append_journal(
            event=event,
            aggregate_type="web_session",
            aggregate_id=actor.role.value,
            actor=svc.actor_ref(actor),
            payload_digest=hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest(),
            detail=body,
            at=svc.now().isoformat(),
        )


def _dev_assertion(area: Area, form: dict[str, str], platform: Platform) -> str:
    if area == "window":
        clerk, name = fields(form, "clerk_id", "name")
        claims = {"aud": area, "sub": clerk, "name": name, "role": "WINDOW_CLERK"}
    else:
        name, sub = fields(form, "name", "id_number")
        role = "PROXY" if form.get("role") == "PROXY" else "APPLICANT"
        method = form.get("method", "")
        claims = {
            "aud": area,
            "sub": sub,
            "name": name,
            "role": role,
            "method": method if method in DEV_METHODS else "SMS_CODE",
            "provider": "dev-emulated-platform",
            "txn": secrets.token_hex(8),
        }
    return make_assertion(platform.key_id, platform.secret, claims)


def mount_login(app: FastAPI, area: Area) -> None:
    """Add ``/{area}/login`` (GET page, POST assertion) and ``/{area}/logout``."""

    @app.get(f"/{area}/login", include_in_schema=False)
    def login_page(request: Request) -> Response:
        return render(
            request,
            "login.html",
            area=area,
            dev=request.app.state.dev,
            methods=DEV_METHODS,
        )

    @app.post(f"/{area}/login", include_in_schema=False)
    def login(request: Request, raw: RawBody) -> Response:
        form = form_of(raw)
        platform: Platform = request.app.state.web_platform
        svc: PledgeService = request.app.state.svc
        try:
            if "assertion" in form:
                # posted by the platform's own page: its origin is the platform's
                assertion = form["assertion"]
            elif request.app.state.dev:
                check_origin(request)
                assertion = _dev_assertion(area, form, platform)
            else:
                raise AuthError(
                    "GZ-HT-401",
                    "须由平台提交登录断言",
                    message_en="a platform login assertion is required",
                )
            claims = verify_assertion(
                assertion,
                area=area,
                key_id=platform.key_id,
                secret=platform.secret,
                platform=platform.actor,
                max_age_s=platform.max_age_s,
                store=svc.store,
            )
        except GaozhiError as err:
            return error_page(request, area, err)
        sessions: SessionStore = request.app.state.web_sessions
        token, s = sessions.create(claims)
        journal_web(svc, "web.login", s.actor, area=area, auth_method=claims.method)
        resp = RedirectResponse(f"/{area}/", status_code=303)
        resp.set_cookie(
            COOKIE[area],
            token,
            path=f"/{area}/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=sessions.ttl_s,
        )
        return resp

    @app.post(f"/{area}/logout", include_in_schema=False)
    def logout(request: Request, raw: RawBody) -> Response:
        s = session_or_login(request, area)
        if isinstance(s, WebSession):
            form = form_of(raw)
            s.check_csrf(form.get("csrf"))
            request.app.state.web_sessions.close(s)
            journal_web(request.app.state.svc, "web.logout", s.actor, area=area)
        resp = RedirectResponse(f"/{area}/login", status_code=303)
        resp.delete_cookie(COOKIE[area], path=f"/{area}/")
        return resp
