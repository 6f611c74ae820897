"""The FastAPI application of ``gaozhi serve`` (DESIGN §10).

:func:`create_app` builds one :class:`~gaozhi_sdk.PledgeService` over the store URL and
the service configuration and mounts the routes under ``/v1``. Errors are RFC 9457
problems (:mod:`gaozhi_sdk.server.problems`); authentication, body limits and idempotent
POSTs are the :class:`~gaozhi_sdk.server.gateway.Gateway` in front of every route.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gaozhi_sdk import __version__
from gaozhi_sdk.errors import ConfigError, GaozhiError
from gaozhi_sdk.esign import TrustStore, load_signer
from gaozhi_sdk.ids import mask_beside_digest, mask_identifier, validate_resident_id, validate_uscc
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.server.auth import Authenticator, AuthError, Principal
from gaozhi_sdk.server.client_revocation import CertificateRefused, ClientRevocation
from gaozhi_sdk.server.config import ServiceConfig
from gaozhi_sdk.server.gateway import Gateway
from gaozhi_sdk.server.problems import PROBLEM_MEDIA_TYPE, Problem, from_error, problem_body
from gaozhi_sdk.server.reference import render_reference
from gaozhi_sdk.server.retention import Retention
from gaozhi_sdk.server.web.sessions import web_retention
from gaozhi_sdk.server.workers import current_pool
from gaozhi_sdk.service import PledgeService
from gaozhi_sdk.store.base import Transaction
from gaozhi_sdk.workflow.roles import RolePolicy

__all__ = [
    "ON_BEHALF_HEADERS",
    "Caller",
    "caller_for",
    "create_app",
    "open_service",
    "resolve_caller",
]

#: Headers of a call made for an applicant (the platform authenticated the person).
ON_BEHALF_HEADERS = (
    "X-Gaozhi-On-Behalf-Of",
    "X-Gaozhi-On-Behalf-Role",
    "X-Gaozhi-Identity-Assertion",
)
_MAX_ASSERTION = 512

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text}
    for code, text in (
        (400, "请求无法解析或请求头重复 / malformed request"),
        (401, "未认证 / unauthenticated"),
        (403, "角色策略拒绝 / refused by the role policy"),
        (404, "不存在 / not found"),
        (409, "状态冲突 / state conflict"),
        (413, "请求体过大 / body too large"),
        (422, "输入不合法 / invalid input"),
    )
}


class Health(BaseModel):
    """Liveness."""

    status: str = Field(description="ok")
    version: str = Field(description="gaozhi-sdk 版本")


class Ready(BaseModel):
    """Readiness: database reachable and schema current."""

    status: str = Field(description="ready | not-ready")
    database: bool = Field(description="数据库可访问")
    schema_current: bool = Field(description="存储结构版本为当前版本")
    schema_version: str | None = Field(description="存储结构版本")


class Caller:
    """The authenticated caller of one request and the actor it acts as."""

    def __init__(self, principal: Principal, actor: Actor) -> None:
        self.principal = principal
        self.actor = actor


class OneHopRoute(APIRoute):
    """A route whose plain (``def``) endpoint runs in one worker-thread hop.

    FastAPI runs a ``def`` endpoint in a worker thread and then validates its return value
    against the response model in a *second* hop; the endpoint is wrapped into an ``async``
    one that awaits the gateway's worker pool (:mod:`gaozhi_sdk.server.workers`; context
    variables included: the gateway's ride-along writes reach the store), so the response
    is validated and serialised on the event loop without another thread switch.
    Signatures (dependencies, OpenAPI) are the endpoint's own.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and inspect.isfunction(endpoint):
            sync = endpoint

            @functools.wraps(sync)
            async def in_thread(*args: Any, **kw: Any) -> Any:
                call = functools.partial(sync, *args, **kw)
                pool = current_pool()
                if pool is None:  # the app without its gateway (no store work is admitted)
                    return await anyio.to_thread.run_sync(call)
                return await pool.run(call)

            endpoint = in_thread
        super().__init__(path, endpoint, **kwargs)


def anchor_pems(config: ServiceConfig, anchors: tuple[Path, ...] | None = None) -> list[bytes]:
    """The PEM blobs of the configured trust anchors (files, or ``*.pem`` in folders)."""
    pems: list[bytes] = []
    for anchor in config.trust_anchors if anchors is None else anchors:
        files = sorted(anchor.glob("*.pem")) if anchor.is_dir() else [anchor]
        for f in files:
            try:
                pems.append(f.read_bytes())
            except OSError as exc:
                raise ConfigError(
                    "GZ-CF-062", f"无法读取信任锚 {f}", message_en=f"cannot read anchor {f}"
                ) from exc
    return pems


def open_service(db: str, config: ServiceConfig, *, dev: bool = False) -> PledgeService:
    """The service over ``db`` with the configuration's seals, anchors, rules, role policy
    and (for the signing page) identity provider and event-certificate CA."""
    from cryptography import x509

    from gaozhi_sdk.esign.timestamps import HttpTimestampAuthority
    from gaozhi_sdk.esign.trust import AnchorPurpose
    from gaozhi_sdk.rules import RulesConfig
    from gaozhi_sdk.server.web.providers import signing_services

    pems = anchor_pems(config)
    signers = {}
    for seal in config.seals:
        try:
            key = seal.key.read_bytes()
            chain = [c.read_bytes() for c in seal.chain]
        except OSError as exc:
            raise ConfigError(
                "GZ-CF-063",
                f"无法读取机关 {mask_identifier(seal.organ_uscc)} 的印章文件",
                message_en=f"cannot read seal files: {exc.filename}",
            ) from exc
        pw = None
        if seal.password_env:
            import os

            pw = os.environ.get(seal.password_env, "").encode() or None
        signers[seal.organ_uscc] = load_signer(key, password=pw, chain=chain)
    policy = RolePolicy.from_yaml(config.role_policy) if config.role_policy else None
    trust = TrustStore.from_pems(pems)
    for anchors, purpose in (
        (config.event_ca_anchors, AnchorPurpose.EVENT_CERTIFICATE),
        (config.tsa_anchors, AnchorPurpose.TIME_STAMPING),
    ):
        for pem in anchor_pems(config, anchors):
            try:
                certs = x509.load_pem_x509_certificates(pem)
            except ValueError:
                raise ConfigError(
                    "GZ-CF-062",
                    f"{purpose.value} 信任锚不是 PEM 证书",
                    message_en=f"a {purpose.value} anchor is not a PEM certificate",
                ) from None
            for cert in certs:
                trust.add_root(cert, purposes=purpose)
    idp, ca = signing_services(config, dev=dev, trust=trust)
    return PledgeService.open(
        db,
        signers=signers,
        trust=trust,
        role_policy=policy,
        rules=RulesConfig.from_yaml(config.rules) if config.rules else None,
        identity_provider=idp,
        event_ca=ca,
        tsa=HttpTimestampAuthority(config.tsa_url) if config.tsa_url else None,
    )


def _subject_id(raw: str) -> str:
    for check in (validate_resident_id, validate_uscc):
        try:
            return check(raw)
        except GaozhiError:
            continue
    raise GaozhiError(
        "GZ-HT-422",
        "X-Gaozhi-On-Behalf-Of 须为有效的居民身份证号码或统一社会信用代码",
        message_en="X-Gaozhi-On-Behalf-Of must be a valid resident ID or USCC",
    )


def resolve_caller(
    svc: PledgeService,
    principal: Principal,
    headers: Mapping[str, str],
    call: str,
    tx: Any,
) -> Caller:
    """The caller of a request (lower-case ``headers``; ``call`` = "METHOD path"): its
    credential's actor, or — for a platform allowed to act for applicants and sending
    ``X-Gaozhi-On-Behalf-Of`` — the applicant (or proxy) it asserts. The assertion is
    journaled (identifiers digested/masked) in ``tx`` — a transaction, or the gateway's
    admission, which writes it with the call's own transaction (before the call's entries).
    """
    subject = headers.get("x-gaozhi-on-behalf-of")
    if subject is None:
        return Caller(principal, principal.actor)
    if not principal.may_act_for_applicants:
        raise GaozhiError(
            "GZ-AU-010",
            f"凭据 {principal.credential_id} 无权代申请人调用",
            message_en="this credential may not act for applicants",
        )
    role_name = headers.get("x-gaozhi-on-behalf-role", "APPLICANT")
    if role_name not in ("APPLICANT", "PROXY"):
        raise GaozhiError(
            "GZ-HT-422",
            "X-Gaozhi-On-Behalf-Role 须为 APPLICANT 或 PROXY",
            message_en="X-Gaozhi-On-Behalf-Role must be APPLICANT or PROXY",
        )
    assertion = headers.get("x-gaozhi-identity-assertion", "")
    if not assertion or len(assertion) > _MAX_ASSERTION:
        raise GaozhiError(
            "GZ-HT-422",
            "代申请人调用须携带平台的身份认证断言 X-Gaozhi-Identity-Assertion",
            message_en="calls for an applicant need X-Gaozhi-Identity-Assertion",
        )
    actor = Actor(role=ActorRole(role_name), actor_id=_subject_id(subject))
    method = next(
        (p[7:] for p in assertion.split(";") if p.strip().startswith("method=")), "unspecified"
    )
    detail = {
        "credential": principal.credential_id,
        "on_behalf": svc.actor_ref(actor),
        "subject_masked": mask_beside_digest(actor.actor_id),  # beside a keyed digest
        "auth_method": method.strip()[:40],
        "assertion_sha256": hashlib.sha256(assertion.encode()).hexdigest(),
        "call": call,
    }
    tx.append_journal(
        event="api.on_behalf",
        aggregate_type="credential",
        aggregate_id=principal.credential_id,
        actor=svc.actor_ref(principal.actor),
        payload_digest=hashlib.sha256(repr(sorted(detail.items())).encode()).hexdigest(),
        detail=detail,
        at=svc.now().isoformat(),
    )
    return Caller(principal, actor)


def caller_for(request: Request) -> Caller:
    """The caller the :class:`~gaozhi_sdk.server.gateway.Gateway` resolved for ``request``
    (with its authentication, in the same worker-thread hop)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:  # only reachable if the app is mounted without its gateway
        raise AuthError(
            "GZ-HT-401",
            "调用方未通过认证",
            message_en="unauthenticated: the request did not pass the gateway",
        )
    return caller


def _ready(svc: PledgeService) -> Ready:
    try:
        svc.store.journal_head()
        version = svc.store.meta("schema_version")
    except GaozhiError:
        return Ready(status="not-ready", database=False, schema_current=False, schema_version=None)
    expected = getattr(sys.modules[type(svc.store).__module__], "SCHEMA_VERSION", None)
    current = version is not None and (expected is None or version == str(expected))
    return Ready(
        status="ready" if current else "not-ready",
        database=True,
        schema_current=current,
        schema_version=version,
    )


def create_app(
    db: str,
    config: ServiceConfig,
    *,
    dev: bool = False,
    service: PledgeService | None = None,
    clock: Callable[[], float] = time.time,
    client_ca: Path | None = None,
) -> Any:
    """The ASGI application (FastAPI behind the :class:`Gateway`). ``clock`` (seconds
    since the epoch) decides request-signature windows, leases and retention — tests
    pass a simulated one. ``client_ca`` is the PEM file the TLS layer checks client
    certificates against (``--tls-client-ca``): the issuers for ``client_revocation``."""
    from gaozhi_sdk.server import routes_cases, routes_credit, routes_ops

    svc = service or open_service(db, config, dev=dev)
    pool = getattr(svc.store, "pool_max_size", None)
    if pool is not None and 2 * config.worker_threads > pool:
        # a worker thread may hold two connections (its transaction and a read beside it):
        # more threads would wait for the pool and time out (GZ-ST-501) under load
        if service is None:
            svc.close()
        raise ConfigError(
            "GZ-CF-068",
            f"worker_threads ({config.worker_threads}) 超过 PostgreSQL 连接池 ({pool}) 的一半",
            message_en=f"worker_threads ({config.worker_threads}) exceed half the PostgreSQL "
            f"connection pool ({pool})",
            details={"worker_threads": config.worker_threads, "pool_max_size": pool},
        )
    app = FastAPI(
        title="gaozhi-sdk 证明事项告知承诺 HTTP 服务",
        version=__version__,
        description=(
            "告知承诺制全流程的 HTTP 接口 (DESIGN §10)。调用方以双向 TLS 或 "
            "gaozhi-hmac-sm3-v1 请求签名认证; 错误为 RFC 9457 problem+json; 每个 POST 可带 "
            "Idempotency-Key。"
        ),
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=PROBLEM_RESPONSES,
    )
    app.router.route_class = OneHopRoute
    app.state.svc = svc
    app.state.anchor_pems = anchor_pems(config)
    app.state.dev = dev

    @app.exception_handler(GaozhiError)
    async def _coded(request: Request, exc: GaozhiError) -> Response:
        status, body = from_error(exc, request.url.path)
        return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)

    if config.web is not None:
        from gaozhi_sdk.server.web import mount_web

        mount_web(app, config, svc, dev=dev)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": ".".join(str(p) for p in e.get("loc", ())), "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": "", "msg": ""}
        body = problem_body(
            code="GZ-HT-422",
            title=f"请求数据不合法: {first['loc']}",
            detail=f"invalid request: {first['loc']}: {first['msg']}",
            status=422,
            instance=request.url.path,
            errors=errors,
        )
        return Response(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def _framework(request: Request, exc: StarletteHTTPException) -> Response:
        # unknown paths, wrong methods and bodies the framework cannot parse (too deep,
        # not UTF-8) are problems like every other error, never FastAPI's {"detail": …}
        code, title, detail = {
            404: ("GZ-HT-404", "路径不存在", "no such path"),
            405: ("GZ-HT-405", "该路径不支持此 HTTP 方法", "method not allowed on this path"),
        }.get(
            exc.status_code,
            ("GZ-HT-400", "请求无法解析", f"the request could not be processed: {exc.detail}"),
        )
        status = exc.status_code if code != "GZ-HT-400" else 400
        body = problem_body(
            code=code, title=title, detail=detail, status=status, instance=request.url.path
        )
        return Response(
            body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # a defect: logged by the server with its traceback, answered without any detail
        body = problem_body(
            code="GZ-HT-500",
            title="服务内部错误",
            detail="internal error",
            status=500,
            instance=request.url.path,
        )
        return Response(body, status_code=500, media_type=PROBLEM_MEDIA_TYPE)

    @app.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> Response:
        errors = [
            {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]} for e in exc.errors()
        ]
        body = problem_body(
            code="GZ-MD-001",
            title="数据不合法",
            detail="invalid data",
            status=422,
            instance=request.url.path,
            errors=errors,
        )
        return Response(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)

    @app.get("/v1/health", response_model=Health, tags=["运行"], summary="存活检查")
    def health() -> Health:
        return Health(status="ok", version=__version__)

    @app.get(
        "/v1/ready",
        response_model=Ready,
        tags=["运行"],
        summary="就绪检查 (数据库可访问, 存储结构为当前版本)",
        responses={503: {"model": Ready, "description": "未就绪"}},
    )
    def ready() -> Response:
        r = _ready(svc)
        return JSONResponse(r.model_dump(), status_code=200 if r.status == "ready" else 503)

    @app.get("/v1/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_reference(app.openapi()))

    routes_cases.mount(app)
    routes_ops.mount(app)
    routes_credit.mount(app)
    auth = Authenticator(
        config, svc.store, dev=dev, clock=clock, revocation=client_revocation(config, client_ca)
    )
    return Gateway(
        app,
        store=svc.store,
        auth=auth,
        max_body_bytes=config.max_body_bytes,
        resolve=lambda principal, headers, call, tx: resolve_caller(
            svc, principal, headers, call, tx
        ),
        retention=Retention(
            svc.store,
            hmac_max_skew_s=config.hmac_max_skew_s,
            idempotency_retention_s=config.idempotency_retention_s,
            interval_s=config.prune_interval_s,
            clock=clock,
            more=web_retention(config.web),
        ),
        worker_threads=config.worker_threads,
        clock=clock,
        refuse_certificate=CertificateJournal(svc, auth, clock),
    )


def client_revocation(config: ServiceConfig, client_ca: Path | None) -> ClientRevocation | None:
    """The revocation checker of ``config.client_revocation`` (issuers: ``client_ca``)."""
    if config.client_revocation is None:
        return None
    from cryptography import x509

    issuers: list[x509.Certificate] = []
    if client_ca is not None:
        try:
            issuers = x509.load_pem_x509_certificates(client_ca.read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(
                "GZ-CF-067",
                f"无法读取客户端证书的签发 CA {client_ca}",
                message_en=f"cannot read the client CA file {client_ca}",
            ) from exc
    # judged at the real time (never a test's simulated request clock)
    return ClientRevocation(config.client_revocation, issuers, clock=time.time)


class CertificateJournal:
    """Journals refused client certificates: under the credential the certificate is
    registered for (or as an unregistered certificate, by its SHA-256), at most once a
    minute per certificate and worker — a holder of a revoked certificate cannot flood
    the journal by retrying."""

    def __init__(self, svc: PledgeService, auth: Authenticator, clock: Callable[[], float]):
        self._svc = svc
        self._auth = auth
        self._clock = clock
        self._last: dict[str, float] = {}

    def __call__(self, err: CertificateRefused, tx: Transaction) -> None:
        fp = err.certificate_sha256
        now = self._clock()
        if now - self._last.get(fp, float("-inf")) < 60:
            return
        if len(self._last) > 10_000:
            self._last.clear()
        self._last[fp] = now
        cred = self._auth.credential_of_certificate(fp)
        actor = (
            self._svc.actor_ref(cred.actor)
            if cred is not None
            else {"role": "UNREGISTERED", "ref": f"cert:{fp[:16]}"}
        )
        detail = {"code": err.code, "certificate_sha256": fp}
        tx.append_journal(
            event="api.authenticate",
            aggregate_type="credential",
            aggregate_id=cred.id if cred is not None else f"cert:{fp[:16]}",
            actor=actor,
            payload_digest=hashlib.sha256(repr(sorted(detail.items())).encode()).hexdigest(),
            outcome="REFUSED",
            detail=detail,
            at=self._svc.now().isoformat(),
        )


def app_from_env() -> Any:
    """Factory for ``uvicorn --factory`` with several workers (reads ``GAOZHI_SERVE_*``)."""
    import os

    from gaozhi_sdk.server.config import load_config

    cfg = load_config(Path(os.environ["GAOZHI_SERVE_CONFIG"]))
    ca = os.environ.get("GAOZHI_SERVE_TLS_CLIENT_CA")
    return create_app(
        os.environ["GAOZHI_SERVE_DB"],
        cfg,
        dev=os.environ.get("GAOZHI_SERVE_DEV") == "1",
        client_ca=Path(ca) if ca else None,
    )
