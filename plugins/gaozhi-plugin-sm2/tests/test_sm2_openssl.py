"""Interop with the OpenSSL 3 CLI (issue 3 item 7): keys, certificates and signatures.

OpenSSL 3.0 uses an *empty* SM2 signer ID unless given ``distid:1234567812345678``;
these tests pass the standard ID explicitly and also show that without it OpenSSL fails.
"""

from __future__ import annotations

import base64
import functools
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from gaozhi_plugin_sm2 import load_sm2_signer
from gaozhi_plugin_sm2.testing import DISTID, OpenSslSm2Pki, openssl_sm2_pki

from gaozhi_sdk import esign
from gaozhi_sdk.esign import TrustStore, pae
from gaozhi_sdk.testing import TestPKI

PTYPE = "application/vnd.gaozhi-test+json;version=1"
#: The test payload type is no gaozhi document: the verifier states explicitly that any
#: trusted signer may sign it (the strict default signer policy refuses types without a rule).
POLICY = esign.DEFAULT_POLICY.with_rules({PTYPE: esign.UnsafeAnySigner()})
_validate = functools.partial(esign.validate, policy=POLICY)
_verify = functools.partial(esign.verify, policy=POLICY)
BODY = '{"承诺":"OpenSSL 互通"}'.encode()


def _openssl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def ossl(tmp_path_factory: pytest.TempPathFactory) -> OpenSslSm2Pki:
    return openssl_sm2_pki(tmp_path_factory.mktemp("ossl-sm2"))


def _signer(ossl: OpenSslSm2Pki) -> esign.Signer:
    return load_sm2_signer(ossl.leaf_key.read_bytes(), chain=[ossl.leaf_cert.read_bytes()])


def test_openssl_keys_and_certificates_verify_in_sdk(ossl: OpenSslSm2Pki) -> None:
    trust = TrustStore.from_dir(ossl.root_cert.parent)  # a folder of PEM roots
    report = _validate(esign.sign(BODY, _signer(ossl), PTYPE), trust)
    assert report.indication == "TOTAL_PASSED", report.model_dump_json()
    assert report.signatures[0].algorithm == "SM2_SM3"
    assert len(report.signatures[0].chain) == 2


def test_sdk_signature_over_pae_verifies_with_openssl_pkeyutl(ossl: OpenSslSm2Pki) -> None:
    work = ossl.leaf_key.parent
    bundle = esign.sign(BODY, _signer(ossl), PTYPE)
    (work / "pae.bin").write_bytes(pae(PTYPE, BODY))
    (work / "sdk.sig").write_bytes(bundle.dsse_envelope.signatures[0].sig)
    args = [
        "pkeyutl", "-verify", "-pubin", "-inkey", ossl.leaf_pub.name, "-rawin",
        "-in", "pae.bin", "-sigfile", "sdk.sig", "-digest", "sm3",
    ]  # fmt: skip
    ok = _openssl(work, *args, "-pkeyopt", DISTID)
    assert ok.returncode == 0 and "Verified Successfully" in ok.stdout, ok.stderr
    # OpenSSL 3.0's default (empty) ID computes another Z: the signature must not verify.
    assert _openssl(work, *args).returncode != 0


def test_openssl_signature_over_pae_verifies_in_sdk(ossl: OpenSslSm2Pki) -> None:
    work = ossl.leaf_key.parent
    (work / "pae2.bin").write_bytes(pae(PTYPE, BODY))
    signed = _openssl(
        work, "pkeyutl", "-sign", "-inkey", ossl.leaf_key.name, "-rawin", "-in", "pae2.bin",
        "-digest", "sm3", "-pkeyopt", DISTID, "-out", "ossl.sig",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    bundle = json.loads(esign.sign(BODY, _signer(ossl), PTYPE).to_json())
    ossl_sig = (work / "ossl.sig").read_bytes()
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(ossl_sig).decode()
    trust = TrustStore.from_dir(ossl.root_cert.parent)
    report = _validate(json.dumps(bundle).encode(), trust)
    assert report.indication == "TOTAL_PASSED", report.model_dump_json()

    # Signed with OpenSSL's default empty ID: SIG_CRYPTO_FAILURE under the standard ID.
    _openssl(
        work, "pkeyutl", "-sign", "-inkey", ossl.leaf_key.name, "-rawin", "-in", "pae2.bin",
        "-digest", "sm3", "-out", "empty-id.sig",
    )  # fmt: skip
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(
        (work / "empty-id.sig").read_bytes()
    ).decode()
    report = _validate(json.dumps(bundle).encode(), trust)
    assert report.sub_indication == "SIG_CRYPTO_FAILURE"


def test_sdk_made_sm2_certificates_verify_with_openssl(tmp_path: Path) -> None:
    pki = TestPKI.create(algorithm="sm2")
    seal = pki.organ_seal("某区行政审批局", "11411222005123018X")
    root = str(pki.write_trust(tmp_path) / "gaozhi-test-root.pem")
    leaf = seal.certificate_chain[0].public_bytes(serialization.Encoding.PEM)
    (tmp_path / "seal.pem").write_bytes(leaf)
    with_id = _openssl(tmp_path, "verify", "-vfyopt", DISTID, "-CAfile", root, "seal.pem")
    assert with_id.returncode == 0, with_id.stderr
    assert _openssl(tmp_path, "verify", "-CAfile", root, "seal.pem").returncode != 0


def test_openssl_certificate_signed_with_empty_id_is_not_trusted(tmp_path: Path) -> None:
    # A CA that signs with OpenSSL's default (empty) ID, not the standard one.
    pki = openssl_sm2_pki(tmp_path)
    _openssl(
        tmp_path, "x509", "-req", "-in", "leaf.csr", "-CA", "trust/root.pem",
        "-CAkey", "root.key", "-CAcreateserial", "-sm3", "-vfyopt", DISTID, "-days", "30",
        "-extfile", "leaf.ext",
        "-out", "leaf-empty-id.pem",
    )  # fmt: skip
    signer = load_sm2_signer(
        pki.leaf_key.read_bytes(), chain=[(tmp_path / "leaf-empty-id.pem").read_bytes()]
    )
    trust = TrustStore.from_dir(pki.root_cert.parent)
    report = _validate(esign.sign(BODY, signer, PTYPE), trust)
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
