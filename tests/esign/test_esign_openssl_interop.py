"""Interoperability with the OpenSSL CLI: keys, certificates and signatures made by openssl."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from gaozhi_sdk.esign import (
    Bundle,
    DsseEnvelope,
    DsseSignature,
    Ed25519Signer,
    Indication,
    TrustStore,
    VerificationMaterial,
    load_signer,
    sign,
    validate,
    verify,
)
from gaozhi_sdk.esign.sign import signer_material
from gaozhi_sdk.models import Notice, Pledge

from .conftest import pinned_pledgor_policy

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")

ROOT_CNF = """\
[req]
distinguished_name = dn
prompt = no
utf8 = yes
[dn]
CN = OpenSSL 测试根 CA
O = gaozhi interop
[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""

LEAF_EXT = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _openssl(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["openssl", *args], cwd=cwd, input=stdin, capture_output=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


@pytest.fixture(scope="module")
def ossl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OpenSSL-made root CA and a document-signing leaf (P-256)."""
    d = tmp_path_factory.mktemp("openssl")
    (d / "root.cnf").write_text(ROOT_CNF, encoding="utf-8")
    (d / "leaf.ext").write_text(LEAF_EXT, encoding="utf-8")
    _openssl(d, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "root.key")
    _openssl(
        d,
        "req",
        "-x509",
        "-new",
        "-key",
        "root.key",
        "-config",
        "root.cnf",
        "-extensions",
        "v3_root",
        "-days",
        "3650",
        "-sha256",
        "-out",
        "root.pem",
    )
    # Leaf key as traditional "EC PRIVATE KEY" PEM (ecparam) …
    _openssl(d, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key")
    _openssl(
        d,
        "req",
        "-new",
        "-key",
        "leaf.key",
        "-utf8",
        "-subj",
        "/CN=某市市场监督管理局/O=某市市场监督管理局/serialNumber=11100000000013127D",
        "-out",
        "leaf.csr",
    )
    _openssl(
        d,
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-CAcreateserial",
        "-days",
        "365",
        "-sha256",
        "-extfile",
        "leaf.ext",
        "-out",
        "leaf.pem",
    )
    _openssl(d, "ec", "-in", "leaf.key", "-pubout", "-out", "leaf.pub.pem")
    # … and a second key as PKCS#8 from genpkey, encrypted with a password.
    _openssl(
        d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "p8.pem"
    )
    _openssl(
        d,
        "pkcs8",
        "-topk8",
        "-in",
        "p8.pem",
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:s3cret",
        "-out",
        "p8.enc.pem",
    )
    return d


def test_openssl_key_and_chain_sign_and_verify_in_the_sdk(ossl: Path, notice: Notice) -> None:
    # The OpenSSL-made leaf is the organ's seal (USCC in subject serialNumber): it signs
    # the organ's notice, and the strict signer policy reads its identity.
    signer = load_signer((ossl / "leaf.key").read_bytes(), chain=[(ossl / "leaf.pem").read_bytes()])
    trust = TrustStore.from_pem_files([ossl / "root.pem"])
    payload, report = verify(sign(notice, signer).to_json(), trust)
    assert payload == notice
    assert report.signatures[0].signer is not None
    assert "某市市场监督管理局" in report.signatures[0].signer


def test_keyid_matches_openssl_spki_digest(ossl: Path) -> None:
    signer = load_signer((ossl / "leaf.key").read_bytes())
    spki = _openssl(ossl, "pkey", "-pubin", "-in", "leaf.pub.pem", "-outform", "DER")
    assert signer.keyid == hashlib.sha256(spki).hexdigest()


def test_sdk_signature_over_pae_verifies_with_openssl(ossl: Path, pledge: Pledge) -> None:
    signer = load_signer((ossl / "leaf.key").read_bytes(), chain=[(ossl / "leaf.pem").read_bytes()])
    bundle = sign(pledge, signer)
    (ossl / "pae.bin").write_bytes(bundle.pae)
    (ossl / "sig.der").write_bytes(bundle.dsse_envelope.signatures[0].sig)
    out = _openssl(
        ossl, "dgst", "-sha256", "-verify", "leaf.pub.pem", "-signature", "sig.der", "pae.bin"
    )
    assert b"Verified OK" in out
    # A changed byte in the PAE makes openssl refuse it too.
    (ossl / "pae-bad.bin").write_bytes(bundle.pae[:-1] + bytes([bundle.pae[-1] ^ 1]))
    proc = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            "leaf.pub.pem",
            "-signature",
            "sig.der",
            "pae-bad.bin",
        ],
        cwd=ossl,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode != 0


def test_openssl_signature_over_pae_verifies_in_the_sdk(ossl: Path, notice: Notice) -> None:
    signer = load_signer((ossl / "leaf.key").read_bytes(), chain=[(ossl / "leaf.pem").read_bytes()])
    template = sign(notice, signer)
    (ossl / "pae2.bin").write_bytes(template.pae)
    _openssl(ossl, "dgst", "-sha256", "-sign", "leaf.key", "-out", "ossl.sig", "pae2.bin")
    ossl_sig = (ossl / "ossl.sig").read_bytes()
    assert ossl_sig != template.dsse_envelope.signatures[0].sig  # ECDSA is randomised
    bundle = Bundle(
        dsse_envelope=DsseEnvelope(
            payload_type=template.payload_type,
            payload=template.payload,
            signatures=(DsseSignature(keyid=signer.keyid, sig=ossl_sig),),
        ),
        verification_material=VerificationMaterial(signers=(signer_material(signer),)),
    )
    trust = TrustStore.from_pem_files([ossl / "root.pem"])
    report = validate(bundle.to_json(), trust)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()


def test_openssl_encrypted_pkcs8_loads_with_password(ossl: Path, pledge: Pledge) -> None:
    enc = (ossl / "p8.enc.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in enc
    signer = load_signer(enc, password=b"s3cret")
    plain = load_signer((ossl / "p8.pem").read_bytes())
    assert signer.keyid == plain.keyid
    policy = pinned_pledgor_policy(signer.keyid)
    assert validate(
        sign(pledge, signer), TrustStore(pins=[signer.public_key]), policy=policy
    ).passed


def test_openssl_ed25519_key_signs_pinned_bundles_openssl_verifies(
    ossl: Path, pledge: Pledge
) -> None:
    _openssl(ossl, "genpkey", "-algorithm", "ed25519", "-out", "ed.pem")
    _openssl(ossl, "pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub.pem")
    signer = load_signer((ossl / "ed.pem").read_bytes())
    assert isinstance(signer, Ed25519Signer)
    bundle = sign(pledge, signer)
    (ossl / "ed-pae.bin").write_bytes(bundle.pae)
    (ossl / "ed.sig").write_bytes(bundle.dsse_envelope.signatures[0].sig)
    out = _openssl(
        ossl,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "ed.pub.pem",
        "-rawin",
        "-in",
        "ed-pae.bin",
        "-sigfile",
        "ed.sig",
    )
    assert b"Signature Verified Successfully" in out
    policy = pinned_pledgor_policy(signer.keyid)
    assert validate(bundle, TrustStore(pins=[signer.public_key]), policy=policy).passed
