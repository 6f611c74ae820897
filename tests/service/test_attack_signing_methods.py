"""Attacker review of the signing methods (Issue 14, DESIGN §4a, R-035): an outsider with
genuine pieces (the organ's and a platform's seals, an applicant's event certificate, a
clerk's or the applicant's own certificate) tries to make a pledge read as signed by a
stronger method than was used, or to move evidence between pledges, cases and organs.
Every forgery here must stay unaccepted by ``validate`` (the auditor) and, where it goes
through the service, by ``submit_pledge``; the genuine bundles they start from pass."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from gaozhi_sdk import SigningMethod
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import (
    AnchorPurpose,
    Bundle,
    EcdsaP256Signer,
    Indication,
    SubIndication,
    TrustStore,
    payload_model,
    sign,
    timestamp_bundle,
    validate,
)
from gaozhi_sdk.ids import resident_id_check_char, uscc_check_char
from gaozhi_sdk.models import (
    Actor,
    ActorRole,
    Applicant,
    IdType,
    PartyType,
    Proxy,
    SpecialAuthorization,
    WindowAttestation,
)
from gaozhi_sdk.rules import RulesConfig, SigningMethodMinimum
from gaozhi_sdk.testing import LocalTSA, SimulatedClock

from .test_signing_methods import ENTRY, START, Flow, make_flow

_B = "11100000000099991"
ORGAN_B = _B + uscc_check_char(_B)  # another organ, whose seal the auditor also trusts
_C = "11010519700101005"
CLERK_ID = _C + resident_id_check_char(_C)  # the window clerk as a person


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    yield f
    f.svc.close()


def _not_passed(bundle: Bundle, trust: TrustStore) -> Indication:
    report = validate(bundle, trust)
    assert report.indication is not Indication.TOTAL_PASSED, report.summary_en()
    return report.indication


def _event_chain(flow: Flow, bundle: Bundle) -> tuple[x509.Certificate, ...]:
    ders = bundle.verification_material.signers[0].chain_der
    return tuple(x509.load_der_x509_certificate(d) for d in ders)


def test_r035_stripping_window_evidence_does_not_make_the_organ_seal_a_certificate(
    flow: Flow,
) -> None:
    case_no, _ = flow.case()
    pledge = flow.svc.signing.window_pledge(case_no, flow.clerk, image=b"\x89PNG pad")
    genuine = flow.stored(pledge.pledge_id)
    assert validate(genuine, flow.trust).passed
    stripped = genuine.model_copy(update={"signing_method": None})
    assert stripped.method is SigningMethod.CERTIFICATE
    report = validate(stripped, flow.trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    # claimed as EVENT_CERTIFICATE (no evidence needed) the organ seal chains to no event CA
    _not_passed(genuine.with_signing_method(SigningMethod.EVENT_CERTIFICATE), flow.trust)


def test_r035_event_certificate_relabelled_certificate_or_used_for_another_applicant(
    flow: Flow,
) -> None:
    c1, me1 = flow.case()
    p1, key = flow.event_pledge(c1, me1)
    genuine = flow.stored(p1.pledge_id)
    assert validate(genuine, flow.trust).passed
    # stronger claim: CERTIFICATE — the event CA is no document-signing anchor
    upgraded = genuine.model_copy(update={"signing_method": None})
    report = validate(upgraded, flow.trust)
    assert report.indication is not Indication.TOTAL_PASSED
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    # A's event certificate signing B's pledge, time-stamped within its ten minutes
    c2, me2 = flow.case()
    signer = EcdsaP256Signer(key, _event_chain(flow, genuine))
    forged = sign(flow.svc.cases.draft_pledge(c2), signer, tsa=flow.tsa).with_signing_method(
        SigningMethod.EVENT_CERTIFICATE
    )
    report = validate(forged, flow.trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(forged, me2)
    assert err.value.code in ("GZ-SG-020", "GZ-SG-050")


@pytest.mark.parametrize("purpose", [AnchorPurpose.DOCUMENT_SIGNING, AnchorPurpose.TIME_STAMPING])
def test_r035_event_ca_anchored_for_another_purpose_vouches_for_no_event_certificate(
    flow: Flow, purpose: AnchorPurpose
) -> None:
    case_no, me = flow.case()
    pledge, _ = flow.event_pledge(case_no, me)
    genuine = flow.stored(pledge.pledge_id)
    trust = TrustStore([flow.pki.root_certificate], tsa_roots=[flow.tsa.root_certificate])
    trust.add_root(flow.ca.root_certificate, purposes=purpose)
    _not_passed(genuine, trust)
    # and the document-signing root anchored as event CA does not make the organ's seal
    # (or an applicant's long-lived certificate) an event certificate
    trust2 = TrustStore(tsa_roots=[flow.tsa.root_certificate])
    trust2.add_root(flow.pki.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
    own = sign(
        flow.svc.cases.draft_pledge(flow.case()[0]),
        flow.pki.applicant("申请人 (测试)", me.actor_id),
        tsa=flow.tsa,
    )
    _not_passed(own.with_signing_method(SigningMethod.EVENT_CERTIFICATE), trust2)


def test_r035_window_attestation_by_another_organ_a_clerk_or_the_applicant_is_refused(
    flow: Flow,
) -> None:
    case_no, me = flow.case()
    pledge = flow.svc.cases.draft_pledge(case_no)
    pledge_sha = hashlib.sha256(sign(pledge, flow.svc.sealer.signer_for(flow.organ)).payload)

    def attestation(organ: str) -> WindowAttestation:
        return WindowAttestation(
            attestation_id="WIN-X",
            pledge_sha256=pledge_sha.hexdigest(),
            subject_digest=flow.svc.subject_digest(me.actor_id),
            organ_uscc=organ,
            clerk_id="CK1",
            identity_document="居民身份证原件",
            kind="SIGNATURE_PAD",
            image_sha256="0" * 64,
            image_media_type="image/png",
            attested_at=flow.clock(),
        )

    other_organ = flow.pki.organ_seal("另一机关", ORGAN_B)
    clerk_cert = flow.pki.applicant("窗口人员 CK1", CLERK_ID)
    own = flow.pki.applicant("申请人 (测试)", me.actor_id)
    seal = flow.svc.sealer.signer_for(flow.organ)
    for ev_signer, organ in (
        (other_organ, ORGAN_B),  # another organ's genuine seal, naming itself
        (other_organ, flow.organ),  # another organ's seal naming the pledge's organ
        (clerk_cert, flow.organ),  # the clerk's personal certificate
        (own, flow.organ),  # the applicant vouching for themself
    ):
        evidence = sign(attestation(organ), ev_signer, tsa=flow.tsa)
        for pledge_signer in (seal, other_organ):
            forged = sign(pledge, pledge_signer).with_signing_method(
                SigningMethod.WINDOW_HANDWRITTEN, (evidence,)
            )
            _not_passed(forged, flow.trust)
    # the genuine one (organ's seal on both) passes: the test can tell them apart
    good = sign(pledge, seal).with_signing_method(
        SigningMethod.WINDOW_HANDWRITTEN, (sign(attestation(flow.organ), seal, tsa=flow.tsa),)
    )
    assert validate(good, flow.trust).passed


def test_r035_authentication_record_self_signed_or_replayed_across_cases_is_refused(
    flow: Flow,
) -> None:
    c1, me1 = flow.case()
    p1 = flow.svc.signing.attest_pledge(c1, flow.authenticated(c1, me1), me1)
    genuine = flow.stored(p1.pledge_id)
    assert validate(genuine, flow.trust).passed
    record = genuine.signing_method.evidence[0]  # type: ignore[union-attr]
    # a second copy of the genuine record, or a duplicate, is not "exactly one"
    doubled = genuine.with_signing_method(SigningMethod.PLATFORM_ATTESTED, (record, record))
    assert validate(doubled, flow.trust).sub_indication is SubIndication.FORMAT_FAILURE
    # the same record re-signed by the applicant or by a self-made key is not the platform's
    own = flow.pki.applicant("申请人 (测试)", me1.actor_id)
    doc = payload_model(record)
    for ev_signer in (own, flow.pki.organ_seal("另一机关", ORGAN_B)):
        forged = genuine.with_signing_method(
            SigningMethod.PLATFORM_ATTESTED,
            (sign(doc, ev_signer),),  # type: ignore[arg-type]
        )
        _not_passed(forged, flow.trust)
    # unknown fields inside signingMethod are refused, not ignored
    data = json.loads(genuine.to_json())
    data["signingMethod"]["assurance"] = "HIGH"
    with pytest.raises(GaozhiError):
        Bundle.from_json(json.dumps(data))


def test_r035_below_minimum_pledge_relabelled_to_meet_it_is_refused_at_submission(
    tmp_path: Path,
) -> None:
    """A minimum of CERTIFICATE; the attacker holds a genuine organ-sealed pledge and
    claims CERTIFICATE (no evidence) so that the minimum check lets it through: the
    signature check behind it refuses it, nothing is stored."""
    rules = RulesConfig(
        signing_method_minimums=(
            SigningMethodMinimum(entry_id=ENTRY, minimum=SigningMethod.CERTIFICATE),
        )
    )
    f = make_flow(tmp_path, rules)
    try:
        case_no, me = f.case()
        seal = f.svc.sealer.signer_for(f.organ)
        sealed = sign(f.svc.cases.draft_pledge(case_no), seal)
        with pytest.raises(GaozhiError) as err:
            f.svc.cases.submit_pledge(sealed.with_signing_method(SigningMethod.CERTIFICATE), me)
        assert err.value.code in ("GZ-SG-020", "GZ-SG-050")
        with pytest.raises(GaozhiError) as err:  # below the minimum as claimed
            f.svc.cases.submit_pledge(
                sealed.with_signing_method(SigningMethod.EVENT_CERTIFICATE), me
            )
        assert err.value.code == "GZ-RL-222"
        with pytest.raises(GaozhiError) as err:
            f.svc.cases.submit_pledge(sealed, me)  # no field at all: reads as CERTIFICATE
        assert err.value.code in ("GZ-SG-020", "GZ-SG-050")
        assert f.svc.cases.get(case_no).pledge_id is None
    finally:
        f.svc.close()


def _untimed(bundle: Bundle) -> Bundle:
    signers = tuple(
        m.model_copy(update={"timestamps": None}) for m in bundle.verification_material.signers
    )
    material = bundle.verification_material.model_copy(update={"signers": signers})
    return bundle.model_copy(update={"verification_material": material})


@pytest.mark.parametrize(
    ("shift", "sub"),
    [
        (timedelta(hours=-1), SubIndication.NOT_YET_VALID),  # stamped before issue
        (timedelta(minutes=11), SubIndication.EXPIRED),  # stamped after the ten minutes
    ],
)
def test_r035_event_certificate_time_stamped_outside_its_validity_by_a_trusted_tsa_fails(
    flow: Flow, shift: timedelta, sub: SubIndication
) -> None:
    """The genuine event-certificate pledge re-stamped by a TSA the auditor trusts, whose
    clock says a time outside the certificate's validity."""
    case_no, me = flow.case()
    pledge, _ = flow.event_pledge(case_no, me)
    genuine = flow.stored(pledge.pledge_id)
    assert validate(genuine, flow.trust).passed
    other_clock = SimulatedClock(flow.clock() + shift)
    other_tsa = LocalTSA.create(not_before=START - timedelta(days=30), clock=other_clock)
    trust = TrustStore(
        [flow.pki.root_certificate],
        tsa_roots=[flow.tsa.root_certificate, other_tsa.root_certificate],
        event_cas=[flow.ca.root_certificate],
    )
    restamped = timestamp_bundle(_untimed(genuine), other_tsa)
    report = validate(restamped, trust)
    assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
    check = {c.name: c for c in report.signatures[0].checks}["event_certificate"]
    assert check.sub_indication is sub
    # with no time-stamp at all, the verifier's clock (months later) is outside the ten minutes
    assert validate(_untimed(genuine), trust).indication is not Indication.TOTAL_PASSED


_P = "32010219800101001"
PROXY_ID = _P + resident_id_check_char(_P)


def test_r024_a_self_declared_special_authorisation_does_not_let_a_stranger_pledge(
    flow: Flow,
) -> None:
    case_no, _ = flow.case()  # the applicant chose to pledge; they granted nobody anything
    case = flow.svc.cases.get(case_no)
    stranger = Actor(role=ActorRole.PROXY, actor_id=PROXY_ID)
    proxy = Proxy(
        party=Applicant(
            party_type=PartyType.CITIZEN,
            name="李四",
            id_type=IdType.RESIDENT_ID,
            id_number=PROXY_ID,
        ),
        authorization=SpecialAuthorization(
            authorization_id="SELF-MADE",
            grantor_id_number=case.applicant.id_number,  # known to the stranger
            matter_code=case.matter_code,
            entry_ids=case.entry_ids,
            valid_from=flow.clock().date(),
            valid_to=flow.clock().date() + timedelta(days=30),
            express_pledge_authority=True,
            document_ref="无",
        ),
    )
    cert = flow.pki.applicant("李* 陌生人", PROXY_ID)
    chain = [c.public_bytes(Encoding.DER) for c in cert.certificate_chain]
    # The special authorisation is evidence only when the applicant signed it (issue 9
    # item 3): the stranger's typed-in record is refused before any bytes are handed out
    # (GZ-AU-011, the proxy's authority first), and so is a pledge signed anyway; a
    # verifier does not pass the stranger's signature.
    with pytest.raises(GaozhiError) as ei:
        flow.svc.cases.pledge_data_to_sign(case_no, chain, stranger, proxy=proxy)
    assert ei.value.code == "GZ-AU-011", ei.value
    assert "特别授权书" in ei.value.message
    bundle = sign(flow.svc.cases.draft_pledge(case_no, proxy=proxy), cert, tsa=flow.tsa)
    with pytest.raises(GaozhiError) as ei:
        flow.svc.cases.submit_pledge(bundle, stranger)
    assert ei.value.code == "GZ-AU-011", ei.value
    assert "特别授权书" in ei.value.message
    report = validate(bundle, flow.trust)
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED, report.summary_en()
    assert flow.svc.cases.get(case_no).status.value != "PLEDGED"
