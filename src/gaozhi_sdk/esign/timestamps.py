"""RFC 3161 时间戳 (time-stamp tokens) over signature bytes (DESIGN §4, SIGNING §3.3).

A token's message imprint is the SHA-256 of the **raw signature bytes** of one DSSE
signature; its ``genTime`` is the best proof of when the signature existed, so the
signer's certificates are validated at that time (:mod:`gaozhi_sdk.esign.validate`).

* :class:`TimestampAuthority` — the TSA seam: ``timestamp(digest) -> token DER``.
* :class:`HttpTimestampAuthority` — an RFC 3161 HTTP client (``requests``, timeouts always,
  TLS verification on). Requests are built and responses read with ``asn1crypto``
  (the client receives a digest, not the data), tolerantly: OpenSSL TSAs write the
  certificate set unsorted.
* :func:`timestamp_bundle` — add a token per signature to
  ``verificationMaterial.signers[].timestamps``.
* :func:`verify_timestamp` — verify a token against the verifier's time-stamping
  anchors (:mod:`gaozhi_sdk.esign.timestamp_verify`): imprint, TSA signature over the
  signed attributes, ESSCertID binding, TSA chain at ``genTime``, critical EKU
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
from typing import Any, Protocol, runtime_checkable

from asn1crypto import algos, cms, tsp  # type: ignore[import-untyped]

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign._fast import trusted
from gaozhi_sdk.esign.bundle import Bundle, SignerMaterial, VerificationMaterial
from gaozhi_sdk.esign.timestamp_verify import TimestampInfo, TimestampProblem, verify_timestamp
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
        resp = tsp.TimeStampResp.load(reply)
        status = resp["status"]["status"].native
        text = "; ".join(resp["status"]["status_string"].native or ())
    except (ValueError, TypeError, KeyError) as exc:
        raise _bad_reply(f"无法解析: {exc}", f"cannot decode: {exc}") from exc
    if status not in ("granted", "granted_with_mods"):
        raise _bad_reply(f"时间戳请求被拒绝 (状态 {status}) {text}", f"rejected: {status} {text}")
    try:
        token = resp["time_stamp_token"]
        tst = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].__bytes__())
        got_nonce = tst["nonce"].native
        imprint = bytes(tst["message_imprint"]["hashed_message"].native)
        token_der = bytes(token.dump())
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _bad_reply(f"令牌无法解析: {exc}", f"cannot decode the token: {exc}") from exc
    if nonce is not None and got_nonce != nonce:
        raise _bad_reply("应答的随机数 (nonce) 与请求不符", "nonce mismatch")
    if imprint != digest:
        raise _bad_reply("应答的消息摘要与请求不符", "message imprint mismatch")
    return token_der


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


# -- reading tokens (tolerant: OpenSSL's unsorted SET OF, BER) ------------------------


def _imprint_of(token: bytes) -> bytes | None:
    try:
        content = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"]
        tst = tsp.TSTInfo.load(content.__bytes__())
        return bytes(tst["message_imprint"]["hashed_message"].native)
    except (ValueError, TypeError, KeyError):
        return None
