"""时间戳令牌验证 (verification of RFC 3161 time-stamp tokens, DESIGN §4, issue 9).

Tolerant in form, exact in substance:

* **Form.** Tokens are read with ``asn1crypto``, which accepts a ``SET OF`` that is not
  DER-sorted (``openssl ts -reply`` writes the certificate set unsorted when it embeds
  several certificates) and BER encodings (indefinite lengths, constructed strings).
* **Substance.** The TSA's signature is checked over the *original* encoding of the signed
  attributes with the ``SET OF`` tag (RFC 5652 §5.4); the ``messageDigest`` attribute over
  the exact TSTInfo octets; the ``contentType`` attribute; the signing-certificate binding
  (ESSCertID / ESSCertIDv2, RFC 2634 / RFC 5035) must name the certificate that signed.
* **Trust.** Certificates inside a token are *untrusted intermediates only*: the TSA chain
  must end in a **time-stamping anchor** of the verifier's
  :class:`~gaozhi_sdk.esign.trust.TrustStore` at ``genTime``, and the TSA certificate must
  carry the critical EKU id-kp-timeStamping and no other purpose (RFC 3161 §2.3). A
  document-signing root never vouches for a TSA unless added with that purpose too.
* **Algorithms** come from the TSA's key (:func:`~gaozhi_sdk.esign.keys.verify_issuer_signature`):
  ECDSA / RSA via ``cryptography``; SM2-signed tokens (GB/T 20520) via the key verifier
  the SM2 plugin registers, and SM2 TSA chains via its chain validator.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, tsp  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    VerificationError,
)

from gaozhi_sdk.esign.chain import ChainOutcome, masked_subject, validate_registered_chain
from gaozhi_sdk.esign.keys import (
    SIGNATURE_OID_HASH,
    SM2_SIGNATURE_OIDS,
    certificate_spki,
    verify_issuer_signature,
)
from gaozhi_sdk.esign.report import SubIndication
from gaozhi_sdk.esign.trust import AnchorPurpose, TrustStore

__all__ = ["TimestampInfo", "TimestampProblem", "verify_timestamp"]

_DIGEST_OIDS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "1.2.156.10197.1.401": "sm3",
}
_ESS_V1_HASH = "1.3.14.3.2.26"  # ESSCertID: SHA-1 names the certificate (RFC 2634)
_IMPRINT_OIDS = {"2.16.840.1.101.3.4.2.1": "sha256", "1.2.156.10197.1.401": "sm3"}
_ID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4"
_ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_ID_SIGNING_CERT = "1.2.840.113549.1.9.16.2.12"
_ID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
_ALLOWED_SIG_OIDS = (
    frozenset(SIGNATURE_OID_HASH)
    | SM2_SIGNATURE_OIDS
    | {"1.2.840.10045.2.1", "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10"}
)


@dataclass(frozen=True)
class TimestampInfo:
    """A verified token: its time and the TSA that made it.

    ``chain`` is the TSA certificate's validated chain (TSA certificate → time-stamping
    anchor), for the revocation check of the TSA itself.
    """

    gen_time: datetime
    tsa_subject: str
    tsa_certificate_sha256: str
    serial_number: int
    token_sha256: str
    chain: tuple[x509.Certificate, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class TimestampProblem:
    """Why a token could not be used (zh/en, ETSI sub-indication)."""

    sub_indication: SubIndication
    message: str
    message_en: str
    expected: str | None = None
    found: str | None = None
    token_sha256: str = ""


class _Refused(Exception):
    def __init__(self, sub: SubIndication, zh: str, en: str, **kw: str | None) -> None:
        super().__init__(en)
        self.sub, self.zh, self.en, self.kw = sub, zh, en, kw


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash({"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                     "sha512": hashes.SHA512(), "sm3": hashes.SM3()}[name])  # fmt: skip
    h.update(data)
    return h.finalize()


def _fp(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class _Token:
    signed_data: Any
    signer_info: Any
    tst_info: Any
    econtent: bytes
    certs: tuple[tuple[x509.Certificate, Any], ...]  # (cryptography, asn1crypto) pairs


def _parse(token: bytes) -> _Token:
    info = cms.ContentInfo.load(token, strict=True)
    if info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise ValueError("not a CMS SignedData")
    sd = info["content"]
    # Parse every field the verifier reads now (a malformed one is a format failure here).
    # The embedded certificates are parsed strictly by cryptography below, so asn1crypto's
    # costly native view of them (every extension as dicts) is not built (bench/audit.py).
    for name in ("version", "digest_algorithms", "encap_content_info"):
        _ = sd[name].native
    encap = sd["encap_content_info"]
    if encap["content_type"].dotted != _ID_CT_TSTINFO:
        raise ValueError("eContentType is not id-ct-TSTInfo")
    econtent = encap["content"].__bytes__()
    tst = tsp.TSTInfo.load(econtent, strict=True)
    _ = tst.native  # parse every field now: a bad one is a format failure here
    certs = []
    for choice in sd["certificates"] or ():
        if choice.name != "certificate":
            continue
        c = choice.chosen
        certs.append((x509.load_der_x509_certificate(c.dump()), c))
    infos = sd["signer_infos"]
    if len(infos) != 1:
        raise ValueError("a time-stamp token has exactly one SignerInfo")
    _ = infos[0].native
    return _Token(sd, infos[0], tst, econtent, tuple(certs))


def _structure_problem(t: _Token) -> str | None:
    """Unsigned parts of the envelope must be consistent (they are not signed)."""
    sd, si = t.signed_data, t.signer_info
    if sd["version"].native != "v3":
        return f"SignedData 版本须为 v3 (RFC 5652 §5.1), 实际为 {sd['version'].native}"
    want = "v1" if si["sid"].name == "issuer_and_serial_number" else "v3"
    if si["version"].native != want:
        return f"SignerInfo 版本须为 {want}, 实际为 {si['version'].native}"
    digest = si["digest_algorithm"]["algorithm"].dotted
    if digest not in _DIGEST_OIDS:
        return f"不支持的摘要算法 {digest}"
    listed = [a["algorithm"].dotted for a in sd["digest_algorithms"]]
    if listed != [digest]:
        return f"digestAlgorithms {listed} 与签名者摘要算法 {digest} 不一致"
    for a in (*sd["digest_algorithms"], si["digest_algorithm"]):
        if a["parameters"].dump() not in (b"", b"\x05\x00"):  # absent or NULL (RFC 5754)
            return "摘要算法标识带有多余参数"
    sig_alg = si["signature_algorithm"]["algorithm"].dotted
    if sig_alg not in _ALLOWED_SIG_OIDS:
        return f"不支持的签名算法 {sig_alg}"
    paired = SIGNATURE_OID_HASH.get(sig_alg)
    if paired is not None and paired != _DIGEST_OIDS[digest]:
        return f"签名算法 {sig_alg} 与摘要算法 {digest} 不一致"
    for _, c in t.certs:
        if c["signature_algorithm"].dump() != c["tbs_certificate"]["signature"].dump():
            return "内嵌证书的签名算法标识前后不一致"
    if si["signed_attrs"].native is None or not len(si["signed_attrs"]):
        return "缺少签名属性 (signedAttrs)"
    return None


def _signer(t: _Token) -> tuple[x509.Certificate, Any] | None:
    sid = t.signer_info["sid"]
    for cert, c in t.certs:
        tbs = c["tbs_certificate"]
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if (
                ias["serial_number"].native == tbs["serial_number"].native
                and ias["issuer"].dump() == tbs["issuer"].dump()
            ):
                return cert, c
        elif sid.chosen.native == c.key_identifier:
            return cert, c
    return None


def _attrs(si: Any, oid: str) -> list[Any]:
    return [a for a in si["signed_attrs"] if a["type"].dotted == oid]


def _check_attributes(t: _Token, signer_der: bytes, signer_asn1: Any) -> None:
    si = t.signer_info
    digest_name = _DIGEST_OIDS[si["digest_algorithm"]["algorithm"].dotted]
    ct = _attrs(si, _ID_CONTENT_TYPE)
    if len(ct) != 1 or [v.dotted for v in ct[0]["values"]] != [_ID_CT_TSTINFO]:
        raise _Refused(
            SubIndication.FORMAT_FAILURE,
            "签名属性 contentType 缺失或不是 id-ct-TSTInfo",
            "the contentType attribute is missing or not id-ct-TSTInfo",
        )
    md = _attrs(si, _ID_MESSAGE_DIGEST)
    if len(md) != 1 or [v.native for v in md[0]["values"]] != [_digest(digest_name, t.econtent)]:
        raise _Refused(
            SubIndication.HASH_FAILURE,
            "签名属性 messageDigest 与 TSTInfo 内容的摘要不符: 令牌内容被改动",
            "the messageDigest attribute does not match the TSTInfo: the token was altered",
        )
    v2, v1 = _attrs(si, _ID_SIGNING_CERT_V2), _attrs(si, _ID_SIGNING_CERT)
    if len(v2) + len(v1) != 1 or len((v2 or v1)[0]["values"]) != 1:
        raise _Refused(
            SubIndication.FORMAT_FAILURE,
            "令牌须恰好带一个签名证书属性 (ESSCertID 或 ESSCertIDv2, RFC 3161 §2.4.1)",
            "the token must carry exactly one signing-certificate attribute "
            "(ESSCertID or ESSCertIDv2, RFC 3161 §2.4.1)",
        )
    first = (v2 or v1)[0]["values"][0]["certs"][0]
    if v2:
        alg = first["hash_algorithm"]["algorithm"].dotted
        name = _DIGEST_OIDS.get(alg)
        ok = name is not None and _digest(name, signer_der) == first["cert_hash"].native
    else:
        # ESSCertID (v1) names the certificate by SHA-1 (RFC 2634); it only identifies the
        # certificate, the signature itself is checked with the digest the token names.
        v1_hash = hashlib.sha1(signer_der, usedforsecurity=False).digest()
        alg, ok = _ESS_V1_HASH, v1_hash == first["cert_hash"].native
    serial = first["issuer_serial"]
    if ok and serial.native is not None:
        tbs = signer_asn1["tbs_certificate"]
        names = [g.chosen.dump() for g in serial["issuer"] if g.name == "directory_name"]
        ok = serial["serial_number"].native == tbs["serial_number"].native and (
            tbs["issuer"].dump() in names
        )
    if not ok:
        raise _Refused(
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "令牌的签名证书属性 (ESSCertID) 指向的不是签名的时间戳单位证书: "
            "令牌与证书的绑定被破坏或证书被替换",
            "the signing-certificate attribute (ESSCertID) names another certificate "
            "than the one that signed: the token's certificate binding is broken",
            expected=f"ESSCertID 摘要 ({alg}) = 签名证书的摘要",
            found=f"ESSCertID {first['cert_hash'].native.hex()}",
        )


def _signature_ok(t: _Token, signer: x509.Certificate) -> bool:
    si = t.signer_info
    raw = si["signed_attrs"].dump()
    data = b"\x31" + raw[1:]  # the original encoding, with the SET OF tag (RFC 5652 §5.4)
    return verify_issuer_signature(
        certificate_spki(signer),
        si["signature"].native,
        data,
        signature_oid=si["signature_algorithm"]["algorithm"].dotted,
        hash_name=_DIGEST_OIDS[si["digest_algorithm"]["algorithm"].dotted],
    )


def _only_timestamping(_p: Policy, _c: x509.Certificate, eku: x509.ExtendedKeyUsage) -> None:
    if list(eku) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise ValueError("ExtendedKeyUsage must be id-kp-timeStamping only (RFC 3161 §2.3)")


_TSA_EE_POLICY = ExtensionPolicy.permit_all().require_present(
    x509.ExtendedKeyUsage, Criticality.CRITICAL, _only_timestamping
)


def _eku_problem(cert: x509.Certificate) -> str | None:
    try:
        ext = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return "缺少扩展密钥用法 EKU timeStamping"
    if not ext.critical or list(ext.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        return "扩展密钥用法须为关键扩展且只含 timeStamping"
    return None


def _tsa_chain(
    signer: x509.Certificate, others: list[x509.Certificate], trust: TrustStore, at: datetime
) -> tuple[x509.Certificate, ...] | str:
    """The chain leaf → time-stamping anchor, or why there is no chain."""
    if not trust.tsa_roots:
        return "信任库中没有时间戳信任锚 (--tsa-trust)"
    registered: ChainOutcome | None = validate_registered_chain(
        (signer, *others), trust.for_purpose(AnchorPurpose.TIME_STAMPING), at
    )
    if registered is not None:  # e.g. an SM2 TSA certificate (SM2 plugin)
        if not registered.ok:
            return registered.message_en or "no chain"
        problem = _eku_problem(signer)
        if problem is not None:
            return problem
        known = {_fp(c): c for c in (signer, *others, *trust.tsa_roots)}
        return tuple(known[f] for f in registered.fingerprints if f in known)
    verifier = (
        PolicyBuilder()
        .store(trust.x509_store(AnchorPurpose.TIME_STAMPING))
        .time(at)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_TSA_EE_POLICY
        )
        .build_client_verifier()
    )
    try:
        chain = verifier.verify(signer, others).chain
    except VerificationError as exc:
        return str(exc)
    return tuple(chain)


def _imprint_ok(t: _Token, signature: bytes) -> tuple[bool, str, bytes]:
    mi = t.tst_info["message_imprint"]
    alg = mi["hash_algorithm"]["algorithm"].dotted
    got = bytes(mi["hashed_message"].native)
    name = _IMPRINT_OIDS.get(alg)
    return name is not None and _digest(name, signature) == got, alg, got


def verify_timestamp(
    token: bytes, signature: bytes, trust: TrustStore
) -> TimestampInfo | TimestampProblem:
    """Verify one token over ``signature`` against the time-stamping anchors of ``trust``.

    Order: parse (FORMAT_FAILURE) → imprint = SHA-256 (or SM3) of the signature
    (HASH_FAILURE) → envelope consistency (FORMAT_FAILURE) → signing certificate in the
    token (NO_SIGNING_CERTIFICATE_FOUND) → contentType / messageDigest / ESSCertID binding
    → TSA signature over the signed attributes (SIG_CRYPTO_FAILURE) → TSA chain from the
    token's certificates, as untrusted intermediates, to a time-stamping anchor at
    ``genTime`` with the critical EKU timeStamping (NO_CERTIFICATE_CHAIN_FOUND).
    """
    token_fp = hashlib.sha256(token).hexdigest()
    try:
        t = _parse(token)
        gen_time: datetime = t.tst_info["gen_time"].native
        serial = int(t.tst_info["serial_number"].native)
    except Exception as exc:  # any parse failure of untrusted bytes is a format failure
        return TimestampProblem(
            SubIndication.FORMAT_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 无法解析: {type(exc).__name__}",
            f"time-stamp token (SHA-256 {token_fp}) cannot be parsed: {exc}",
            token_sha256=token_fp,
        )
    if gen_time.tzinfo is None:
        gen_time = gen_time.replace(tzinfo=UTC)
    gen_time = gen_time.astimezone(UTC)
    ok, alg, imprint = _imprint_ok(t, signature)
    if not ok:
        expected = hashlib.sha256(signature).hexdigest()
        return TimestampProblem(
            SubIndication.HASH_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 的消息摘要不是本签名值的 SHA-256: "
            "令牌属于其他数据或被改动",
            f"the token's (SHA-256 {token_fp}) message imprint is not SHA-256 of this signature",
            expected=f"sha256:{expected}",
            found=f"{alg}:{imprint.hex()}",
            token_sha256=token_fp,
        )
    try:
        return _verify_parsed(t, gen_time, serial, trust, token_fp)
    except _Refused as r:
        return TimestampProblem(
            r.sub,
            f"时间戳令牌 (SHA-256 {token_fp}): {r.zh}",
            f"time-stamp token (SHA-256 {token_fp}): {r.en}",
            expected=r.kw.get("expected"),
            found=r.kw.get("found"),
            token_sha256=token_fp,
        )
    except Exception as exc:  # malformed content met late (e.g. an undecodable field)
        return TimestampProblem(
            SubIndication.FORMAT_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 内容无法解析: {type(exc).__name__}",
            f"time-stamp token (SHA-256 {token_fp}) content cannot be decoded: {exc}",
            token_sha256=token_fp,
        )


def _verify_parsed(
    t: _Token, gen_time: datetime, serial: int, trust: TrustStore, token_fp: str
) -> TimestampInfo:
    bad = _structure_problem(t)
    if bad is not None:
        raise _Refused(
            SubIndication.FORMAT_FAILURE,
            f"结构不一致: {bad}; 令牌可能被改动",
            f"inconsistent structure: {bad}",
            expected="算法标识一致、带签名属性的 RFC 3161 令牌",
            found=bad,
        )
    found = _signer(t)
    if found is None:
        raise _Refused(
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "令牌中没有签名者 (SignerInfo sid) 所指的时间戳单位证书",
            "the token does not carry the TSA certificate its SignerInfo names",
            expected="令牌内嵌时间戳单位证书 (请求时 certReq=true)",
            found="无匹配证书",
        )
    signer, signer_asn1 = found
    subject = masked_subject(signer.subject)
    tsa_fp = _fp(signer)
    _check_attributes(t, signer.public_bytes(serialization.Encoding.DER), signer_asn1)
    if not _signature_ok(t, signer):
        raise _Refused(
            SubIndication.SIG_CRYPTO_FAILURE,
            f"签名无效 (时间戳单位 {subject}, SHA-256 {tsa_fp}): 令牌在签发后被改动, "
            "或不是该证书的私钥签发的",
            f"the signature does not verify with the TSA certificate {subject} "
            f"(SHA-256 {tsa_fp}): the token was altered or not made with its key",
            expected="签名属性的签名可由时间戳单位证书的公钥验证",
            found=f"{subject}, SHA-256 {tsa_fp}",
        )
    others = [c for c, _ in t.certs if c != signer]
    chain = _tsa_chain(signer, others, trust, gen_time)
    if isinstance(chain, str):
        raise _Refused(
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            f"时间戳单位证书 {subject} (SHA-256 {tsa_fp}) 无法在时间 {gen_time.isoformat()} "
            f"建立到时间戳信任锚的证书链 (或缺少关键扩展 EKU timeStamping): {chain}",
            f"no chain at {gen_time.isoformat()} from the TSA certificate {subject} "
            f"(SHA-256 {tsa_fp}) to a time-stamping anchor, or no critical EKU "
            f"timeStamping: {chain}",
            expected="时间戳单位证书链终止于信任库中的时间戳信任锚, 且带关键扩展 EKU timeStamping",
            found=f"{subject}, SHA-256 {tsa_fp}",
        )
    return TimestampInfo(
        gen_time=gen_time,
        tsa_subject=subject,
        tsa_certificate_sha256=tsa_fp,
        serial_number=serial,
        token_sha256=token_fp,
        chain=chain,
    )
