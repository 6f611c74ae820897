"""SM2 测试 PKI (tests and demos only): SM2 root CA → 机关电子印章 / 申请人证书.

Certificates are built with ``asn1crypto`` and signed with SM2-with-SM3 (standard signer
ID ``1234567812345678``) by the gmssl-pyx backend, in the same profile as
:class:`gaozhi_sdk.testing.TestPKI` (root: CA:TRUE, keyCertSign/cRLSign; leaf: CA:FALSE,
KeyUsage digitalSignature + nonRepudiation critical, EKU id-kp-documentSigning). OpenSSL 3
verifies them with ``openssl verify -vfyopt distid:1234567812345678``.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import crl as crl_asn1  # type: ignore[import-untyped]
from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gaozhi_plugin_sm2.curve import SM2_SIGN_WITH_SM3_OID, sm3
from gaozhi_plugin_sm2.keys import Sm2PrivateKey, Sm2Signer, generate_private_key
from gaozhi_sdk import validate_uscc
from gaozhi_sdk.esign import ID_KP_DOCUMENT_SIGNING, TrustStore

__all__ = ["OpenSslSm2Pki", "Sm2TestPKI", "issue_sm2_certificate", "openssl_sm2_pki"]

_ROOT_YEARS = 20
_LEAF_DAYS = 3 * 365


def _name(**attrs: str) -> asn1_x509.Name:
    return asn1_x509.Name.build(attrs, use_printable=False)


def _time(moment: datetime) -> asn1_x509.Time:
    if 1950 <= moment.year < 2050:
        return asn1_x509.Time(name="utc_time", value=moment)
    return asn1_x509.Time(name="general_time", value=moment)


def _key_id(key: Sm2PrivateKey) -> bytes:
    return sm3(b"\x04" + key.public_key.point)[:20]


def issue_sm2_certificate(
    subject: asn1_x509.Name,
    subject_key: Sm2PrivateKey,
    issuer_name: asn1_x509.Name,
    issuer_key: Sm2PrivateKey,
    *,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
    extended_key_usage: tuple[str, ...] | None = (ID_KP_DOCUMENT_SIGNING.dotted_string,),
    key_usage: frozenset[str] | None = None,
    critical_eku: bool = False,
) -> x509.Certificate:
    """Build and SM2-sign one X.509 v3 certificate.

    Args:
        subject / subject_key: the certified name and key.
        issuer_name / issuer_key: the signing CA (the same as the subject for a root).
        ca: CA certificate (basicConstraints CA:TRUE, keyCertSign/cRLSign) or leaf.
        not_before / not_after: validity (aware datetimes).
        extended_key_usage: EKU OIDs of a leaf, or None for none.
        key_usage: KeyUsage bit names (asn1crypto spelling) overriding the profile.
        critical_eku: mark the EKU critical (a TSA certificate, RFC 3161 §2.3).
    """
    usage = key_usage or (
        frozenset({"key_cert_sign", "crl_sign"})
        if ca
        else frozenset({"digital_signature", "non_repudiation"})
    )
    extensions: list[dict[str, Any]] = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {"extn_id": "key_usage", "critical": True, "extn_value": set(usage)},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(subject_key)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _key_id(issuer_key)},
        },
    ]
    if not ca and extended_key_usage is not None:
        extensions.append(
            {
                "extn_id": "extended_key_usage",
                "critical": critical_eku,
                "extn_value": list(extended_key_usage),
            }
        )
    algorithm = {"algorithm": SM2_SIGN_WITH_SM3_OID}
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(126) | (1 << 126),
            "signature": algorithm,
            "issuer": issuer_name,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": keys.PublicKeyInfo.load(
                subject_key.public_key.public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            ),
            "extensions": extensions,
        }
    )
    signer = Sm2Signer(issuer_key)
    cert = asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": algorithm,
            "signature_value": signer.sign(tbs.dump()),
        }
    )
    return x509.load_der_x509_certificate(cert.dump())


class Sm2TestPKI:
    """An SM2 test CA issuing document-signing certificates (tests and demos only)."""

    __test__ = False  # not a pytest test class

    def __init__(self, root_key: Sm2PrivateKey, root_cert: x509.Certificate) -> None:
        """Wrap an existing root key and certificate."""
        self._root_key = root_key
        self._root_cert = root_cert
        self._root_name = asn1_x509.Certificate.load(
            root_cert.public_bytes(serialization.Encoding.DER)
        ).subject
        self._signers: dict[str, Sm2Signer] = {}

    @classmethod
    def create(
        cls,
        *,
        name: str = "gaozhi-sdk SM2 测试根 CA",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> Sm2TestPKI:
        """Make a new SM2 root CA (default validity: a day ago to +20 years)."""
        nb = not_before or (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
        na = not_after or nb + timedelta(days=365 * _ROOT_YEARS)
        key = generate_private_key()
        subject = _name(common_name=name, organization_name="gaozhi-sdk test", country_name="CN")
        cert = issue_sm2_certificate(
            subject, key, subject, key, ca=True, not_before=nb, not_after=na
        )
        return cls(key, cert)

    @property
    def root_certificate(self) -> x509.Certificate:
        """The SM2 root certificate."""
        return self._root_cert

    @property
    def root_key(self) -> Sm2PrivateKey:
        """The root's private key (tests that forge or re-sign)."""
        return self._root_key

    def issue(
        self,
        subject: asn1_x509.Name,
        *,
        key: Sm2PrivateKey | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        extended_key_usage: tuple[str, ...] | None = (ID_KP_DOCUMENT_SIGNING.dotted_string,),
        key_usage: frozenset[str] | None = None,
        signer_id: str | None = None,
        critical_eku: bool = False,
    ) -> Sm2Signer:
        """Issue a leaf certificate (default: an hour ago to +3 years) and return its signer."""
        nb = not_before or (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
        na = not_after or nb + timedelta(days=_LEAF_DAYS)
        leaf_key = key or generate_private_key()
        cert = issue_sm2_certificate(
            subject,
            leaf_key,
            self._root_name,
            self._root_key,
            ca=False,
            not_before=nb,
            not_after=na,
            extended_key_usage=extended_key_usage,
            key_usage=key_usage,
            critical_eku=critical_eku,
        )
        if signer_id is None:
            return Sm2Signer(leaf_key, (cert,))
        return Sm2Signer(leaf_key, (cert,), signer_id=signer_id)

    def organ_seal(
        self,
        name: str,
        uscc: str,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> Sm2Signer:
        """The SM2 电子印章 signer of an organ (issued once per name+USCC, then reused)."""
        code = validate_uscc(uscc)
        label = f"organ:{name}:{code}"
        fresh = not_before is not None or not_after is not None
        if not fresh and label in self._signers:
            return self._signers[label]
        signer = self.issue(
            _name(
                common_name=name,
                organization_name=name,
                organizational_unit_name=code,
                serial_number=code,
                country_name="CN",
            ),
            not_before=not_before,
            not_after=not_after,
        )
        if not fresh:
            self._signers[label] = signer
        return signer

    def crl(
        self,
        revoked: Sequence[tuple[int, datetime]] = (),
        *,
        this_update: datetime,
        next_update: datetime,
        key: Sm2PrivateKey | None = None,
    ) -> bytes:
        """An SM2-signed CRL (DER) of this root: ``revoked`` = (serial, revocation time).

        ``key`` signs instead of the root key (a forgery under the root's name).
        """
        algorithm = {"algorithm": SM2_SIGN_WITH_SM3_OID}
        entries = [
            {"user_certificate": serial, "revocation_date": _time(when)} for serial, when in revoked
        ]
        tbs = crl_asn1.TbsCertList(
            {
                "version": "v2",
                "signature": algorithm,
                "issuer": self._root_name,
                "this_update": _time(this_update),
                "next_update": _time(next_update),
                "revoked_certificates": entries or None,
            }
        )
        signature = Sm2Signer(key or self._root_key).sign(tbs.dump())
        return bytes(
            crl_asn1.CertificateList(
                {
                    "tbs_cert_list": tbs,
                    "signature_algorithm": algorithm,
                    "signature": signature,
                }
            ).dump()
        )

    def root_pem(self) -> bytes:
        """The root certificate, PEM."""
        return self._root_cert.public_bytes(serialization.Encoding.PEM)

    def trust_store(self) -> TrustStore:
        """A trust store holding this root."""
        return TrustStore([self._root_cert])

    def write_trust(self, directory: str | Path) -> Path:
        """Write ``sm2-root.pem`` into ``directory`` (created) and return its path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "sm2-root.pem"
        path.write_bytes(self.root_pem())
        return path

    def save(self, directory: str | Path) -> Path:
        """Write the root key (PKCS#8 PEM, unencrypted: test material) and certificate."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sm2-root.key.pem").write_bytes(self._root_key.to_pkcs8_pem())
        self.write_trust(folder)
        return folder

    def __repr__(self) -> str:
        return f"Sm2TestPKI(root={self._root_cert.subject.rfc4514_string()!r})"


# -- the same PKI made by the OpenSSL 3 command-line tool (interop tests) ----------------

#: OpenSSL 3.0 signs SM2 with an *empty* ID unless told otherwise (SIGNING §3.2, issue 3).
DISTID = "distid:1234567812345678"


@dataclass(frozen=True)
class OpenSslSm2Pki:
    """Files of an SM2 root → leaf PKI made by ``openssl`` (all PEM)."""

    root_key: Path
    root_cert: Path  # alone in its folder ``trust/``: TrustStore.from_dir(root_cert.parent)
    leaf_key: Path
    leaf_cert: Path
    leaf_pub: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def openssl_sm2_pki(directory: str | Path, *, leaf_days: int = 365) -> OpenSslSm2Pki:
    """Make an SM2 root CA and an organ-seal leaf with the ``openssl`` 3 CLI.

    Keys: ``openssl genpkey -algorithm SM2``; certificates signed SM2-with-SM3 with
    ``-sigopt distid:1234567812345678``; leaf profile: CA:FALSE, KeyUsage
    digitalSignature+nonRepudiation (critical), EKU id-kp-documentSigning.

    Raises:
        subprocess.CalledProcessError: if ``openssl`` fails; FileNotFoundError without it.
    """
    d = Path(directory)
    (d / "trust").mkdir(parents=True, exist_ok=True)
    _openssl("genpkey", "-algorithm", "SM2", "-out", "root.key", cwd=d)
    _openssl(
        "req", "-new", "-x509", "-key", "root.key", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/O=gaozhi-sdk test/CN=OpenSSL SM2 Root", "-days", "3650",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", "trust/root.pem", cwd=d,
    )  # fmt: skip
    _openssl("genpkey", "-algorithm", "SM2", "-out", "leaf.key", cwd=d)
    _openssl("pkey", "-in", "leaf.key", "-pubout", "-out", "leaf.pub", cwd=d)
    _openssl(
        "req", "-new", "-key", "leaf.key", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/O=OpenSSL 测试局/CN=OpenSSL 测试局电子印章", "-utf8",
        "-out", "leaf.csr", cwd=d,
    )  # fmt: skip
    (d / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage=1.3.6.1.5.5.7.3.36\n",
        encoding="utf-8",
    )
    _openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "trust/root.pem", "-CAkey", "root.key",
        "-CAcreateserial", "-sm3", "-sigopt", DISTID, "-vfyopt", DISTID,
        "-days", str(leaf_days), "-extfile", "leaf.ext", "-out", "leaf.crt", cwd=d,
    )  # fmt: skip
    return OpenSslSm2Pki(
        d / "root.key", d / "trust" / "root.pem", d / "leaf.key", d / "leaf.crt", d / "leaf.pub"
    )
