"""SM2 event certificates (DESIGN §4a) and the one test PKI issuing SM2 (issue 11 item 6):
the core's TestPKI and emulated event CA make SM2 certificates with the primitives this
plugin registers (no import of the plugin by the core)."""

from __future__ import annotations

import base64

from gaozhi_sdk import SigningMethod
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
    dts = svc.signing.data_to_sign(
        notice.case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    assert dts.signature_algorithm == "SM2_SM3"
    pledge = svc.signing.assemble(notice.case_no, dts.session_id, device.sign(dts.pae_bytes), me)
    blob = svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    report = validate(Bundle.from_json(blob.data), box.trust)
    assert report.passed, report.summary_zh()
    assert report.signing_method is not None
    assert report.signing_method.method == "EVENT_CERTIFICATE"
    assert report.signatures[0].algorithm == "SM2_SM3"
    svc.close()
