"""An event-certificate CA over HTTP (DESIGN §4a): :class:`HttpEventCA` speaks the
event-CA HTTP API that :class:`gaozhi_sdk.testing.EmulatedEventCA` serves (and a real
provincial CA gateway implements):

=========================  ===================================================================
``POST /v1/challenges``     ``{}`` → 201 ``{"challengeId", "challenge" (base64), "expiresAt"}``
``POST /v1/certificates``   ``{"authenticationToken", "csr"}`` or ``{"authenticationToken",
                            "publicKey", "challengeId", "challengeSignature", "signatureFormat",
                            "sm2SignerId"?}`` (bytes base64) → 201 ``{"certificateChain":
                            [base64 DER, leaf first], "notBefore", "notAfter", "serialNumber"}``
``GET /v1/ca-certificates`` → 200 ``{"roots": [base64 DER]}``
=========================  ===================================================================

Errors are ``application/problem+json`` with a ``code``: GZ-SG-080 (token invalid),
GZ-SG-081 (expired), GZ-SG-082 (used), GZ-SG-083 (challenge), GZ-SG-084 (proof of
possession); any other failure is GZ-SG-085. The plugin object :data:`plugin` (entry point
``event-ca-http``) answers ``gaozhi_event_certificate_authority`` once configured::

    {"plugins": {"event-ca-http": {"url": "https://ca.example/event-ca", "name": "province-ca",
                                   "timeout_s": 10, "ca_bundle": "/etc/gov/ca.pem"}}}

Plain ``http://`` is accepted only for a loopback host (tests, a local gateway).
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from gaozhi_sdk import (
    CaChallenge,
    EventCertificateRequest,
    IssuedEventCertificate,
    SignatureError,
    hookimpl,
)

__all__ = ["SECTION", "EventCaHttpPlugin", "HttpEventCA", "plugin"]

SECTION = "event-ca-http"
_CA_CODES = frozenset({"GZ-SG-080", "GZ-SG-081", "GZ-SG-082", "GZ-SG-083", "GZ-SG-084"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_REPLY = 256 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bad(detail: str) -> SignatureError:
    return SignatureError(
        "GZ-SG-085",
        f"事件证书 CA 请求或应答无效: {detail}",
        message_en=f"invalid event-CA request or reply: {detail}",
    )


class HttpEventCA:
    """An :class:`~gaozhi_sdk.EventCertificateAuthority` over the event-CA HTTP API.

    Args:
        base_url: the API root (``https://…``; ``http://`` only on a loopback host).
        name: the CA's name (the ``gaozhi_event_certificate_authority`` hook matches it).
        timeout_s: connect and read timeout per request.
        ca_bundle: CA certificates for the TLS connection (default: the system's).
        session: a ``requests.Session`` to use (default: a new one).
    """

    def __init__(
        self,
        base_url: str,
        *,
        name: str = SECTION,
        timeout_s: float = 10.0,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad(f"地址须为 https:// URL: {base_url!r}")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise _bad("明文 http 只允许用于本机地址 (127.0.0.1); 请使用 https")
        self.base_url = base_url.rstrip("/")
        self.name = name
        self._timeout = timeout_s
        self._verify: bool | str = ca_bundle or True
        self._session = session or requests.Session()

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        try:
            resp = self._session.request(
                method,
                self.base_url + path,
                json=body,
                timeout=self._timeout,
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise _bad(f"无法连接事件证书 CA ({type(exc).__name__})") from None
        if len(resp.content) > _MAX_REPLY:
            raise _bad("应答过大")
        try:
            data = resp.json()
        except ValueError:
            raise _bad(f"HTTP {resp.status_code}, 应答不是 JSON") from None
        if resp.status_code >= 400:
            code = data.get("code") if isinstance(data, dict) else None
            detail = str(data.get("detail", "")) if isinstance(data, dict) else ""
            title = str(data.get("title", "")) if isinstance(data, dict) else ""
            if code in _CA_CODES:
                raise SignatureError(
                    code, f"事件证书 CA 拒绝: {title or detail}", message_en=detail or None
                )
            raise _bad(f"HTTP {resp.status_code} {detail[:200]}")
        if not isinstance(data, dict):
            raise _bad("应答须为 JSON 对象")
        return data

    def challenge(self) -> CaChallenge:
        """A single-use challenge from the CA."""
        d = self._call("POST", "/v1/challenges", {})
        try:
            return CaChallenge(
                challenge_id=str(d["challengeId"]),
                challenge=str(d["challenge"]),
                expires_at=datetime.fromisoformat(str(d["expiresAt"])),
            )
        except (KeyError, ValueError) as exc:
            raise _bad(f"挑战应答缺少字段或格式错误 ({exc})") from None

    def issue(self, request: EventCertificateRequest) -> IssuedEventCertificate:
        """Ask the CA for an event certificate (see the module docstring)."""
        body: dict[str, Any] = {"authenticationToken": request.authentication_token}
        if request.csr is not None:
            body["csr"] = _b64(request.csr)
        if request.public_key is not None:
            body["publicKey"] = _b64(request.public_key)
        if request.challenge_id is not None:
            body["challengeId"] = request.challenge_id
        if request.challenge_signature is not None:
            body["challengeSignature"] = _b64(request.challenge_signature)
        body["signatureFormat"] = request.signature_format
        if request.sm2_signer_id is not None:
            body["sm2SignerId"] = request.sm2_signer_id
        d = self._call("POST", "/v1/certificates", body)
        try:
            chain = tuple(base64.b64decode(str(c), validate=True) for c in d["certificateChain"])
            return IssuedEventCertificate(
                certificate_chain=chain,
                not_before=datetime.fromisoformat(str(d["notBefore"])),
                not_after=datetime.fromisoformat(str(d["notAfter"])),
                serial_number=str(d["serialNumber"]),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise _bad(f"证书应答缺少字段或格式错误 ({type(exc).__name__})") from None

    def ca_certificates(self) -> list[bytes]:
        """The CA's root certificates (DER), for the operator to review and pin as
        ``EVENT_CERTIFICATE`` anchors — never trusted automatically."""
        d = self._call("GET", "/v1/ca-certificates")
        try:
            return [base64.b64decode(str(c), validate=True) for c in d["roots"]]
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise _bad("根证书应答格式错误") from None

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __repr__(self) -> str:
        return f"HttpEventCA({self.name!r}, {self.base_url!r})"


class EventCaHttpPlugin:
    """Offers a configured :class:`HttpEventCA` through ``gaozhi_event_certificate_authority``
    (inert until the host configuration has a ``plugins.event-ca-http`` section)."""

    def __init__(self) -> None:
        self.ca: HttpEventCA | None = None
        self._lock = threading.Lock()

    @hookimpl
    def gaozhi_configure(self, config: Mapping[str, Any]) -> None:
        """Build the client from ``plugins.event-ca-http`` (``url``, ``name``,
        ``timeout_s``, ``ca_bundle``)."""
        section = dict(config.get("plugins", {})).get(SECTION)
        with self._lock:
            if self.ca is not None:
                self.ca.close()
                self.ca = None
            if section:
                self.ca = HttpEventCA(
                    str(section["url"]),
                    name=str(section.get("name", SECTION)),
                    timeout_s=float(section.get("timeout_s", 10.0)),
                    ca_bundle=section.get("ca_bundle"),
                )

    @hookimpl
    def gaozhi_event_certificate_authority(self, name: str | None) -> HttpEventCA | None:
        """The configured CA, when ``name`` is None or its name."""
        ca = self.ca
        if ca is None or name not in (None, ca.name):
            return None
        return ca

    @hookimpl
    def gaozhi_shutdown(self) -> None:
        """Close pooled connections."""
        if self.ca is not None:
            self.ca.close()


plugin = EventCaHttpPlugin()
