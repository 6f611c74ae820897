"""How applicants sign (DESIGN §4a, R-035): event certificates, platform attestation and
window handwriting through ``svc.signing``, each verified with its method shown by
``gaozhi verify``; the attacks on each method are refused with their reasons."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from gaozhi_sdk import (
    AuthenticationOutcome,
    EventCertificateRequest,
    IssuedEventCertificate,
    PledgeService,
    SigningMethod,
    load_list,
)
from gaozhi_sdk.cli import main
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import (
    AnchorPurpose,
    Bundle,
    Indication,
    SubIndication,
    TrustStore,
    sign,
    validate,
)
from gaozhi_sdk.models import (
    CST,
    Actor,
    ActorRole,
    AuthenticationMethod,
    AuthenticationRecord,
    ProofChoice,
    ProofMode,
    ReviewRecord,
)
from gaozhi_sdk.rules import RulesConfig, SigningMethodMinimum
from gaozhi_sdk.testing import (
    EmulatedEventCA,
    EmulatedIdentityProvider,
    LocalTSA,
    SimulatedClock,
    TestPKI,
    sample_list_text,
    synthetic_applicant,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
ENTRY = "SZ-GA-HJ-001"
PLATFORM_USCC = "91110000600037341L"  # a platform (not the organ)


def _der(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _raw(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """What WebCrypto returns: raw r‖s."""
    r, s = decode_dss_signature(_der(key, data))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class Flow:
    svc: PledgeService
    clock: SimulatedClock
    pki: TestPKI
    tsa: LocalTSA
    idp: EmulatedIdentityProvider
    ca: EmulatedEventCA
    trust: TrustStore
    organ: str
    clerk: Actor
    list_id: str
    rng: random.Random

    def case(self) -> tuple[str, Actor]:
        app = synthetic_applicant(self.rng)
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        n = self.svc.cases.issue_notice(
            list_id=self.list_id, entry_ids=[ENTRY], applicant=app, actor=self.clerk
        )
        self.svc.cases.record_choices(
            n.case_no, [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)], me
        )
        return n.case_no, me

    def authenticated(self, case_no: str, me: Actor) -> str:
        s = self.svc.signing.start_authentication(case_no, me)
        s = self.svc.signing.finish_authentication(s.session_id, me)
        assert s.state == "AUTHENTICATED" and s.outcome is AuthenticationOutcome.SUCCESS
        return s.session_id

    def event_certificate(
        self, sid: str, me: Actor
    ) -> tuple[IssuedEventCertificate, ec.EllipticCurvePrivateKey]:
        """As a browser does: a key made on the device, the CA's challenge signed raw, the
        event certificate issued on the authentication session ``sid``."""
        ch = self.svc.signing.event_certificate_challenge(sid, me)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.svc.signing.issue_event_certificate(
            sid,
            me,
            public_key=_spki(key),
            challenge_id=ch.challenge_id,
            challenge_signature=_raw(key, base64.b64decode(ch.challenge)),
            signature_format="raw",
        )
        return cert, key

    def event_pledge(self, case_no: str, me: Actor) -> tuple[Any, ec.EllipticCurvePrivateKey]:
        """The browser flow: key made on the device, challenge signed raw, event
        certificate, data to sign signed raw, assembled."""
        cert, key = self.event_certificate(self.authenticated(case_no, me), me)
        dts = self.svc.cases.pledge_data_to_sign(
            case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
        )
        pledge = self.svc.cases.assemble_pledge(
            case_no, dts.session_id, _raw(key, dts.pae_bytes), me, signature_format="raw"
        )
        return pledge, key

    def stored(self, pledge_id: str) -> Bundle:
        blob = self.svc.store.get_blob(f"pledge/{pledge_id}")
        assert blob is not None
        return Bundle.from_json(blob.data)


def make_flow(tmp_path: Path, rules: RulesConfig | None = None) -> Flow:
    clock = SimulatedClock(START)
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    pki = TestPKI.create(clock=clock, not_before=START - timedelta(days=30))
    tsa = LocalTSA.create(not_before=START - timedelta(days=30), clock=clock)
    idp = EmulatedIdentityProvider(clock=clock)
    ca = EmulatedEventCA(
        {idp.name: idp.public_key},
        pki=TestPKI.create(
            name="测试事件证书 CA", clock=clock, not_before=START - timedelta(days=30)
        ),
        clock=clock,
    )
    trust = pki.trust_store()
    trust.add_root(tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    trust.add_root(ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
    svc = PledgeService.open(
        f"sqlite:///{tmp_path / 'g.db'}",
        signers={
            organ: pki.organ_seal(clist.owner_organ, organ),
            PLATFORM_USCC: pki.organ_seal("某政务服务平台", PLATFORM_USCC),
        },
        trust=trust,
        tsa=tsa,
        clock=clock,
        rules=rules,
        identity_provider=idp,
        event_ca=ca,
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS1", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF1")
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, 1, officer)
    svc.lists.publish(
        clist.list_id, 1, ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 1)), reviewer
    )
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK1", organ_uscc=organ)
    return Flow(svc, clock, pki, tsa, idp, ca, trust, organ, clerk, clist.list_id, random.Random(7))


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    yield f
    f.svc.close()


def _cli(tmp_path: Path, flow: Flow, bundle: Bundle, *extra: str) -> tuple[int, str, Any]:
    """``gaozhi verify`` in text and JSON: trust given as files, event-CA root by option."""
    path = tmp_path / "pledge.bundle.json"
    path.write_bytes(bundle.to_json())
    root = tmp_path / "root.pem"
    root.write_bytes(flow.pki.root_pem())
    tsa = tmp_path / "tsa.pem"
    tsa.write_bytes(flow.tsa.root_certificate.public_bytes(serialization.Encoding.PEM))
    ev = tmp_path / "event-ca.pem"
    ev.write_bytes(flow.ca.root_pem())
    args = ["verify", str(path), "--trust", str(root), "--tsa-trust", str(tsa)]
    args += ["--event-ca-trust", str(ev), *extra]
    return args, str(path), None


def _verify_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flow: Flow, bundle: Bundle
) -> tuple[str, dict[str, Any]]:
    args, _, _ = _cli(tmp_path, flow, bundle)
    assert main(args) == 0
    text = capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)[0]["report"]
    return text, report


# -- each method end to end -----------------------------------------------------------------


def test_r035_event_certificate_pledge_signed_as_a_browser_does_verifies_with_its_method(
    flow: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_no, me = flow.case()
    pledge, _ = flow.event_pledge(case_no, me)
    bundle = flow.stored(pledge.pledge_id)
    assert bundle.method is SigningMethod.EVENT_CERTIFICATE
    leaf = x509.load_der_x509_certificate(
        bundle.verification_material.signers[0].x509_certificate_chain[0]  # type: ignore[index]
    )
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(minutes=10)
    # the identity is in serialNumber (IDCCN-…), read by esign.identity — not the CN
    assert leaf.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == (
        f"IDCCN-{me.actor_id}"
    )
    assert me.actor_id not in str(leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    # a day later the 10-minute certificate still verifies: the organ's time-stamp proves
    # the signature was made within its validity
    flow.clock.advance(timedelta(days=1))
    report = validate(bundle, flow.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_zh()
    assert report.signing_method is not None and report.signing_method.verified
    assert report.signing_method.method == "EVENT_CERTIFICATE"
    assert any(c.name == "event_certificate" for c in report.signatures[0].checks)
    text, js = _verify_cli(capsys, tmp_path, flow, bundle)
    assert "签署方式: EVENT_CERTIFICATE (已验证)" in text and "私钥不离开申请人设备" in text
    assert js["signing_method"]["method"] == "EVENT_CERTIFICATE"
    assert js["signing_method"]["verified"] is True
    assert "private key" not in js["signing_method"]["proves"]  # Chinese first
    assert "never leaving it" in js["signing_method"]["proves_en"]
    assert flow.svc.signing.method_of(pledge.pledge_id) is SigningMethod.EVENT_CERTIFICATE


def test_r035_event_certificate_issued_on_a_csr_also_signs(flow: Flow) -> None:
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device")]))
        .sign(key, hashes.SHA256())
    )
    cert = flow.svc.signing.issue_event_certificate(
        sid, me, csr=csr.public_bytes(serialization.Encoding.DER)
    )
    dts = flow.svc.cases.pledge_data_to_sign(
        case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    pledge = flow.svc.cases.assemble_pledge(case_no, dts.session_id, _der(key, dts.pae_bytes), me)
    assert validate(flow.stored(pledge.pledge_id), flow.trust).passed


def test_r035_platform_attested_pledge_verifies_and_shows_the_authentication(
    flow: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    pledge = flow.svc.signing.attest_pledge(case_no, sid, me)
    bundle = flow.stored(pledge.pledge_id)
    assert bundle.method is SigningMethod.PLATFORM_ATTESTED
    record = AuthenticationRecord.model_validate_json(bundle.signing_method.evidence[0].payload)  # type: ignore[union-attr]
    assert record.pledge_sha256 == hashlib.sha256(bundle.payload).hexdigest()
    assert me.actor_id not in bundle.signing_method.evidence[0].payload.decode()  # type: ignore[union-attr]
    assert record.method is AuthenticationMethod.FACE_RECOGNITION
    flow.clock.advance(timedelta(days=3))
    # an auditor without the deployment key: bound to the pledge, subject not linkable
    report = validate(bundle, flow.trust)
    assert report.passed, report.summary_zh()
    ev = report.signing_method.evidence[0]  # type: ignore[union-attr]
    assert ev["authentication_method_zh"] == "人脸识别" and ev["provider"] == flow.idp.name
    assert ev["subject_binding"].startswith("not checked")
    # the service (with the key) links the subject digest to the pledgor
    with_key = validate(bundle, flow.trust, policy=flow.svc.sealer.policy)
    assert with_key.signing_method.evidence[0]["subject_binding"] == "checked"  # type: ignore[union-attr]
    text, js = _verify_cli(capsys, tmp_path, flow, bundle)
    assert "签署方式: PLATFORM_ATTESTED (已验证)" in text and "人脸识别" in text
    assert js["signing_method"]["evidence"][0]["transaction_id"] == record.transaction_id


def test_r035_window_handwritten_pledge_binds_the_image_and_verifies(
    flow: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_no, _ = flow.case()
    image = b"\x89PNG\r\n\x1a\n signature pad strokes"
    pledge = flow.svc.signing.window_pledge(case_no, flow.clerk, image=image)
    bundle = flow.stored(pledge.pledge_id)
    assert flow.svc.signing.signature_image(pledge.pledge_id) == image
    report = validate(bundle, flow.trust)
    assert report.passed, report.summary_zh()
    ev = report.signing_method.evidence[0]  # type: ignore[union-attr]
    assert ev["image_sha256"] == hashlib.sha256(image).hexdigest() and ev["clerk_id"] == "CK1"
    text, js = _verify_cli(capsys, tmp_path, flow, bundle)
    assert "签署方式: WINDOW_HANDWRITTEN (已验证)" in text
    assert js["signing_method"]["method"] == "WINDOW_HANDWRITTEN"


def test_r035_statistics_count_pledges_by_signing_method(flow: Flow) -> None:
    c1, me1 = flow.case()
    flow.event_pledge(c1, me1)
    c2, me2 = flow.case()
    flow.svc.signing.attest_pledge(c2, flow.authenticated(c2, me2), me2)
    c3, _ = flow.case()
    flow.svc.signing.window_pledge(c3, flow.clerk, image=b"png")
    c4, me4 = flow.case()
    pledge = flow.svc.cases.draft_pledge(c4)
    own = flow.pki.applicant("申请人 (测试)", me4.actor_id)
    flow.svc.cases.submit_pledge(sign(pledge, own), me4)
    assert flow.svc.statistics().pledges_by_signing_method == {
        "CERTIFICATE": 1,
        "EVENT_CERTIFICATE": 1,
        "PLATFORM_ATTESTED": 1,
        "WINDOW_HANDWRITTEN": 1,
    }
    # a version-1 bundle without the field reads as CERTIFICATE
    report = validate(flow.stored(pledge.pledge_id), flow.trust)
    assert report.signing_method is not None
    assert (report.signing_method.method, report.signing_method.recorded) == ("CERTIFICATE", False)


# -- attacks ------------------------------------------------------------------------------


def test_r035_authentication_record_of_another_pledge_is_refused(flow: Flow) -> None:
    c1, me1 = flow.case()
    p1 = flow.svc.signing.attest_pledge(c1, flow.authenticated(c1, me1), me1)
    stolen = flow.stored(p1.pledge_id).signing_method.evidence  # type: ignore[union-attr]
    c2, me2 = flow.case()
    pledge2 = flow.svc.cases.draft_pledge(c2)
    seal = flow.svc.sealer.signer_for(flow.organ)
    forged = sign(pledge2, seal).with_signing_method(SigningMethod.PLATFORM_ATTESTED, stolen)
    report = validate(forged, flow.trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE
    assert "另一份承诺书" in (report.problems()[0].message or "")
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(forged, me2)
    assert err.value.code == "GZ-SG-020"


def test_r035_authentication_record_for_another_subject_is_refused(flow: Flow) -> None:
    c1, me1 = flow.case()
    pledge = flow.svc.cases.draft_pledge(c1)
    seal = flow.svc.sealer.signer_for(flow.organ)
    someone_else = synthetic_applicant(random.Random(99)).id_number
    record = AuthenticationRecord(
        record_id="AUR-X",
        pledge_sha256=hashlib.sha256(sign(pledge, seal).payload).hexdigest(),
        subject_digest=flow.svc.subject_digest(someone_else),
        method=AuthenticationMethod.SMS_CODE,
        provider="x",
        transaction_id="T1",
        authenticated_at=START,
        assurance_level="LOW",
        platform_uscc=flow.organ,
    )
    bundle = sign(pledge, seal).with_signing_method(
        SigningMethod.PLATFORM_ATTESTED, (sign(record, seal, tsa=flow.tsa),)
    )
    report = validate(bundle, flow.trust, policy=flow.svc.sealer.policy)
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    assert "不是本承诺书的承诺人" in (report.problems()[0].message or "")
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(bundle, me1)
    assert err.value.code in ("GZ-SG-050", "GZ-SG-020")


def test_r035_event_certificate_outside_its_validity_at_the_proven_time_fails(
    flow: Flow,
) -> None:
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    ch = flow.svc.signing.event_certificate_challenge(sid, me)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = flow.svc.signing.issue_event_certificate(
        sid,
        me,
        public_key=_spki(key),
        challenge_id=ch.challenge_id,
        challenge_signature=_der(key, base64.b64decode(ch.challenge)),
    )
    dts = flow.svc.cases.pledge_data_to_sign(
        case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    flow.clock.advance(timedelta(minutes=11))
    with pytest.raises(GaozhiError) as err:  # the service refuses it at receipt
        flow.svc.cases.assemble_pledge(case_no, dts.session_id, _der(key, dts.pae_bytes), me)
    assert err.value.code == "GZ-SG-020"
    # and a bundle time-stamped after expiry is TOTAL_FAILED/EXPIRED for any auditor
    signer_chain = tuple(x509.load_der_x509_certificate(d) for d in cert.certificate_chain)
    from gaozhi_sdk.esign.keys import EcdsaP256Signer

    late = sign(
        flow.svc.cases.draft_pledge(case_no, signed_at=flow.clock()),
        EcdsaP256Signer(key, signer_chain),
        tsa=flow.tsa,
    ).with_signing_method(SigningMethod.EVENT_CERTIFICATE)
    report = validate(late, flow.trust)
    assert report.indication is Indication.TOTAL_FAILED
    bad = {c.name: c for c in report.signatures[0].checks}["event_certificate"]
    assert bad.sub_indication is SubIndication.EXPIRED


def test_r035_event_certificate_of_a_ca_not_anchored_for_event_certificates_fails(
    flow: Flow,
) -> None:
    """A CA the auditor trusts for document signing is not thereby an event-certificate
    CA, and an event CA is no document-signing CA."""
    case_no, me = flow.case()
    rogue = EmulatedEventCA({flow.idp.name: flow.idp.public_key}, pki=flow.pki, clock=flow.clock)
    s = flow.svc.signing.start_authentication(case_no, me)
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    token = flow.svc.store.get("auth_session", s.session_id).doc["token"]  # type: ignore[union-attr]
    key = ec.generate_private_key(ec.SECP256R1())
    ch = rogue.challenge()
    cert = rogue.issue(
        EventCertificateRequest(
            authentication_token=token,
            public_key=_spki(key),
            challenge_id=ch.challenge_id,
            challenge_signature=_der(key, base64.b64decode(ch.challenge)),
        )
    )
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.pledge_data_to_sign(
            case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
        )
    assert err.value.code == "GZ-SG-071"
    chain = tuple(x509.load_der_x509_certificate(d) for d in cert.certificate_chain)
    from gaozhi_sdk.esign.keys import EcdsaP256Signer

    bundle = sign(
        flow.svc.cases.draft_pledge(case_no), EcdsaP256Signer(key, chain), tsa=flow.tsa
    ).with_signing_method(SigningMethod.EVENT_CERTIFICATE)
    report = validate(bundle, flow.trust)
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    # the genuine event CA's certificate does not pass as the applicant's own certificate
    pledge, _ = flow.event_pledge(*flow.case())
    stripped = flow.stored(pledge.pledge_id).model_copy(update={"signing_method": None})
    assert validate(stripped, flow.trust).sub_indication is (
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    )


def test_r035_authentication_token_is_used_once(flow: Flow) -> None:
    case_no, me = flow.case()
    s = flow.svc.signing.start_authentication(case_no, me)
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    token = flow.svc.store.get("auth_session", s.session_id).doc["token"]  # type: ignore[union-attr]

    def request() -> EventCertificateRequest:
        key = ec.generate_private_key(ec.SECP256R1())
        ch = flow.ca.challenge()
        return EventCertificateRequest(
            authentication_token=token,
            public_key=_spki(key),
            challenge_id=ch.challenge_id,
            challenge_signature=_der(key, base64.b64decode(ch.challenge)),
        )

    flow.ca.issue(request())
    with pytest.raises(GaozhiError) as err:
        flow.ca.issue(request())
    assert err.value.code == "GZ-SG-082"
    # through the service the session is spent as well
    sid = flow.authenticated(case_no, me)
    key = ec.generate_private_key(ec.SECP256R1())
    ch = flow.svc.signing.event_certificate_challenge(sid, me)
    kw: dict[str, Any] = {
        "public_key": _spki(key),
        "challenge_id": ch.challenge_id,
        "challenge_signature": _der(key, base64.b64decode(ch.challenge)),
    }
    flow.svc.signing.issue_event_certificate(sid, me, **kw)
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.issue_event_certificate(sid, me, **kw)
    assert err.value.code == "GZ-SG-087"


def test_r035_expired_token_and_bad_proof_of_possession_are_refused(flow: Flow) -> None:
    case_no, me = flow.case()
    s = flow.svc.signing.start_authentication(case_no, me)
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    token = flow.svc.store.get("auth_session", s.session_id).doc["token"]  # type: ignore[union-attr]
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ch = flow.ca.challenge()
    with pytest.raises(GaozhiError) as err:  # signed with another key: no possession
        flow.ca.issue(
            EventCertificateRequest(
                authentication_token=token,
                public_key=_spki(key),
                challenge_id=ch.challenge_id,
                challenge_signature=_der(other, base64.b64decode(ch.challenge)),
            )
        )
    assert err.value.code == "GZ-SG-084"
    with pytest.raises(GaozhiError) as err:  # the challenge was consumed
        flow.ca.issue(
            EventCertificateRequest(
                authentication_token=token,
                public_key=_spki(key),
                challenge_id=ch.challenge_id,
                challenge_signature=_der(key, base64.b64decode(ch.challenge)),
            )
        )
    assert err.value.code == "GZ-SG-083"
    body, _, sig = token.partition(".")
    with pytest.raises(GaozhiError) as err:  # a token altered by the holder
        flow.ca.issue(EventCertificateRequest(authentication_token=body + "x." + sig))
    assert err.value.code == "GZ-SG-080"
    flow.clock.advance(timedelta(minutes=6))
    ch = flow.ca.challenge()
    with pytest.raises(GaozhiError) as err:
        flow.ca.issue(
            EventCertificateRequest(
                authentication_token=token,
                public_key=_spki(key),
                challenge_id=ch.challenge_id,
                challenge_signature=_der(key, base64.b64decode(ch.challenge)),
            )
        )
    assert err.value.code == "GZ-SG-081"


def test_r035_platform_seal_claiming_event_certificate_or_certificate_is_refused(
    flow: Flow,
) -> None:
    case_no, me = flow.case()
    pledge = flow.svc.signing.attest_pledge(case_no, flow.authenticated(case_no, me), me)
    genuine = flow.stored(pledge.pledge_id)
    as_event = genuine.with_signing_method(SigningMethod.EVENT_CERTIFICATE)
    report = validate(as_event, flow.trust)
    assert report.indication is not Indication.TOTAL_PASSED
    assert report.sub_indication in (
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        SubIndication.SIGNER_NOT_AUTHORISED,
    )
    as_certificate = genuine.model_copy(update={"signing_method": None})
    assert validate(as_certificate, flow.trust).sub_indication is (
        SubIndication.SIGNER_NOT_AUTHORISED
    )
    # a window claim with the platform's authentication record is refused too
    as_window = genuine.with_signing_method(
        SigningMethod.WINDOW_HANDWRITTEN,
        genuine.signing_method.evidence,  # type: ignore[union-attr]
    )
    assert validate(as_window, flow.trust).sub_indication is SubIndication.FORMAT_FAILURE


def test_r035_platform_attestation_needs_a_platform_anchor(flow: Flow) -> None:
    """A platform other than the organ attests only if the auditor trusts its seal's root
    for platform attestation."""
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    with pytest.raises(GaozhiError) as err:  # the service's trust has no platform anchor
        flow.svc.signing.attest_pledge(case_no, sid, me, platform_uscc=PLATFORM_USCC)
    assert err.value.code == "GZ-SG-050"
    # the bundle the platform made, judged by an auditor with and without the anchor
    pledge = flow.svc.cases.draft_pledge(case_no)
    seal = flow.svc.sealer.signer_for(PLATFORM_USCC)
    record = AuthenticationRecord(
        record_id="AUR-P",
        pledge_sha256=hashlib.sha256(sign(pledge, seal).payload).hexdigest(),
        subject_digest=flow.svc.subject_digest(me.actor_id),
        method=AuthenticationMethod.SOCIAL_SECURITY_CARD,
        provider="x",
        transaction_id="T2",
        authenticated_at=START,
        assurance_level="SUBSTANTIAL",
        platform_uscc=PLATFORM_USCC,
    )
    bundle = sign(pledge, seal).with_signing_method(
        SigningMethod.PLATFORM_ATTESTED, (sign(record, seal, tsa=flow.tsa),)
    )
    assert not validate(bundle, flow.trust).passed
    trusting = TrustStore([flow.pki.root_certificate], tsa_roots=[flow.tsa.root_certificate])
    trusting.add_root(flow.pki.root_certificate, purposes=AnchorPurpose.PLATFORM_ATTESTATION)
    assert validate(bundle, trusting).passed


def test_r035_below_minimum_signing_method_is_refused_with_its_code(tmp_path: Path) -> None:
    rules = RulesConfig(
        signing_method_minimums=(
            SigningMethodMinimum(entry_id=ENTRY, minimum=SigningMethod.EVENT_CERTIFICATE),
        )
    )
    f = make_flow(tmp_path, rules)
    try:
        case_no, me = f.case()
        sid = f.authenticated(case_no, me)
        with pytest.raises(GaozhiError) as err:
            f.svc.signing.attest_pledge(case_no, sid, me)
        assert err.value.code == "GZ-RL-222"
        assert err.value.details == {"minimum": "EVENT_CERTIFICATE", "method": "PLATFORM_ATTESTED"}
        assert "EVENT_CERTIFICATE" in err.value.message and err.value.message_en
        with pytest.raises(GaozhiError) as err:
            f.svc.signing.window_pledge(case_no, f.clerk, image=b"png")
        assert err.value.code == "GZ-RL-222"
        refused = [e for e in f.svc.store.journal() if e.outcome == "REFUSED"]
        assert refused and (refused[-1].detail or {}).get("code") == "GZ-RL-222"
        # the event certificate and the applicant's own certificate meet the minimum
        pledge, _ = f.event_pledge(case_no, me)
        assert f.svc.signing.method_of(pledge.pledge_id) is SigningMethod.EVENT_CERTIFICATE
    finally:
        f.svc.close()


@pytest.mark.parametrize("missing", ["authenticated_at", "assurance_level"])
def test_r035_a_provider_success_without_time_or_level_is_refused(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """A faulty identity-provider plugin answering SUCCESS without the authentication time
    or assurance level is refused with a coded error (GZ-SG-088), never a crash later when
    the platform attests the pledge; the session stays unauthenticated."""
    case_no, me = flow.case()
    real = flow.idp.finish

    def incomplete(sid: str, response: Any) -> Any:
        return real(sid, response).model_copy(update={missing: None})

    monkeypatch.setattr(flow.idp, "finish", incomplete)
    s = flow.svc.signing.start_authentication(case_no, me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.finish_authentication(s.session_id, me)
    assert err.value.code == "GZ-SG-088" and "assurance level" in (err.value.message_en or "")
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.attest_pledge(case_no, s.session_id, me)
    assert err.value.code == "GZ-SG-087"  # not authenticated: nothing to attest


def test_r035_failed_authentications_give_no_certificate(flow: Flow) -> None:
    case_no, me = flow.case()
    flow.idp.script(me.actor_id, AuthenticationOutcome.FACE_MISMATCH)
    s = flow.svc.signing.start_authentication(case_no, me)
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    assert (s.state, s.outcome) == ("FAILED", AuthenticationOutcome.FACE_MISMATCH)
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.event_certificate_challenge(s.session_id, me)
    assert err.value.code == "GZ-SG-087"
    flow.idp.script(me.actor_id, AuthenticationOutcome.SUCCESS)
    s = flow.svc.signing.start_authentication(case_no, me)
    flow.clock.advance(timedelta(minutes=4))  # the provider's session lasts 3 minutes
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    assert s.outcome is AuthenticationOutcome.TIMEOUT
    s = flow.svc.signing.start_authentication(case_no, me, method=AuthenticationMethod.SMS_CODE)
    s = flow.svc.signing.finish_authentication(s.session_id, me, {"code": "000000x"})
    assert s.outcome is AuthenticationOutcome.WRONG_CODE
    # another applicant cannot use this case's sessions
    other_case, other = flow.case()
    sid = flow.authenticated(case_no, me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.event_certificate_challenge(sid, other)
    assert err.value.code == "GZ-SG-087"
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.attest_pledge(other_case, sid, me)
    assert err.value.code == "GZ-SG-087"


def test_r035_signing_method_on_a_non_pledge_or_evidence_on_a_certificate_is_malformed(
    flow: Flow,
) -> None:
    case_no, me = flow.case()
    notice_blob = next(b for b in flow.svc.store.list_blobs("bundle") if b.id.startswith("notice/"))
    notice = Bundle.from_json(notice_blob.data)
    claimed = notice.with_signing_method(SigningMethod.CERTIFICATE)
    assert validate(claimed, flow.trust).sub_indication is SubIndication.FORMAT_FAILURE
    pledge = flow.svc.cases.draft_pledge(case_no)
    own = sign(pledge, flow.pki.applicant("申请人 (测试)", me.actor_id))
    extra = own.with_signing_method(SigningMethod.CERTIFICATE, (notice,))
    assert validate(extra, flow.trust).sub_indication is SubIndication.FORMAT_FAILURE
    # and the JSON form round-trips and is strict
    assert Bundle.from_json(extra.to_json()) == extra
    data = json.loads(own.to_json())
    data["signingMethod"] = {"method": "TELEPATHY"}
    with pytest.raises(GaozhiError) as err:
        Bundle.from_json(json.dumps(data))
    assert err.value.code == "GZ-SG-105"


# -- seams ----------------------------------------------------------------------------------


def test_r035_plugins_offer_the_identity_provider_and_their_results_are_checked(
    tmp_path: Path,
) -> None:
    from gaozhi_sdk import hookimpl
    from gaozhi_sdk.plugins import PluginHost

    idp = EmulatedIdentityProvider(name="province-face")

    class Good:
        @hookimpl
        def gaozhi_identity_provider(self, name: str | None) -> Any:
            return idp if name in (None, idp.name) else None

    class Bad:
        @hookimpl
        def gaozhi_event_certificate_authority(self, name: str | None) -> Any:
            return object()  # not an EventCertificateAuthority

    host = PluginHost(load_entrypoints=False, env={})
    host.register(Good(), name="good")
    assert host.identity_provider() is idp and host.identity_provider("other") is None
    svc = PledgeService.open(f"sqlite:///{tmp_path / 'h.db'}", host=host)
    assert svc.identity_provider is idp and svc.event_ca is None
    svc.close()
    host.register(Bad(), name="bad")
    with pytest.raises(GaozhiError) as err:
        host.event_certificate_authority()
    assert err.value.code == "GZ-PL-006"


def test_r035_evidence_package_of_an_event_certificate_pledge_audits_with_event_ca_anchors(
    flow: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An auditor of an evidence package names the event CA as an event-certificate
    anchor (``gaozhi audit --event-ca-trust``); without it the pledge has no chain."""
    from gaozhi_sdk.evidence import audit_evidence, export_evidence

    case_no, me = flow.case()
    flow.event_pledge(case_no, me)
    flow.svc.checkpoint_journal(flow.organ, Actor(role=ActorRole.SYSTEM, actor_id="system"))
    out = tmp_path / "evidence.zip"
    root = flow.pki.root_pem()
    tsa_root = flow.tsa.root_certificate.public_bytes(serialization.Encoding.PEM)
    export_evidence(
        flow.svc.store,
        case_no,
        out,
        signer=flow.svc.sealer.signer_for(flow.organ),
        trust_pems=[root],
        tsa_trust_pems=[tsa_root],
    )
    common: dict[str, Any] = {
        "trust_pems": [root],
        "tsa_trust_pems": [tsa_root],
        "organ_uscc": [flow.organ],
    }
    with_anchor = audit_evidence(
        out, method_trust_pems={"event_certificate": [flow.ca.root_pem()]}, **common
    )
    assert with_anchor.exit_code == 0, with_anchor.checks
    without = audit_evidence(out, **common)
    assert without.exit_code != 0
    (tmp_path / "root.pem").write_bytes(root)
    (tmp_path / "tsa.pem").write_bytes(tsa_root)
    (tmp_path / "event-ca.pem").write_bytes(flow.ca.root_pem())
    args = ["audit", str(out), "--trust", str(tmp_path / "root.pem")]
    args += ["--tsa-trust", str(tmp_path / "tsa.pem"), "--organ", flow.organ]
    assert main([*args, "--event-ca-trust", str(tmp_path / "event-ca.pem")]) == 0
    capsys.readouterr()


def test_r024_platform_attested_proxy_pledge_needs_the_applicants_signed_grant(
    flow: Flow,
) -> None:
    """R-024 with R-035: a platform attests that the *proxy* authenticated, which says nothing
    about whether the applicant authorised them. A PLATFORM_ATTESTED pledge naming a proxy is
    refused (GZ-SG-050, nothing stored) unless it carries the special authorisation signed by
    the applicant; with the grant it verifies."""
    from gaozhi_sdk.models import Proxy, SpecialAuthorization

    app = synthetic_applicant(flow.rng)
    n = flow.svc.cases.issue_notice(
        list_id=flow.list_id, entry_ids=[ENTRY], applicant=app, actor=flow.clerk
    )
    entry = next(e for e in flow.svc.lists.published(flow.list_id).entries if e.entry_id == ENTRY)
    party = synthetic_applicant(flow.rng)
    today = flow.clock().date()
    proxy = Proxy(
        party=party,
        authorization=SpecialAuthorization(
            authorization_id="SQ-PA-1",
            grantor_id_number=app.id_number,
            matter_code=entry.matter_code,
            entry_ids=(ENTRY,),
            valid_from=today,
            valid_to=today + timedelta(days=30),
            express_pledge_authority=True,
            document_ref="特别授权委托书",
        ),
    )
    me = Actor(role=ActorRole.PROXY, actor_id=party.id_number)
    grant = flow.svc.cases.authorization_to_sign(n.case_no, proxy)
    own = flow.pki.applicant(
        "申请人",
        app.id_number,
        not_before=START - timedelta(days=1),
        not_after=START + timedelta(days=365),
    )
    granted = proxy.with_signed_grant(sign(grant, own).to_json())
    choose = [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)]
    with pytest.raises(GaozhiError) as ei:  # the proxy's own word does not choose either
        flow.svc.cases.record_choices(n.case_no, choose, me, proxy=proxy)
    assert ei.value.code == "GZ-AU-011"
    flow.svc.cases.record_choices(n.case_no, choose, me, proxy=granted)

    def attested(px: Proxy) -> Any:
        s = flow.svc.signing.start_authentication(n.case_no, me, proxy=px)
        s = flow.svc.signing.finish_authentication(s.session_id, me)
        return flow.svc.signing.attest_pledge(n.case_no, s.session_id, me)

    with pytest.raises(GaozhiError) as ei:  # the proxy's own word: not even authenticated
        attested(proxy)
    assert ei.value.code == "GZ-AU-011"
    assert "特别授权书" in str(ei.value) or "grant" in (ei.value.message_en or "")
    assert flow.svc.cases.get(n.case_no).pledge_id is None
    # a platform sealing the proxy's pledge without the grant anyway: the service refuses
    # the proxy (GZ-AU-011) and a verifier does not pass it (the strict policy)
    seal = flow.svc.sealer.signer_for(flow.organ)
    bare = flow.svc.cases.draft_pledge(n.case_no, proxy=proxy)
    record = AuthenticationRecord(
        record_id="AUR-PX-1",
        pledge_sha256=hashlib.sha256(sign(bare, seal).payload).hexdigest(),
        subject_digest=flow.svc.subject_digest(party.id_number),
        method=AuthenticationMethod.FACE_RECOGNITION,
        provider=flow.idp.name,
        transaction_id="TXN-PX-1",
        authenticated_at=flow.clock(),
        assurance_level="HIGH",
        platform_uscc=flow.organ,
    )
    sealed = sign(bare, seal).with_signing_method(
        SigningMethod.PLATFORM_ATTESTED, (sign(record, seal, tsa=flow.tsa),)
    )
    with pytest.raises(GaozhiError) as ei:
        flow.svc.cases.submit_pledge(sealed, me)
    assert ei.value.code == "GZ-AU-011"
    assert "特别授权书" in str(ei.value) or "grant" in (ei.value.message_en or "")
    assert flow.svc.cases.get(n.case_no).pledge_id is None
    report = validate(sealed, trust=flow.trust, at=flow.clock())
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED, report.to_text()
    assert "特别授权书" in (report.problems()[0].message or "")

    pledge = attested(granted)
    report = validate(flow.stored(pledge.pledge_id), trust=flow.trust, at=flow.clock())
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    assert report.signing_method is not None
    assert report.signing_method.method == SigningMethod.PLATFORM_ATTESTED.value
