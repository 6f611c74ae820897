"""RFC 3161 时间戳 (time-stamp tokens) over signature bytes (DESIGN §4, SIGNING §3.3).

A token's message imprint is the SHA-256 of the **raw signature bytes** of one DSSE
signature; its ``genTime`` is the best proof of when the signature existed, so the
signer's certificates are validated at that time (:mod:`gaozhi_sdk.esign.validate`).

* :class:`TimestampAuthority` — the TSA seam: ``timestamp(digest) -> token DER``.
* :class:`HttpTimestampAuthority` — an RFC 3161 HTTP client (``requests``, timeouts always,
  TLS verification on). Requests are built with ``asn1crypto`` (the client receives a
  digest, not the data); responses are decoded by ``rfc3161-client``.
* :func:`timestamp_bundle` — add a token per signature to
  ``verificationMaterial.signers[].timestamps``.
* :func:`verify_timestamp` — verify a token with ``rfc3161-client`` against the
  verifier's trust store: imprint, TSA signature, TSA chain at ``genTime``, critical EKU
  timeStamping.
* :func:`tsa_registration` — a :class:`~gaozhi_sdk.plugin_types.ProviderRegistration` of
  kind ``"tsa"`` for plugins.

Error codes: ``GZ-SG-060`` TSA unreachable / HTTP error, ``GZ-SG-061`` bad TSA response,
``GZ-SG-062`` bad argument.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from asn1crypto import algos, cms, tsp  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from rfc3161_client import (
    PKIStatus,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign._fast import trusted
from gaozhi_sdk.esign.bundle import Bundle, SignerMaterial, VerificationMaterial
from gaozhi_sdk.esign.report import SubIndication
from gaozhi_sdk.esign.trust import TrustStore
from gaozhi_sdk.plugin_types import ProviderRegistration

__all__ = [
    "TSA_CONTENT_TYPE",
    "HttpTimestampAuthority",
    "TimestampAuthority",
    "TimestampInfo",
    "TimestampProblem",
    "build_request",
    "signature_imprint",
    "timestamp_bundle",
    "token_from_response",
    "tsa_registration",
    "verify_timestamp",
]

TSA_CONTENT_TYPE = "application/timestamp-query"
_REPLY_TYPE = "application/timestamp-reply"
_MAX_REPLY = 1024 * 1024


def signature_imprint(signature: bytes) -> bytes:
    """The message imprint a token must carry: SHA-256 of the raw signature bytes."""
    return hashlib.sha256(signature).digest()


@runtime_checkable
class TimestampAuthority(Protocol):
    """A time-stamping authority (TSA) seam: returns an RFC 3161 TimeStampToken (DER)."""

    def timestamp(self, digest: bytes) -> bytes:
        """Time-stamp a SHA-256 ``digest``; return the TimeStampToken (ContentInfo) DER.

        Raises:
            SignatureError: ``GZ-SG-060`` / ``GZ-SG-061`` when no valid token is obtained.
        """


def build_request(digest: bytes, *, nonce: int | None = None, cert_req: bool = True) -> bytes:
    """DER of an RFC 3161 TimeStampReq for a SHA-256 ``digest``.

    Raises:
        SignatureError: ``GZ-SG-062`` if ``digest`` is not 32 bytes.
    """
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise SignatureError(
            "GZ-SG-062",
            "时间戳请求的摘要须为 32 字节 SHA-256",
            message_en="a time-stamp request digest must be a 32-byte SHA-256",
        )
    fields: dict[str, Any] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": digest,
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    return bytes(tsp.TimeStampReq(fields).dump())


def token_from_response(reply: bytes, digest: bytes, nonce: int | None) -> bytes:
    """Check an RFC 3161 TimeStampResp (status, nonce, imprint) and return its token DER.

    Raises:
        SignatureError: ``GZ-SG-061`` with the reason.
    """
    try:
        resp = decode_timestamp_response(reply)
    except ValueError as exc:
        raise _bad_reply(f"无法解析: {exc}", f"cannot decode: {exc}") from exc
    if resp.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        text = "; ".join(resp.status_string) if resp.status_string else ""
        raise _bad_reply(f"时间戳请求被拒绝 (状态 {resp.status}) {text}", f"rejected: {text}")
    info = resp.tst_info
    if nonce is not None and info.nonce != nonce:
        raise _bad_reply("应答的随机数 (nonce) 与请求不符", "nonce mismatch")
    if info.message_imprint.message != digest:
        raise _bad_reply("应答的消息摘要与请求不符", "message imprint mismatch")
    return bytes(resp.time_stamp_token())


def _bad_reply(zh: str, en: str) -> SignatureError:
    return SignatureError(
        "GZ-SG-061", f"时间戳服务应答无效: {zh}", message_en=f"invalid TSA reply: {en}"
    )


class HttpTimestampAuthority:
    """RFC 3161 over HTTP(S) (``POST application/timestamp-query``).

    Args:
        url: the TSA endpoint.
        timeout: (connect, read) seconds; always set.
        verify: TLS verification (True, or a CA bundle path); never disabled silently.
        headers: extra headers (e.g. authorisation for a commercial TSA).
        proxies: ``requests`` proxies (government intranets); see :meth:`from_transport`.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        verify: bool | str = True,
        headers: Mapping[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise SignatureError(
                "GZ-SG-062",
                f"时间戳服务地址须为 http(s) URL: {url[:80]!r}",
                message_en="the TSA url must be http(s)",
            )
        self.url = url
        self.timeout = timeout
        self.verify = verify
        self.headers = dict(headers or {})
        self.proxies = dict(proxies or {})

    @classmethod
    def from_transport(cls, config: Any, url: str | None = None) -> HttpTimestampAuthority:
        """A TSA client with the CA bundle, proxy and timeouts of a transport configuration.

        ``config`` is a :class:`gaozhi_sdk.sharing.TransportConfig` (set once, it reaches
        every outbound call — data sharing, credit push, webhooks and the TSA); ``url``
        defaults to its ``base_url``.
        """
        return cls(
            url or config.base_url,
            timeout=(config.connect_timeout_s, config.read_timeout_s),
            verify=config.verify,
            proxies=config.proxies,
        )

    def timestamp(self, digest: bytes) -> bytes:
        """Request a token for ``digest`` (see :class:`TimestampAuthority`)."""
        import requests  # imported lazily: only TSA users need it

        nonce = secrets.randbits(63)
        body = build_request(digest, nonce=nonce)
        try:
            resp = requests.post(  # timeout and verify are always explicit
                self.url,
                timeout=self.timeout,
                data=body,
                headers={"Content-Type": TSA_CONTENT_TYPE, **self.headers},
                verify=self.verify,
                proxies=self.proxies or None,
            )
        except requests.RequestException as exc:
            raise SignatureError(
                "GZ-SG-060",
                f"无法连接时间戳服务 {self.url}: {type(exc).__name__}",
                message_en=f"cannot reach the TSA {self.url}: {exc}",
            ) from exc
        if resp.status_code != 200:
            raise SignatureError(
                "GZ-SG-060",
                f"时间戳服务 {self.url} 返回 HTTP {resp.status_code}",
                message_en=f"TSA {self.url} answered HTTP {resp.status_code}",
            )
        if len(resp.content) > _MAX_REPLY:
            raise _bad_reply("应答过大", "reply too large")
        return token_from_response(resp.content, digest, nonce)

    def __repr__(self) -> str:
        return f"HttpTimestampAuthority({self.url!r})"


def tsa_registration(
    name: str, url: str, *, description: str = "", priority: int = 0
) -> ProviderRegistration:
    """A provider registration of kind ``"tsa"`` building an :class:`HttpTimestampAuthority`.

    ``factory(config)`` accepts ``url`` (overrides), ``timeout`` ([connect, read]) and
    ``verify`` from the config mapping.
    """

    def factory(config: Mapping[str, Any]) -> HttpTimestampAuthority:
        t = config.get("timeout", (5.0, 30.0))
        return HttpTimestampAuthority(
            str(config.get("url", url)),
            timeout=(float(t[0]), float(t[1])),
            verify=config.get("verify", True),
        )

    return ProviderRegistration(
        kind="tsa",
        name=name,
        factory=factory,
        description=description or f"RFC 3161 TSA at {url}",
        priority=priority,
    )


def timestamp_bundle(bundle: Bundle, tsa: TimestampAuthority) -> Bundle:
    """Return ``bundle`` with one more token per signature (imprint: SHA-256 of the sig).

    Raises:
        SignatureError: from the TSA (``GZ-SG-060`` / ``GZ-SG-061``) — the bundle is then
            returned by nobody: the caller still holds the untimestamped one.
    """
    sigs = {s.keyid: s.sig for s in bundle.dsse_envelope.signatures}
    signers: list[SignerMaterial] = []
    for m in bundle.verification_material.signers:
        sig = sigs.get(m.keyid)
        if sig is None:
            signers.append(m)
            continue
        digest = signature_imprint(sig)
        token = tsa.timestamp(digest)
        check = _imprint_of(token)
        if check != digest:
            raise _bad_reply("令牌的消息摘要不是该签名值的 SHA-256", "token imprint mismatch")
        signers.append(m.model_copy(update={"timestamps": (*(m.timestamps or ()), token)}))
    material = trusted(
        VerificationMaterial,
        {"signers": tuple(signers), "revocation": bundle.verification_material.revocation},
    )
    return bundle.model_copy(update={"verification_material": material})


# -- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimestampInfo:
    """A verified token: its time and the TSA that made it."""

    gen_time: datetime
    tsa_subject: str
    tsa_certificate_sha256: str
    serial_number: int
    token_sha256: str


@dataclass(frozen=True)
class TimestampProblem:
    """Why a token could not be used (zh/en, ETSI sub-indication)."""

    sub_indication: SubIndication
    message: str
    message_en: str
    expected: str | None = None
    found: str | None = None
    token_sha256: str = ""


def _wrap(token: bytes) -> bytes:
    """A granted TimeStampResp around a stored token (rfc3161-client verifies responses)."""
    info = cms.ContentInfo.load(token)
    return bytes(
        tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": info}).dump()
    )


def _imprint_of(token: bytes) -> bytes | None:
    try:
        return bytes(decode_timestamp_response(_wrap(token)).tst_info.message_imprint.message)
    except (ValueError, TypeError):
        return None


def _signer_cert(resp: TimeStampResponse) -> x509.Certificate | None:
    infos = list(resp.signed_data.signer_infos)
    if len(infos) != 1:
        return None
    si = infos[0]
    for der in resp.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        if cert.issuer == si.issuer and cert.serial_number == si.serial_number:
            return cert
    return None


def _verifier(roots: list[x509.Certificate], intermediates: list[x509.Certificate]) -> Any:
    builder = VerifierBuilder()
    for r in roots:
        builder = builder.add_root_certificate(r)
    for c in intermediates:
        builder = builder.add_intermediate_certificate(c)
    return builder.build()


_DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def _cms_signature_ok(token: bytes, cert: x509.Certificate) -> bool:
    """Is the token's CMS signature intact with ``cert``'s key (ignoring any trust)?

    Used only to tell a tampered token (SIG_CRYPTO_FAILURE) from an untrusted TSA
    (NO_CERTIFICATE_CHAIN_FOUND) after ``rfc3161-client`` has refused the token.
    """
    try:
        signed = cms.ContentInfo.load(token)["content"]
        si = signed["signer_infos"][0]
        econtent = signed["encap_content_info"]["content"].contents
        h = _DIGESTS[si["digest_algorithm"]["algorithm"].native]
        md = hashlib.new(h.name, econtent).digest()
        attrs = si["signed_attrs"]
        digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
        if digests != [md]:
            return False
        data = b"\x31" + attrs.dump()[1:]  # signed over the SET OF tag, not [0]
        return _signature_ok(cert.public_key(), bytes(si["signature"].native), data, h)
    except Exception:  # malformed untrusted token: not intact
        return False


_SIG_HASH = {
    "sha256_ecdsa": "sha256",
    "sha384_ecdsa": "sha384",
    "sha512_ecdsa": "sha512",
    "sha256_rsa": "sha256",
    "sha384_rsa": "sha384",
    "sha512_rsa": "sha512",
    "rsassa_pkcs1v15": None,
    "ecdsa": None,
}


def _strict_structure(token: bytes) -> str | None:
    """Unsigned parts of the CMS envelope must be consistent (no malleable bytes).

    rfc3161-client checks the signature; this refuses tokens whose unsigned algorithm
    identifiers or embedded certificates were altered, so any change to a token is
    detected. Returns the reason, or None when consistent.
    """
    try:
        signed = cms.ContentInfo.load(token)["content"]
        infos = signed["signer_infos"]
        if len(infos) != 1:
            return "须恰好一个 SignerInfo"
        si = infos[0]
        if signed["version"].native != "v3":
            return f"SignedData 版本须为 v3 (RFC 5652 §5.1), 实际为 {signed['version'].native}"
        want = "v1" if si["sid"].name == "issuer_and_serial_number" else "v3"
        if si["version"].native != want:
            return f"SignerInfo 版本须为 {want}, 实际为 {si['version'].native}"
        digest = si["digest_algorithm"]["algorithm"].native
        listed = [a["algorithm"].native for a in signed["digest_algorithms"]]
        if listed != [digest]:
            return f"digestAlgorithms {listed} 与签名者摘要算法 {digest} 不一致"
        sig_alg = si["signature_algorithm"]["algorithm"].native
        if sig_alg not in _SIG_HASH:
            return f"不支持的签名算法 {sig_alg}"
        paired = _SIG_HASH[sig_alg]
        if paired is not None and paired != digest:
            return f"签名算法 {sig_alg} 与摘要算法 {digest} 不一致"
        for cert in signed["certificates"]:
            c = cert.chosen
            if c["signature_algorithm"].dump() != c["tbs_certificate"]["signature"].dump():
                return "内嵌证书的签名算法标识前后不一致"
    except Exception as exc:  # malformed untrusted token
        return f"令牌结构无法解析 ({type(exc).__name__})"
    return None


def _signature_ok(key: Any, sig: bytes, data: bytes, h: hashes.HashAlgorithm) -> bool:
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(h))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), h)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def verify_timestamp(
    token: bytes, signature: bytes, trust: TrustStore
) -> TimestampInfo | TimestampProblem:
    """Verify one token over ``signature`` against ``trust``.

    Order: parse (FORMAT_FAILURE) → imprint = SHA-256(signature) (HASH_FAILURE) → TSA
    signature and chain to a trusted root at genTime (a token that verifies only when its
    own certificates are trusted is NO_CERTIFICATE_CHAIN_FOUND; one that verifies with no
    trust at all is SIG_CRYPTO_FAILURE).
    """
    token_fp = hashlib.sha256(token).hexdigest()
    try:
        resp = decode_timestamp_response(_wrap(token))
        embedded = [x509.load_der_x509_certificate(d) for d in resp.signed_data.certificates]
        tsa_cert = _signer_cert(resp)
        info = resp.tst_info
        gen_time = info.gen_time
        imprint = bytes(info.message_imprint.message)
        algo = info.message_imprint.hash_algorithm.dotted_string
        subject = tsa_cert.subject.rfc4514_string() if tsa_cert is not None else "(未知)"
        tsa_fp = tsa_cert.fingerprint(hashes.SHA256()).hex() if tsa_cert is not None else ""
    except Exception as exc:  # any parse failure of untrusted bytes is a format failure
        return TimestampProblem(
            SubIndication.FORMAT_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 无法解析: {type(exc).__name__}",
            f"time-stamp token (SHA-256 {token_fp}) cannot be parsed: {exc}",
            token_sha256=token_fp,
        )
    expected = signature_imprint(signature)
    if algo != "2.16.840.1.101.3.4.2.1" or imprint != expected:
        return TimestampProblem(
            SubIndication.HASH_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 的消息摘要不是本签名值的 SHA-256: "
            "令牌属于其他数据或被改动",
            f"the token's (SHA-256 {token_fp}) message imprint is not SHA-256 of this signature",
            expected=f"sha256:{expected.hex()}",
            found=f"{algo}:{imprint.hex()}",
            token_sha256=token_fp,
        )
    if gen_time.tzinfo is None:
        gen_time = gen_time.replace(tzinfo=UTC)
    bad_structure = _strict_structure(token)
    if bad_structure is not None:
        return TimestampProblem(
            SubIndication.FORMAT_FAILURE,
            f"时间戳令牌 (SHA-256 {token_fp}) 结构不一致: {bad_structure}; 令牌可能被改动",
            f"time-stamp token (SHA-256 {token_fp}) is inconsistent: {bad_structure}",
            expected="规范 DER 编码、算法标识一致的 RFC 3161 令牌",
            found=bad_structure,
            token_sha256=token_fp,
        )
    roots = list(trust.tsa_roots)
    others = [c for c in embedded if c not in roots]
    try:
        if not roots:
            raise VerificationError("the trust store holds no root certificates")
        _verifier(roots, others).verify(resp, imprint)
    except VerificationError as exc:
        if tsa_cert is None or not _cms_signature_ok(token, tsa_cert):
            return TimestampProblem(
                SubIndication.SIG_CRYPTO_FAILURE,
                f"时间戳令牌 (SHA-256 {token_fp}) 的签名无效或令牌不完整 (时间戳单位 {subject}): "
                "令牌在签发后被改动",
                f"the time-stamp token (SHA-256 {token_fp}) signature does not verify "
                f"(TSA {subject}): {exc}",
                token_sha256=token_fp,
            )
        return TimestampProblem(
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            f"时间戳单位证书 {subject} (SHA-256 {tsa_fp}) 无法在时间 {gen_time.isoformat()} "
            f"建立到信任根的证书链 (或缺少关键扩展 EKU timeStamping): {exc}",
            f"no chain at {gen_time.isoformat()} from the TSA certificate {subject} "
            f"(SHA-256 {tsa_fp}) to a trusted root, or no critical EKU timeStamping: {exc}",
            expected="时间戳单位证书链终止于信任库中的根证书, 且带关键扩展 EKU timeStamping",
            found=f"{subject}, SHA-256 {tsa_fp}",
            token_sha256=token_fp,
        )
    return TimestampInfo(
        gen_time=gen_time.astimezone(UTC),
        tsa_subject=subject,
        tsa_certificate_sha256=tsa_fp,
        serial_number=int(info.serial_number),
        token_sha256=token_fp,
    )
