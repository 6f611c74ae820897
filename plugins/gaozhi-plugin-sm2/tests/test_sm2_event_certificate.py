"""SM2 event certificates (DESIGN §4a) and the one test PKI issuing SM2 (issue 11 item 6):
the core's TestPKI and emulated event CA make SM2 certificates with the primitives this
plugin registers (no import of the plugin by the core)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import csr as asn1_csr  # type: ignore[import-untyped]
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from asn1crypto.x509 import Certificate
from cryptography.hazmat.primitives import serialization

from gaozhi_sdk import SigningMethod
from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    AnchorPurpose,
    Bundle,
    SignerPolicy,
    UnsafeAnySigner,
    generate_key,
    sign,
    validate,
)
from gaozhi_sdk.testing import Sandbox, TestPKI


def test_the_test_pki_issues_sm2_chains_that_verify() -> None:
    pki = TestPKI.create(algorithm="sm2", intermediate=True)
    assert pki.algorithm == "sm2"
    seal = pki.organ_seal("三门峡市陕州区人民政府", "11411222005123018X")
    assert len(seal.certificate_chain) == 2
    policy = SignerPolicy().with_rules({"application/x-test": UnsafeAnySigner()})
    report = validate(
        sign(b"{}", seal, payload_type="application/x-test"), pki.trust_store(), policy=policy
    )
    assert report.passed and report.signatures[0].algorithm == "SM2_SM3"
    other = TestPKI.create(algorithm="sm2")
    assert not validate(
        sign(b"{}", seal, payload_type="application/x-test"), other.trust_store(), policy=policy
    ).passed


def test_r035_sm2_event_certificate_pledge_verifies() -> None:
    box = Sandbox.open(applicant_signing=True)
    svc = box.svc
    box.trust.add_root(box.event_ca.sm2_root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
    notice, me = box.pledge_ready_case(["SZ-GA-HJ-001"])
    s = svc.signing.start_authentication(notice.case_no, me)
    s = svc.signing.finish_authentication(s.session_id, me)
    device = generate_key("sm2")  # the applicant's SM2 key (a UKey or an SM2-capable app)
    ch = svc.signing.event_certificate_challenge(s.session_id, me)
    cert = svc.signing.issue_event_certificate(
        s.session_id,
        me,
        public_key=device.spki_der,
        challenge_id=ch.challenge_id,
        challenge_signature=device.sign(base64.b64decode(ch.challenge)),
    )
    dts = svc.cases.pledge_data_to_sign(
        notice.case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    assert dts.signature_algorithm == "SM2_SM3"
    pledge = svc.cases.assemble_pledge(
        notice.case_no, dts.session_id, device.sign(dts.pae_bytes), me
    )
    blob = svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    report = validate(Bundle.from_json(blob.data), box.trust)
    assert report.passed, report.summary_zh()
    assert report.signing_method is not None
    assert report.signing_method.method == "EVENT_CERTIFICATE"
    assert report.signatures[0].algorithm == "SM2_SM3"
    svc.close()


def _sm2_csr(device: Any, common_name: str) -> bytes:
    """A PKCS#10 request for ``device``'s SM2 key, self-signed SM2-with-SM3 (standard
    signer id) — what an SM2 UKey or app sends a CA."""
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.build({"common_name": common_name}),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(device.spki_der),
            "attributes": [],
        }
    )
    return bytes(
        asn1_csr.CertificationRequest(
            {
                "certification_request_info": info,
                "signature_algorithm": {"algorithm": device.signature_algorithm_oid},
                "signature": device.sign(info.dump()),
            }
        ).dump()
    )


def _openssl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


def _gaozhi_verify(bundle: Path, trust: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "verify", str(bundle), "--trust", str(trust),
         *extra],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_r035_sm2_event_certificate_on_a_csr_signs_and_gaozhi_verify_passes(
    tmp_path: Path,
) -> None:
    """An SM2 key made with this plugin asks the event CA for its certificate with a
    PKCS#10 CSR (OpenSSL checks the CSR's SM2 self-signature too); the pledge is signed by
    three-step signing and ``gaozhi verify`` passes it as EVENT_CERTIFICATE."""
    box = Sandbox.open(applicant_signing=True)
    svc = box.svc
    box.trust.add_root(box.event_ca.sm2_root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
    notice, me = box.pledge_ready_case(["SZ-GA-HJ-001"])
    s = svc.signing.start_authentication(notice.case_no, me)
    s = svc.signing.finish_authentication(s.session_id, me)
    device = generate_key("sm2")
    csr = _sm2_csr(device, "applicant device")
    (tmp_path / "req.der").write_bytes(csr)
    checked = _openssl(
        tmp_path, "req", "-inform", "DER", "-in", "req.der", "-verify", "-noout",
        "-vfyopt", "distid:1234567812345678",
    )  # fmt: skip
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked

    cert = svc.signing.issue_event_certificate(s.session_id, me, csr=csr)
    leaf = Certificate.load(cert.certificate_chain[0])
    assert leaf["tbs_certificate"]["subject_public_key_info"].dump() == device.spki_der
    assert leaf["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    dts = svc.cases.pledge_data_to_sign(
        notice.case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    assert dts.signature_algorithm == "SM2_SM3"
    pledge = svc.cases.assemble_pledge(
        notice.case_no, dts.session_id, device.sign(dts.pae_bytes), me
    )
    blob = svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    (tmp_path / "pledge.bundle.json").write_bytes(blob.data)
    trust = box.pki.write_trust(tmp_path)
    for sub, root in (
        ("event-ca", box.event_ca.sm2_root_certificate),
        ("tsa", box.tsa.root_certificate),
    ):
        (trust / sub).mkdir()
        (trust / sub / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    out = _gaozhi_verify(tmp_path / "pledge.bundle.json", trust, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    [entry] = json.loads(out.stdout)
    report = entry["report"]
    assert report["indication"] == "TOTAL_PASSED"
    assert report["signing_method"]["method"] == "EVENT_CERTIFICATE"
    assert report["signing_method"]["verified"] is True
    assert report["signatures"][0]["algorithm"] == "SM2_SM3"
    text = _gaozhi_verify(tmp_path / "pledge.bundle.json", trust)
    assert text.returncode == 0 and "EVENT_CERTIFICATE" in text.stdout, text.stdout
    # without the SM2 event-CA anchor the auditor cannot pass it
    shutil.rmtree(trust / "event-ca")
    assert _gaozhi_verify(tmp_path / "pledge.bundle.json", trust).returncode != 0
    svc.close()


def test_r035_sm2_csr_with_a_bad_signature_or_made_by_openssl(tmp_path: Path) -> None:
    """A CSR whose SM2 self-signature does not verify is refused (GZ-SG-084); one OpenSSL
    made for its own SM2 key is certified for exactly that key."""
    box = Sandbox.open(applicant_signing=True)
    svc = box.svc
    notice, me = box.pledge_ready_case(["SZ-GA-HJ-001"])

    def authenticated() -> str:
        s = svc.signing.start_authentication(notice.case_no, me)
        return svc.signing.finish_authentication(s.session_id, me).session_id

    device = generate_key("sm2")
    forged = asn1_csr.CertificationRequest.load(_sm2_csr(device, "device"))
    other = generate_key("sm2")
    forged["signature"] = other.sign(forged["certification_request_info"].dump())
    with pytest.raises(SignatureError) as err:
        svc.signing.issue_event_certificate(authenticated(), me, csr=forged.dump(force=True))
    assert err.value.code == "GZ-SG-084"

    assert _openssl(tmp_path, "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:SM2", "-out", "k.pem").returncode == 0  # fmt: skip
    made = _openssl(
        tmp_path, "req", "-new", "-key", "k.pem", "-sm3", "-subj", "/CN=ossl",
        "-sigopt", "distid:1234567812345678", "-outform", "DER", "-out", "k.csr",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    _openssl(tmp_path, "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "k.spki")
    cert = svc.signing.issue_event_certificate(
        authenticated(), me, csr=(tmp_path / "k.csr").read_bytes()
    )
    leaf = Certificate.load(cert.certificate_chain[0])
    spki = leaf["tbs_certificate"]["subject_public_key_info"].dump()
    assert spki == (tmp_path / "k.spki").read_bytes()
    svc.close()
