"""实名认证与事件证书 (real-name authentication and event certificates): the seams
(DESIGN §4a, R-035).

Two services outside the SDK take part when an applicant without a certificate signs:

* an **identity provider** (:class:`IdentityProvider`) — face recognition, 电子社保卡,
  SMS code or UKey — that authenticates the applicant and returns an *authentication
  token* (opaque to the SDK; signed by the provider for the CA to check);
* an **event-certificate CA** (:class:`EventCertificateAuthority`) that, on a valid,
  unexpired, unused token, issues a short-lived certificate (typically 10 minutes) to a
  key made on the applicant's own device, proven by a CSR or by a signature over the CA's
  challenge (proof of possession). The certificate names the authenticated identity in a
  field :mod:`gaozhi_sdk.esign.identity` reads.

Plugins offer them through the hooks ``gaozhi_identity_provider`` and
``gaozhi_event_certificate_authority``; :class:`gaozhi_sdk.PledgeService` takes them as
``identity_provider=`` / ``event_ca=``. Emulators for tests:
:class:`gaozhi_sdk.testing.EmulatedIdentityProvider`,
:class:`gaozhi_sdk.testing.EmulatedEventCA`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gaozhi_sdk.models.enums import IdType
from gaozhi_sdk.models.signing import AssuranceLevel, AuthenticationMethod

__all__ = [
    "AuthenticationOutcome",
    "AuthenticationRequest",
    "AuthenticationResult",
    "AuthenticationStart",
    "CaChallenge",
    "EventCertificateAuthority",
    "EventCertificateRequest",
    "IdentityProvider",
    "IssuedEventCertificate",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class AuthenticationOutcome(StrEnum):
    """How an authentication ended."""

    SUCCESS = "SUCCESS"
    FACE_MISMATCH = "FACE_MISMATCH"  # 人脸比对不一致
    WRONG_CODE = "WRONG_CODE"  # 验证码错误
    TIMEOUT = "TIMEOUT"  # 超时未完成
    CANCELLED = "CANCELLED"  # 申请人取消
    PROVIDER_ERROR = "PROVIDER_ERROR"  # 认证服务故障


class AuthenticationRequest(_Frozen):
    """Whom to authenticate, and how (sent to the identity provider)."""

    id_type: IdType = Field(description="证件类型")
    id_number: str = Field(min_length=1, description="证件号码 (只发给认证服务, 不写入台账)")
    method: AuthenticationMethod = Field(description="认证方式")
    reference: str = Field(min_length=1, max_length=128, description="调用方业务流水 (如办件号)")


class AuthenticationStart(_Frozen):
    """The provider's answer to a start: its session and what the applicant does next."""

    provider_session_id: str = Field(min_length=1, max_length=256)
    method: AuthenticationMethod
    expires_at: AwareDatetime
    instructions: str = Field(default="", description="给申请人的提示 (如: 请在手机上完成人脸识别)")
    redirect_url: str | None = Field(default=None, description="认证页面地址 (如有)")


class AuthenticationResult(_Frozen):
    """The outcome of an authentication; ``token`` only on SUCCESS."""

    outcome: AuthenticationOutcome
    provider: str = Field(min_length=1, max_length=128)
    method: AuthenticationMethod
    transaction_id: str = Field(default="", max_length=128, description="认证交易流水号")
    assurance_level: AssuranceLevel | None = None
    authenticated_at: AwareDatetime | None = None
    id_type: IdType | None = Field(default=None, description="认证所得证件类型")
    id_number: str | None = Field(default=None, description="认证所得证件号码 (不写入台账)")
    token: str | None = Field(
        default=None, max_length=16384, description="认证令牌 (交给事件证书 CA; 对 SDK 不透明)"
    )
    message: str = Field(default="", description="说明")


@runtime_checkable
class IdentityProvider(Protocol):
    """A real-name authentication service (人脸识别、电子社保卡、短信验证码、UKey)."""

    @property
    def name(self) -> str:
        """The provider's name, recorded in authentication records."""

    def start(self, request: AuthenticationRequest) -> AuthenticationStart:
        """Begin authenticating ``request``'s person; never blocks on the person."""

    def finish(self, provider_session_id: str, response: Mapping[str, str]) -> AuthenticationResult:
        """Finish a session with what the applicant's device returned (provider-specific
        fields, e.g. ``{"code": "123456"}``); a failure is a result, not an exception."""


class CaChallenge(_Frozen):
    """A CA challenge for proof of possession: the device signs ``challenge`` (base64
    of the exact bytes) with the key to be certified."""

    challenge_id: str = Field(min_length=1, max_length=128)
    challenge: str = Field(description="待签字节 (base64)")
    expires_at: AwareDatetime


class EventCertificateRequest(_Frozen):
    """What the CA needs: the authentication token and the key, proven either by a CSR
    or by a signature over a challenge."""

    authentication_token: str = Field(min_length=1, max_length=16384)
    csr: bytes | None = Field(default=None, description="PKCS#10 证书请求 (DER)")
    public_key: bytes | None = Field(default=None, description="SubjectPublicKeyInfo (DER)")
    challenge_id: str | None = None
    challenge_signature: bytes | None = None
    signature_format: Literal["der", "raw"] = Field(
        default="der", description="der (ECDSA/SM2 DER) 或 raw (r‖s, 如 WebCrypto)"
    )
    sm2_signer_id: str | None = Field(
        default=None, description="SM2 签名者 ID (默认 1234567812345678)"
    )


class IssuedEventCertificate(_Frozen):
    """An issued event certificate and its chain (DER, leaf first)."""

    certificate_chain: tuple[bytes, ...] = Field(min_length=1, max_length=5)
    not_before: datetime
    not_after: datetime
    serial_number: str


@runtime_checkable
class EventCertificateAuthority(Protocol):
    """A CA issuing short-lived event certificates after real-name authentication."""

    def challenge(self) -> CaChallenge:
        """A fresh, single-use challenge for proof of possession."""

    def issue(self, request: EventCertificateRequest) -> IssuedEventCertificate:
        """Issue a certificate; raises :class:`~gaozhi_sdk.errors.SignatureError`
        (``GZ-SG-08x``) when the token, the challenge or the proof is not valid."""
