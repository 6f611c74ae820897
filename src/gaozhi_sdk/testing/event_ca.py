"""An emulated event-certificate CA (tests and demos only; DESIGN §4a).

:class:`EmulatedEventCA` issues short-lived (default 10-minute) document-signing
certificates — P-256 keys under a P-256 root, SM2 keys (proven by a signed challenge)
under an SM2 root made with the SM2 plugin's primitives — only on a valid, unexpired,
unused authentication token of an identity provider it trusts, to a key proven by a
PKCS#10 CSR (P-256 or SM2) or by a signature over a fresh single-use challenge (proof of
possession). The authenticated identity goes into the
subject ``serialNumber`` as ``IDCCN-<居民身份证号码>`` (or ``organizationIdentifier``
``NTRCN-<统一社会信用代码>``), which :mod:`gaozhi_sdk.esign.identity` reads; the CN is
only a masked label.

It also serves the **event-CA HTTP API** on ``127.0.0.1`` (:meth:`EmulatedEventCA.start`),
which ``gaozhi-plugin-event-ca-http`` speaks (JSON, ``application/problem+json`` errors
carrying the ``GZ-`` code; bytes as standard base64):

=======================  =====================================================================
``POST /v1/challenges``   → 201 ``{"challengeId", "challenge", "expiresAt"}``
``POST /v1/certificates`` ``{"authenticationToken", "csr"}`` or ``{"authenticationToken",
                          "publicKey", "challengeId", "challengeSignature",
                          "signatureFormat": "der"|"raw", "sm2SignerId"?}`` → 201
                          ``{"certificateChain": [DER…], "notBefore", "notAfter",
                          "serialNumber"}``; 400/401/409/422 problem+json
``GET /v1/ca-certificates`` → 200 ``{"roots": [DER…]}``
=======================  =====================================================================
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from asn1crypto import csr as asn1_csr  # type: ignore[import-untyped]
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from gaozhi_sdk.authentication import (
    CaChallenge,
    EventCertificateRequest,
    IssuedEventCertificate,
)
from gaozhi_sdk.errors import GaozhiError, SignatureError
from gaozhi_sdk.esign.keys import (
    SM2_CURVE_OID,
    SM2_SIGNATURE_OIDS,
    KeyRejected,
    key_verifier_for,
)
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.service.remote_signing import raw_to_der
from gaozhi_sdk.testing._http import LoopbackService
from gaozhi_sdk.testing.identity import verify_token
from gaozhi_sdk.testing.pki import TestPKI, _identity_fields, _name

__all__ = ["EmulatedEventCA"]

_MAX_BODY = 64 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class EmulatedEventCA(LoopbackService):
    """An event-certificate CA for tests (P-256 and SM2 keys; see the module docstring).

    Args:
        identity_providers: trusted token issuers, name → public key (e.g.
            ``{idp.name: idp.public_key}``).
        pki: the CA's own PKI (default: a new :class:`~gaozhi_sdk.testing.TestPKI` named
            "gaozhi-sdk 测试事件证书 CA").
        clock: where "now" comes from (e.g. a :class:`~gaozhi_sdk.testing.SimulatedClock`).
        validity: certificate lifetime (default 10 minutes).
        challenge_ttl: how long a challenge may be answered.
    """

    __test__ = False

    def __init__(
        self,
        identity_providers: Mapping[str, ec.EllipticCurvePublicKey],
        *,
        pki: TestPKI | None = None,
        clock: Callable[[], datetime] | None = None,
        validity: timedelta = timedelta(minutes=10),
        challenge_ttl: timedelta = timedelta(minutes=5),
    ) -> None:
        self._issuers = dict(identity_providers)
        self._clock = clock
        self._pki = pki or TestPKI.create(name="gaozhi-sdk 测试事件证书 CA", clock=clock)
        self._sm2_pki: TestPKI | None = None
        self._validity = validity
        self._challenge_ttl = challenge_ttl
        self._challenges: dict[str, tuple[bytes, datetime]] = {}
        self._used_tokens: set[str] = set()
        self._lock = threading.Lock()
        self.issued = 0

    # -- CA ---------------------------------------------------------------------------

    @property
    def root_certificate(self) -> x509.Certificate:
        """The CA's P-256 root (configure it as an ``EVENT_CERTIFICATE`` anchor; SM2
        certificates chain to :attr:`sm2_root_certificate`)."""
        return self._pki.root_certificate

    def root_pem(self) -> bytes:
        """The CA root, PEM."""
        return self._pki.root_pem()

    @property
    def sm2_root_certificate(self) -> x509.Certificate:
        """The SM2 root that certifies SM2 keys (made on first use; needs the SM2 plugin)."""
        return self._sm2().root_certificate

    def _sm2(self) -> TestPKI:
        with self._lock:
            if self._sm2_pki is None:
                self._sm2_pki = TestPKI.create(
                    name="gaozhi-sdk 测试事件证书 SM2 CA",
                    clock=self._clock,
                    not_before=self._pki.root_certificate.not_valid_before_utc,
                    algorithm="sm2",
                )
            return self._sm2_pki

    def _now(self) -> datetime:
        return (self._clock() if self._clock is not None else datetime.now(UTC)).astimezone(UTC)

    def challenge(self) -> CaChallenge:
        """A fresh single-use challenge."""
        cid = "CHL-" + secrets.token_hex(12)
        data = b"gaozhi-event-ca-challenge:" + cid.encode() + b":" + secrets.token_bytes(32)
        expires = self._now() + self._challenge_ttl
        with self._lock:
            self._challenges[cid] = (data, expires)
        return CaChallenge(challenge_id=cid, challenge=_b64(data), expires_at=expires)

    def issue(self, request: EventCertificateRequest) -> IssuedEventCertificate:
        """Issue an event certificate (see the class docstring).

        Raises:
            SignatureError: GZ-SG-080/081/082 (token invalid / expired / used),
                GZ-SG-083 (challenge unknown, expired or used), GZ-SG-084 (no valid proof
                of possession, unsupported key).
        """
        now = self._now()
        claims = verify_token(request.authentication_token, self._issuers, now)
        with self._lock:
            if claims.token_id in self._used_tokens:
                raise SignatureError(
                    "GZ-SG-082",
                    "认证令牌已使用过; 每次实名认证只能申请一张事件证书",
                    message_en="the authentication token was already used",
                )
        public_key = self._proven_key(request, now)
        with self._lock:
            if claims.token_id in self._used_tokens:
                raise SignatureError(
                    "GZ-SG-082", "认证令牌已使用过", message_en="token already used"
                )
            self._used_tokens.add(claims.token_id)
        attrs, extensions = _identity_fields(claims.id_number, "etsi")
        nb = now.replace(microsecond=0)
        na = nb + self._validity
        pki = self._sm2() if isinstance(public_key, bytes) else self._pki
        cert = pki.issue_certificate(
            public_key,
            _name(CN=f"事件证书 {mask_identifier(claims.id_number)}", **attrs, C="CN"),
            not_before=nb,
            not_after=na,
            extra_extensions=extensions,
        )
        self.issued += 1
        chain = pki.chain_for(cert)
        return IssuedEventCertificate(
            certificate_chain=tuple(c.public_bytes(serialization.Encoding.DER) for c in chain),
            not_before=nb,
            not_after=na,
            serial_number=format(cert.serial_number, "x"),
        )

    def _proven_key(self, request: EventCertificateRequest, now: datetime) -> Any:
        if request.csr is not None:
            return _csr_key(request.csr, request.sm2_signer_id)
        if request.public_key is None or request.challenge_id is None:
            raise _no_proof("须提供 CSR, 或公钥与对挑战的签名")
        with self._lock:
            found = self._challenges.pop(request.challenge_id, None)
        if found is None or now > found[1]:
            raise SignatureError(
                "GZ-SG-083",
                "挑战不存在、已使用或已过期; 请重新获取挑战",
                message_en="challenge unknown, used or expired",
            )
        sm2 = _is_sm2(request.public_key)
        loaded: Any = request.public_key
        if not sm2:
            try:
                loaded = serialization.load_der_public_key(request.public_key)
            except (ValueError, TypeError):
                raise _no_proof("公钥无法解析或不受支持 (本模拟 CA 签发 P-256 与 SM2)") from None
        sig = request.challenge_signature or b""
        if request.signature_format == "raw":
            sig = raw_to_der(sig)
        verifier = key_verifier_for(request.public_key, request.sm2_signer_id)
        if isinstance(verifier, KeyRejected) or verifier.verify(sig, found[0]) is None:
            raise _no_proof("对挑战的签名无效: 申请人未证明持有该私钥")
        return loaded if sm2 else _p256(loaded)

    # -- HTTP -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the HTTP API (after :meth:`start`), e.g. ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("EmulatedEventCA is not serving; call start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Serve the HTTP API on 127.0.0.1 (a free port) in a daemon thread; returns the URL."""
        if self._server is not None:
            return self.url
        ca = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/v1/ca-certificates":
                    self._problem(404, "GZ-SG-085", "not found")
                    return
                certs = [ca.root_certificate]
                if ca._sm2_pki is not None:
                    certs.append(ca._sm2_pki.root_certificate)
                roots = [_b64(c.public_bytes(serialization.Encoding.DER)) for c in certs]
                self._json(200, {"roots": roots})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                if not 0 <= length <= _MAX_BODY:
                    self._problem(413, "GZ-SG-085", "request too large")
                    return
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw)
                    if not isinstance(body, dict):
                        raise ValueError("object expected")
                except ValueError:
                    self._problem(400, "GZ-SG-085", "body must be a JSON object")
                    return
                try:
                    if self.path == "/v1/challenges":
                        c = ca.challenge()
                        self._json(
                            201,
                            {
                                "challengeId": c.challenge_id,
                                "challenge": c.challenge,
                                "expiresAt": c.expires_at.isoformat(),
                            },
                        )
                    elif self.path == "/v1/certificates":
                        issued = ca.issue(_request_from_json(body))
                        self._json(
                            201,
                            {
                                "certificateChain": [_b64(d) for d in issued.certificate_chain],
                                "notBefore": issued.not_before.isoformat(),
                                "notAfter": issued.not_after.isoformat(),
                                "serialNumber": issued.serial_number,
                            },
                        )
                    else:
                        self._problem(404, "GZ-SG-085", "not found")
                except GaozhiError as exc:
                    status = {"GZ-SG-080": 401, "GZ-SG-081": 401, "GZ-SG-082": 409}.get(
                        exc.code, 422
                    )
                    self._problem(status, exc.code, exc.message_en or exc.message, exc.message)

            def _json(self, code: int, obj: Any, ctype: str = "application/json") -> None:
                data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _problem(self, code: int, gz: str, detail: str, title: str = "") -> None:
                self._json(
                    code,
                    {
                        "type": "about:blank",
                        "title": title or detail,
                        "status": code,
                        "detail": detail,
                        "code": gz,
                    },
                    "application/problem+json",
                )

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._serve(Handler, "gaozhi-event-ca")
        return self.url

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "not serving"
        return f"EmulatedEventCA(issued={self.issued}, {state})"


def _is_sm2(spki: bytes) -> bool:
    """Whether ``spki`` is an EC key on the SM2 curve (GB/T 32918, 1.2.156.10197.1.301)."""
    try:
        info = asn1_keys.PublicKeyInfo.load(spki)
        params = info["algorithm"]["parameters"]
        return bool(params.name == "named" and params.chosen.dotted == SM2_CURVE_OID)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def _csr_key(der: bytes, sm2_signer_id: str | None) -> Any:
    """The key a PKCS#10 CSR proves by its self-signature: a P-256 key (ECDSA, checked by
    ``cryptography``) or an SM2 key (SM2-with-SM3 under ``sm2_signer_id``, default
    ``1234567812345678``, checked by the registered SM2 verifier; returned as SPKI DER)."""
    try:
        req = asn1_csr.CertificationRequest.load(der)
        info = req["certification_request_info"]
        spki = info["subject_pk_info"].dump()
        tbs = info.dump()
        algorithm = req["signature_algorithm"]["algorithm"].dotted
        signature = bytes(req["signature"].native)
    except (ValueError, TypeError, KeyError):
        raise _no_proof("证书请求 (CSR) 无法解析") from None
    if _is_sm2(spki):
        if algorithm not in SM2_SIGNATURE_OIDS:
            raise _no_proof(f"SM2 证书请求须以 SM2-with-SM3 签名, 实为 {algorithm}")
        verifier = key_verifier_for(spki, sm2_signer_id)
        if isinstance(verifier, KeyRejected) or verifier.verify(signature, tbs) is None:
            raise _no_proof("证书请求 (CSR) 的签名无效")
        return spki
    try:
        csr = x509.load_der_x509_csr(der)
        key = csr.public_key()
        ok = csr.is_signature_valid
    except (ValueError, TypeError):
        raise _no_proof("证书请求 (CSR) 无法解析或密钥不受支持") from None
    if not ok:
        raise _no_proof("证书请求 (CSR) 的签名无效")
    return _p256(key)


def _no_proof(zh: str) -> SignatureError:
    return SignatureError(
        "GZ-SG-084", f"密钥持有证明无效: {zh}", message_en="no valid proof of possession"
    )


def _p256(key: Any) -> ec.EllipticCurvePublicKey:
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise _no_proof("本模拟 CA 只为 P-256 密钥签发证书")


def _request_from_json(body: Mapping[str, Any]) -> EventCertificateRequest:
    def raw(name: str) -> bytes | None:
        v = body.get(name)
        if v is None:
            return None
        try:
            return base64.b64decode(str(v), validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError(
                "GZ-SG-085", f"字段 {name} 须为 base64", message_en=f"{name} must be base64"
            ) from None

    try:
        return EventCertificateRequest(
            authentication_token=str(body.get("authenticationToken") or ""),
            csr=raw("csr"),
            public_key=raw("publicKey"),
            challenge_id=body.get("challengeId"),
            challenge_signature=raw("challengeSignature"),
            signature_format=body.get("signatureFormat") or "der",
            sm2_signer_id=body.get("sm2SignerId"),
        )
    except ValidationError as exc:
        raise SignatureError(
            "GZ-SG-085",
            "事件证书请求不合规",
            message_en=f"malformed certificate request: {exc.error_count()} errors",
        ) from None
