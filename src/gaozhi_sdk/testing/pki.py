"""测试用 PKI: a throw-away certificate authority for tests, demos and examples.

**Test material only** — keys are generated in memory and saved unencrypted. Never use
it to sign anything that matters.

``TestPKI.create()`` makes a P-256 root CA (optionally with an intermediate CA) and
issues document-signing certificates:

* :meth:`TestPKI.organ_seal` — a 机关电子印章 certificate: subject CN and O = the organ name,
  ``OU`` and ``serialNumber`` = the organ's 统一社会信用代码; KeyUsage digitalSignature +
  nonRepudiation (critical), EKU id-kp-documentSigning;
* :meth:`TestPKI.applicant` — an applicant's signing certificate: subject ``CN`` is a
  *masked* label (a full resident ID in the CN is refused, R-091/R-092), and the
  applicant's identifier (居民身份证号码 or 统一社会信用代码, or only its salted digest)
  sits where real Chinese CAs put it — ``encoding`` chooses subject ``serialNumber``,
  the ETSI semantics identifier (``IDCCN-…`` / ``NTRCN-…``), the GM/T 0015 extension or
  a subjectAltName ``otherName`` (see :mod:`gaozhi_sdk.esign.identity`), so the strict
  signer policy can tell whose signature it is.

:meth:`TestPKI.save` / :meth:`TestPKI.load` keep the whole PKI (CA keys and every issued signer)
in a folder, so a demo archive's PKI can be reloaded and used again.

``TestPKI.create(algorithm="sm2")`` is the same PKI in SM2 with SM3 (signer ID
``1234567812345678``) — certificates, CRLs, OCSP responses, save and load — with the SM2
keys and signatures of the generator a plugin registers
(:func:`gaozhi_sdk.esign.register_key_generator`; the SM2 plugin does). The core never
imports the plugin.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from asn1crypto import core as asn1_core  # type: ignore[import-untyped]
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from gaozhi_sdk.errors import GaozhiError, SignatureError
from gaozhi_sdk.esign.chain import ID_KP_DOCUMENT_SIGNING
from gaozhi_sdk.esign.identity import (
    OID_GMT_IDENTIFY_CODE,
    OID_GMT_ORGANIZATION_CODE,
    OID_ORGANIZATION_IDENTIFIER,
)
from gaozhi_sdk.esign.keygen import GeneratedKey, generate_key
from gaozhi_sdk.esign.keys import EcdsaP256Signer, Signer, certificate_spki, load_signer
from gaozhi_sdk.esign.trust import TrustStore
from gaozhi_sdk.ids import normalise_identifier, scan_pii, validate_resident_id, validate_uscc

__all__ = ["TestPKI"]

_DEFAULT_CA_YEARS = 20
_DEFAULT_LEAF_DAYS = 3 * 365
_INDEX = "pki.json"
#: How :meth:`TestPKI.applicant` encodes the identifier in the certificate.
ENCODINGS = ("serialNumber", "etsi", "gmt0015", "otherName", "digest")


@dataclass
class _CA:
    key: Any  # ec.EllipticCurvePrivateKey, or a GeneratedKey (SM2)
    cert: x509.Certificate

    @property
    def spki(self) -> bytes:
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        return bytes(self.key.spki_der)


_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
_placeholder: list[ec.EllipticCurvePrivateKey] = []


def _key_id(spki: bytes) -> bytes:
    """RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits."""
    bits = asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]
    digest = hashes.Hash(hashes.SHA1())  # noqa: S303 - a key identifier, not a signature
    digest.update(bytes(bits))
    return digest.finalize()


def _stub() -> ec.EllipticCurvePrivateKey:
    """A placeholder key: ``cryptography`` drafts what an SM2 key then signs."""
    if not _placeholder:
        _placeholder.append(ec.generate_private_key(ec.SECP256R1()))
    return _placeholder[0]


def _signature_oid(key: Any) -> str:
    """The X.509 signature algorithm a CA key signs with (P-256: ECDSA with SHA-256)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return _ECDSA_SHA256
    return str(key.signature_algorithm_oid)


def _sign(key: Any, body: bytes) -> bytes:
    """DER signature of ``body`` by a CA key (P-256, or a registered generator's key)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(body, ec.ECDSA(hashes.SHA256()))
    return bytes(key.sign(body))


def _resigned(signed: Any, tbs_field: str, sig_field: str, key: Any) -> bytes:
    """DER of a signed structure (an asn1crypto certificate, CRL or basic OCSP response)
    drafted by ``cryptography`` or built here, signed by ``key``: its TBS part names the
    key's signature algorithm and carries its signature."""
    kind = type(signed)
    tbs = signed[tbs_field]
    alg = {"algorithm": _signature_oid(key)}
    if "signature" in tbs:  # certificates and CRLs repeat the algorithm inside
        tbs["signature"] = alg
    body = tbs.dump(force=True)
    return bytes(
        kind({tbs_field: tbs, "signature_algorithm": alg, sig_field: _sign(key, body)}).dump()
    )


def _signed_by(
    builder: x509.CertificateBuilder, subject_spki: bytes, issuer_key: Any
) -> x509.Certificate:
    """Finish ``builder`` for a key ``cryptography`` may not load (SM2) and/or sign with a
    registered generator's key: build the TBS with a placeholder key, put in the real
    SubjectPublicKeyInfo, and sign it with the issuer's key."""
    draft = asn1_x509.Certificate.load(
        builder.public_key(_stub().public_key())
        .sign(_stub(), hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    draft["tbs_certificate"]["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(subject_spki)
    der = _resigned(draft, "tbs_certificate", "signature_value", issuer_key)
    return x509.load_der_x509_certificate(der)


def _generated_ca_cert(
    subject: x509.Name,
    key: GeneratedKey,
    issuer: _CA | None,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.Certificate:
    """A CA certificate for a generated (e.g. SM2) key, same profile as :func:`_ca_cert`."""
    issuer_name = subject if issuer is None else issuer.cert.subject
    issuer_key: Any = key if issuer is None else issuer.key
    issuer_spki = key.spki_der if issuer is None else issuer.spki
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier(_key_id(key.spki_der)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier(_key_id(issuer_spki), None, None), critical=False
        )
    )
    return _signed_by(builder, key.spki_der, issuer_key)


def _name(**attrs: str) -> x509.Name:
    oids = {
        "CN": NameOID.COMMON_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "C": NameOID.COUNTRY_NAME,
        "serialNumber": NameOID.SERIAL_NUMBER,
        "organizationIdentifier": OID_ORGANIZATION_IDENTIFIER,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attrs.items()])


def _ca_cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: _CA | None,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.Certificate:
    issuer_name = subject if issuer is None else issuer.cert.subject
    signing_key = key if issuer is None else issuer.key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


class TestPKI:
    """A test CA issuing document-signing certificates, CRLs and OCSP responses (tests and
    demos only): P-256, or SM2 with SM3 (``create(algorithm="sm2")``) with the SM2 keys and
    signatures a plugin registers (:func:`gaozhi_sdk.esign.register_key_generator`; the SM2
    plugin does). Either saves and loads (:meth:`save`, :meth:`load`)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        root: _CA,
        intermediate: _CA | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._root = root
        self._intermediate = intermediate
        self._signers: dict[str, Any] = {}
        self._clock = clock
        self.algorithm = "p256" if isinstance(root.key, ec.EllipticCurvePrivateKey) else "sm2"

    def _now(self) -> datetime:
        """The PKI's idea of now: its clock (e.g. a SimulatedClock), else the real time."""
        return self._clock() if self._clock is not None else datetime.now(UTC)

    def _cached(self, label: str) -> EcdsaP256Signer | None:
        """A signer issued earlier, if its certificate is valid at the clock's time."""
        signer = cast("EcdsaP256Signer | None", self._signers.get(label))
        if signer is None:
            return None
        cert, now = signer.certificate_chain[0], self._now()
        if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return signer
        return None

    # -- creation ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        name: str = "gaozhi-sdk 测试根 CA",
        intermediate: bool = False,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        algorithm: str = "p256",
    ) -> TestPKI:
        """Make a new root CA (and, if asked, an intermediate CA under it).

        Args:
            name: the root's common name.
            intermediate: also create an intermediate CA that issues the leaves.
            not_before / not_after: CA validity (default: one day before the clock's time
                to +20 years).
            clock: where "now" comes from (e.g. a
                :class:`~gaozhi_sdk.testing.SimulatedClock`); default validity of the CA
                and of every certificate issued later follows it. Default: real time.
            algorithm: ``"p256"`` (default) or ``"sm2"`` — every key and signature of the
                PKI (SM2 with SM3, signer ID ``1234567812345678``) comes from the
                generator a plugin registered (GZ-SG-001 without the SM2 plugin).
        """
        start = clock() if clock is not None else datetime.now(UTC)
        nb = not_before or (start - timedelta(days=1)).replace(microsecond=0)
        na = not_after or nb + timedelta(days=365 * _DEFAULT_CA_YEARS)
        if algorithm.lower() != "p256":
            gen_root = generate_key(algorithm)
            sroot = _CA(
                gen_root,
                _generated_ca_cert(
                    _name(CN=name, O="gaozhi-sdk test", C="CN"), gen_root, None, nb, na, None
                ),
            )
            sinter: _CA | None = None
            if intermediate:
                gen_inter = generate_key(algorithm)
                sinter = _CA(
                    gen_inter,
                    _generated_ca_cert(
                        _name(CN=f"{name} 中级 CA", O="gaozhi-sdk test", C="CN"),
                        gen_inter,
                        sroot,
                        nb,
                        na,
                        0,
                    ),
                )
            pki = cls(sroot, sinter, clock=clock)
            pki.algorithm = algorithm.lower()
            return pki
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = _CA(
            root_key,
            _ca_cert(_name(CN=name, O="gaozhi-sdk test", C="CN"), root_key, None, nb, na, None),
        )
        inter: _CA | None = None
        if intermediate:
            ikey = ec.generate_private_key(ec.SECP256R1())
            inter = _CA(
                ikey,
                _ca_cert(
                    _name(CN=f"{name} 中级 CA", O="gaozhi-sdk test", C="CN"), ikey, root, nb, na, 0
                ),
            )
        return cls(root, inter, clock=clock)

    @property
    def root_certificate(self) -> x509.Certificate:
        """The root CA certificate."""
        return self._root.cert

    @property
    def intermediate_certificate(self) -> x509.Certificate | None:
        """The intermediate CA certificate, if any."""
        return None if self._intermediate is None else self._intermediate.cert

    def issue_certificate(
        self,
        public_key: CertificatePublicKeyTypes | bytes,
        subject: x509.Name,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        digital_signature: bool = True,
        non_repudiation: bool = True,
        extended_key_usage: Sequence[x509.ObjectIdentifier] | None = (ID_KP_DOCUMENT_SIGNING,),
        extra_extensions: Sequence[x509.ExtensionType] = (),
        critical_eku: bool = False,
        issuer: tuple[x509.Certificate, Any] | None = None,
    ) -> x509.Certificate:
        """Issue an end-entity certificate for any public key (profile knobs for tests).

        Args:
            public_key: the subject's key (any type the issuer can certify), or its
                SubjectPublicKeyInfo DER (e.g. an SM2 key ``cryptography`` cannot load).
            subject: the subject name.
            not_before / not_after: validity (default: an hour before the PKI clock's
                time to +3 years).
            digital_signature / non_repudiation: KeyUsage bits (critical).
            extended_key_usage: EKU OIDs, or None for no EKU extension.
            extra_extensions: further (non-critical) extensions, e.g. identity encodings.
            critical_eku: mark the EKU critical (a TSA certificate, RFC 3161 §2.3).
            issuer: ``(certificate, private key)`` to sign as instead of the PKI's CA — a
                P-256 key or a key from :func:`gaozhi_sdk.esign.generate_key` — for attack
                tests (a leaf "issued" by another leaf, a forged issuer).
        """
        ca = self._intermediate or self._root
        if issuer is not None:
            ca = _CA(issuer[1], issuer[0])
        nb = not_before or (self._now() - timedelta(hours=1)).replace(microsecond=0)
        na = not_after or nb + timedelta(days=_DEFAULT_LEAF_DAYS)
        generic = isinstance(public_key, bytes) or not isinstance(
            ca.key, ec.EllipticCurvePrivateKey
        )
        spki = (
            public_key
            if isinstance(public_key, bytes)
            else public_key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca.cert.subject)
            .serial_number(x509.random_serial_number())
            .not_valid_before(nb)
            .not_valid_after(na)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=digital_signature,
                    content_commitment=non_repudiation,
                    key_encipherment=not (digital_signature or non_repudiation),
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier(_key_id(spki)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier(_key_id(ca.spki), None, None), critical=False
            )
        )
        if extended_key_usage is not None:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage(list(extended_key_usage)), critical=critical_eku
            )
        for ext in extra_extensions:
            builder = builder.add_extension(ext, critical=False)
        if generic:
            return _signed_by(builder, spki, ca.key)
        assert not isinstance(public_key, bytes)
        return builder.public_key(public_key).sign(ca.key, hashes.SHA256())

    def chain_for(self, leaf: x509.Certificate) -> tuple[x509.Certificate, ...]:
        """``leaf`` followed by the intermediate CA certificate, if this PKI has one."""
        return (leaf,) if self._intermediate is None else (leaf, self._intermediate.cert)

    def _issue(
        self,
        subject: x509.Name,
        not_before: datetime | None,
        not_after: datetime | None,
        extensions: Sequence[x509.ExtensionType] = (),
    ) -> EcdsaP256Signer:
        if self.algorithm != "p256":
            gen = generate_key(self.algorithm)
            leaf = self.issue_certificate(
                gen.spki_der,
                subject,
                not_before=not_before,
                not_after=not_after,
                extra_extensions=extensions,
            )
            # the plugin's signer (same Signer interface, SM2 key) — typed as the P-256 one
            return cast("EcdsaP256Signer", gen.signer(self.chain_for(leaf)))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue_certificate(
            key.public_key(),
            subject,
            not_before=not_before,
            not_after=not_after,
            extra_extensions=extensions,
        )
        return EcdsaP256Signer(key, self.chain_for(cert))

    def organ_seal(
        self,
        name: str,
        uscc: str,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> EcdsaP256Signer:
        """The 电子印章 signer of an organ (issued once per name+USCC, then reused); an
        SM2 PKI returns the SM2 plugin's signer.

        Args:
            name: the organ's name (subject CN and O).
            uscc: its 统一社会信用代码 (validated; subject OU and serialNumber).
            not_before / not_after: validity (default: an hour before the PKI clock's time
                to +3 years; a signer whose certificate does not cover the clock's time is
                issued afresh); passing either always issues a fresh certificate.
        """
        code = validate_uscc(uscc)
        label = f"organ:{name}:{code}"
        fresh = not_before is not None or not_after is not None
        cached = None if fresh else self._cached(label)
        if cached is not None:
            return cached
        signer = self._issue(
            _name(CN=name, O=name, OU=code, serialNumber=code, C="CN"), not_before, not_after
        )
        if not fresh:
            self._signers[label] = signer
        return signer

    def applicant(
        self,
        subject_label: str,
        identifier: str | None = None,
        *,
        encoding: str = "serialNumber",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> EcdsaP256Signer:
        """An applicant's (or proxy's) signing certificate, subject ``CN=<label>``.

        Args:
            subject_label: masked label (e.g. ``"张* 110105********002X"``); a full
                resident ID in the label is refused with ``GZ-SG-040``.
            identifier: the holder's 居民身份证号码 or 统一社会信用代码 (or, with
                ``encoding="digest"``, its 64-hex salted digest). None issues a
                certificate without identity, which the strict signer policy refuses.
            encoding: where the identifier goes — ``"serialNumber"`` (subject
                serialNumber, bare), ``"etsi"`` (``IDCCN-…`` in serialNumber for persons,
                ``NTRCN-…`` in organizationIdentifier for organisations), ``"gmt0015"``
                (GM/T 0015 IdentifyCode / OrganizationCode extension), ``"otherName"``
                (subjectAltName otherName with the GM/T 0015 OID) or ``"digest"``.
            not_before / not_after: validity; passing either always issues a fresh one.
        """
        if scan_pii(subject_label, ("resident_id",), validated=False, standalone=False):
            raise SignatureError(
                "GZ-SG-040",
                "证书主题不得包含完整的居民身份证号码; 请使用 mask_identifier 脱敏后的标签",
                message_en="the certificate subject must not carry a full resident ID; mask it",
            )
        if encoding not in ENCODINGS:
            raise SignatureError(
                "GZ-SG-042",
                f"未知的身份编码方式 {encoding!r}; 可用: {', '.join(ENCODINGS)}",
                message_en=f"unknown identity encoding {encoding!r}",
            )
        label = f"applicant:{subject_label}:{identifier or '-'}:{encoding}"
        fresh = not_before is not None or not_after is not None
        cached = None if fresh else self._cached(label)
        if cached is not None:
            return cached
        attrs, extensions = _identity_fields(identifier, encoding)
        signer = self._issue(
            _name(CN=subject_label, **attrs, C="CN"), not_before, not_after, extensions
        )
        if not fresh:
            self._signers[label] = signer
        return signer

    # -- trust ------------------------------------------------------------------------

    def root_pem(self) -> bytes:
        """The root certificate, PEM."""
        return self._root.cert.public_bytes(serialization.Encoding.PEM)

    def trust_store(self) -> TrustStore:
        """A trust store holding this PKI's root."""
        return TrustStore([self._root.cert])

    def write_trust(self, directory: str | Path) -> Path:
        """Write the root as ``<directory>/trust/gaozhi-test-root.pem``; return the folder."""
        folder = Path(directory) / "trust"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "gaozhi-test-root.pem").write_bytes(self.root_pem())
        return folder

    # -- revocation -------------------------------------------------------------------

    def crl(
        self,
        revoked: Sequence[tuple[x509.Certificate, datetime]] = (),
        *,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> bytes:
        """A CRL (DER) of the CA that issues the leaves: ``revoked`` = (certificate, time).

        Default: issued now, next update in 7 days (the PKI's clock). An SM2 PKI signs it
        SM2 with SM3.
        """
        issuer = self._intermediate or self._root
        this = this_update or self._now()
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(this)
            .next_update(next_update or this + timedelta(days=7))
        )
        for cert, when in revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(when)
                .build()
            )
        if isinstance(issuer.key, ec.EllipticCurvePrivateKey):
            return b.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        draft = b.sign(_stub(), hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return _resigned(
            asn1_crl.CertificateList.load(draft), "tbs_cert_list", "signature", issuer.key
        )

    def ocsp_response(
        self,
        certificate: x509.Certificate,
        *,
        revoked_at: datetime | None = None,
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> bytes:
        """An OCSP response (DER) signed by the issuing CA itself: good, or revoked at
        ``revoked_at`` (reason keyCompromise). Default: this update (and producedAt) now,
        next update in 7 days (the PKI's clock). An SM2 PKI signs it SM2 with SM3.

        The certificate is named by SHA-256 hashes of its issuer's name and key (RFC 6960
        §4.1.1), the responder by the SHA-1 hash of its key (byKey).
        """
        issuer = self._intermediate or self._root
        this = (this_update or self._now()).replace(microsecond=0)
        key_bits = bytes(asn1_keys.PublicKeyInfo.load(issuer.spki)["public_key"].contents[1:])
        status = (
            asn1_ocsp.CertStatus(name="good", value=asn1_core.Null())
            if revoked_at is None
            else asn1_ocsp.CertStatus(
                name="revoked",
                value={
                    "revocation_time": revoked_at.replace(microsecond=0),
                    "revocation_reason": "key_compromise",
                },
            )
        )
        single = {
            "cert_id": {
                "hash_algorithm": {"algorithm": "sha256"},
                "issuer_name_hash": hashlib.sha256(certificate.issuer.public_bytes()).digest(),
                "issuer_key_hash": hashlib.sha256(key_bits).digest(),
                "serial_number": certificate.serial_number,
            },
            "cert_status": status,
            "this_update": this,
            "next_update": (next_update or this + timedelta(days=7)).replace(microsecond=0),
        }
        data = asn1_ocsp.ResponseData(
            {
                "responder_id": asn1_ocsp.ResponderId(name="by_key", value=_key_id(issuer.spki)),
                "produced_at": this,
                "responses": [single],
            }
        )
        draft = asn1_ocsp.BasicOCSPResponse(
            {
                "tbs_response_data": data,
                "signature_algorithm": {"algorithm": _signature_oid(issuer.key)},
                "signature": b"",
            }
        )
        basic = asn1_ocsp.BasicOCSPResponse.load(
            _resigned(draft, "tbs_response_data", "signature", issuer.key)
        )
        return bytes(
            asn1_ocsp.OCSPResponse(
                {
                    "response_status": "successful",
                    "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
                }
            ).dump()
        )

    # -- persistence ------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Save CA keys, certificates and every issued signer (unencrypted; tests only).

        Files: ``pki.json`` (index: algorithm, CA signature algorithm, signers by label),
        ``root.pem`` / ``root.key.pem``, ``intermediate.*`` and ``signer-NNNN.*`` (PKCS#8
        PEM keys, also SM2's as OpenSSL 3 writes them).
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        index: dict[str, object] = {
            "format": "gaozhi-test-pki/1",
            "algorithm": self.algorithm,
            "signature_algorithm": _signature_oid(self._root.key),
        }
        _write_ca(folder, "root", self._root)
        if self._intermediate is not None:
            _write_ca(folder, "intermediate", self._intermediate)
            index["intermediate"] = True
        signers: dict[str, str] = {}
        for i, (label, signer) in enumerate(sorted(self._signers.items())):
            stem = f"signer-{i:04d}"
            (folder / f"{stem}.key.pem").write_bytes(_key_pem(signer.private_key))
            (folder / f"{stem}.pem").write_bytes(
                signer.certificate_chain[0].public_bytes(serialization.Encoding.PEM)
            )
            signers[label] = stem
        index["signers"] = signers
        (folder / _INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=2), "utf-8")
        return folder

    @classmethod
    def load(cls, directory: str | Path, *, clock: Callable[[], datetime] | None = None) -> TestPKI:
        """Reload a PKI written by :meth:`save` (``clock`` as in :meth:`create`).

        An SM2 PKI's keys are read back by the SM2 plugin's signer loader
        (:func:`gaozhi_sdk.esign.load_signer`).

        Raises:
            SignatureError: ``GZ-SG-041`` if the folder is not a saved test PKI (or its keys
                cannot be read, e.g. an SM2 PKI without the SM2 plugin).
        """
        folder = Path(directory)
        try:
            index = json.loads((folder / _INDEX).read_text("utf-8"))
            if index.get("format") != "gaozhi-test-pki/1":
                raise ValueError("unknown format")
            oid = str(index.get("signature_algorithm", _ECDSA_SHA256))
            root = _read_ca(folder, "root", oid)
            inter = _read_ca(folder, "intermediate", oid) if index.get("intermediate") else None
            pki = cls(root, inter, clock=clock)
            pki.algorithm = str(index.get("algorithm", "p256"))
            for label, stem in index.get("signers", {}).items():
                leaf = x509.load_pem_x509_certificate((folder / f"{stem}.pem").read_bytes())
                pki._signers[label] = load_signer(
                    (folder / f"{stem}.key.pem").read_bytes(),
                    chain=[c.public_bytes(serialization.Encoding.DER) for c in pki.chain_for(leaf)],
                )
        except (OSError, ValueError, KeyError, TypeError, GaozhiError) as exc:
            raise SignatureError(
                "GZ-SG-041",
                f"无法读取测试 PKI 目录 {folder}: {exc}",
                message_en=f"cannot load the test PKI from {folder}: {exc}",
            ) from exc
        return pki

    def __repr__(self) -> str:
        return (
            f"TestPKI(root={self._root.cert.subject.rfc4514_string()!r}, "
            f"intermediate={self._intermediate is not None}, signers={len(self._signers)})"
        )


def _der_printable(text: str) -> bytes:
    data = text.encode("ascii")
    return bytes([0x13, len(data)]) + data


def _identity_fields(
    identifier: str | None, encoding: str
) -> tuple[dict[str, str], list[x509.ExtensionType]]:
    """Subject attributes and extensions carrying ``identifier`` as ``encoding`` says."""
    if identifier is None:
        return {}, []
    if encoding == "digest":
        if not re.fullmatch(r"[0-9a-f]{64}", identifier):
            raise SignatureError(
                "GZ-SG-042",
                "encoding='digest' 须传入 64 位小写十六进制摘要",
                message_en="encoding='digest' needs a 64-hex digest",
            )
        return {"serialNumber": identifier}, []
    value = normalise_identifier(identifier)
    try:
        value, is_org = validate_resident_id(value), False
    except ValueError:
        value, is_org = validate_uscc(value), True
    if encoding == "serialNumber":
        return {"serialNumber": value}, []
    if encoding == "etsi":
        if is_org:
            return {"organizationIdentifier": f"NTRCN-{value}"}, []
        return {"serialNumber": f"IDCCN-{value}"}, []
    oid = OID_GMT_ORGANIZATION_CODE if is_org else OID_GMT_IDENTIFY_CODE
    if encoding == "gmt0015":
        inner = _der_printable(value)
        body = inner if is_org else bytes([0xA0, len(inner)]) + inner
        return {}, [x509.UnrecognizedExtension(oid, body)]
    return {}, [x509.SubjectAlternativeName([x509.OtherName(oid, _der_printable(value))])]


def _key_pem(key: Any) -> bytes:
    """Unencrypted PKCS#8 PEM of a key: a registered generator's (:meth:`GeneratedKey.private_pem
    <gaozhi_sdk.esign.GeneratedKey.private_pem>`), or one with ``cryptography``'s
    ``private_bytes`` (P-256, and the SM2 plugin's signer keys)."""
    if not isinstance(key, ec.EllipticCurvePrivateKey) and hasattr(key, "private_pem"):
        return bytes(key.private_pem())
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class _LoadedKey:
    """A plugin-made CA key read back by :meth:`TestPKI.load`, usable as a
    :class:`~gaozhi_sdk.esign.GeneratedKey`: it signs through the signer the plugin's loader
    returns (:func:`gaozhi_sdk.esign.load_signer`)."""

    def __init__(self, pem: bytes, spki: bytes, signature_algorithm_oid: str) -> None:
        self._pem = pem
        self._signer = load_signer(pem)
        self.spki_der = spki
        self.signature_algorithm_oid = signature_algorithm_oid

    def sign(self, data: bytes) -> bytes:
        return self._signer.sign(data)

    def signer(self, chain: Sequence[x509.Certificate]) -> Signer:
        return load_signer(
            self._pem, chain=[c.public_bytes(serialization.Encoding.DER) for c in chain]
        )

    def private_pem(self) -> bytes:
        return self._pem


def _write_ca(folder: Path, stem: str, ca: _CA) -> None:
    (folder / f"{stem}.key.pem").write_bytes(_key_pem(ca.key))
    (folder / f"{stem}.pem").write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))


def _read_ca(folder: Path, stem: str, signature_oid: str) -> _CA:
    """A saved CA: P-256 through ``cryptography``, other keys through the loader a plugin
    registered (they sign with ``signature_oid``, the PKI's CA signature algorithm)."""
    pem = (folder / f"{stem}.key.pem").read_bytes()
    cert = x509.load_pem_x509_certificate((folder / f"{stem}.pem").read_bytes())
    if signature_oid == _ECDSA_SHA256:
        key = serialization.load_pem_private_key(pem, None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{stem}: not an EC key")
        return _CA(key, cert)
    return _CA(_LoadedKey(pem, certificate_spki(cert), signature_oid), cert)
