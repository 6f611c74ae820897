"""Request-signing profiles (DESIGN §7, TRANSPORT §5.2).

Every attempt is signed afresh (new ``X-Timestamp`` and ``X-Nonce``) while the business
request id (``X-Request-Id``) stays the same across attempts. Three profiles ship:

* :class:`ReferenceProfile` — ``gaozhi-hmac-sm3-v1``, exactly as DESIGN §7: headers
  ``X-App-Key``, ``X-Timestamp`` (ms), ``X-Nonce``, ``X-Request-Id``, ``X-Content-SM3``,
  ``X-Sign-Method`` (``HMAC-SM3`` | ``HMAC-SHA256``) and ``X-Signature`` = base64 HMAC over
  the newline-joined ``METHOD, canonical_path, canonical_query, app_key, timestamp, nonce,
  request_id, content_sm3``. Answers are signed too (:func:`response_string_to_sign`,
  headers ``X-Response-Timestamp``, ``X-Response-Content-SM3``, ``X-Response-Signature``,
  echoing ``X-Request-Id`` and ``X-Nonce``), so an answer is bound to the attempt that
  asked. Further request headers are covered when the client lists them in
  ``X-Signed-Headers`` (see :func:`string_to_sign`; absent, the string is exactly the
  eight lines above). *Does not protect*: headers not listed there (``Authorization``,
  ``Content-Type`` unless listed), confidentiality (that is TLS's job).
* :class:`HmacSha256HeaderProfile` — the Shandong-style header profile:
  ``X-Signature = base64(HMAC-SHA256(secret, client_id + timestamp + nonce))``.
  *Does not protect*: the body, the path, the query and the request id.
* :class:`Md5KeySecretTimeProfile` — the Zhejiang-IRS-style profile:
  ``sign = MD5(appKey + secret + requestTime)`` where ``secret`` is the short-lived request
  secret of a two-secret refresh flow (see :class:`~gaozhi_sdk.sharing.tokens.TwoSecretRefresher`).
  *Does not protect*: the body, the path, the query, replay within the time window
  (no nonce) and collision resistance (MD5).

HMAC-SM3 uses ``cryptography``'s ``hashes.SM3`` (GB/T 32905-2016); :func:`sm3_hex` is
self-tested on the standard ``"abc"`` vector at import.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac
import re
import secrets
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac

from gaozhi_sdk.sharing.errors import SharingError

__all__ = [
    "MUST_SIGN",
    "REFERENCE_PROFILE",
    "SIGNED_HEADERS",
    "HmacSha256HeaderProfile",
    "Md5KeySecretTimeProfile",
    "NonceCache",
    "ReferenceProfile",
    "SigningProfile",
    "canonical_path",
    "canonical_query",
    "check_echo",
    "hmac_sm3",
    "make_profile",
    "response_string_to_sign",
    "sign_reference_response",
    "signed_header_names",
    "sm3_hex",
    "string_to_sign",
    "verify_reference_request",
    "verify_reference_response",
]

REFERENCE_PROFILE = "gaozhi-hmac-sm3-v1"
#: the request header listing further headers the signature covers (lower-case names
#: joined by ``;``); absent, the string to sign is the plain eight-line one of DESIGN §7
SIGNED_HEADERS = "X-Signed-Headers"
#: the headers ``gaozhi serve`` requires a request signature to cover when the request
#: carries them: the body's media type, the idempotency key and the applicant assertion
MUST_SIGN = (
    "content-type",
    "idempotency-key",
    "x-gaozhi-on-behalf-of",
    "x-gaozhi-on-behalf-role",
    "x-gaozhi-identity-assertion",
)
#: a nonce a server accepts: 1-128 visible ASCII characters (clients send 32 hex digits)
_NONCE = re.compile(r"[\x21-\x7e]{1,128}")
#: HTTP's optional white space around a field value (RFC 9110 §5.5): all that is stripped
_OWS = " \t"
_HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def sm3_hex(data: bytes) -> str:
    """Hex SM3 digest (GB/T 32905-2016) of ``data``."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def hmac_sm3(key: bytes, msg: bytes) -> bytes:
    """HMAC-SM3 of ``msg`` under ``key``."""
    h = c_hmac.HMAC(key, hashes.SM3())
    h.update(msg)
    return h.finalize()


def _self_test() -> None:
    try:
        ok = sm3_hex(b"abc") == _SM3_ABC
    except Exception as exc:  # pragma: no cover - depends on the OpenSSL build
        raise SharingError(
            "GZ-SH-004", "当前环境的 OpenSSL 不支持 SM3", message_en=f"SM3 unavailable: {exc}"
        ) from exc
    if not ok:  # pragma: no cover - would mean a broken library
        raise SharingError("GZ-SH-004", "SM3 自检失败", message_en="SM3 self-test failed")


_self_test()


def canonical_query(query: Mapping[str, str | int] | None) -> str:
    """Keys sorted, RFC 3986 percent-encoding of UTF-8, ``k=v`` joined by ``&``."""
    if not query:
        return ""
    pairs = sorted(
        (quote(str(k), safe="-_.~"), quote(str(v), safe="-_.~")) for k, v in query.items()
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def canonical_path(path: str) -> str:
    """The percent-encoded path without a trailing slash (``/`` stays ``/``).

    Normalised as RFC 3986 §6.2.2 does, so the form a client signs and the form its HTTP
    library sends agree: escapes of unreserved characters are decoded (``%2D`` → ``-``),
    other escapes are kept with upper-case hex, everything else outside the unreserved set
    and ``/`` is encoded (a ``%`` that starts no escape becomes ``%25``). A server passes the
    path *as received*, never its decoded form: decoding first would give ``/a%2520b``
    (resource ``a%20b``) and ``/a%20b`` (resource ``a b``) one canonical path.
    """
    parts: list[str] = []
    pos = 0
    for m in _PCT.finditer(path):
        parts.append(quote(path[pos : m.start()], safe="/-_.~"))
        ch = chr(int(m.group(1), 16))
        parts.append(ch if ch in _UNRESERVED else "%" + m.group(1).upper())
        pos = m.end()
    parts.append(quote(path[pos:], safe="/-_.~"))
    p = "".join(parts)
    if not p.startswith("/"):
        p = "/" + p
    return p.rstrip("/") or "/"


def string_to_sign(
    method: str,
    path: str,
    query: str,
    app_key: str,
    timestamp: str,
    nonce: str,
    request_id: str,
    content_sm3: str,
    signed_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The newline-joined string to sign of ``gaozhi-hmac-sm3-v1`` (DESIGN §7).

    ``signed_headers`` — (lower-case name, value) in the order of ``X-Signed-Headers`` —
    extends it backwards-compatibly: one more line with the names joined by ``;``, then
    one ``name:value`` line per header (value without surrounding spaces and tabs — the
    optional white space HTTP itself strips, RFC 9110 §5.5; nothing else: ``str.strip()``
    would also drop NO-BREAK SPACE or NEXT LINE, which are legal header bytes, so a value
    altered by them would still verify). Without them the string is exactly the eight
    lines of DESIGN §7.
    """
    lines = [method.upper(), path, query, app_key, timestamp, nonce, request_id, content_sm3]
    if signed_headers:
        lines.append(";".join(n for n, _ in signed_headers))
        lines.extend(f"{n}:{v.strip(_OWS)}" for n, v in signed_headers)
    return "\n".join(lines).encode("utf-8")


def signed_header_names(value: str) -> list[str] | None:
    """The header names of an ``X-Signed-Headers`` value, or None when it is malformed
    (empty, upper case, repeated or not a header token)."""
    names = value.split(";")
    if any(not _HEADER_NAME.fullmatch(n) for n in names) or len(set(names)) != len(names):
        return None
    return names


def response_string_to_sign(
    status: int,
    app_key: str,
    request_id: str,
    nonce: str,
    request_content_sm3: str,
    timestamp: str,
    content_sm3: str,
) -> bytes:
    """The newline-joined string an answer of ``gaozhi-hmac-sm3-v1`` signs.

    ``RESPONSE``, the HTTP status (3 digits), the app key, the request id, the nonce and the
    body SM3 *of the request being answered*, the answer's ``X-Response-Timestamp`` (ms) and
    the SM3 of the answer body. Everything that decides the outcome (status and body) and
    everything that ties it to one attempt (request id, nonce, request body) is covered.
    """
    return "\n".join(
        [
            "RESPONSE",
            str(int(status)),
            app_key,
            request_id,
            nonce,
            request_content_sm3,
            timestamp,
            content_sm3,
        ]
    ).encode("utf-8")


def sign_reference_response(
    status: int,
    request_headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    timestamp_ms: int | None = None,
) -> dict[str, str]:
    """Server side: the headers that sign an answer to a ``gaozhi-hmac-sm3-v1`` request.

    ``X-Request-Id`` and ``X-Nonce`` echo the request; ``X-Response-Timestamp``,
    ``X-Response-Content-SM3``, ``X-Sign-Method`` and ``X-Response-Signature`` (base64 HMAC
    over :func:`response_string_to_sign`, same method as the request) sign it.
    """
    h = {k.lower(): v for k, v in request_headers.items()}
    method = h.get("x-sign-method", "HMAC-SM3")
    if method not in ("HMAC-SM3", "HMAC-SHA256"):
        method = "HMAC-SM3"
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    content = sm3_hex(body)
    rid, nonce = h.get("x-request-id", ""), h.get("x-nonce", "")
    sts = response_string_to_sign(
        status, h.get("x-app-key", ""), rid, nonce, h.get("x-content-sm3", ""), ts, content
    )
    mac = _mac(method, secret.encode("utf-8"), sts)
    return {
        "X-Request-Id": rid,
        "X-Nonce": nonce,
        "X-Response-Timestamp": ts,
        "X-Response-Content-SM3": content,
        "X-Sign-Method": method,
        "X-Response-Signature": base64.b64encode(mac).decode("ascii"),
    }


def verify_reference_response(
    status: int,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
) -> str:
    """Client side: ``"00"`` if the answer is signed for exactly this attempt.

    Returns ``RESPONSE_UNSIGNED`` (signature headers missing), ``RESPONSE_NOT_BOUND``
    (another request id or nonce echoed), or ``RESPONSE_SIGNATURE_INVALID``.
    """
    req = {k.lower(): v for k, v in request_headers.items()}
    resp = {k.lower(): v for k, v in response_headers.items()}
    needed = ("x-response-signature", "x-response-timestamp", "x-response-content-sm3")
    if any(not resp.get(n) for n in needed):
        return "RESPONSE_UNSIGNED"
    if resp.get("x-request-id") != req.get("x-request-id") or resp.get("x-nonce") != req.get(
        "x-nonce"
    ):
        return "RESPONSE_NOT_BOUND"
    if resp.get("x-sign-method", "HMAC-SM3") != req.get("x-sign-method", "HMAC-SM3"):
        return "RESPONSE_SIGNATURE_INVALID"
    if sm3_hex(body) != resp["x-response-content-sm3"]:
        return "RESPONSE_SIGNATURE_INVALID"
    sts = response_string_to_sign(
        status,
        req.get("x-app-key", ""),
        req.get("x-request-id", ""),
        req.get("x-nonce", ""),
        req.get("x-content-sm3", ""),
        resp["x-response-timestamp"],
        resp["x-response-content-sm3"],
    )
    try:
        expected = _mac(req.get("x-sign-method", "HMAC-SM3"), secret.encode("utf-8"), sts)
        given = base64.b64decode(resp["x-response-signature"], validate=True)
    except (SharingError, ValueError):
        return "RESPONSE_SIGNATURE_INVALID"
    if not std_hmac.compare_digest(expected, given):
        return "RESPONSE_SIGNATURE_INVALID"
    return "00"


def _header(headers: Mapping[str, str], name: str) -> str:
    low = name.lower()
    return next((v for k, v in headers.items() if k.lower() == low), "")


def check_echo(
    profile: SigningProfile,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str],
    body_request_id: str,
    request_id: str,
) -> str:
    """Every profile: an answer must echo the request id (header ``X-Request-Id`` or the
    body's ``requestId``; both must agree when both are present) and, where the profile
    sends a nonce, the nonce in the same header. ``"00"`` or ``RESPONSE_NOT_BOUND``."""
    echoed = [v for v in (_header(response_headers, "X-Request-Id"), body_request_id) if v]
    if not echoed or any(v != request_id for v in echoed):
        return "RESPONSE_NOT_BOUND"
    if profile.nonce_header:
        sent = _header(request_headers, profile.nonce_header)
        if not sent or _header(response_headers, profile.nonce_header) != sent:
            return "RESPONSE_NOT_BOUND"
    return "00"


class SigningProfile(Protocol):
    """A request-signing profile: headers for one attempt, and how answers are checked."""

    @property
    def nonce_header(self) -> str | None:
        """The header carrying the per-attempt nonce (answers must echo it), or None."""

    @property
    def signs_responses(self) -> bool:
        """Whether answers carry a signature that the client must verify."""

    def verify_response(
        self,
        status: int,
        request_headers: Mapping[str, str],
        response_headers: Mapping[str, str],
        body: bytes,
        *,
        secret: str,
    ) -> str:
        """``"00"`` if the answer is authentic for this attempt (always ``"00"`` for a
        profile without response signatures), else a ``RESPONSE_*`` code."""

    @property
    def name(self) -> str:
        """The profile name (``gaozhi-hmac-sm3-v1`` …)."""

    @property
    def does_not_protect(self) -> tuple[str, ...]:
        """What this profile leaves unprotected (documented per profile)."""

    def sign(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: bytes,
        request_id: str,
        *,
        secret: str,
        timestamp_ms: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """Headers for this attempt (fresh timestamp and nonce unless given)."""


@dataclass(frozen=True)
class ReferenceProfile:
    """``gaozhi-hmac-sm3-v1`` (DESIGN §7)."""

    app_key: str
    method: Literal["HMAC-SM3", "HMAC-SHA256"] = "HMAC-SM3"
    name: str = REFERENCE_PROFILE
    does_not_protect: tuple[str, ...] = (
        "headers other than the X-* signing headers and those listed in X-Signed-Headers",
        "response headers other than the X-Response-* signing headers",
        "confidentiality (TLS)",
    )
    nonce_header: str | None = "X-Nonce"
    signs_responses: bool = True

    def verify_response(
        self,
        status: int,
        request_headers: Mapping[str, str],
        response_headers: Mapping[str, str],
        body: bytes,
        *,
        secret: str,
    ) -> str:
        """Check the answer's signature and echo (:func:`verify_reference_response`)."""
        if not self.signs_responses:
            return "00"
        return verify_reference_response(
            status, request_headers, response_headers, body, secret=secret
        )

    def sign(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: bytes,
        request_id: str,
        *,
        secret: str,
        timestamp_ms: int | None = None,
        nonce: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Sign one attempt; ``headers`` (sent as given) are covered too and listed in
        ``X-Signed-Headers``."""
        ts, nc = _fresh(timestamp_ms, nonce)
        content = sm3_hex(body)
        covered = sorted((k.lower(), v) for k, v in (headers or {}).items())
        sts = string_to_sign(
            method,
            canonical_path(path),
            canonical_query(query),
            self.app_key,
            ts,
            nc,
            request_id,
            content,
            covered,
        )
        mac = _mac(self.method, secret.encode("utf-8"), sts)
        extra = {SIGNED_HEADERS: ";".join(n for n, _ in covered)} if covered else {}
        return {
            **extra,
            "X-App-Key": self.app_key,
            "X-Timestamp": ts,
            "X-Nonce": nc,
            "X-Request-Id": request_id,
            "X-Content-SM3": content,
            "X-Sign-Method": self.method,
            "X-Signature": base64.b64encode(mac).decode("ascii"),
        }


def _fresh(timestamp_ms: int | None, nonce: str | None) -> tuple[str, str]:
    """The timestamp (ms) and nonce of one attempt: fresh unless fixed by the caller (tests)."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    return ts, nonce or secrets.token_hex(16)


def _mac(method: str, key: bytes, msg: bytes) -> bytes:
    if method == "HMAC-SM3":
        return hmac_sm3(key, msg)
    if method == "HMAC-SHA256":
        return std_hmac.new(key, msg, hashlib.sha256).digest()
    raise SharingError("GZ-SH-003", f"不支持的签名方法 {method}", message_en="bad sign method")


@dataclass(frozen=True)
class HmacSha256HeaderProfile:
    """Shandong-style ``X-Client-Id`` + HMAC-SHA256(client_id + timestamp + nonce)."""

    app_key: str
    name: str = "sd-hmac-sha256"
    does_not_protect: tuple[str, ...] = (
        "the body",
        "the path and query",
        "the request id (X-Request-Id is sent but not signed)",
        "the answer (unsigned; only the echoed request id and nonce are checked)",
    )
    nonce_header: str | None = "X-Nonce"
    signs_responses: bool = False

    def verify_response(
        self,
        status: int,
        request_headers: Mapping[str, str],
        response_headers: Mapping[str, str],
        body: bytes,
        *,
        secret: str,
    ) -> str:
        """Answers are not signed in this profile (see ``does_not_protect``)."""
        return "00"

    def sign(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: bytes,
        request_id: str,
        *,
        secret: str,
        timestamp_ms: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """Sign one attempt."""
        ts, nc = _fresh(timestamp_ms, nonce)
        msg = (self.app_key + ts + nc).encode("utf-8")
        sig = std_hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).digest()
        return {
            "X-Client-Id": self.app_key,
            "X-Timestamp": ts,
            "X-Nonce": nc,
            "X-Request-Id": request_id,
            "X-Signature": base64.b64encode(sig).decode("ascii"),
        }


@dataclass(frozen=True)
class Md5KeySecretTimeProfile:
    """Zhejiang-IRS-style ``sign = MD5(appKey + secret + requestTime)`` (query params).

    ``secret`` is the current request secret from a two-secret refresh flow.
    """

    app_key: str
    name: str = "zj-irs-md5"
    does_not_protect: tuple[str, ...] = (
        "the body",
        "the path and query",
        "replay inside the time window (no nonce)",
        "collision resistance (MD5)",
        "the answer (unsigned; only the echoed request id is checked)",
    )
    nonce_header: str | None = None
    signs_responses: bool = False

    def verify_response(
        self,
        status: int,
        request_headers: Mapping[str, str],
        response_headers: Mapping[str, str],
        body: bytes,
        *,
        secret: str,
    ) -> str:
        """Answers are not signed in this profile (see ``does_not_protect``)."""
        return "00"

    def sign(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: bytes,
        request_id: str,
        *,
        secret: str,
        timestamp_ms: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """Sign one attempt (returned as headers; the gateway also accepts them as query)."""
        ts, _ = _fresh(timestamp_ms, nonce)
        digest = hashlib.md5(
            (self.app_key + secret + ts).encode("utf-8"), usedforsecurity=False
        ).hexdigest()
        return {
            "appKey": self.app_key,
            "requestTime": ts,
            "sign": digest,
            "X-Request-Id": request_id,
        }


def make_profile(name: str, app_key: str) -> SigningProfile:
    """A profile by name: ``gaozhi-hmac-sm3-v1``, ``gaozhi-hmac-sha256-v1``,
    ``sd-hmac-sha256`` or ``zj-irs-md5``."""
    if name == REFERENCE_PROFILE:
        return ReferenceProfile(app_key)
    if name == "gaozhi-hmac-sha256-v1":
        return ReferenceProfile(app_key, method="HMAC-SHA256", name=name)
    if name == "sd-hmac-sha256":
        return HmacSha256HeaderProfile(app_key)
    if name == "zj-irs-md5":
        return Md5KeySecretTimeProfile(app_key)
    raise SharingError(
        "GZ-SH-002", f"未知的签名方案 {name}", message_en=f"unknown signing profile {name}"
    )


class NonceCache:
    """Nonces seen in the last ``ttl_s`` seconds (bounded; thread-safe)."""

    def __init__(self, ttl_s: float = 600.0, max_size: int = 200_000) -> None:
        self.ttl_s = ttl_s
        self.max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, nonce: str, now: float) -> bool:
        """Record ``nonce``; False if it was already seen inside the window."""
        with self._lock:
            while self._seen:
                _first, t = next(iter(self._seen.items()))
                if now - t <= self.ttl_s and len(self._seen) < self.max_size:
                    break
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def verify_reference_request(
    method: str,
    path: str,
    query: Mapping[str, str | int] | None,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret_of: Mapping[str, str],
    now_ms: int,
    nonces: NonceCache,
    max_skew_ms: int = 300_000,
) -> str:
    """Check a ``gaozhi-hmac-sm3-v1`` request (server side); returns a body code.

    Returns ``"00"`` when valid, else ``SIGN_INVALID``, ``TS_EXPIRED`` or ``NONCE_REPLAY``
    (distinct so the client can act on each; TRANSPORT §5.2). A nonce is 1–128 visible
    ASCII characters (anything else is ``SIGN_INVALID``: it is stored as a key). Headers listed in
    ``X-Signed-Headers`` are covered (each must be present); which ones a server
    *requires* to be covered is its own policy (``gaozhi serve``: see
    :mod:`gaozhi_sdk.server.auth`).
    """
    h = {k.lower(): v for k, v in headers.items()}
    app_key = h.get("x-app-key", "")
    secret = secret_of.get(app_key)
    needed = ("x-timestamp", "x-nonce", "x-request-id", "x-content-sm3", "x-signature")
    if secret is None or any(not h.get(n) for n in needed):
        return "SIGN_INVALID"
    if not _NONCE.fullmatch(h["x-nonce"]):
        # the nonce is recorded (a server keys its replay store by it): bounded, printable
        return "SIGN_INVALID"
    try:
        ts = int(h["x-timestamp"])
    except ValueError:
        return "SIGN_INVALID"
    if abs(now_ms - ts) > max_skew_ms:
        return "TS_EXPIRED"
    if sm3_hex(body) != h["x-content-sm3"]:
        return "SIGN_INVALID"
    covered: list[tuple[str, str]] = []
    if "x-signed-headers" in h:
        names = signed_header_names(h["x-signed-headers"])
        if names is None or any(n not in h for n in names):
            return "SIGN_INVALID"
        covered = [(n, h[n]) for n in names]
    sts = string_to_sign(
        method,
        canonical_path(path),
        canonical_query(query),
        app_key,
        h["x-timestamp"],
        h["x-nonce"],
        h["x-request-id"],
        h["x-content-sm3"],
        covered,
    )
    try:
        expected = _mac(h.get("x-sign-method", "HMAC-SM3"), secret.encode("utf-8"), sts)
        given = base64.b64decode(h["x-signature"], validate=True)
    except (SharingError, ValueError):
        return "SIGN_INVALID"
    if not std_hmac.compare_digest(expected, given):
        return "SIGN_INVALID"
    if not nonces.add(h["x-nonce"], now_ms / 1000.0):
        return "NONCE_REPLAY"
    return "00"
