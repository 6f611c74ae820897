"""Who is calling: credentials → actors (DESIGN §10).

Production methods: mutual TLS (the client certificate's SHA-256 fingerprint names a
credential) and request signing with ``gaozhi-hmac-sm3-v1`` (DESIGN §7; ``X-App-Key``
names a credential; timestamp window; every nonce is accepted once — recorded in the
store, so several worker processes share the replay cache). The signature must also cover
(``X-Signed-Headers``) every one of :data:`MUST_SIGN` the request carries: the body's
media type, the idempotency key and the applicant assertion decide what the call does and
for whom, so a party on the path (a gateway, a proxy) that rewrites them — or replays a
captured request with other values — is refused. Bearer tokens only in
development mode. A credential that is not configured, a bad signature, a stale
timestamp or a replayed nonce is a 401 problem; nothing else is looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from gaozhi_sdk.errors import GaozhiError, StoreError
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.server.client_revocation import ClientRevocation
from gaozhi_sdk.server.config import Credential, ServiceConfig
from gaozhi_sdk.server.retention import NONCE_KIND
from gaozhi_sdk.sharing.signing import (
    MUST_SIGN,
    NonceCache,
    signed_header_names,
    verify_reference_request,
)
from gaozhi_sdk.store.base import Store

__all__ = ["MUST_SIGN", "AuthError", "Authenticator", "Principal"]


class RecordWriter(Protocol):
    """Where the nonce is recorded: a transaction, or the gateway's admission (which
    writes it with the request's first transaction)."""

    def put(
        self,
        kind: str,
        id: str,
        doc: Mapping[str, Any],
        *,
        state: str,
        expected_version: int | None,
    ) -> Any:
        """Write one record."""


class AuthError(GaozhiError):
    """GZ-HT-401: the caller is not authenticated."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    credential_id: str
    method: str
    actor: Actor
    may_act_for_applicants: bool


class _StoreNonces(NonceCache):
    """One request's nonce: checked in this process's memory first, then recorded once in
    the shared store inside the caller's transaction (``tx``) or a transaction of its own.
    A record already there (another worker, another instance) is a replay."""

    def __init__(self, memory: NonceCache, store: Store, tx: RecordWriter | None) -> None:
        super().__init__(ttl_s=memory.ttl_s, max_size=0)
        self._memory = memory
        self._store = store
        self._tx = tx

    def add(self, nonce: str, now: float) -> bool:
        if not self._memory.add(nonce, now):
            return False
        # deferred (the gateway's Admission writes it with the request's first
        # transaction): looked up now, the unique insert decides at commit
        if getattr(self._tx, "deferred", False) and self._store.get(NONCE_KIND, nonce):
            return False
        try:
            if self._tx is not None:
                self._tx.put(
                    NONCE_KIND, nonce, {"at": int(now)}, state="SEEN", expected_version=None
                )
            else:
                with self._store.transaction() as tx:
                    tx.put(NONCE_KIND, nonce, {"at": int(now)}, state="SEEN", expected_version=None)
        except StoreError as exc:
            if exc.code == "GZ-ST-409":
                return False
            raise
        return True


def _fail(reason: str) -> AuthError:
    return AuthError(
        "GZ-HT-401", f"调用方未通过认证: {reason}", message_en=f"unauthenticated: {reason}"
    )


class Authenticator:
    """Resolves a request's credential (mTLS, HMAC, dev bearer) to a :class:`Principal`."""

    def credential_of_certificate(self, fingerprint: str) -> Credential | None:
        """The mTLS credential registered for a certificate's SHA-256, if any."""
        return self._by_fp.get(fingerprint)

    def __init__(
        self,
        config: ServiceConfig,
        store: Store,
        *,
        dev: bool,
        clock: Callable[[], float] = time.time,
        revocation: ClientRevocation | None = None,
    ) -> None:
        self.dev = dev
        self.revocation = revocation
        self.max_skew_ms = config.hmac_max_skew_s * 1000
        self._store = store
        self._clock = clock
        self._by_key: dict[str, Credential] = {}
        self._secrets: dict[str, str] = {}
        self._by_fp: dict[str, Credential] = {}
        self._by_token: dict[str, Credential] = {}
        for c in config.credentials:
            if c.method == "hmac" and c.key_id:
                self._by_key[c.key_id] = c
                self._secrets[c.key_id] = c.secret()
            elif c.method == "mtls":
                self._by_fp[c.fingerprint()] = c
            elif c.method == "bearer" and dev:
                self._by_token[c.token_digest()] = c
        self._memory = NonceCache(ttl_s=2 * config.hmac_max_skew_s)

    @staticmethod
    def _principal(c: Credential) -> Principal:
        return Principal(c.id, c.method, c.actor, c.may_act_for_applicants)

    def authenticate(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        peer_cert_der: bytes | None,
        *,
        tx: RecordWriter | None = None,
    ) -> Principal:
        """The caller, or :class:`AuthError` (GZ-HT-401). A request-signing nonce is
        recorded in ``tx`` when given (the caller commits it), else in a transaction of
        its own. A client certificate that is revoked (or of unknown status where the
        configuration requires one) is refused first — whatever else the request carries —
        with :class:`~gaozhi_sdk.server.client_revocation.CertificateRefused`."""
        if peer_cert_der is not None and self.revocation is not None:
            refused = self.revocation.problem(peer_cert_der)
            if refused is not None:
                raise refused
        if peer_cert_der is not None:
            found = self._by_fp.get(hashlib.sha256(peer_cert_der).hexdigest())
            if found is not None:
                return self._principal(found)
        if "x-app-key" in headers:
            key = headers["x-app-key"]
            pairs = parse_qsl(query, keep_blank_values=True)
            if len({k for k, _ in pairs}) != len(pairs):
                # the profile's canonical query is a map: a repeated parameter has no
                # canonical form, so the signature could not cover every value the routes see
                raise _fail("repeated query parameter (not covered by the signature)")
            code = verify_reference_request(
                method,
                path,
                dict(pairs),
                headers,
                body,
                secret_of=self._secrets,
                now_ms=int(self._clock() * 1000),
                nonces=_StoreNonces(self._memory, self._store, tx),
                max_skew_ms=self.max_skew_ms,
            )
            if code != "00":
                raise _fail(
                    {
                        "TS_EXPIRED": "timestamp outside the window",
                        "NONCE_REPLAY": "nonce replayed",
                    }.get(code, "bad request signature")
                )
            covered = set(signed_header_names(headers.get("x-signed-headers", "")) or ())
            bare = [h for h in MUST_SIGN if h in headers and h not in covered]
            if bare:
                raise _fail(
                    f"header {', '.join(bare)} not covered by the request signature "
                    "(list it in X-Signed-Headers)"
                )
            # checked again once the nonce is written: a nonce record is pruned only when
            # its request's timestamp has left the window (gaozhi_sdk.server.retention), so
            # a replay that found the record gone is refused here, however long it waited
            if abs(self._clock() * 1000 - int(headers["x-timestamp"])) > self.max_skew_ms:
                raise _fail("timestamp outside the window")
            return self._principal(self._by_key[key])
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            if not self.dev:
                raise _fail("bearer tokens are accepted only in development mode (--dev)")
            digest = hashlib.sha256(auth[7:].strip().encode()).hexdigest()
            for known, c in self._by_token.items():
                if hmac.compare_digest(known, digest):
                    return self._principal(c)
            raise _fail("unknown token")
        if peer_cert_der is not None:
            raise _fail("client certificate not registered")
        raise _fail("no credential (mutual TLS or gaozhi-hmac-sm3-v1 signature)")
