"""SM2 through the SDK: sign → validate, algorithm from the key, SM2 chains (DESIGN §4)."""

from __future__ import annotations

import base64
import functools
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gaozhi_plugin_sm2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from gaozhi_plugin_sm2 import Sm2Signer
from gaozhi_plugin_sm2.keys import generate_private_key

from gaozhi_sdk import esign
from gaozhi_sdk.esign import TrustStore
from gaozhi_sdk.esign.keys import load_verifier_plugins
from gaozhi_sdk.testing import TestPKI

PTYPE = "application/vnd.gaozhi-test+json;version=1"
#: The test payload type is no gaozhi document: the verifier states explicitly that any
#: trusted signer may sign it (the strict default signer policy refuses types without a rule).
POLICY = esign.DEFAULT_POLICY.with_rules({PTYPE: esign.UnsafeAnySigner()})
_validate = functools.partial(esign.validate, policy=POLICY)
_verify = functools.partial(esign.verify, policy=POLICY)
BODY = '{"承诺":"本人承诺所填信息真实"}'.encode()
USCC = "11411222005123018X"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create(algorithm="sm2")


def _cn(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    pki: TestPKI, subject: x509.Name, *, signer_id: str | None = None, **knobs: Any
) -> Sm2Signer:
    """An SM2 signer certified by the test PKI with the profile ``knobs``
    (:meth:`TestPKI.issue_certificate`), optionally with another SM2 signer ID."""
    key = generate_private_key()
    spki = key.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    chain = pki.chain_for(pki.issue_certificate(spki, subject, **knobs))
    if signer_id is None:
        return Sm2Signer(key, chain)
    return Sm2Signer(key, chain, signer_id=signer_id)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    esign.clear_chain_cache()


def _edit(bundle: esign.Bundle, change: object) -> bytes:
    data = json.loads(bundle.to_json())
    change(data)  # type: ignore[operator]
    return json.dumps(data).encode()


def _checks(report: esign.VerificationReport) -> dict[str, str]:
    return {c.name: c.status.value for c in report.signatures[0].checks}


def test_sm2_organ_seal_bundle_passes_with_algorithm_from_key(pki: TestPKI) -> None:
    seal = pki.organ_seal("某市市场监督管理局", USCC)
    bundle = esign.sign(BODY, seal, PTYPE)
    material = json.loads(bundle.to_json())["verificationMaterial"]["signers"][0]
    assert material["sm2SignerId"] == "1234567812345678"
    report = _validate(bundle, pki.trust_store())
    assert report.indication == "TOTAL_PASSED", report.model_dump_json()
    sig = report.signatures[0]
    assert sig.algorithm == "SM2_SM3"
    assert len(sig.chain) == 2
    assert sig.chain[-1] == pki.root_certificate.fingerprint(hashes.SHA256()).hex()


def test_missing_signer_id_defaults_to_standard_id(pki: TestPKI) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    data = _edit(bundle, lambda d: d["verificationMaterial"]["signers"][0].pop("sm2SignerId"))
    assert _validate(data, pki.trust_store()).indication == "TOTAL_PASSED"


def test_changed_signer_id_breaks_the_signature(pki: TestPKI) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    data = _edit(
        bundle, lambda d: d["verificationMaterial"]["signers"][0].update(sm2SignerId="ALICE")
    )
    report = _validate(data, pki.trust_store())
    assert report.indication == "TOTAL_FAILED"
    assert report.sub_indication == "SIG_CRYPTO_FAILURE"


def test_custom_signer_id_round_trips(pki: TestPKI) -> None:
    signer = _issue(pki, _cn("custom id"), signer_id="ALICE123@YAHOO.COM")
    bundle = esign.sign(BODY, signer, PTYPE)
    assert _validate(bundle, pki.trust_store()).indication == "TOTAL_PASSED"
    data = _edit(bundle, lambda d: d["verificationMaterial"]["signers"][0].pop("sm2SignerId"))
    assert _validate(data, pki.trust_store()).sub_indication == "SIG_CRYPTO_FAILURE"


def test_tampered_payload_and_payload_type_fail(pki: TestPKI) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    other = base64.b64encode(BODY.replace("真实".encode(), "虚假".encode())).decode()
    forged = _edit(bundle, lambda d: d["dsseEnvelope"].update(payload=other))
    assert _validate(forged, pki.trust_store()).indication == "TOTAL_FAILED"
    retyped = _edit(
        bundle,
        lambda d: d["dsseEnvelope"].update(payloadType="application/vnd.other+json;version=1"),
    )
    assert _validate(retyped, pki.trust_store()).indication == "TOTAL_FAILED"


def test_pinned_sm2_key_without_certificate(pki: TestPKI) -> None:
    signer = Sm2Signer(generate_private_key())
    bundle = esign.sign(BODY, signer, PTYPE)
    assert _validate(bundle, TrustStore()).sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert _validate(bundle, TrustStore(pins=[signer.public_key])).indication == ("TOTAL_PASSED")


def test_without_plugin_sm2_key_is_refused_not_misread(pki: TestPKI) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    load_verifier_plugins()  # entry points already called: nothing re-registers below
    gaozhi_plugin_sm2.unregister()
    try:
        esign.clear_chain_cache()
        report = _validate(bundle, pki.trust_store())
        assert report.indication != "TOTAL_PASSED"
        assert _checks(report)["key_allowed"] == "INDETERMINATE"
    finally:
        gaozhi_plugin_sm2.register()
    assert _validate(bundle, pki.trust_store()).indication == "TOTAL_PASSED"


def test_untrusted_sm2_root_gives_no_certificate_chain_found(pki: TestPKI) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    report = _validate(bundle, TestPKI.create(algorithm="sm2").trust_store())
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    chain_check = next(c for c in report.signatures[0].checks if c.name == "certificate_chain")
    assert "SHA-256" in (chain_check.message or "")


def test_expired_sm2_certificate_out_of_bounds_unless_validated_inside(pki: TestPKI) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    seal = pki.organ_seal(
        "某市市场监督管理局", USCC, not_before=start, not_after=start + timedelta(days=10)
    )
    bundle = esign.sign(BODY, seal, PTYPE)
    report = _validate(bundle, pki.trust_store())
    assert report.indication == "INDETERMINATE"
    assert report.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    inside = _validate(bundle, pki.trust_store(), at=start + timedelta(days=5))
    assert inside.indication == "TOTAL_PASSED"


def test_leaf_issued_by_non_ca_is_chain_constraints_failure(pki: TestPKI) -> None:
    # a document-signing leaf of the trusted root "issues" another leaf with its SM2 key
    fake_ca_key = esign.generate_key("sm2")
    fake_ca = pki.issue_certificate(fake_ca_key.spki_der, _cn("not a CA"))
    leaf_key = esign.generate_key("sm2")
    leaf = pki.issue_certificate(leaf_key.spki_der, _cn("leaf"), issuer=(fake_ca, fake_ca_key))
    assert leaf.issuer == fake_ca.subject
    bundle = esign.sign(BODY, leaf_key.signer((leaf, fake_ca)), PTYPE)
    report = _validate(bundle, pki.trust_store())
    assert report.indication == "INDETERMINATE"
    assert report.sub_indication == "CHAIN_CONSTRAINTS_FAILURE"


def test_forged_certificate_signature_breaks_the_chain(pki: TestPKI) -> None:
    seal = _issue(pki, _cn("forge me"))
    der = bytearray(seal.certificate_chain[0].public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside s of the SM2 certificate signature
    forged = x509.load_der_x509_certificate(bytes(der))
    bundle = esign.sign(BODY, Sm2Signer(seal.private_key, (forged,)), PTYPE)
    report = _validate(bundle, pki.trust_store())
    assert report.indication == "INDETERMINATE"
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_non_document_signing_sm2_leaf_is_refused(pki: TestPKI) -> None:
    tls = _issue(pki, _cn("tls"), extended_key_usage=(x509.ObjectIdentifier("1.3.6.1.5.5.7.3.1"),))
    report = _validate(esign.sign(BODY, tls, PTYPE), pki.trust_store())
    assert report.sub_indication == "CHAIN_CONSTRAINTS_FAILURE"


def test_p256_chains_unchanged_with_plugin_registered_and_mixed_trust(pki: TestPKI) -> None:
    p256 = TestPKI.create()
    trust = TrustStore([p256.root_certificate, pki.root_certificate])
    bundle = esign.sign_many(
        BODY, [p256.organ_seal("甲局", USCC), pki.organ_seal("乙局", USCC)], PTYPE
    )
    report = _validate(bundle, trust)
    assert report.indication == "TOTAL_PASSED", report.model_dump_json()
    assert sorted(s.algorithm for s in report.signatures) == ["ECDSA_P256_SHA256", "SM2_SM3"]


def test_installed_plugin_verifies_in_a_fresh_process_without_import(
    pki: TestPKI, tmp_path: Path
) -> None:
    """An auditor's process (e.g. `gaozhi audit` workers) never imports the plugin itself."""
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    (tmp_path / "b.json").write_bytes(bundle.to_json())
    trust_dir = pki.write_trust(tmp_path)
    code = (
        "import sys\n"
        "from gaozhi_sdk import esign\n"
        "assert 'gaozhi_plugin_sm2' not in sys.modules\n"
        f"trust = esign.TrustStore.from_dir({str(trust_dir)!r})\n"
        f"policy = esign.DEFAULT_POLICY.with_rules({{{PTYPE!r}: esign.UnsafeAnySigner()}})\n"
        f"r = esign.validate(open({str(tmp_path / 'b.json')!r}, 'rb').read(), trust, "
        "policy=policy)\n"
        "print(r.indication.value, r.signatures[0].algorithm)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["TOTAL_PASSED", "SM2_SM3"]


def test_crashing_chain_validator_is_reported_not_raised(pki: TestPKI) -> None:
    from gaozhi_plugin_sm2.chain import Sm2ChainValidator

    from gaozhi_sdk.esign.chain import register_chain_validator

    class Broken(Sm2ChainValidator):
        def validate(self, certs: Any, trust: Any, at: Any) -> Any:
            raise RuntimeError("boom")

    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    register_chain_validator(gaozhi_plugin_sm2.SM2_CURVE_OID, Broken())
    try:
        report = _validate(bundle, pki.trust_store())
    finally:
        gaozhi_plugin_sm2.register()
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert _validate(bundle, pki.trust_store()).indication == "TOTAL_PASSED"


def test_without_gmssl_pyx_gmalg_verifies_and_signing_says_it_needs_the_wheel(
    pki: TestPKI, tmp_path: Path
) -> None:
    bundle = esign.sign(BODY, pki.organ_seal("某市市场监督管理局", USCC), PTYPE)
    (tmp_path / "b.json").write_bytes(bundle.to_json())
    trust_dir = pki.write_trust(tmp_path)
    code = (
        "import sys\n"
        "sys.modules['gmssl_pyx'] = None  # as on a platform without the wheel\n"
        "from gaozhi_sdk import esign\n"
        "import gaozhi_plugin_sm2 as p\n"
        "assert p.default_backend().name == 'gmalg'\n"
        f"trust = esign.TrustStore.from_dir({str(trust_dir)!r})\n"
        f"policy = esign.DEFAULT_POLICY.with_rules({{{PTYPE!r}: esign.UnsafeAnySigner()}})\n"
        f"r = esign.validate(open({str(tmp_path / 'b.json')!r}, 'rb').read(), trust, "
        "policy=policy)\n"
        "print(r.indication.value)\n"
        "try:\n"
        "    p.Sm2Signer(p.Sm2PrivateKey(bytes(31) + b'\\x07'))\n"
        "except p.Sm2Error as e:\n"
        "    print(e.code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["TOTAL_PASSED", "GZ-SM2-001"]
