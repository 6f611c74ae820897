"""An emulated real-name identity provider (tests and demos only; DESIGN §4a).

:class:`EmulatedIdentityProvider` plays 人脸识别 / 电子社保卡 / 短信验证码 / UKey: tests
script the outcome per person (:meth:`~EmulatedIdentityProvider.script`), and a success
yields a *signed authentication token* that :class:`~gaozhi_sdk.testing.EmulatedEventCA`
accepts once, before it expires.

Token format (the emulators' private convention, as a real provider and CA agree on
theirs): ``<base64url(JCS claims)>.<base64url(ECDSA P-256 SHA-256 DER signature)>``, with
claims ``iss`` (provider name), ``jti`` (token id), ``sub_type`` / ``sub`` (证件类型 /
号码), ``amr`` (method), ``acr`` (assurance level), ``txn``, ``iat`` / ``exp`` (epoch
seconds) and ``aud`` (``"event-ca"``).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk.authentication import (
    AuthenticationOutcome,
    AuthenticationRequest,
    AuthenticationResult,
    AuthenticationStart,
)
from gaozhi_sdk.canonical import canonical_bytes
from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.models.signing import AssuranceLevel, AuthenticationMethod

__all__ = ["EmulatedIdentityProvider", "TokenClaims", "verify_token"]

_ASSURANCE = {
    AuthenticationMethod.FACE_RECOGNITION: AssuranceLevel.SUBSTANTIAL,
    AuthenticationMethod.SOCIAL_SECURITY_CARD: AssuranceLevel.SUBSTANTIAL,
    AuthenticationMethod.SMS_CODE: AssuranceLevel.LOW,
    AuthenticationMethod.UKEY: AssuranceLevel.HIGH,
}


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    """The verified claims of an authentication token."""

    issuer: str
    token_id: str
    id_type: str
    id_number: str
    method: AuthenticationMethod
    assurance_level: AssuranceLevel
    transaction_id: str
    issued_at: datetime
    expires_at: datetime


def _bad_token(zh: str, en: str, code: str = "GZ-SG-080") -> SignatureError:
    return SignatureError(
        code, f"认证令牌无效: {zh}", message_en=f"invalid authentication token: {en}"
    )


def verify_token(
    token: str,
    issuers: Mapping[str, ec.EllipticCurvePublicKey],
    now: datetime,
) -> TokenClaims:
    """Check a token's signature against the trusted ``issuers`` (name → public key) and
    its validity at ``now``; returns its claims.

    Raises:
        SignatureError: ``GZ-SG-080`` (malformed, unknown issuer, bad signature, wrong
            audience), ``GZ-SG-081`` (expired or not yet valid).
    """
    try:
        body_b64, sig_b64 = token.split(".")
        body, sig = _unb64u(body_b64), _unb64u(sig_b64)
        claims = json.loads(body)
        if not isinstance(claims, dict):
            raise ValueError("claims")
        issuer = str(claims["iss"])
    except (ValueError, KeyError, TypeError):
        raise _bad_token("格式错误", "malformed") from None
    key = issuers.get(issuer)
    if key is None:
        raise _bad_token(f"签发方 {issuer!r} 不受信任", f"untrusted issuer {issuer!r}")
    try:
        key.verify(sig, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _bad_token("签名不正确 (令牌被改动或伪造)", "bad signature") from None
    try:
        out = TokenClaims(
            issuer=issuer,
            token_id=str(claims["jti"]),
            id_type=str(claims["sub_type"]),
            id_number=str(claims["sub"]),
            method=AuthenticationMethod(claims["amr"]),
            assurance_level=AssuranceLevel(claims["acr"]),
            transaction_id=str(claims["txn"]),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
        audience = claims["aud"]
    except (ValueError, KeyError, TypeError):
        raise _bad_token("缺少或错误的声明", "missing or bad claims") from None
    if audience != "event-ca":
        raise _bad_token("受众不是事件证书 CA", "audience is not the event CA")
    if not out.issued_at - timedelta(seconds=60) <= now <= out.expires_at:
        raise SignatureError(
            "GZ-SG-081",
            f"认证令牌已过期或尚未生效 (有效期至 {out.expires_at.isoformat()})",
            message_en=f"the authentication token expired at {out.expires_at.isoformat()}",
        )
    return out


@dataclass
class _Session:
    request: AuthenticationRequest
    expires_at: datetime
    code: str


class EmulatedIdentityProvider:
    """A scripted identity provider issuing signed authentication tokens.

    Args:
        name: the provider name (token issuer, recorded in authentication records).
        clock: where "now" comes from (e.g. a :class:`~gaozhi_sdk.testing.SimulatedClock`).
        session_ttl: how long an applicant has to finish (then ``TIMEOUT``).
        token_ttl: how long a token is valid for the CA.

    Example::

        idp = EmulatedIdentityProvider()
        idp.script("110105199001010022", AuthenticationOutcome.FACE_MISMATCH)
    """

    __test__ = False

    def __init__(
        self,
        name: str = "emulated-idp",
        *,
        clock: Callable[[], datetime] | None = None,
        session_ttl: timedelta = timedelta(minutes=3),
        token_ttl: timedelta = timedelta(minutes=5),
    ) -> None:
        self._name = name
        self._clock = clock
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._session_ttl = session_ttl
        self._token_ttl = token_ttl
        self._sessions: dict[str, _Session] = {}
        self._script: dict[str, AuthenticationOutcome] = {}
        self._lock = threading.Lock()
        self.tokens_issued = 0

    @property
    def name(self) -> str:
        """The provider name."""
        return self._name

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The key that verifies this provider's tokens (give it to the CA)."""
        return self._key.public_key()

    def _now(self) -> datetime:
        return (self._clock() if self._clock is not None else datetime.now(UTC)).astimezone(UTC)

    def script(self, id_number: str, outcome: AuthenticationOutcome) -> None:
        """Make every authentication of ``id_number`` end with ``outcome`` (until changed)."""
        with self._lock:
            self._script[id_number] = outcome

    def start(self, request: AuthenticationRequest) -> AuthenticationStart:
        """Open a session; the SMS method's code is in ``instructions`` (emulator only)."""
        sid = "IDP-" + secrets.token_hex(12)
        code = f"{secrets.randbelow(10**6):06d}"
        expires = self._now() + self._session_ttl
        with self._lock:
            self._sessions[sid] = _Session(request, expires, code)
        hint = {
            AuthenticationMethod.FACE_RECOGNITION: "请在手机上完成人脸识别",
            AuthenticationMethod.SOCIAL_SECURITY_CARD: "请在电子社保卡中确认",
            AuthenticationMethod.SMS_CODE: f"验证码已发送 (模拟器: {code})",
            AuthenticationMethod.UKEY: "请插入 UKey 并输入 PIN",
        }[request.method]
        return AuthenticationStart(
            provider_session_id=sid, method=request.method, expires_at=expires, instructions=hint
        )

    def sms_code(self, provider_session_id: str) -> str:
        """The code "sent" for an SMS session (what the applicant would type)."""
        return self._sessions[provider_session_id].code

    def finish(self, provider_session_id: str, response: Mapping[str, str]) -> AuthenticationResult:
        """End a session: the scripted outcome, TIMEOUT after ``session_ttl``,
        WRONG_CODE for a wrong SMS code, else SUCCESS with a signed token."""
        with self._lock:
            sess = self._sessions.pop(provider_session_id, None)
        req = sess.request if sess is not None else None
        method = req.method if req is not None else AuthenticationMethod.FACE_RECOGNITION
        now = self._now()

        def failed(outcome: AuthenticationOutcome, message: str) -> AuthenticationResult:
            return AuthenticationResult(
                outcome=outcome, provider=self._name, method=method, message=message
            )

        if sess is None or req is None:
            return failed(AuthenticationOutcome.TIMEOUT, "认证会话不存在或已结束")
        if now > sess.expires_at:
            return failed(AuthenticationOutcome.TIMEOUT, "认证超时")
        scripted = self._script.get(req.id_number)
        if scripted is not None and scripted is not AuthenticationOutcome.SUCCESS:
            return failed(scripted, f"认证未通过: {scripted.value}")
        if method is AuthenticationMethod.SMS_CODE and response.get("code") != sess.code:
            return failed(AuthenticationOutcome.WRONG_CODE, "验证码错误")
        txn = "TXN-" + secrets.token_hex(8)
        level = _ASSURANCE[method]
        claims: dict[str, Any] = {
            "iss": self._name,
            "jti": secrets.token_hex(16),
            "sub_type": req.id_type.value,
            "sub": req.id_number,
            "amr": method.value,
            "acr": level.value,
            "txn": txn,
            "iat": int(now.timestamp()),
            "exp": int((now + self._token_ttl).timestamp()),
            "aud": "event-ca",
        }
        body = canonical_bytes(claims)
        sig = self._key.sign(body, ec.ECDSA(hashes.SHA256()))
        self.tokens_issued += 1
        return AuthenticationResult(
            outcome=AuthenticationOutcome.SUCCESS,
            provider=self._name,
            method=method,
            transaction_id=txn,
            assurance_level=level,
            authenticated_at=now.replace(microsecond=0),
            id_type=req.id_type,
            id_number=req.id_number,
            token=f"{_b64u(body)}.{_b64u(sig)}",
            message="认证通过",
        )

    def __repr__(self) -> str:
        return f"EmulatedIdentityProvider({self._name!r})"
