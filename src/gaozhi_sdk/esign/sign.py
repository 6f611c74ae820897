"""Signing documents into bundles (DESIGN §3, §4).

``sign(model, signer)`` takes the model's JCS bytes (:func:`gaozhi_sdk.canonical.model_bytes`,
the fast path that is byte-equal to RFC 8785 for JCS-safe models), signs the DSSE PAE
with the signer's key and returns a :class:`~gaozhi_sdk.esign.bundle.Bundle` carrying
the signer's certificate chain (or, for pinned keys, its public key).
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Sequence

from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel

from gaozhi_sdk.canonical import model_bytes
from gaozhi_sdk.errors import BundleFormatError, SignatureError
from gaozhi_sdk.esign._fast import trusted
from gaozhi_sdk.esign.bundle import (
    BUNDLE_MEDIA_TYPE,
    PAYLOAD_TYPE_PATTERN,
    Bundle,
    DsseEnvelope,
    DsseSignature,
    SignerMaterial,
    VerificationMaterial,
)
from gaozhi_sdk.esign.dsse import pae
from gaozhi_sdk.esign.keys import Signer, keyid_from_spki, spki_der
from gaozhi_sdk.esign.payload_types import model_for, parse_payload, payload_type_for
from gaozhi_sdk.esign.timestamps import TimestampAuthority, timestamp_bundle

__all__ = ["sign", "sign_many", "signer_material"]

_PAYLOAD_TYPE_MAX = 255
_PAYLOAD_TYPE_RE = re.compile(PAYLOAD_TYPE_PATTERN)
_checked_types: set[str] = set()

_material_cache: weakref.WeakKeyDictionary[Signer, SignerMaterial] = weakref.WeakKeyDictionary()


def signer_material(signer: Signer) -> SignerMaterial:
    """The bundle's verification material for ``signer`` (cached per signer object)."""
    try:
        found = _material_cache.get(signer)
    except TypeError:  # not weak-referenceable
        found = None
    if found is not None:
        return found
    chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in signer.certificate_chain)
    spki = spki_der(signer.public_key)
    if signer.keyid != keyid_from_spki(spki):
        raise SignatureError(
            "GZ-SG-003",
            f"签名者的公钥标识 {signer.keyid[:80]!r} 不是其公钥 SPKI 的 SHA-256",
            message_en="the signer's keyid is not the SHA-256 of its SubjectPublicKeyInfo",
        )
    signer_id = getattr(signer, "sm2_signer_id", None)
    material = SignerMaterial(
        keyid=signer.keyid,
        x509_certificate_chain=chain or None,
        public_key=None if chain else spki,
        sm2_signer_id=signer_id if isinstance(signer_id, str) else None,
    )
    with contextlib.suppress(TypeError):  # not weak-referenceable: no caching
        _material_cache[signer] = material
    return material


def _payload(model_or_bytes: BaseModel | bytes, payload_type: str | None) -> tuple[bytes, str]:
    if isinstance(model_or_bytes, BaseModel):
        registered = payload_type_for(type(model_or_bytes)) if payload_type is None else None
        ptype = payload_type or registered
        assert ptype is not None
        if payload_type is not None:
            bound = model_for(payload_type)
            if bound is not None and bound is not type(model_or_bytes):
                raise SignatureError(
                    "GZ-SG-004",
                    f"文档类型 {payload_type} 登记的模型是 {bound.__name__}, "
                    f"不是 {type(model_or_bytes).__name__}",
                    message_en=(
                        f"payload type {payload_type} is registered to {bound.__name__}, "
                        f"not {type(model_or_bytes).__name__}"
                    ),
                )
        return model_bytes(model_or_bytes), ptype
    if isinstance(model_or_bytes, bytes | bytearray):
        if not payload_type:
            raise SignatureError(
                "GZ-SG-004",
                "签署原始字节时必须指定 payload_type",
                message_en="payload_type is required when signing raw bytes",
            )
        body = bytes(model_or_bytes)
        try:
            parse_payload(payload_type, body)  # refuse what validation would reject
        except BundleFormatError as exc:
            raise SignatureError(
                "GZ-SG-004",
                f"待签字节不符合文档类型 {payload_type}: {exc.message}",
                message_en=f"bytes do not match payload type {payload_type}",
            ) from exc
        return body, payload_type
    raise SignatureError(
        "GZ-SG-004",
        f"只能签署 pydantic 模型或 bytes, 实际为 {type(model_or_bytes).__name__}",
        message_en=f"can only sign a pydantic model or bytes, got {type(model_or_bytes).__name__}",
    )


def _check_type(ptype: str) -> None:
    if ptype in _checked_types:
        return
    if _PAYLOAD_TYPE_RE.match(ptype) is None or len(ptype) > _PAYLOAD_TYPE_MAX:
        raise SignatureError(
            "GZ-SG-004",
            f"文档类型 {ptype[:80]!r} 无效 (须为不含空白的 ASCII 媒体类型)",
            message_en=f"invalid payload type {ptype[:80]!r}",
        )
    if len(_checked_types) < 1024:
        _checked_types.add(ptype)


def sign(
    model_or_bytes: BaseModel | bytes,
    signer: Signer,
    payload_type: str | None = None,
    *,
    tsa: TimestampAuthority | None = None,
) -> Bundle:
    """Sign a document and return its bundle.

    Args:
        model_or_bytes: a model of a registered payload type (its JCS bytes are signed),
            or raw bytes (then ``payload_type`` is required; bytes of a registered type
            must parse into its model).
        signer: the signer (:class:`~gaozhi_sdk.esign.keys.EcdsaP256Signer`,
            :class:`~gaozhi_sdk.esign.keys.Ed25519Signer`, a plugin's).
        payload_type: override/required payload type.
        tsa: a time-stamping authority; when given, the signature gets an RFC 3161 token
            over SHA-256 of its bytes (:func:`~gaozhi_sdk.esign.timestamps.timestamp_bundle`).

    Raises:
        SignatureError: ``GZ-SG-004`` (payload), ``GZ-SG-005`` (unregistered model),
            ``GZ-SG-060`` / ``GZ-SG-061`` (TSA).
    """
    body, ptype = _payload(model_or_bytes, payload_type)
    _check_type(ptype)
    sig = signer.sign(pae(ptype, body))
    bundle = _assemble(body, ptype, ((signer, sig),))
    return bundle if tsa is None else timestamp_bundle(bundle, tsa)


def sign_many(
    model_or_bytes: BaseModel | bytes,
    signers: Sequence[Signer],
    payload_type: str | None = None,
    *,
    tsa: TimestampAuthority | None = None,
) -> Bundle:
    """Sign a document with several signers (e.g. organ seal and applicant) into one bundle.

    Raises:
        SignatureError: ``GZ-SG-004`` also when no signer or a repeated key is given.
    """
    if not signers:
        raise SignatureError("GZ-SG-004", "至少需要一个签名者", message_en="no signer given")
    if len({s.keyid for s in signers}) != len(signers):
        raise SignatureError(
            "GZ-SG-004", "同一密钥不能重复签名", message_en="the same key was given twice"
        )
    body, ptype = _payload(model_or_bytes, payload_type)
    _check_type(ptype)
    signed = pae(ptype, body)
    bundle = _assemble(body, ptype, tuple((s, s.sign(signed)) for s in signers))
    return bundle if tsa is None else timestamp_bundle(bundle, tsa)


def _assemble(body: bytes, ptype: str, pairs: tuple[tuple[Signer, bytes], ...]) -> Bundle:
    # Every value here was produced by this module: build without re-validation (_fast).
    envelope = trusted(
        DsseEnvelope,
        {
            "payload_type": ptype,
            "payload": body,
            "signatures": tuple(
                trusted(DsseSignature, {"keyid": s.keyid, "sig": sig}) for s, sig in pairs
            ),
        },
    )
    material = trusted(
        VerificationMaterial,
        {"signers": tuple(signer_material(s) for s, _ in pairs), "revocation": None},
    )
    return trusted(
        Bundle,
        {
            "media_type": BUNDLE_MEDIA_TYPE,
            "dsse_envelope": envelope,
            "verification_material": material,
            "signing_method": None,
        },
    )
