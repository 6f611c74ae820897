"""Browser pages of ``gaozhi serve``: ``/apply/`` (applicants) and ``/window/`` (clerks).

Enabled by the ``web:`` section of ``service.yaml`` (:class:`~gaozhi_sdk.server.config.
WebConfig`). Jinja2 templates, plain JavaScript and CSS shipped in the package — no build
step, no CDN. Who is at the browser is decided by the platform's login assertion
(:mod:`gaozhi_sdk.server.web.sessions`), never by a ``/v1`` credential.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import Response

from gaozhi_sdk.server.config import ServiceConfig
from gaozhi_sdk.server.web.sessions import SessionStore
from gaozhi_sdk.service import PledgeService

__all__ = ["WEB_PREFIXES", "mount_web"]

WEB_PREFIXES = ("/apply/", "/window/")


def mount_web(app: FastAPI, config: ServiceConfig, svc: PledgeService, *, dev: bool) -> None:
    """Mount the pages when ``config.web`` is set (nothing otherwise)."""
    from gaozhi_sdk.server.web.apply import mount_apply
    from gaozhi_sdk.server.web.apply_api import mount_apply_api
    from gaozhi_sdk.server.web.grant import mount_grant
    from gaozhi_sdk.server.web.login import Platform, mount_login
    from gaozhi_sdk.server.web.pages import static_file
    from gaozhi_sdk.server.web.window import mount_window

    web = config.web
    if web is None:
        return
    cred = next(c for c in config.credentials if c.id == web.platform_credential)
    app.state.web_config = web
    app.state.web_platform = Platform(
        cred.key_id or "", cred.secret(), cred.actor, web.assertion_max_age_s
    )
    app.state.web_sessions = SessionStore(svc.store, web.session_ttl_s)

    @app.get("/apply/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        return static_file(name)

    mount_login(app, "apply")
    mount_login(app, "window")
    mount_apply(app)
    mount_apply_api(app)
    mount_grant(app)
    mount_window(app)
