"""The ASGI layer in front of the routes: body limit, authentication, idempotent POSTs.

* Body limit: a declared or streamed body above ``max_body_bytes`` is a 413 problem.
* Authentication (:mod:`gaozhi_sdk.server.auth`) for everything under ``/v1`` except the
  public paths (health, readiness, the OpenAPI document and the API page).
* ``Idempotency-Key`` on a POST: the first response (status, media type, body) is stored
  in the service's store under the credential and the key, *before* it is sent — so a
  client that dropped the connection after sending gets exactly that response on retry,
  and nothing is done twice. A different request under the same key is a 422 problem; a
  retry while the first is still running is a 409 problem.
* Admission writes nothing by itself: the nonce, the applicant assertion's journal entry
  and the key's claim ride along with the operation's own transaction
  (:mod:`gaozhi_sdk.store.ride`) — one durable commit per request, and the claim commits
  exactly when the operation does. The key's response is stored in one more transaction
  before it is sent. If the process dies between the two, a retry never runs the
  operation again: it waits (409) and after ``RUNNING_LEASE_S`` is told the request was
  carried out and its response lost (``GZ-HT-410``, 409). A request whose operation
  committed nothing (a read, a refusal) has its admission writes committed together with
  the stored response before the answer is sent.
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
from gaozhi_sdk.server.retention import IDEMPOTENCY_KIND, NONCE_KIND, Retention
from gaozhi_sdk.server.workers import WorkerPool, using_pool
from gaozhi_sdk.store.base import Store, Transaction
from gaozhi_sdk.store.ride import RideAlong, RideConflict, riding

__all__ = ["PUBLIC_PATHS", "Gateway"]

log = logging.getLogger("gaozhi_sdk.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: (principal, lower-case headers, "METHOD path", transaction) → the caller (journals an
#: applicant assertion in the transaction)
Resolve = Callable[[Principal, Mapping[str, str], str, Any], Any]
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
        #: every hop of every request (admission, route, stored response) runs here
        self.pool = WorkerPool(worker_threads)
        self._limited = False
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._limited:
            # the gateway and the routes run their blocking work in self.pool (at most
            # worker_threads at once; the others wait there, never for a pool connection);
            # anything else using anyio's threads is held to the same number
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
            with using_pool(self.pool):
                await self.app(scope, replay, send)
            return
        key = headers.get("idempotency-key") if method == "POST" else None
        query: bytes = scope.get("query_string", b"")
        # one worker-thread hop that writes nothing: authenticate, resolve the caller,
        # look up the idempotency key. What admission must record (the nonce, the
        # applicant assertion, the key's claim) rides along with the operation's own
        # transaction (gaozhi_sdk.store.ride), or is committed below before any answer
        try:
            adm = await self.pool.run(self._admit, method, path, query, headers, body, key, scope)
        except AuthError as err:
            await problem(err, [(b"www-authenticate", b'GZ-HMAC-SM3 realm="gaozhi"')])
            return
        except GaozhiError as err:
            await problem(err)
            return
        if adm.refused is not None or adm.first is not None:
            # a refused caller's nonce is spent too (a replay of a refused request must
            # not be accepted later); a repeated key answers the stored first response
            lost = await self.pool.run(self._commit_admission, adm)
            answer = lost if lost is not None else adm.refused or adm.first
            assert answer is not None
            await self._answer(send, answer, path)
            return
        state["principal"] = adm.principal
        state["caller"] = adm.caller
        await self._dispatch(scope, replay, send, adm)
        if self.retention.due():  # the response has been sent: the caller does not wait
            await self.pool.run(self.retention.prune_quietly)

    async def _answer(self, send: Send, err: GaozhiError | dict[str, Any], path: str) -> None:
        """A problem, or (a dict) a key's stored first response, answered as it was."""
        if isinstance(err, dict):
            await _respond(
                send,
                int(err["status"]),
                base64.b64decode(err["body"]),
                str(err["media_type"]),
                [(b"idempotent-replayed", b"true")],
            )
            return
        status, body = from_error(err, path)
        extra = [(b"www-authenticate", b'GZ-HMAC-SM3 realm="gaozhi"')] if status == 401 else []
        await _respond(send, status, body, PROBLEM_MEDIA_TYPE, extra)

    async def _dispatch(self, scope: Scope, replay: Receive, send: Send, adm: Admission) -> None:
        """Run the route with the admission writes riding along, then make sure they (and
        the response under the idempotency key) are committed before answering."""
        ride = RideAlong(self.store, adm.ride_writes)
        captured: dict[str, Any] = {"status": 500, "media_type": "application/json", "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"
                ]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        captured["media_type"] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))

        with riding(ride), using_pool(self.pool):
            try:
                await self.app(scope, replay, capture)
            except Exception:
                if ride.conflict is None:
                    # the application's 500 handler has answered (captured) and re-raised:
                    # keep the traceback in the server log only, answer the captured problem
                    log.exception("unhandled error in %s %s", scope["method"], scope["path"])
                if not captured["body"]:
                    captured.update(status=500, media_type=PROBLEM_MEDIA_TYPE)
                    captured["body"] = [from_error(_internal(), scope["path"])[1]]
        data = b"".join(captured["body"])
        lost: GaozhiError | dict[str, Any] | None = None
        if ride.conflict is not None:
            lost = await self.pool.run(self._conflicted, adm)
        elif not ride.committed or adm.rid is not None:
            lost = await self.pool.run(self._finish, adm, ride, captured, data)
        if lost is not None:
            await self._answer(send, lost, scope["path"])
            return
        extra = [] if adm.rid is not None else _passed_headers(captured)
        await _respond(send, captured["status"], data, captured["media_type"], extra)

    def _admit(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        key: str | None,
        scope: Scope,
    ) -> Admission:
        """Authenticate, resolve the caller and look up ``key`` (reads only; the writes
        are collected in the returned :class:`Admission`). An authentication failure
        writes nothing; a refused client certificate is journaled here."""
        adm = Admission()
        try:
            adm.principal = self.auth.authenticate(
                method,
                # the path as sent, not percent-decoded: "a%2520b" and "a%20b" are two
                # resources ("a%20b", "a b") and must not share one canonical path
                _raw_path(scope),
                query.decode("latin-1"),
                headers,
                body,
                scope.get("gaozhi.peer_cert"),
                tx=adm,
            )
        except CertificateRefused as err:
            with self.store.transaction() as tx:  # journaled under the credential it names
                self.refuse_certificate(err, tx)
            raise
        try:
            if key is not None and (not key or len(key) > _MAX_KEY or not key.isprintable()):
                raise GaozhiError(
                    "GZ-HT-422",
                    f"Idempotency-Key 须为 1 至 {_MAX_KEY} 个可打印字符",
                    message_en=f"Idempotency-Key must be 1-{_MAX_KEY} printable characters",
                )
            adm.caller = self.resolve(adm.principal, headers, f"{method} {path}", adm)
            if key is not None:
                adm.rid = hashlib.sha256(
                    f"{adm.principal.credential_id}\n{key}".encode()
                ).hexdigest()
                # the caller's identity is part of the request: a key reused for another
                # applicant (same platform credential) is a different request
                behalf = "\n".join(headers.get(h, "") for h in _ON_BEHALF).encode()
                adm.fingerprint = hashlib.sha256(
                    b"\n".join([method.encode(), path.encode(), query, behalf, body])
                ).hexdigest()
                self._claim(adm)
        except GaozhiError as err:
            adm.refused = err
        return adm

    # -- the stored first response ---------------------------------------------------------
    def _claim(self, adm: Admission) -> None:
        """Look up the key: first with it (a claim to write), or its stored response."""
        assert adm.rid is not None
        rec = self.store.get(IDEMPOTENCY_KIND, adm.rid)
        now = int(self._clock())
        adm.since = now
        if rec is None:
            adm.claim_version = None
            return
        if rec.doc.get("request") != adm.fingerprint:
            raise GaozhiError(
                "GZ-HT-423",
                "同一 Idempotency-Key 已用于另一个请求",
                message_en="this Idempotency-Key was used for a different request",
            )
        age = now - int(rec.doc.get("since", 0))
        if rec.state == "FAILED" or (rec.state == "RUNNING" and age > RUNNING_LEASE_S):
            # a 5xx with nothing committed is not kept, nor a claim of an earlier version
            # whose process died before the operation: the retry runs again
            adm.claim_version = rec.version
            return
        if rec.state == "COMMITTED" and age > RUNNING_LEASE_S:
            raise GaozhiError(
                "GZ-HT-410",
                "同一 Idempotency-Key 的请求已执行, 但服务在保存响应之前停止; 请查询结果, 不要重做",
                message_en="the request with this Idempotency-Key was carried out, but the "
                "service stopped before storing its response; read the result, do not redo it",
            )
        if rec.state != "DONE":  # RUNNING / COMMITTED: the first attempt is still at work
            raise StoreError(
                "GZ-ST-409",
                "同一 Idempotency-Key 的请求仍在处理中, 请稍后重试",
                message_en="a request with this Idempotency-Key is still running",
            )
        adm.first = dict(rec.doc)

    def _commit_admission(self, adm: Admission) -> GaozhiError | dict[str, Any] | None:
        """Commit the admission writes on their own (no operation ran); None, or the
        answer when they conflict (a replayed nonce)."""
        try:
            with self.store.transaction() as tx:
                adm.apply(tx, claim=None)
        except RideConflict:
            return self._conflicted(adm)
        except StoreError as err:
            return self._unsaved(err, adm)
        return None

    def _unsaved(self, err: StoreError, adm: Admission) -> GaozhiError | dict[str, Any]:
        """The answer when the store could not commit the admission (or the response):
        a retry race is resolved as such; any other store failure (busy, lost
        connection …) is the store's own coded problem, never a bare 500."""
        if err.code == "GZ-ST-409":
            try:
                return self._conflicted(adm)
            except StoreError as again:
                return again
        log.warning("store failure while committing a request's admission: %s", err.code)
        return err

    def _conflicted(self, adm: Admission) -> GaozhiError | dict[str, Any]:
        """The answer when the admission writes met a record already stored: the nonce
        (a replay) or the key's claim (a retry racing its first attempt)."""
        if adm.nonce is not None and self.store.get(NONCE_KIND, adm.nonce) is not None:
            return _replayed_nonce()
        if adm.rid is not None:
            rec = self.store.get(IDEMPOTENCY_KIND, adm.rid)
            if (
                rec is not None
                and rec.state == "DONE"
                and rec.doc.get("request") == adm.fingerprint
            ):
                return dict(rec.doc)  # the first attempt's stored response
        return StoreError(
            "GZ-ST-409",
            "同一 Idempotency-Key 的请求仍在处理中, 请稍后重试",
            message_en="a request with this Idempotency-Key is still running",
        )

    def _finish(
        self, adm: Admission, ride: RideAlong, captured: dict[str, Any], data: bytes
    ) -> GaozhiError | dict[str, Any] | None:
        """One transaction: the admission writes if no operation carried them, and the
        response under the idempotency key (a 5xx only when nothing was committed — the
        retry then runs again; after a commit the claim stays, never run twice)."""
        status = int(captured["status"])
        if adm.rid is None and (ride.committed or not adm.writes):
            return None  # nothing to commit (e.g. a read by mTLS: no nonce)
        if adm.rid is not None and status >= 500 and ride.committed:
            return None
        doc: dict[str, Any] = {
            "request": adm.fingerprint,
            "since": adm.since,
            "status": status,
            "media_type": captured["media_type"],
            "body": base64.b64encode(data).decode("ascii"),
        }
        try:
            # after the operation's durable commit only the stored response is written here:
            # lost on power failure it is answered GZ-HT-410 (never run twice), so a success
            # is committed without waiting for the disk. A refusal or conflict stays durable
            # (GZ-HT-410 "carried out" would be untrue for it), as do admission writes
            relaxed = ride.committed and status < 400
            with self.store.transaction(durable=not relaxed) as tx:
                if not ride.committed:
                    adm.apply(tx, claim=None)
                if adm.rid is None:
                    return None
                if ride.committed:
                    rec = tx.get(IDEMPOTENCY_KIND, adm.rid)
                    version = None if rec is None else rec.version
                else:
                    version = adm.claim_version
                tx.put(
                    IDEMPOTENCY_KIND,
                    adm.rid,
                    doc if status < 500 else {"request": adm.fingerprint, "since": adm.since},
                    state="DONE" if status < 500 else "FAILED",
                    expected_version=version,
                )
        except RideConflict:
            return self._conflicted(adm)
        except StoreError as err:
            return self._unsaved(err, adm)
        return None


class Admission:
    """What admitting one request found, and the writes it must commit: the nonce, the
    applicant assertion's journal entry and the idempotency key's claim (stands in for a
    transaction while :meth:`Gateway._admit` collects them — ``put``/``append_journal``)."""

    deferred = True  # read by the nonce check: look the nonce up, write it later

    def __init__(self) -> None:
        self.principal: Any = None
        self.caller: Any = None
        self.refused: GaozhiError | None = None
        self.first: dict[str, Any] | None = None
        self.rid: str | None = None
        self.fingerprint = ""
        self.since = 0
        self.claim_version: int | None = None
        self.nonce: str | None = None
        self.writes: list[Callable[[Transaction], Any]] = []

    def put(
        self,
        kind: str,
        id: str,
        doc: Mapping[str, Any],
        *,
        state: str,
        expected_version: int | None,
    ) -> None:
        """Collect a record write (the nonce)."""
        if kind == NONCE_KIND:
            self.nonce = id
        self.writes.append(
            lambda tx: tx.put(kind, id, doc, state=state, expected_version=expected_version)
        )

    def append_journal(self, **entry: Any) -> None:
        """Collect a journal entry (the applicant assertion)."""
        self.writes.append(lambda tx: tx.append_journal(**entry))

    def apply(self, tx: Transaction, *, claim: str | None) -> None:
        """Write everything collected in ``tx``; with ``claim``, claim the key in that state."""
        try:
            for write in self.writes:
                write(tx)
            if claim is not None and self.rid is not None:
                tx.put(
                    IDEMPOTENCY_KIND,
                    self.rid,
                    {"request": self.fingerprint, "since": self.since},
                    state=claim,
                    expected_version=self.claim_version,
                )
        except StoreError as err:
            if err.code != "GZ-ST-409":
                raise
            raise RideConflict(err) from err

    def ride_writes(self, tx: Transaction) -> None:
        """The writes that ride along with the operation's transaction: the key is claimed
        as COMMITTED — done with the operation, its response not yet stored."""
        self.apply(tx, claim="COMMITTED")


def _passed_headers(captured: dict[str, Any]) -> list[Any]:
    return [(k, v) for k, v in captured.get("headers", []) if k.lower() not in (b"content-type",)]


def _replayed_nonce() -> GaozhiError:
    return AuthError(
        "GZ-HT-401",
        "调用方未通过认证: nonce replayed",
        message_en="unauthenticated: nonce replayed",
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
