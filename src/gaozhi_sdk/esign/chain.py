"""证书链验证 for document-signing certificates (SIGNING §3.1), with a result cache.

Chains are built and validated by ``cryptography.x509.verification`` at the validation
time, against the verifier's :class:`~gaozhi_sdk.esign.trust.TrustStore`, with a
document-signing extension policy:

* end entity: KeyUsage **required**, with digitalSignature or nonRepudiation
  (contentCommitment); ExtendedKeyUsage **optional**, but when present it must contain
  id-kp-documentSigning (``1.3.6.1.5.5.7.3.36``, RFC 9336) or anyExtendedKeyUsage —
  decision: many Chinese CA signing certificates carry no EKU at all, while a TLS-only
  certificate (serverAuth/clientAuth) must not sign documents; BasicConstraints, if
  present, must say ``CA:FALSE``; unknown critical extensions are refused.
* CAs: ``ExtensionPolicy.webpki_defaults_ca()`` (BasicConstraints CA, keyCertSign, …).

Results are cached per (chain DER digest, trust-store digest) together with the chain's
validity window, so validating many bundles from the same seal is cheap; a later
validation time is checked against the stored window (outside it the chain is validated
afresh). Failures are never cached.

Keys ``cryptography`` cannot validate (SM2 certificates are refused as "Forbidden public key
algorithm", SIGNING §3.1) go to a :class:`ChainValidator` registered per curve with
:func:`register_chain_validator` — e.g. the SM2 plugin's pyhanko-certvalidator one. Such a
validator only runs when the leaf key is one cryptography cannot load; P-256/RSA chains
never reach it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    VerificationError,
)

from gaozhi_sdk.esign.keys import load_verifier_plugins, spki_der
from gaozhi_sdk.esign.report import SubIndication
from gaozhi_sdk.esign.trust import TrustStore
from gaozhi_sdk.ids import mask_pii

__all__ = [
    "ID_KP_DOCUMENT_SIGNING",
    "ChainOutcome",
    "ChainValidator",
    "ParsedChain",
    "clear_chain_cache",
    "masked_subject",
    "parse_chain",
    "register_chain_validator",
    "unregister_chain_validator",
    "validate_chain",
    "validate_registered_chain",
]

#: id-kp-documentSigning (RFC 9336).
ID_KP_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE

_CACHE_MAX = 4096
_lock = threading.Lock()
_parsed_cache: dict[bytes, ParsedChain] = {}
_valid_cache: dict[tuple[bytes, str], tuple[datetime, datetime, ChainOutcome]] = {}


def masked_subject(name: x509.Name) -> str:
    """RFC 4514 subject with personal identifiers masked: full resident IDs (18/15 digits)
    and 个体工商户 USCCs (92…) never appear in reports (the one scanner, ``ids.mask_pii``)."""
    return mask_pii(name.rfc4514_string(), ("resident_id", "sole_trader_uscc"))


def _fp(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class ParsedChain:
    """A parsed bundle chain (leaf first) and the time-independent facts about it."""

    certs: tuple[x509.Certificate, ...]
    digest: bytes  # length-prefixed SHA-256 over the DER chain (cache key)
    leaf_spki: bytes | None
    leaf_subject: str
    leaf_fp: str
    usage_problem: tuple[str, str] | None  # (zh, en) if the leaf may not sign documents
    key_problem: str | None = None  # why the leaf key could not be read
    validator: str | None = None  # registered ChainValidator (curve OID) for this leaf


@dataclass(frozen=True)
class ChainOutcome:
    """Result of validating a chain at one time."""

    ok: bool
    fingerprints: tuple[str, ...] = ()
    sub_indication: SubIndication | None = None
    message: str | None = None
    message_en: str | None = None
    expected: str | None = None
    found: str | None = None
    remedy: str | None = None
    remedy_en: str | None = None
    evidence: tuple[str, ...] = field(default=())


class ChainValidator(Protocol):
    """Validates chains whose leaf key ``cryptography`` cannot load (e.g. SM2).

    Registered per curve OID with :func:`register_chain_validator`. The core keeps the
    checks that do not depend on the algorithm (document-signing usage of the leaf, an
    empty trust store) and the result cache; the validator builds and checks the path.
    """

    def leaf_spki(self, certificate: x509.Certificate) -> bytes | None:
        """The exact SubjectPublicKeyInfo DER of ``certificate`` if its key is this
        validator's (e.g. on its curve), else None."""

    def validate(
        self, certs: tuple[x509.Certificate, ...], trust: TrustStore, at: datetime
    ) -> ChainOutcome:
        """Validate ``certs`` (leaf first) at ``at`` against ``trust``.

        On success return ``ChainOutcome(ok=True, fingerprints=…)`` (SHA-256 hex, leaf →
        anchor). On failure use NO_CERTIFICATE_CHAIN_FOUND, OUT_OF_BOUNDS_NO_POE or
        CHAIN_CONSTRAINTS_FAILURE with messages naming the certificate. Must not raise.
        """


_chain_validators: dict[str, ChainValidator] = {}


def register_chain_validator(curve_oid: str, validator: ChainValidator) -> None:
    """Register a chain validator for leaf keys on ``curve_oid`` (replaces a previous one).

    Validators are asked, in registration order, only for leaf certificates whose key
    ``cryptography`` cannot load; the first whose :meth:`ChainValidator.leaf_spki`
    answers takes the chain.
    """
    with _lock:
        _chain_validators[curve_oid] = validator
        _parsed_cache.clear()
        _valid_cache.clear()


def unregister_chain_validator(curve_oid: str) -> None:
    """Remove a validator registered with :func:`register_chain_validator`."""
    with _lock:
        _chain_validators.pop(curve_oid, None)
        _parsed_cache.clear()
        _valid_cache.clear()


def _claim(leaf: x509.Certificate) -> tuple[str, bytes] | None:
    for name, validator in list(_chain_validators.items()):
        try:
            spki = validator.leaf_spki(leaf)
        except ValueError:
            continue
        if spki is not None:
            return name, spki
    return None


def _chain_digest(ders: tuple[bytes, ...]) -> bytes:
    h = hashlib.sha256()
    for d in ders:
        h.update(len(d).to_bytes(4, "big"))
        h.update(d)
    return h.digest()


def _usage_problem(leaf: x509.Certificate) -> tuple[str, str] | None:
    exts = leaf.extensions
    try:
        ku = exts.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ("签名证书缺少密钥用法 (KeyUsage) 扩展", "the signing certificate has no KeyUsage")
    if not (ku.digital_signature or ku.content_commitment):
        return (
            "签名证书的密钥用法不含 digitalSignature 或 nonRepudiation",
            "KeyUsage has neither digitalSignature nor nonRepudiation",
        )
    try:
        bc = exts.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is not None and bc.ca:
        return ("签名证书是 CA 证书 (CA:TRUE), 不能用于签署文档", "the signing certificate is a CA")
    try:
        eku = exts.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if ID_KP_DOCUMENT_SIGNING not in eku and _ANY_EKU not in eku:
        found = ", ".join(o.dotted_string for o in eku)
        return (
            f"签名证书的扩展密钥用法 ({found}) 不含文档签名 id-kp-documentSigning "
            "(1.3.6.1.5.5.7.3.36)",
            f"ExtendedKeyUsage ({found}) lacks id-kp-documentSigning (1.3.6.1.5.5.7.3.36)",
        )
    return None


def parse_chain(ders: tuple[bytes, ...]) -> ParsedChain:
    """Parse a chain (cached by its DER).

    Raises:
        ValueError: if a certificate is not valid DER.
    """
    key = _chain_digest(ders)
    found = _parsed_cache.get(key)
    if found is not None:
        return found
    try:
        certs = tuple(x509.load_der_x509_certificate(d) for d in ders)
        for cert in certs:  # parse lazily-decoded fields now: a bad one is a format error here
            _ = (cert.subject, cert.issuer, cert.not_valid_before_utc, cert.not_valid_after_utc)
            _ = cert.extensions
    except TypeError as exc:
        # cryptography reports some malformed names as TypeError (e.g. a BIT STRING value
        # under an attribute other than x500UniqueIdentifier): the DER is not a valid
        # certificate either way.
        raise ValueError(f"malformed certificate: {exc}") from exc
    leaf = certs[0]
    leaf_spki: bytes | None
    key_problem: str | None = None
    validator: str | None = None
    try:
        leaf_spki = spki_der(leaf.public_key())
    except (UnsupportedAlgorithm, ValueError) as exc:
        leaf_spki = None
        key_problem = str(exc)
        claimed = _claim(leaf)
        if claimed is None and load_verifier_plugins():  # e.g. the SM2 plugin, installed
            claimed = _claim(leaf)
        if claimed is not None:
            validator, leaf_spki = claimed
            key_problem = None
    parsed = ParsedChain(
        certs=certs,
        digest=key,
        leaf_spki=leaf_spki,
        leaf_subject=masked_subject(leaf.subject),
        leaf_fp=_fp(leaf),
        usage_problem=_usage_problem(leaf),
        key_problem=key_problem,
        validator=validator,
    )
    with _lock:
        if len(_parsed_cache) >= _CACHE_MAX:
            _parsed_cache.clear()
        _parsed_cache[key] = parsed
    return parsed


def clear_chain_cache() -> None:
    """Forget every cached chain (tests and long-running auditors)."""
    with _lock:
        _parsed_cache.clear()
        _valid_cache.clear()


# -- cryptography policy ---------------------------------------------------------------


def _ku_ok(_policy: Policy, _cert: x509.Certificate, ku: x509.KeyUsage) -> None:
    if not (ku.digital_signature or ku.content_commitment):
        raise ValueError("KeyUsage lacks digitalSignature/nonRepudiation")


def _eku_ok(_policy: Policy, _cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
    if eku is not None and ID_KP_DOCUMENT_SIGNING not in eku and _ANY_EKU not in eku:
        raise ValueError("ExtendedKeyUsage lacks id-kp-documentSigning")


def _bc_ok(_policy: Policy, _cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    if bc is not None and bc.ca:
        raise ValueError("end-entity certificate is a CA")


_EE_POLICY = (
    ExtensionPolicy.permit_all()
    .require_present(x509.KeyUsage, Criticality.AGNOSTIC, _ku_ok)
    .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _eku_ok)
    .may_be_present(x509.BasicConstraints, Criticality.AGNOSTIC, _bc_ok)
)
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca()


def _verify_at(
    parsed: ParsedChain, trust: TrustStore, at: datetime
) -> list[x509.Certificate] | VerificationError:
    verifier = (
        PolicyBuilder()
        .store(trust.x509_store())
        .time(at)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
        .build_client_verifier()
    )
    try:
        return verifier.verify(parsed.certs[0], list(parsed.certs[1:])).chain
    except VerificationError as exc:
        return exc


def _window(
    certs: list[x509.Certificate] | tuple[x509.Certificate, ...],
) -> tuple[datetime, datetime]:
    return (
        max(c.not_valid_before_utc for c in certs),
        min(c.not_valid_after_utc for c in certs),
    )


def validate_chain(parsed: ParsedChain, trust: TrustStore, at: datetime) -> ChainOutcome:
    """Validate a parsed chain at ``at`` (aware, UTC) against ``trust`` (cached)."""
    cache_key = (parsed.digest, trust.digest())
    hit = _valid_cache.get(cache_key)
    if hit is not None and hit[0] <= at <= hit[1]:
        return hit[2]

    if parsed.usage_problem is not None:
        zh, en = parsed.usage_problem
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            message=f"{zh}: 证书主题 {parsed.leaf_subject}, SHA-256 {parsed.leaf_fp}",
            message_en=f"{en}: subject {parsed.leaf_subject}, SHA-256 {parsed.leaf_fp}",
            expected="KeyUsage digitalSignature/nonRepudiation; EKU (若有) 含 documentSigning",
            remedy="使用签发为文档签名用途的证书 (电子印章或个人签名证书)",
            remedy_en="use a certificate issued for document signing",
            evidence=(parsed.leaf_fp,),
        )
    if not trust.roots:
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message="信任库中没有根证书, 无法建立证书链",
            message_en="the trust store holds no root certificates",
            remedy="用 --trust 指定根证书, 或使用证据包 trust/ 目录中的根证书",
            remedy_en="pass the root certificates (--trust, or the archive's trust/ folder)",
            evidence=(parsed.leaf_fp,),
        )

    if parsed.validator is not None:
        return _validate_registered(parsed, trust, at, cache_key)

    result = _verify_at(parsed, trust, at)
    if not isinstance(result, VerificationError):
        nb, na = _window(result)
        outcome = ChainOutcome(ok=True, fingerprints=tuple(_fp(c) for c in result))
        with _lock:
            if len(_valid_cache) >= _CACHE_MAX:
                _valid_cache.clear()
            _valid_cache[cache_key] = (nb, na, outcome)
        return outcome

    # Is there a chain at some other time? Then the problem is the validation time.
    nb_sup, na_sup = _window(parsed.certs)
    retry_at = nb_sup if nb_sup <= na_sup else None
    if retry_at is not None and retry_at != at:
        again = _verify_at(parsed, trust, retry_at)
        if not isinstance(again, VerificationError):
            out = [c for c in again if not c.not_valid_before_utc <= at <= c.not_valid_after_utc]
            bad = out[0] if out else again[0]
            subject = masked_subject(bad.subject)
            window = (
                f"{bad.not_valid_before_utc.isoformat()} 至 {bad.not_valid_after_utc.isoformat()}"
            )
            return ChainOutcome(
                ok=False,
                sub_indication=SubIndication.OUT_OF_BOUNDS_NO_POE,
                message=(
                    f"验证时间 {at.isoformat()} 不在证书有效期内, 且没有时间戳证明签名时间: "
                    f"证书主题 {subject}, SHA-256 {_fp(bad)}, 有效期 {window}"
                ),
                message_en=(
                    f"validation time {at.isoformat()} is outside the validity of certificate "
                    f"{subject} (SHA-256 {_fp(bad)}, valid {bad.not_valid_before_utc.isoformat()}"
                    f" to {bad.not_valid_after_utc.isoformat()}) and no time-stamp proves "
                    "when the signature was made"
                ),
                expected=f"验证时间在 {window} 之内",
                found=at.isoformat(),
                remedy="以签名时间验证 (--at), 或提供带可信时间戳的证据包",
                remedy_en="validate at the signing time (--at) or use a time-stamped bundle",
                evidence=tuple(_fp(c) for c in again),
            )
    return ChainOutcome(
        ok=False,
        sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        message=(
            "无法从签名证书建立到信任根的证书链: "
            f"证书主题 {parsed.leaf_subject}, SHA-256 {parsed.leaf_fp}; 原因: {result}"
        ),
        message_en=(
            f"no chain from the signing certificate {parsed.leaf_subject} "
            f"(SHA-256 {parsed.leaf_fp}) to a trusted root: {result}"
        ),
        expected="证书链终止于信任库中的根证书",
        found=f"{len(parsed.certs)} 张证书, 签发者 {masked_subject(parsed.certs[-1].issuer)}",
        remedy="确认信任库包含签发该证书的根证书, 且证据包带有所需的中间证书",
        remedy_en="make sure the issuing root is trusted and intermediates are included",
        evidence=tuple(_fp(c) for c in parsed.certs),
    )


def _validate_registered(
    parsed: ParsedChain, trust: TrustStore, at: datetime, cache_key: tuple[bytes, str]
) -> ChainOutcome:
    validator = _chain_validators.get(parsed.validator or "")
    if validator is None:  # unregistered since parsing
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message=f"没有可验证该证书链的验证器 (证书主题 {parsed.leaf_subject})",
            message_en=f"no chain validator for the certificate {parsed.leaf_subject}",
            evidence=(parsed.leaf_fp,),
        )
    try:
        outcome = validator.validate(parsed.certs, trust, at)
    except Exception as exc:  # a plugin boundary: report, never crash the validation
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message=(
                f"证书链验证器 ({parsed.validator}) 无法处理该证书链: 证书主题 "
                f"{parsed.leaf_subject}, SHA-256 {parsed.leaf_fp}; 原因: {type(exc).__name__}"
            ),
            message_en=(
                f"the chain validator for {parsed.validator} failed on {parsed.leaf_subject} "
                f"(SHA-256 {parsed.leaf_fp}): {type(exc).__name__}: {exc}"
            ),
            remedy="证据包可能已损坏或被改动",
            remedy_en="the bundle may be damaged or altered",
            evidence=(parsed.leaf_fp,),
        )
    if outcome.ok:
        by_fp = {_fp(c): c for c in (*parsed.certs, *trust.roots)}
        path = [by_fp[f] for f in outcome.fingerprints if f in by_fp]
        if path:
            nb, na = _window(path)
            with _lock:
                if len(_valid_cache) >= _CACHE_MAX:
                    _valid_cache.clear()
                _valid_cache[cache_key] = (nb, na, outcome)
    return outcome


def validate_registered_chain(
    certs: tuple[x509.Certificate, ...], trust: TrustStore, at: datetime
) -> ChainOutcome | None:
    """Validate a chain whose leaf key ``cryptography`` cannot load with the registered
    :class:`ChainValidator` that claims it (e.g. an SM2 TSA or OCSP responder certificate).

    Only the path is checked (to ``trust``'s :attr:`~TrustStore.roots`, at ``at``); the
    caller checks the usage its purpose needs. Returns None when ``cryptography`` loads
    the leaf key (the caller validates it itself); never raises.
    """
    leaf = certs[0]
    try:
        leaf.public_key()
    except (UnsupportedAlgorithm, ValueError):
        pass
    else:
        return None
    claimed = _claim(leaf)
    if claimed is None and load_verifier_plugins():
        claimed = _claim(leaf)
    validator = _chain_validators.get(claimed[0]) if claimed is not None else None
    subject, fp = masked_subject(leaf.subject), _fp(leaf)
    if validator is None:
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message=f"没有可验证该证书链的验证器 (证书主题 {subject}; SM2 需安装 SM2 插件)",
            message_en=f"no chain validator for {subject} (SM2 needs the SM2 plugin)",
            evidence=(fp,),
        )
    try:
        return validator.validate(certs, trust, at)
    except Exception as exc:  # a plugin boundary: report, never crash the validation
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            message=f"证书链验证器无法处理 {subject} 的证书链: {type(exc).__name__}",
            message_en=f"the chain validator failed on {subject}: {type(exc).__name__}: {exc}",
            evidence=(fp,),
        )
