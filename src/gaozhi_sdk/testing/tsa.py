"""本地时间戳服务 (local RFC 3161 TSA) for tests and the demo — a real HTTP server on 127.0.0.1.

:class:`LocalTSA` owns a P-256 test root and a TSA certificate (critical EKU
timeStamping, RFC 3161 §2.3) and builds TimeStampTokens with ``asn1crypto`` (ASN.1
structures) and ``cryptography`` (ECDSA P-256/SHA-256): TSTInfo → CMS SignedData with the
signed attributes contentType, messageDigest and signingCertificateV2. It is a
:class:`~gaozhi_sdk.esign.timestamps.TimestampAuthority` in-process, and :meth:`start`
serves the same over HTTP (``POST application/timestamp-query``) on ``127.0.0.1:0``.

Not for production: keys live in memory and the clock is whatever ``clock`` returns
(tests set it to prove validation at the time-stamp time).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gaozhi_sdk.testing._http import LoopbackService

__all__ = ["LOCAL_TSA_POLICY", "LocalTSA", "build_token"]

#: Policy OID of the local test TSA (a private arc; not a real policy).
LOCAL_TSA_POLICY = "1.3.6.1.4.1.55555.3161.1"

_MAX_QUERY = 64 * 1024


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gaozhi-sdk test"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ku(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certs,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3() if name == "sm3" else hashes.SHA256())
    h.update(data)
    return h.finalize()


_SM3_OID = "1.2.156.10197.1.401"


def build_token(
    *,
    signer_certificate: x509.Certificate,
    sign: Callable[[bytes], bytes],
    imprint: bytes,
    gen_time: datetime,
    serial_number: int = 1,
    nonce: int | None = None,
    certificates: Sequence[x509.Certificate] | None = None,
    ess_certificate: x509.Certificate | None = None,
    digest: str = "sha256",
    signature_algorithm: str = "sha256_ecdsa",
    imprint_algorithm: str = "sha256",
) -> bytes:
    """Build an RFC 3161 TimeStampToken (ContentInfo DER) — the local TSA's token maker,
    open to tests that need every knob (an SM2 TSA, a forged binding, a foreign key).

    Args:
        signer_certificate: the TSA certificate named by the SignerInfo.
        sign: signs the DER of the signed attributes (SET OF), e.g. ECDSA-SHA256 or an
            SM2 plugin signer's ``sign``.
        imprint / imprint_algorithm: the message imprint (SHA-256 of a signature value).
        gen_time / serial_number / nonce: TSTInfo fields.
        certificates: embedded certificates (default: the signer's).
        ess_certificate: the certificate the ESSCertIDv2 names (default: the signer's).
        digest: ``sha256`` or ``sm3`` (messageDigest and the SignerInfo digest).
        signature_algorithm: asn1crypto name or dotted OID of the signature algorithm.
    """
    fields: dict[str, Any] = {
        "version": "v1",
        "policy": LOCAL_TSA_POLICY,
        "message_imprint": {
            "hash_algorithm": {"algorithm": imprint_algorithm},
            "hashed_message": imprint,
        },
        "serial_number": serial_number,
        "gen_time": gen_time,
        "accuracy": {"seconds": 1},
    }
    if nonce is not None:
        fields["nonce"] = nonce
    tst_info = tsp.TSTInfo(fields)
    ess_der = (ess_certificate or signer_certificate).public_bytes(serialization.Encoding.DER)
    signed_attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [_digest(digest, tst_info.dump())]},
            {
                "type": "signing_certificate_v2",
                "values": [{"certs": [{"cert_hash": hashlib.sha256(ess_der).digest()}]}],
            },
        ]
    )
    asn1_signer = asn1_x509.Certificate.load(
        signer_certificate.public_bytes(serialization.Encoding.DER)
    )
    digest_alg = {"algorithm": _SM3_OID if digest == "sm3" else digest}
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": asn1_signer.issuer,
                        "serial_number": asn1_signer.serial_number,
                    }
                }
            ),
            "digest_algorithm": digest_alg,
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": signature_algorithm},
            "signature": sign(signed_attrs.dump()),
        }
    )
    embedded = certificates if certificates is not None else (signer_certificate,)
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [digest_alg],
            "encap_content_info": {"content_type": "tst_info", "content": tst_info},
            "certificates": [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in embedded
            ],
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(info.dump())


class LocalTSA(LoopbackService):
    """A test TSA: root CA + TSA certificate + token builder + optional HTTP server.

    Args:
        root_key / root_certificate: the TSA's root (trust anchor for verifiers).
        key / certificate: the TSA signing key and certificate (EKU timeStamping, critical).
        clock: returns the genTime to put in tokens (default: now, UTC, whole seconds).
        embed_root: also embed the root certificate in tokens (as some TSAs do; verifiers
            must treat it as an untrusted intermediate, never as an anchor).
    """

    __test__ = False

    def __init__(
        self,
        root_key: ec.EllipticCurvePrivateKey,
        root_certificate: x509.Certificate,
        key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        *,
        clock: Callable[[], datetime] | None = None,
        embed_root: bool = False,
    ) -> None:
        self._root_key = root_key
        self.embed_root = embed_root
        self.root_certificate = root_certificate
        self._key = key
        self.certificate = certificate
        self.clock: Callable[[], datetime] = clock or (
            lambda: datetime.now(UTC).replace(microsecond=0)
        )
        self._serials = itertools.count(secrets.randbits(40) << 16)
        self.requests_served = 0

    # -- creation -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        name: str = "gaozhi-sdk 测试时间戳服务",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        embed_root: bool = False,
    ) -> LocalTSA:
        """A fresh root and TSA certificate (default validity: a day ago to +20 years)."""
        nb = not_before or (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
        na = not_after or nb + timedelta(days=365 * 20)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(f"{name} 根 CA")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(nb)
            .not_valid_after(na)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ku(sign_certs=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(nb)
            .not_valid_after(na)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_ku(sign_certs=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
            )
            .sign(root_key, hashes.SHA256())
        )
        return cls(root_key, root, key, cert, clock=clock, embed_root=embed_root)

    def crl(
        self,
        revoked: Sequence[tuple[datetime, x509.ReasonFlags | None]] = (),
        *,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> bytes:
        """A CRL (DER) of the TSA's root CA about the TSA certificate.

        Args:
            revoked: ``(revocation time, reason or None)`` — empty: the TSA certificate
                is not revoked (a complete "good" CRL); one entry revokes it.
            this_update / next_update: default now and now + 7 days.
        """
        this = this_update or datetime.now(UTC).replace(microsecond=0)
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root_certificate.subject)
            .last_update(this)
            .next_update(next_update or this + timedelta(days=7))
        )
        for when, reason in revoked:
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(self.certificate.serial_number)
                .revocation_date(when)
            )
            if reason is not None:
                entry = entry.add_extension(x509.CRLReason(reason), critical=False)
            b = b.add_revoked_certificate(entry.build())
        return b.sign(self._root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def root_pem(self) -> bytes:
        """The TSA root certificate, PEM (add it to the verifier's trust store)."""
        return self.root_certificate.public_bytes(serialization.Encoding.PEM)

    def write_trust(self, directory: str | Path, filename: str = "tsa-root.pem") -> Path:
        """Write the root PEM into ``directory``; returns the file path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / filename
        path.write_bytes(self.root_pem())
        return path

    # -- tokens -------------------------------------------------------------------------

    def timestamp(self, digest: bytes) -> bytes:
        """In-process :class:`TimestampAuthority`: a token over the SHA-256 ``digest``."""
        return self._token(digest, None)

    def _token(self, digest: bytes, nonce: int | None) -> bytes:
        gen_time = self.clock().astimezone(UTC).replace(microsecond=0)
        return build_token(
            signer_certificate=self.certificate,
            sign=lambda data: self._key.sign(data, ec.ECDSA(hashes.SHA256())),
            imprint=digest,
            gen_time=gen_time,
            serial_number=next(self._serials),
            nonce=nonce,
            certificates=(self.certificate, self.root_certificate)
            if self.embed_root
            else (self.certificate,),
        )

    def respond(self, query: bytes) -> bytes:
        """An RFC 3161 TimeStampResp (DER) for a TimeStampReq (DER)."""
        try:
            req = tsp.TimeStampReq.load(query)
            imprint = req["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = bytes(imprint["hashed_message"].native)
            nonce = req["nonce"].native
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format")
        if algorithm != "sha256" or len(digest) != 32:
            return _rejection("bad_alg")
        token = cms.ContentInfo.load(self._token(digest, nonce))
        return bytes(
            tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
        )

    # -- HTTP server --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's URL (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("LocalTSA is not serving; call start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def start(self) -> str:
        """Serve on ``127.0.0.1`` (a free port) in a daemon thread; returns the URL."""
        if self._server is not None:
            return self.url
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                ctype = self.headers.get("Content-Type", "")
                length = int(self.headers.get("Content-Length", "0") or 0)
                if ctype.split(";")[0].strip() != "application/timestamp-query":
                    self._reply(415, b"expected application/timestamp-query", "text/plain")
                    return
                if not 0 < length <= _MAX_QUERY:
                    self._reply(413, b"bad length", "text/plain")
                    return
                body = self.rfile.read(length)
                tsa.requests_served += 1
                self._reply(200, tsa.respond(body), "application/timestamp-reply")

            def _reply(self, code: int, data: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._serve(Handler, "gaozhi-local-tsa")
        return self.url

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "not serving"
        return f"LocalTSA({self.certificate.subject.rfc4514_string()!r}, {state})"


class _RejectedResp(core.Sequence):  # type: ignore[misc]
    """TimeStampResp without a token (asn1crypto's TimeStampResp requires one)."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 - asn1crypto API


def _rejection(fail_info: str) -> bytes:
    status = {"status": "rejection", "fail_info": tsp.PKIFailureInfo({fail_info})}
    return bytes(_RejectedResp({"status": status}).dump())
