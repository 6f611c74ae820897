"""签署方式 (signing methods) and their evidence documents (DESIGN §4a, R-035).

A pledge bundle records *how* the applicant signed (:class:`SigningMethod`). The methods
that do not rest on the applicant's own certificate bring evidence, each a signed document
of its own payload type, bound to the pledge by the SHA-256 of the pledge's payload bytes:

* :class:`AuthenticationRecord` (``authentication-record``) — the real-name
  authentication a platform performed (method, provider, transaction id, time, assurance
  level, the subject's *keyed digest*, never the raw identifier), sealed by that platform;
* :class:`WindowAttestation` (``window-attestation``) — the window clerk's attestation of
  a handwritten signature (signature-pad image or scanned paper pledge, bound by its
  SHA-256; the image itself is stored beside the bundle), sealed by the organ.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from gaozhi_sdk.models._base import GaozhiModel

__all__ = [
    "METHOD_STRENGTH",
    "AssuranceLevel",
    "AuthenticationMethod",
    "AuthenticationRecord",
    "HandwritingKind",
    "SigningMethod",
    "WindowAttestation",
]

_HEX64 = r"^[0-9a-f]{64}$"
#: A keyed digest as :func:`gaozhi_sdk.ids.keyed_digest` writes it (``key id:hex``), or bare hex.
_KEYED_DIGEST = r"^([A-Za-z0-9_-]{1,32}:)?[0-9a-f]{64}$"


class SigningMethod(StrEnum):
    """How a pledge was signed (DESIGN §4a); version 1 bundles without evidence are
    ``CERTIFICATE``.

    Ordered by strength (:data:`METHOD_STRENGTH`): ``CERTIFICATE`` > ``EVENT_CERTIFICATE``
    > ``WINDOW_HANDWRITTEN`` > ``PLATFORM_ATTESTED``.
    """

    CERTIFICATE = "CERTIFICATE"  # 申请人自有证书 (UKey 等)
    EVENT_CERTIFICATE = "EVENT_CERTIFICATE"  # 实名认证后签发的事件证书 (密钥在申请人设备上)
    PLATFORM_ATTESTED = "PLATFORM_ATTESTED"  # 平台以印章证明实名认证并确认
    WINDOW_HANDWRITTEN = "WINDOW_HANDWRITTEN"  # 窗口手写签名, 受理人员见证, 机关盖章

    def __repr__(self) -> str:
        """``SigningMethod.CERTIFICATE``: readable (and resolvable) in rendered defaults."""
        return f"{type(self).__name__}.{self.name}"

    @property
    def strength(self) -> int:
        """Rank for minimum-method rules (higher is stronger)."""
        return METHOD_STRENGTH[self]

    def at_least(self, minimum: SigningMethod) -> bool:
        """True when this method satisfies a configured ``minimum``."""
        return self.strength >= minimum.strength


#: Strength order used by configured minimums: a reliable electronic signature made with
#: signature-creation data under the applicant's sole control (电子签名法 第十三条) ranks
#: above a witnessed handwritten signature recorded by the organ, which ranks above a
#: platform's attestation that the applicant authenticated (no signature by the applicant).
METHOD_STRENGTH: dict[SigningMethod, int] = {
    SigningMethod.CERTIFICATE: 4,
    SigningMethod.EVENT_CERTIFICATE: 3,
    SigningMethod.WINDOW_HANDWRITTEN: 2,
    SigningMethod.PLATFORM_ATTESTED: 1,
}


class AuthenticationMethod(StrEnum):
    """实名认证方式."""

    FACE_RECOGNITION = "FACE_RECOGNITION"  # 人脸识别
    SOCIAL_SECURITY_CARD = "SOCIAL_SECURITY_CARD"  # 电子社保卡
    SMS_CODE = "SMS_CODE"  # 短信验证码
    UKEY = "UKEY"  # UKey (数字证书介质)

    @property
    def label_zh(self) -> str:
        """The Chinese name shown in reports."""
        return _AUTH_LABELS[self]


_AUTH_LABELS = {
    AuthenticationMethod.FACE_RECOGNITION: "人脸识别",
    AuthenticationMethod.SOCIAL_SECURITY_CARD: "电子社保卡",
    AuthenticationMethod.SMS_CODE: "短信验证码",
    AuthenticationMethod.UKEY: "UKey",
}


class AssuranceLevel(StrEnum):
    """Identity assurance level of an authentication (after eIDAS LoA / NIST IAL)."""

    LOW = "LOW"
    SUBSTANTIAL = "SUBSTANTIAL"
    HIGH = "HIGH"


class AuthenticationRecord(GaozhiModel):
    """实名认证记录: sealed by the platform that authenticated the applicant (DESIGN §4a).

    Bound to one pledge (``pledge_sha256``: SHA-256 of the pledge payload bytes) and to
    one person (``subject_digest``: the deployment's keyed digest of the identifier —
    never the identifier itself, R-091).
    """

    record_id: str = Field(min_length=1, max_length=128, description="认证记录编号")
    pledge_sha256: str = Field(pattern=_HEX64, description="所确认的承诺书内容 SHA-256")
    subject_digest: str = Field(
        pattern=_KEYED_DIGEST, description="被认证人证件号码的部署密钥摘要 (不含原号码)"
    )
    method: AuthenticationMethod = Field(description="认证方式")
    provider: str = Field(min_length=1, max_length=128, description="认证服务提供方")
    transaction_id: str = Field(min_length=1, max_length=128, description="认证交易流水号")
    authenticated_at: AwareDatetime = Field(description="认证完成时间")
    assurance_level: AssuranceLevel = Field(description="身份保证等级")
    platform_uscc: str = Field(min_length=18, max_length=18, description="作证平台统一社会信用代码")


class HandwritingKind(StrEnum):
    """What the window clerk captured."""

    SIGNATURE_PAD = "SIGNATURE_PAD"  # 签字板图像
    SCANNED_PAPER = "SCANNED_PAPER"  # 纸质承诺书扫描件


class WindowAttestation(GaozhiModel):
    """窗口见证: the clerk's attestation of a handwritten pledge, sealed by the organ.

    The image (signature pad capture or scan of the signed paper pledge) is stored beside
    the bundle and bound here by its SHA-256.
    """

    attestation_id: str = Field(min_length=1, max_length=128, description="见证记录编号")
    pledge_sha256: str = Field(pattern=_HEX64, description="所见证的承诺书内容 SHA-256")
    subject_digest: str = Field(
        pattern=_KEYED_DIGEST, description="签名人证件号码的部署密钥摘要 (不含原号码)"
    )
    organ_uscc: str = Field(min_length=18, max_length=18, description="受理机关统一社会信用代码")
    clerk_id: str = Field(min_length=1, max_length=64, description="受理人员工号")
    identity_document: str = Field(
        default="居民身份证原件", max_length=64, description="核验身份所凭证件"
    )
    kind: HandwritingKind = Field(description="手写签名载体")
    image_sha256: str = Field(pattern=_HEX64, description="签名图像或扫描件的 SHA-256")
    image_media_type: str = Field(
        pattern=r"^(image/(png|jpeg|svg\+xml)|application/pdf)$", description="图像类型"
    )
    attested_at: AwareDatetime = Field(description="见证时间")
