"""Interop with the ``openssl ts`` command (OpenSSL 3.0): its tokens verify here, ours there."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from gaozhi_sdk.esign import (
    AnchorPurpose,
    Indication,
    SubIndication,
    TrustStore,
    ValidationTimeSource,
    sign,
    validate,
)
from gaozhi_sdk.esign.timestamps import TimestampInfo, verify_timestamp
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing import TestPKI
from gaozhi_sdk.testing.tsa import LocalTSA

from .conftest import pledgor_signer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI missing")

TS_CNF = """\
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ v3_tsa ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, cwd=cwd, capture_output=True, check=True, timeout=60)


@pytest.fixture(scope="module")
def openssl_tsa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TSA made and run entirely by the openssl CLI (root → TSA, critical EKU)."""
    d = tmp_path_factory.mktemp("openssl-tsa")
    (d / "ts.cnf").write_text(TS_CNF)
    (d / "tsaserial").write_text("01\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _run(
        [
            "openssl",
            "req",
            "-x509",
            *ec,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/C=CN/O=ossl/CN=OpenSSL TSA Root",
            "-extensions",
            "v3_ca",
            "-config",
            "ts.cnf",
        ],
        d,
    )
    _run(
        [
            "openssl",
            "req",
            *ec,
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/C=CN/O=ossl/CN=OpenSSL TSA",
        ],
        d,
    )
    _run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.pem",
            "-days",
            "3650",
            "-extfile",
            "ts.cnf",
            "-extensions",
            "v3_tsa",
        ],
        d,
    )
    return d


def _openssl_token(d: Path, digest: bytes, name: str) -> bytes:
    _run(
        [
            "openssl",
            "ts",
            "-query",
            "-digest",
            digest.hex(),
            "-sha256",
            "-cert",
            "-out",
            f"{name}.tsq",
        ],
        d,
    )
    _run(
        [
            "openssl",
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            f"{name}.tsq",
            "-out",
            f"{name}.tst",
            "-token_out",
        ],
        d,
    )
    return (d / f"{name}.tst").read_bytes()


def _with_token(bundle_json: bytes, token: bytes) -> bytes:
    import base64
    import json

    obj = json.loads(bundle_json)
    obj["verificationMaterial"]["signers"][0]["timestamps"] = [base64.b64encode(token).decode()]
    return json.dumps(obj).encode()


def test_openssl_ts_reply_token_verifies_in_the_sdk(
    openssl_tsa: Path, pki: TestPKI, pledge: Pledge
) -> None:
    bundle = sign(pledge, pledgor_signer(pki))
    sig = bundle.dsse_envelope.signatures[0].sig
    token = _openssl_token(openssl_tsa, hashlib.sha256(sig).digest(), "good")
    trust = pki.trust_store()
    trust.add_pem((openssl_tsa / "ca.pem").read_bytes(), purposes=AnchorPurpose.TIME_STAMPING)

    info = verify_timestamp(token, sig, trust)
    assert isinstance(info, TimestampInfo) and "OpenSSL TSA" in info.tsa_subject

    report = validate(_with_token(bundle.to_json(), token), trust)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert report.validation_time_source is ValidationTimeSource.TIMESTAMP


def test_openssl_token_over_other_bytes_is_hash_failure(
    openssl_tsa: Path, pki: TestPKI, pledge: Pledge
) -> None:
    bundle = sign(pledge, pledgor_signer(pki))
    token = _openssl_token(openssl_tsa, hashlib.sha256(b"other bytes").digest(), "other")
    trust = pki.trust_store()
    trust.add_pem((openssl_tsa / "ca.pem").read_bytes(), purposes=AnchorPurpose.TIME_STAMPING)
    report = validate(_with_token(bundle.to_json(), token), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE


def test_local_tsa_token_verifies_with_openssl_ts_verify(tmp_path: Path) -> None:
    tsa = LocalTSA.create()
    digest = hashlib.sha256(b"signature bytes").digest()
    (tmp_path / "tok.der").write_bytes(tsa.timestamp(digest))
    (tmp_path / "root.pem").write_bytes(tsa.root_pem())
    (tmp_path / "tsa.pem").write_bytes(tsa.certificate.public_bytes(serialization.Encoding.PEM))
    out = _run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            digest.hex(),
            "-in",
            "tok.der",
            "-token_in",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "tsa.pem",
        ],
        tmp_path,
    )
    assert b"Verification: OK" in out.stdout
    bad = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            hashlib.sha256(b"x").hexdigest(),
            "-in",
            "tok.der",
            "-token_in",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "tsa.pem",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode != 0


def test_trust_store_without_openssl_root_is_not_enough(
    openssl_tsa: Path, pki: TestPKI, pledge: Pledge
) -> None:
    bundle = sign(pledge, pledgor_signer(pki))
    sig = bundle.dsse_envelope.signatures[0].sig
    token = _openssl_token(openssl_tsa, hashlib.sha256(sig).digest(), "untrusted")
    report = validate(_with_token(bundle.to_json(), token), TrustStore(pki.trust_store().roots))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def _set_of_sorted(elements: list[bytes]) -> bool:
    """DER order of a SET OF: encodings compared as octet strings (X.690 §11.6)."""
    width = max(len(e) for e in elements)
    padded = [e.ljust(width, b"\0") for e in elements]
    return padded == sorted(padded)


def test_openssl_token_with_several_certificates_unsorted_set_of_verifies(
    openssl_tsa: Path, pki: TestPKI, pledge: Pledge
) -> None:
    """``openssl ts -reply`` embeds the certificate file in file order: a SET OF that is
    not DER-sorted. It is read tolerantly; its signature is still checked exactly."""
    from asn1crypto import cms  # type: ignore[import-untyped]
    from rfc3161_client import decode_timestamp_response

    d = openssl_tsa
    tsa_der = _pem_der((d / "tsa.pem").read_bytes())
    ca_der = _pem_der((d / "ca.pem").read_bytes())
    first, second = (tsa_der, ca_der) if tsa_der > ca_der else (ca_der, tsa_der)
    (d / "chain.pem").write_bytes(_der_pem(first) + _der_pem(second))
    (d / "ts.cnf").write_text(TS_CNF.replace("certs = ./tsa.pem", "certs = ./chain.pem"))
    try:
        bundle = sign(pledge, pledgor_signer(pki))
        sig = bundle.dsse_envelope.signatures[0].sig
        token = _openssl_token(d, hashlib.sha256(sig).digest(), "chain")
    finally:
        (d / "ts.cnf").write_text(TS_CNF)
    certs = [c.dump() for c in cms.ContentInfo.load(token)["content"]["certificates"]]
    assert len(certs) >= 2 and not _set_of_sorted(certs)  # the interop case itself
    with pytest.raises(ValueError):  # a strict DER reader refuses it (the old failure)
        decode_timestamp_response(
            b"\x30" + _der_len(len(token) + 5) + b"\x30\x03\x02\x01\x00" + token
        )
    trust = TrustStore(pki.trust_store().roots)
    trust.add_pem((d / "ca.pem").read_bytes(), purposes=AnchorPurpose.TIME_STAMPING)
    info = verify_timestamp(token, sig, trust)
    assert isinstance(info, TimestampInfo) and "OpenSSL TSA" in info.tsa_subject
    report = validate(_with_token(bundle.to_json(), token), trust)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    # The embedded root is no anchor: without the time-stamping anchor, no chain.
    untrusted = verify_timestamp(token, sig, TrustStore(pki.trust_store().roots))
    assert getattr(untrusted, "sub_indication", None) is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def _pem_der(pem: bytes) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _der_pem(der: bytes) -> bytes:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body
