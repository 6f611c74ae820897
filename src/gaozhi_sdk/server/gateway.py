"""The ASGI layer in front of the routes: body limit, authentication, idempotent POSTs.

* Body limit: a declared or streamed body above ``max_body_bytes`` is a 413 problem.
* Authentication (:mod:`gaozhi_sdk.server.auth`) for everything under ``/v1`` except the
  public paths (health, readiness, the OpenAPI document and the API page).
* ``Idempotency-Key`` on a POST: the first response (status, media type, body) is stored
  in the service's store under the credential and the key, *before* it is sent — so a
  client that dropped the connection after sending gets exactly that response on retry,
  and nothing is done twice. A different request under the same key is a 422 problem; a
  retry while the first is still running is a 409 problem.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio

from gaozhi_sdk.errors import GaozhiError, StoreError
from gaozhi_sdk.server.auth import Authenticator, AuthError, Principal
from gaozhi_sdk.server.client_revocation import CertificateRefused
from gaozhi_sdk.server.problems import PROBLEM_MEDIA_TYPE, from_error
from gaozhi_sdk.server.retention import IDEMPOTENCY_KIND, Retention
from gaozhi_sdk.store.base import Store, Transaction

__all__ = ["PUBLIC_PATHS", "Gateway"]

log = logging.getLogger("gaozhi_sdk.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: (principal, lower-case headers, "METHOD path", transaction) → the caller (journals an
#: applicant assertion in the transaction)
Resolve = Callable[[Principal, Mapping[str, str], str, Transaction], Any]
#: (refused client certificate, transaction) → journals the refusal in the transaction
RefuseCertificate = Callable[[CertificateRefused, Transaction], None]

PUBLIC_PATHS = frozenset({"/v1/health", "/v1/ready", "/v1/openapi.json", "/v1/docs"})
_MAX_KEY = 200
#: a first request still RUNNING after this long is taken to have died with its process
#: (a crashed worker): the retry runs it again instead of waiting for ever
RUNNING_LEASE_S = 120
_ON_BEHALF = ("x-gaozhi-on-behalf-of", "x-gaozhi-on-behalf-role")
#: headers that decide who calls, for whom, and what is replayed: each may appear once. A
#: repeated one would be read differently by different layers (this gateway keeps the last,
#: the routes' ``Request.headers`` the first), so one request could authenticate, be
#: fingerprinted and be journaled as three different callers — it is refused instead.
SINGLE_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "idempotency-key",
        "x-app-key",
        "x-timestamp",
        "x-nonce",
        "x-request-id",
        "x-content-sm3",
        "x-sign-method",
        "x-signature",
        "x-signed-headers",
        "x-gaozhi-identity-assertion",
        *_ON_BEHALF,
    }
)


async def _respond(send: Send, status: int, body: bytes, media: str, extra: list[Any]) -> None:
    headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        auth: Authenticator,
        max_body_bytes: int,
        resolve: Resolve,
        retention: Retention,
        worker_threads: int = 4,
        clock: Callable[[], float] = time.time,
        refuse_certificate: RefuseCertificate | None = None,
    ) -> None:
        self.app = app
        self.refuse_certificate: RefuseCertificate = refuse_certificate or (lambda err, tx: None)
        self.store = store
        self.auth = auth
        self.max_body = max_body_bytes
        self.resolve = resolve
        self.retention = retention
        self.worker_threads = worker_threads
        self._limited = False
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._limited:
            # the gateway's and the routes' worker threads share anyio's default limiter:
            # at most worker_threads requests of this process touch the store at once, the
            # others wait here — never for a pool connection (GZ-ST-501 after a timeout)
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.worker_threads
            self._limited = True
        path: str = scope["path"]
        method: str = scope["method"]
        headers: dict[str, str] = {}
        repeated: set[str] = set()
        for k, v in scope["headers"]:
            name = k.decode("latin-1").lower()
            if name in headers and name in SINGLE_HEADERS:
                repeated.add(name)
            headers[name] = v.decode("latin-1")

        async def problem(err: GaozhiError, extra: list[Any] | None = None) -> None:
            status, body = from_error(err, path)
            await _respond(send, status, body, PROBLEM_MEDIA_TYPE, extra or [])

        if repeated:
            names = ", ".join(sorted(repeated))
            await problem(
                GaozhiError(
                    "GZ-HT-400",
                    f"请求头重复: {names} (每个只能出现一次)",
                    message_en=f"repeated request header: {names} (each may appear once)",
                )
            )
            return

        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await problem(_too_large(self.max_body))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await problem(_too_large(self.max_body))
                return
            chunks.append(chunk)
            more = bool(msg.get("more_body"))
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type", "")):
            dup = _duplicate_key(body)
            if dup is not None:
                # one body, two readings: a platform's gateway or a log reader may take the
                # first value where the service takes the last — refused, as for documents
                await problem(
                    GaozhiError(
                        "GZ-HT-422",
                        f"JSON 对象中有重复的键: {dup[:40]}",
                        message_en=f"duplicate key in a JSON object: {dup[:40]}",
                    )
                )
                return

        state = scope.setdefault("state", {})
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        if not path.startswith("/v1/") or path in PUBLIC_PATHS:
            await self.app(scope, replay, send)
            return
        key = headers.get("idempotency-key") if method == "POST" else None
        query: bytes = scope.get("query_string", b"")
        # one worker-thread hop: authenticate, resolve the caller (journals an applicant
        # assertion), claim the idempotency key
        try:
            principal, caller, rid, fingerprint, first = await anyio.to_thread.run_sync(
                self._admit, method, path, query, headers, body, key, scope
            )
        except AuthError as err:
            await problem(err, [(b"www-authenticate", b'GZ-HMAC-SM3 realm="gaozhi"')])
            return
        except GaozhiError as err:
            await problem(err)
            return
        state["principal"] = principal
        state["caller"] = caller
        await self._dispatch(scope, replay, send, rid, fingerprint, first)
        if self.retention.due():  # the response has been sent: the caller does not wait
            await anyio.to_thread.run_sync(self.retention.prune_quietly)

    async def _dispatch(
        self,
        scope: Scope,
        replay: Receive,
        send: Send,
        rid: str | None,
        fingerprint: str,
        first: dict[str, Any] | None,
    ) -> None:
        """Run the route (storing its response under the idempotency key) or answer the
        stored first response."""
        if rid is None:
            await self.app(scope, replay, send)
            return
        if first is not None:
            await _respond(
                send,
                int(first["status"]),
                base64.b64decode(first["body"]),
                str(first["media_type"]),
                [(b"idempotent-replayed", b"true")],
            )
            return
        captured: dict[str, Any] = {"status": 500, "media_type": "application/json", "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        captured["media_type"] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))

        try:
            await self.app(scope, replay, capture)
        except Exception:
            # the application's 500 handler has answered (captured) and re-raised: keep
            # the traceback in the server log only, answer the captured problem
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not captured["body"]:
                captured.update(status=500, media_type=PROBLEM_MEDIA_TYPE)
                captured["body"] = [from_error(_internal(), scope["path"])[1]]
        data = b"".join(captured["body"])
        await anyio.to_thread.run_sync(self._finish, rid, fingerprint, captured, data)
        await _respond(send, captured["status"], data, captured["media_type"], [])

    def _admit(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        key: str | None,
        scope: Scope,
    ) -> tuple[Principal, Any, str | None, str, dict[str, Any] | None]:
        """Authenticate, resolve the caller and claim ``key`` — one store transaction.

        The nonce is committed even when the caller is then refused (a replay of a refused
        request must not be accepted later); an authentication failure writes nothing.
        """
        refused: GaozhiError | None = None
        rid: str | None = None
        fingerprint = ""
        first: dict[str, Any] | None = None
        caller: Any = None
        principal: Principal | None = None
        with self.store.transaction() as tx:
            try:
                principal = self.auth.authenticate(
                    method,
                    # the path as sent, not percent-decoded: "a%2520b" and "a%20b" are two
                    # resources ("a%20b", "a b") and must not share one canonical path
                    _raw_path(scope),
                    query.decode("latin-1"),
                    headers,
                    body,
                    scope.get("gaozhi.peer_cert"),
                    tx=tx,
                )
            except CertificateRefused as err:
                # journaled (the credential it names, if any) — committed with tx
                self.refuse_certificate(err, tx)
                refused = err
            else:
                try:
                    if key is not None and (
                        not key or len(key) > _MAX_KEY or not key.isprintable()
                    ):
                        raise GaozhiError(
                            "GZ-HT-422",
                            f"Idempotency-Key 须为 1 至 {_MAX_KEY} 个可打印字符",
                            message_en=f"Idempotency-Key must be 1-{_MAX_KEY} printable characters",
                        )
                    caller = self.resolve(principal, headers, f"{method} {path}", tx)
                    if key is not None:
                        rid = hashlib.sha256(
                            f"{principal.credential_id}\n{key}".encode()
                        ).hexdigest()
                        # the caller's identity is part of the request: a key reused for another
                        # applicant (same platform credential) is a different request
                        behalf = "\n".join(headers.get(h, "") for h in _ON_BEHALF).encode()
                        fingerprint = hashlib.sha256(
                            b"\n".join([method.encode(), path.encode(), query, behalf, body])
                        ).hexdigest()
                        first = self._claim(tx, rid, fingerprint)
                except GaozhiError as err:
                    refused = err
        if refused is not None:
            raise refused
        assert principal is not None
        return principal, caller, rid, fingerprint, first

    # -- the stored first response ---------------------------------------------------------
    def _claim(self, tx: Transaction, rid: str, fingerprint: str) -> dict[str, Any] | None:
        """None if this request is the first with the key (now claimed), else its response."""
        rec = tx.get(IDEMPOTENCY_KIND, rid)
        now = int(self._clock())
        if rec is None:
            tx.put(
                IDEMPOTENCY_KIND,
                rid,
                {"request": fingerprint, "since": now},
                state="RUNNING",
                expected_version=None,
            )
            return None
        if rec.doc.get("request") != fingerprint:
            raise GaozhiError(
                "GZ-HT-423",
                "同一 Idempotency-Key 已用于另一个请求",
                message_en="this Idempotency-Key was used for a different request",
            )
        stale = rec.state == "RUNNING" and now - int(rec.doc.get("since", 0)) > RUNNING_LEASE_S
        if rec.state == "FAILED" or stale:  # a 5xx is not kept: the retry runs again
            tx.put(
                IDEMPOTENCY_KIND,
                rid,
                {"request": fingerprint, "since": now},
                state="RUNNING",
                expected_version=rec.version,
            )
            return None
        if rec.state != "DONE":
            raise StoreError(
                "GZ-ST-409",
                "同一 Idempotency-Key 的请求仍在处理中, 请稍后重试",
                message_en="a request with this Idempotency-Key is still running",
            )
        return dict(rec.doc)

    def _finish(self, rid: str, fingerprint: str, captured: dict[str, Any], data: bytes) -> None:
        status = int(captured["status"])
        doc = {
            "request": fingerprint,
            "status": status,
            "media_type": captured["media_type"],
            "body": base64.b64encode(data).decode("ascii"),
        }
        with self.store.transaction() as tx:
            rec = tx.get(IDEMPOTENCY_KIND, rid)
            tx.put(
                IDEMPOTENCY_KIND,
                rid,
                doc if status < 500 else {"request": fingerprint},
                state="DONE" if status < 500 else "FAILED",
                expected_version=None if rec is None else rec.version,
            )


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for k, _ in pairs:
        if k in seen:
            raise _DuplicateKey(k)
        seen.add(k)
    return dict(pairs)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _duplicate_key(body: bytes) -> str | None:
    """The first key repeated inside one JSON object of ``body``, or None (also when the
    body is no JSON at all: the routes answer that with their own problem)."""
    try:
        json.loads(body, object_pairs_hook=_unique_pairs)
    except _DuplicateKey as dup:
        return dup.key
    except (ValueError, RecursionError):
        return None
    return None


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) and raw else str(scope["path"])


def _internal() -> GaozhiError:
    return GaozhiError("GZ-HT-500", "服务内部错误", message_en="internal error")


def _too_large(limit: int) -> GaozhiError:
    return GaozhiError(
        "GZ-HT-413",
        f"请求体超过上限 {limit} 字节",
        message_en=f"request body exceeds {limit} bytes",
    )
