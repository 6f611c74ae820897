"""签名证据包 (bundle) format, version 1 — the interoperability contract of DESIGN §4.

The pydantic models mirror the bundle JSON field by field (camelCase aliases) and reject
unknown fields everywhere (``extra="forbid"``). :meth:`Bundle.from_json` is strict:
invalid JSON, duplicate keys, non-canonical base64, unknown or missing fields and a
``mediaType`` other than ``application/vnd.gaozhi.bundle+json;version=1`` all raise
:class:`~gaozhi_sdk.errors.BundleFormatError` (``GZ-SG-1xx``) with a Chinese message.
:meth:`Bundle.to_json` is deterministic (sorted keys, compact, absent optional fields
omitted), so ``Bundle.from_json(b).to_json() == b`` for every bundle this SDK writes.

Error codes:

=============  =========================================================
``GZ-SG-101``  not valid JSON / not UTF-8 / too large / nesting too deep
``GZ-SG-102``  duplicate key in a JSON object
``GZ-SG-103``  not a gaozhi bundle (top level not an object, no ``mediaType``)
``GZ-SG-104``  bundle format version not supported by this SDK
``GZ-SG-105``  schema violation (unknown, missing or wrongly typed field)
``GZ-SG-106``  invalid base64 (standard alphabet, padded, canonical)
``GZ-SG-107``  inconsistent structure (duplicate keyids, chain *and* publicKey …)
=============  =========================================================
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import cached_property
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictStr,
    ValidationError,
    model_validator,
)

from gaozhi_sdk.errors import BundleFormatError
from gaozhi_sdk.esign.dsse import pae
from gaozhi_sdk.models.signing import SigningMethod

__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "MAX_BUNDLE_BYTES",
    "PAYLOAD_TYPE_PATTERN",
    "Bundle",
    "DsseEnvelope",
    "DsseSignature",
    "Revocation",
    "SignerMaterial",
    "SigningEvidence",
    "VerificationMaterial",
    "b64decode_strict",
    "b64encode",
]

#: The only bundle media type this SDK reads and writes.
BUNDLE_MEDIA_TYPE: Final = "application/vnd.gaozhi.bundle+json;version=1"
_BUNDLE_TYPE_PREFIX = "application/vnd.gaozhi.bundle+json"
_VERSION_RE = re.compile(r"^application/vnd\.gaozhi\.bundle\+json\s*;\s*version=(\S+)$")

#: Upper bound on the size of a serialised bundle (DoS guard for auditors' tools).
MAX_BUNDLE_BYTES = 64 * 1024 * 1024

_MAX_CHAIN = 8
_MAX_SIGNATURES = 64

_KEYID_PATTERN = r"^[0-9a-f]{64}$"
# Payload types are ASCII media types such as application/vnd.gaozhi.pledge+json;version=1.
PAYLOAD_TYPE_PATTERN = r"^[A-Za-z0-9][!-~]*/[!-~]+$"


def b64encode(data: bytes) -> str:
    """Standard, padded base64 (RFC 4648 §4) as ``str``."""
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(value: str, *, field: str = "base64") -> bytes:
    """Decode standard padded base64, rejecting any other form.

    Only the canonical encoding is accepted (re-encoding must give the same text), so
    one byte string has exactly one representation in a bundle.

    Raises:
        BundleFormatError: ``GZ-SG-106``.
    """
    try:
        return _decode_b64(value)
    except ValueError as exc:
        raise _bad_b64(field) from exc


def _bad_b64(field: str) -> BundleFormatError:
    return BundleFormatError(
        "GZ-SG-106",
        f"字段 {field} 不是规范的标准 base64 编码 (RFC 4648, 带填充)",
        message_en=f"field {field} is not canonical standard padded base64",
        details={"field": field},
    )


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_INDEX = {c: i for i, c in enumerate(_B64_ALPHABET)}


def _canonical_tail(value: str) -> bool:
    """After a strict decode: the unused bits before the padding must be zero."""
    if value.endswith("=="):
        return _B64_INDEX[value[-3]] & 0x0F == 0
    if value.endswith("="):
        return _B64_INDEX[value[-2]] & 0x03 == 0
    return True


def _decode_b64(value: object) -> bytes:
    if isinstance(value, bytes):  # already decoded (built in Python, e.g. by sign())
        return value
    if not isinstance(value, str):
        raise ValueError("base64 text expected")
    try:
        raw = binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64") from exc
    if len(value) != (len(raw) + 2) // 3 * 4 or not _canonical_tail(value):
        raise ValueError("non-canonical base64")
    return raw


def _encode_b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


#: Bytes carried as standard padded base64 in JSON; decoded once, on parse.
B64 = Annotated[
    bytes,
    BeforeValidator(_decode_b64),
    PlainSerializer(_encode_b64, return_type=str, when_used="json"),
]
KeyId = Annotated[StrictStr, Field(pattern=_KEYID_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        serialize_by_alias=True,
    )


class DsseSignature(_Strict):
    """One DSSE signature: the signer's keyid and the signature bytes (base64)."""

    keyid: KeyId
    sig: B64 = Field(description="signature bytes (DER for ECDSA/SM2, raw 64 bytes for Ed25519)")


class DsseEnvelope(_Strict):
    """The DSSE envelope: payload type, base64 payload and signatures."""

    payload_type: StrictStr = Field(
        alias="payloadType", min_length=3, max_length=255, pattern=PAYLOAD_TYPE_PATTERN
    )
    payload: B64
    signatures: tuple[DsseSignature, ...] = Field(min_length=1, max_length=_MAX_SIGNATURES)


class SignerMaterial(_Strict):
    """Verification material of one signer (exactly one of chain or publicKey)."""

    keyid: KeyId
    x509_certificate_chain: tuple[B64, ...] | None = Field(
        default=None, alias="x509CertificateChain", min_length=1, max_length=_MAX_CHAIN
    )
    public_key: B64 | None = Field(default=None, alias="publicKey")
    sm2_signer_id: StrictStr | None = Field(
        default=None, alias="sm2SignerId", min_length=1, max_length=1024, pattern=r"^[!-~]+$"
    )
    timestamps: tuple[B64, ...] | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        if (self.x509_certificate_chain is None) == (self.public_key is None):
            raise ValueError("signer must carry exactly one of x509CertificateChain or publicKey")
        return self

    @property
    def chain_der(self) -> tuple[bytes, ...]:
        """The certificate chain as DER (leaf first); empty for pinned keys."""
        return self.x509_certificate_chain or ()


class Revocation(_Strict):
    """Revocation data carried for offline auditors (evaluated in a later version)."""

    crls: tuple[B64, ...] | None = None
    ocsp_responses: tuple[B64, ...] | None = Field(default=None, alias="ocspResponses")


class VerificationMaterial(_Strict):
    """Everything an auditor needs offline besides the trust anchors."""

    signers: tuple[SignerMaterial, ...] = Field(min_length=1, max_length=_MAX_SIGNATURES)
    revocation: Revocation | None = None


_MAX_EVIDENCE = 4


class SigningEvidence(_Strict):
    """How a pledge was signed and the signed evidence of it (DESIGN §4a).

    ``method`` is a *claim*: a verifier accepts it only with the evidence the method
    needs (:mod:`gaozhi_sdk.esign.methods`), so changing it breaks validation. Each
    evidence item is a complete bundle of its own payload type (an authentication record,
    a window attestation), bound to the pledge by the SHA-256 of the pledge payload; it
    may not carry evidence of its own.
    """

    method: SigningMethod
    evidence: tuple[Bundle, ...] = Field(default=(), max_length=_MAX_EVIDENCE)

    @model_validator(mode="after")
    def _flat(self) -> Self:
        if any(e.signing_method is not None for e in self.evidence):
            raise ValueError("evidence bundles may not carry signingMethod themselves")
        return self


class Bundle(_Strict):
    """A signed gaozhi bundle, format version 1 (DESIGN §4).

    Use :meth:`from_json` to read one and :meth:`to_json` to write one. The signed bytes
    are :attr:`pae`; the document bytes are :attr:`payload`. ``signingMethod`` (optional,
    pledges only, DESIGN §4a) records how the pledge was signed; without it a pledge reads
    as ``CERTIFICATE``.
    """

    media_type: Literal["application/vnd.gaozhi.bundle+json;version=1"] = Field(
        default=BUNDLE_MEDIA_TYPE, alias="mediaType"
    )
    dsse_envelope: DsseEnvelope = Field(alias="dsseEnvelope")
    verification_material: VerificationMaterial = Field(alias="verificationMaterial")
    signing_method: SigningEvidence | None = Field(default=None, alias="signingMethod")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        sig_ids = [s.keyid for s in self.dsse_envelope.signatures]
        if len(set(sig_ids)) != len(sig_ids):
            raise ValueError("duplicate keyid in dsseEnvelope.signatures")
        signer_ids = [s.keyid for s in self.verification_material.signers]
        if len(set(signer_ids)) != len(signer_ids):
            raise ValueError("duplicate keyid in verificationMaterial.signers")
        return self

    # -- derived values -------------------------------------------------------------

    @property
    def payload_type(self) -> str:
        """The DSSE payload type, e.g. ``application/vnd.gaozhi.pledge+json;version=1``."""
        return self.dsse_envelope.payload_type

    @property
    def payload(self) -> bytes:
        """The decoded payload (the JCS bytes of the signed document)."""
        return self.dsse_envelope.payload

    @cached_property
    def pae(self) -> bytes:
        """The signed bytes — DSSE PAE of payload type and payload."""
        return pae(self.dsse_envelope.payload_type, self.payload)

    def signer(self, keyid: str) -> SignerMaterial | None:
        """The verification material for ``keyid``, if the bundle carries one."""
        for s in self.verification_material.signers:
            if s.keyid == keyid:
                return s
        return None

    @property
    def method(self) -> SigningMethod:
        """The signing method the bundle claims (``CERTIFICATE`` when it records none)."""
        return (
            SigningMethod.CERTIFICATE if self.signing_method is None else self.signing_method.method
        )

    def with_signing_method(
        self, method: SigningMethod, evidence: tuple[Bundle, ...] = ()
    ) -> Bundle:
        """A copy recording ``method`` and its evidence bundles (unsigned envelope field)."""
        return self.model_copy(
            update={"signing_method": SigningEvidence(method=method, evidence=evidence)}
        )

    # -- (de)serialisation ----------------------------------------------------------

    @classmethod
    def from_json(cls, data: bytes | str) -> Bundle:
        """Parse a bundle strictly.

        Raises:
            BundleFormatError: ``GZ-SG-101`` … ``GZ-SG-107`` (see the module docstring).
        """
        obj = _loads_strict(data)
        if not isinstance(obj, dict):
            raise BundleFormatError(
                "GZ-SG-103",
                "不是 gaozhi 签名证据包: 顶层须为 JSON 对象",
                message_en="not a gaozhi bundle: the top level must be a JSON object",
            )
        _check_media_type(obj.get("mediaType"))
        try:
            return cls.model_validate(obj)
        except ValidationError as exc:
            raise _schema_error(exc) from None

    def to_json(self, *, indent: int | None = None) -> bytes:
        """Deterministic JSON: sorted keys, absent optional fields omitted, UTF-8."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        if indent is None:
            text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        else:
            text = json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False)
        return text.encode("utf-8")


# -- strict JSON ------------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKeyError(k)
            seen.add(k)
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _loads_strict(data: bytes | str) -> Any:
    if isinstance(data, str | bytes | bytearray | memoryview):
        size = len(data)
    else:
        raise BundleFormatError(
            "GZ-SG-101",
            f"证据包须为 bytes 或 str, 实际为 {type(data).__name__}",
            message_en=f"a bundle must be bytes or str, got {type(data).__name__}",
        )
    if size > MAX_BUNDLE_BYTES:
        raise BundleFormatError(
            "GZ-SG-101",
            f"证据包过大 ({size} 字节, 上限 {MAX_BUNDLE_BYTES})",
            message_en=f"bundle too large ({size} bytes, limit {MAX_BUNDLE_BYTES})",
        )
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _DuplicateKeyError as exc:
        key = exc.key if len(exc.key) <= 64 else exc.key[:64] + "…"
        raise BundleFormatError(
            "GZ-SG-102",
            f"证据包 JSON 含重复的键 {key!r}; 重复键可能使不同工具读出不同内容, 一律拒绝",
            message_en=f"duplicate key {key!r} in bundle JSON",
            details={"key": key},
        ) from None
    except UnicodeDecodeError:
        raise BundleFormatError(
            "GZ-SG-101",
            "证据包不是合法的 UTF-8 文本",
            message_en="bundle is not valid UTF-8",
        ) from None
    except RecursionError:
        raise BundleFormatError(
            "GZ-SG-101", "证据包 JSON 嵌套过深", message_en="bundle JSON nested too deeply"
        ) from None
    except ValueError as exc:
        raise BundleFormatError(
            "GZ-SG-101",
            f"证据包不是合法的 JSON: {exc}",
            message_en=f"bundle is not valid JSON: {exc}",
        ) from None


def _check_media_type(value: Any) -> None:
    if value == BUNDLE_MEDIA_TYPE:
        return
    if isinstance(value, str):
        m = _VERSION_RE.match(value.strip())
        if m is not None:
            version = m.group(1)[:32]
            raise BundleFormatError(
                "GZ-SG-104",
                f"证据包格式版本为 {version}, 本 SDK 只支持版本 1; "
                f"请使用支持证据包格式版本 {version} 的 gaozhi-sdk 验证",
                message_en=(
                    f"bundle format version {version} is not supported (this SDK reads "
                    f"version 1); use a gaozhi-sdk release that supports version {version}"
                ),
                details={"required_version": version, "supported_versions": ["1"]},
            )
        if value.startswith(_BUNDLE_TYPE_PREFIX):
            raise BundleFormatError(
                "GZ-SG-104",
                f"证据包 mediaType {value[:80]!r} 缺少或写错版本号, 须为 {BUNDLE_MEDIA_TYPE!r}",
                message_en=f"bundle mediaType {value[:80]!r} has no valid version",
            )
    raise BundleFormatError(
        "GZ-SG-103",
        f"不是 gaozhi 签名证据包: mediaType 须为 {BUNDLE_MEDIA_TYPE!r}",
        message_en=f"not a gaozhi bundle: mediaType must be {BUNDLE_MEDIA_TYPE!r}",
    )


_ERROR_ZH = {
    "extra_forbidden": "未知字段 (不允许)",
    "missing": "缺少必填字段",
    "string_type": "须为字符串",
    "tuple_type": "须为数组",
    "model_type": "须为对象",
    "dict_type": "须为对象",
    "string_pattern_mismatch": "格式不符",
    "string_too_short": "过短",
    "string_too_long": "过长",
    "too_short": "元素过少",
    "too_long": "元素过多",
    "literal_error": "取值不允许",
    "value_error": "取值无效",
}


def _schema_error(exc: ValidationError) -> BundleFormatError:
    problems_zh: list[str] = []
    problems_en: list[str] = []
    is_b64 = False
    for err in exc.errors(include_input=False, include_url=False)[:10]:
        loc = ".".join(str(p) for p in err["loc"]) or "(顶层)"
        kind = err["type"]
        msg = err.get("msg", "")
        if "base64" in msg:
            is_b64 = True
            problems_zh.append(f"{loc}: 不是规范的标准 base64")
        else:
            problems_zh.append(f"{loc}: {_ERROR_ZH.get(kind, kind)}")
        problems_en.append(f"{loc}: {msg}")
    if is_b64:
        code = "GZ-SG-106"
    elif any("exactly one of" in p or "duplicate keyid" in p for p in problems_en):
        code = "GZ-SG-107"
    else:
        code = "GZ-SG-105"
    return BundleFormatError(
        code,
        "证据包结构不符合格式版本 1: " + "; ".join(problems_zh),
        message_en="bundle does not match format version 1: " + "; ".join(problems_en),
        details={"problems": problems_en},
    )


SigningEvidence.model_rebuild()
