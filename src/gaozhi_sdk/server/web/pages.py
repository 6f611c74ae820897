"""What every browser page shares: templates, headers, sessions, CSRF and forms.

Pages are Jinja2 templates with autoescaping; scripts and styles are files served from
the package (no inline script, no CDN), so the Content-Security-Policy allows ``'self'``
only. Responses are never cached and never framed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.server.problems import status_for
from gaozhi_sdk.server.web.i18n import JS_KEYS, Lang, label, text
from gaozhi_sdk.server.web.sessions import Area, SessionStore, WebSession
from gaozhi_sdk.service import PledgeService

__all__ = [
    "COOKIE",
    "SECURITY_HEADERS",
    "check_origin",
    "form_of",
    "lang_of",
    "posted_form",
    "render",
    "session_or_login",
    "show",
    "static_file",
    "svc_of",
]

COOKIE: dict[Area, str] = {"apply": "gz_apply", "window": "gz_window"}
LANG_COOKIE = "gz_lang"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin: the browser still sends Origin on our own form posts (no-referrer makes
    # it "null"), and never leaks a case URL to another site
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_MAX_FORM = 64 * 1024


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gaozhi_sdk.server.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def lang_of(request: Request) -> Lang:
    """``?lang=`` first, then the cookie; Chinese by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "zh"


def render(
    request: Request,
    template: str,
    *,
    area: Area,
    session: WebSession | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the request's language, with the security headers."""
    lang = lang_of(request)

    def t(key: str, **fmt: str) -> str:
        return text(key, lang, **fmt)

    def lbl(prefix: str, value: str) -> str:
        return label(prefix, value, lang)

    other = "zh" if lang == "en" else "en"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    switch = request.url.path + "?" + urlencode([*query, ("lang", other)])
    html = (
        _env()
        .get_template(template)
        .render(
            t=t,
            lbl=lbl,
            lang=lang,
            area=area,
            session=session,
            switch_url=switch,
            js_text=json.dumps({k: t(k) for k in JS_KEYS}, ensure_ascii=False),
            **context,
        )
    )
    resp = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in ("zh", "en"):
        resp.set_cookie(LANG_COOKIE, lang, path="/", samesite="strict", httponly=True)
    return resp


def error_page(request: Request, area: Area, err: GaozhiError) -> HTMLResponse:
    """A coded error as a page with its HTTP status (the code and the message in the
    page's language, never a traceback)."""
    return render(
        request,
        "error.html",
        area=area,
        status=status_for(err),
        code=err.code,
        message=err.message_en if lang_of(request) == "en" and err.message_en else err.message,
    )


def session_or_login(request: Request, area: Area) -> WebSession | Response:
    """The request's session, or a redirect to the login page."""
    sessions: SessionStore = request.app.state.web_sessions
    s = sessions.load(request.cookies.get(COOKIE[area]), area)
    if s is None:
        return RedirectResponse(f"/{area}/login", status_code=303)
    return s


def svc_of(request: Request) -> PledgeService:
    """The service the pages act on."""
    svc: PledgeService = request.app.state.svc
    return svc


def show(
    request: Request,
    area: Area,
    template: str,
    build: Callable[[WebSession], Mapping[str, Any] | Response],
) -> Response:
    """A GET page: the session (else the login redirect), then ``build(session)``'s
    context rendered in ``template`` — or the response ``build`` returns (a redirect), or
    the error page of the coded refusal it raises."""
    s = session_or_login(request, area)
    if not isinstance(s, WebSession):
        return s
    try:
        context = build(s)
    except GaozhiError as err:
        return error_page(request, area, err)
    if isinstance(context, Response):
        return context
    return render(request, template, area=area, session=s, **context)


async def raw_body(request: Request) -> bytes:
    """The request body (already read by the gateway): the one thing a page endpoint
    awaits, so the endpoint itself is plain (``def``) and runs in the worker pool — its
    store, identity-provider and signing calls never block the event loop."""
    return await request.body()


#: a page endpoint's parameter for the posted body
RawBody = Annotated[bytes, Depends(raw_body)]


def posted_form(
    request: Request, area: Area, raw: bytes
) -> tuple[WebSession, dict[str, str]] | Response:
    """A page's form POST (``raw`` its body): the session (else the login redirect) and
    the form, its ``Origin`` and CSRF token checked (a refusal is the error page)."""
    s = session_or_login(request, area)
    if not isinstance(s, WebSession):
        return s
    try:
        form = form_of(raw)
        check_origin(request)
        s.check_csrf(form.get("csrf"))
    except GaozhiError as err:
        return error_page(request, area, err)
    return s, form


def check_origin(request: Request) -> None:
    """Refuse a state-changing request whose ``Origin``/``Referer`` is another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return  # not sent by this browser: the CSRF token still decides
    parts = urlsplit(origin)
    if f"{parts.scheme}://{parts.netloc}" != f"{request.url.scheme}://{request.url.netloc}":
        raise GaozhiError(
            "GZ-AU-031",
            "请求来自其他网站, 已拒绝",
            message_en="cross-site request refused",
        )


def form_of(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (last value of each field)."""
    if len(body) > _MAX_FORM:
        raise GaozhiError("GZ-HT-413", "表单过大", message_en="form too large")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise GaozhiError(
            "GZ-HT-422", "表单编码须为 UTF-8", message_en="form must be UTF-8"
        ) from None


def fields(form: Mapping[str, str], *names: str) -> list[str]:
    """The named fields, stripped; GZ-HT-422 naming the first missing one."""
    out = []
    for n in names:
        v = form.get(n, "").strip()
        if not v:
            raise GaozhiError("GZ-HT-422", f"请填写: {n}", message_en=f"missing field: {n}")
        out.append(v)
    return out


def static_file(name: str) -> Response:
    """A file of the package's ``static`` folder (by exact name; nothing else)."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    folder = resources.files("gaozhi_sdk.server.web") / "static"
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in _STATIC_TYPES:
        return Response(status_code=404)
    f = folder / name
    if not f.is_file():
        return Response(status_code=404)
    return Response(
        f.read_bytes(),
        media_type=_STATIC_TYPES[suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
