"""Three-step signing in the Python API (DESIGN §10): data to sign → sign elsewhere → assemble."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gaozhi_sdk.errors import GaozhiDeprecationWarning, GaozhiError
from gaozhi_sdk.esign import Indication, validate
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.enums import CaseStatus
from gaozhi_sdk.service import DataToSign
from gaozhi_sdk.testing.pki import TestPKI

from .conftest import ASSISTED_ENTRY, ONLINE_ENTRY, START, World, WorldFactory


def _chain(signer: object) -> list[bytes]:
    return [c.public_bytes(serialization.Encoding.DER) for c in signer.certificate_chain]  # type: ignore[attr-defined]


def _refusals(world: World, code: str) -> int:
    return sum(
        1
        for e in world.svc.store.journal()
        if e.outcome == "REFUSED" and (e.detail or {}).get("code") == code
    )


@pytest.mark.parametrize("fmt", ["der", "raw"])
def test_r035_three_step_signing_yields_the_same_checked_bundle(world: World, fmt: str) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = world.signer_of(case.applicant)
    actor = world.actor_of(case.applicant)
    dts = world.svc.cases.pledge_data_to_sign(case.case_no, _chain(signer), actor)
    pae_bytes = base64.b64decode(dts.pae)
    assert dts.digest == hashlib.sha256(pae_bytes).hexdigest()
    assert pae_bytes.endswith(base64.b64decode(dts.payload))
    assert dts.signature_algorithm == "ECDSA_P256_SHA256"
    # step 2: the key never reaches the service — sign the returned bytes here
    der = signer.private_key.sign(pae_bytes, ec.ECDSA(hashes.SHA256()))
    if fmt == "raw":
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        sig = der
    pledge = world.svc.cases.assemble_pledge(
        case.case_no, dts.session_id, sig, actor, signature_format=fmt
    )
    assert pledge.pledge_id == dts.pledge_id
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED
    blob = world.svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    from gaozhi_sdk.esign import Bundle

    bundle = Bundle.from_json(blob.data)
    assert validate(bundle, world.pki.trust_store(), at=START).indication is Indication.TOTAL_PASSED
    # the session is single-use
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.assemble_pledge(case.case_no, dts.session_id, der, actor)
    assert err.value.code == "GZ-WF-020"


def test_r035_the_old_svc_signing_spelling_warns_and_does_the_same(world: World) -> None:
    """``svc.signing.data_to_sign`` / ``svc.signing.assemble`` (0.2's second spelling) are
    deprecation shims (``MOVED_IN_AREAS``): they warn naming ``svc.cases.…`` and run the one
    implementation — same session store, same checks, same stored and journaled pledge."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = world.signer_of(case.applicant)
    actor = world.actor_of(case.applicant)
    with pytest.warns(
        GaozhiDeprecationWarning,
        match=r"svc\.signing\.data_to_sign\(\.\.\.\).*svc\.cases\.pledge_data_to_sign\(",
    ):
        dts = world.svc.signing.data_to_sign(case.case_no, _chain(signer), actor)
    assert isinstance(dts, DataToSign) and dts.signature_algorithm == "ECDSA_P256_SHA256"
    der = signer.private_key.sign(dts.pae_bytes, ec.ECDSA(hashes.SHA256()))
    # a signature over other bytes is refused through the shim exactly as through the home
    with (
        pytest.warns(GaozhiDeprecationWarning, match=r"svc\.cases\.assemble_pledge\("),
        pytest.raises(GaozhiError) as err,
    ):
        world.svc.signing.assemble(
            case.case_no,
            dts.session_id,
            signer.private_key.sign(dts.pae_bytes + b" ", ec.ECDSA(hashes.SHA256())),
            actor,
        )
    assert err.value.code == "GZ-SG-020" and _refusals(world, "GZ-SG-020") == 1
    dts = world.svc.cases.pledge_data_to_sign(case.case_no, _chain(signer), actor)
    der = signer.private_key.sign(dts.pae_bytes, ec.ECDSA(hashes.SHA256()))
    with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.signing\.assemble\(\.\.\.\)"):
        pledge = world.svc.signing.assemble(case.case_no, dts.session_id, der, actor)
    assert pledge.pledge_id == dts.pledge_id
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED
    assert world.svc.cases.pledge(pledge.pledge_id) == pledge
    signed = [e.outcome for e in world.svc.journal.entries(event="case.sign_pledge")]
    assert signed.count("REFUSED") == 1 and len(signed) == 2  # the refusal, then the pledge
    # the session the canonical call opened was used once, whichever name assembled it
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.assemble_pledge(case.case_no, dts.session_id, der, actor)
    assert err.value.code == "GZ-WF-020"


def test_r035_signature_over_other_bytes_is_refused_and_journaled(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = world.signer_of(case.applicant)
    actor = world.actor_of(case.applicant)
    dts = world.svc.cases.pledge_data_to_sign(case.case_no, _chain(signer), actor)
    other = signer.private_key.sign(dts.pae_bytes + b" ", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.assemble_pledge(case.case_no, dts.session_id, other, actor)
    assert err.value.code == "GZ-SG-020"
    assert _refusals(world, "GZ-SG-020") == 1
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r035_untrusted_chain_is_refused_before_signing(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    stranger = TestPKI.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650)
    ).applicant("申请人 #x")
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.pledge_data_to_sign(
            case.case_no, _chain(stranger), world.actor_of(case.applicant)
        )
    assert err.value.code == "GZ-SG-071"
    assert _refusals(world, "GZ-SG-071") == 1


def test_r024_data_to_sign_refused_for_an_official_role(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = world.signer_of(case.applicant)
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.pledge_data_to_sign(case.case_no, _chain(signer), world.clerk)
    assert err.value.code == "GZ-AU-001"
    assert _refusals(world, "GZ-AU-001") == 1


def test_r035_session_of_another_case_or_malformed_signature_refused(world: World) -> None:
    a = world.bring(ONLINE_ENTRY, "CHOSEN")
    b = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = world.signer_of(a.applicant)
    actor = world.actor_of(a.applicant)
    dts = world.svc.cases.pledge_data_to_sign(a.case_no, _chain(signer), actor)
    sig = signer.private_key.sign(dts.pae_bytes, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.assemble_pledge(b.case_no, dts.session_id, sig, actor)
    assert err.value.code == "GZ-WF-020"
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.assemble_pledge(
            a.case_no, dts.session_id, b"\x01" * 63, actor, signature_format="raw"
        )
    assert err.value.code == "GZ-SG-072"
    # the session is still usable after refused attempts
    assert (
        world.svc.cases.assemble_pledge(a.case_no, dts.session_id, sig, actor).case_no == a.case_no
    )


def test_r024_another_applicant_cannot_get_data_to_sign_or_choose_for_a_case(world: World) -> None:
    from gaozhi_sdk.models import ProofChoice
    from gaozhi_sdk.models.enums import ProofMode

    case = world.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    intruder = world.actor_of(world.new_applicant())
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.record_choices(
            case.case_no, [ProofChoice(entry_id=ONLINE_ENTRY, mode=ProofMode.PLEDGE)], intruder
        )
    assert err.value.code == "GZ-AU-011"
    world.choose(case.case_no, {ONLINE_ENTRY: ProofMode.PLEDGE})
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.pledge_data_to_sign(
            case.case_no, _chain(world.signer_of(case.applicant)), intruder
        )
    assert err.value.code == "GZ-AU-011"
    assert _refusals(world, "GZ-AU-011") == 2
    # and the applicant may not run the organ's eligibility check
    with pytest.raises(GaozhiError) as err:
        world.svc.cases.check_eligibility(case.case_no, world.actor_of(case.applicant))
    assert err.value.code == "GZ-AU-001"
    assert _refusals(world, "GZ-AU-001") == 1


def test_r035_three_step_signing_with_an_sm2_certificate(world: World) -> None:
    pytest.importorskip("gaozhi_plugin_sm2")  # the SM2 keys and signatures come from it
    nb = START - timedelta(days=2)
    pki = TestPKI.create(algorithm="sm2", not_before=nb)
    world.svc.sealer.trust.add_root(pki.root_certificate)
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    signer = pki.applicant("申请人 #sm2", case.applicant.id_number, not_before=nb)
    actor = world.actor_of(case.applicant)
    dts = world.svc.cases.pledge_data_to_sign(case.case_no, _chain(signer), actor)
    assert dts.signature_algorithm.startswith("SM2")
    # the SM2 key signs the PAE bytes (Z ‖ M hashed with SM3 inside the signer): DER out
    pledge = world.svc.cases.assemble_pledge(
        case.case_no, dts.session_id, signer.sign(dts.pae_bytes), actor
    )
    assert world.svc.cases.get(case.case_no).pledge_id == pledge.pledge_id


def test_r024_a_stranger_proxy_learns_nothing_of_a_case_from_data_to_sign(
    world_factory: WorldFactory,
) -> None:
    """R-024: an outsider in the PROXY role, with no signed grant from the applicant (no
    authorisation, typed-in terms naming the applicant, a grant it signed itself), asking
    for the data to sign gets one answer — GZ-AU-011, naming no one, journaled — whatever
    the case's status (notice issued, chosen, pledged) and its minimum signing method;
    before, the distinct codes told which (GZ-WF-…, GZ-RL-222, GZ-SG-086). Nothing is
    opened. The proxy the applicant signed a grant for still gets its bytes."""
    from gaozhi_sdk.esign import AnchorPurpose
    from gaozhi_sdk.models import Actor, ActorRole
    from gaozhi_sdk.models.signing import SigningMethod
    from gaozhi_sdk.rules import RulesConfig, SigningMethodMinimum

    world = world_factory(
        rules=RulesConfig(
            signing_method_minimums=[
                SigningMethodMinimum(entry_id=ASSISTED_ENTRY, minimum=SigningMethod.CERTIFICATE)
            ]
        )
    )
    cases = [
        world.bring(ONLINE_ENTRY, "NOTICE_ISSUED"),
        world.bring(ONLINE_ENTRY, "CHOSEN"),
        world.bring(ONLINE_ENTRY, "PLEDGED"),
        world.bring(ASSISTED_ENTRY, "CHOSEN"),  # minimum CERTIFICATE
    ]
    outsider = world.new_applicant()
    acting = Actor(role=ActorRole.PROXY, actor_id=outsider.id_number)
    # the outsider holds a genuine event certificate of its own (an event CA's anchor)
    event_ca = TestPKI.create(name="事件证书 CA (测试)", not_before=START - timedelta(days=2))
    world.svc.sealer.trust.add_root(
        event_ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE
    )
    own = event_ca.applicant(
        "代为承诺人 (测试)",
        outsider.id_number,
        not_before=START - timedelta(minutes=1),
        not_after=START + timedelta(minutes=9),
    )
    sessions = world.svc.store.count("signing_session")
    for how in ("typed_in", "self_signed", "none"):
        answers = set()
        for case in cases:
            proxy, _ = world.proxy_for(case.applicant, [case.entry_ids[0]], proxy_app=outsider)
            if how == "self_signed":
                proxy = world.with_grant(case.case_no, proxy, signer_app=outsider)
            with pytest.raises(GaozhiError) as err:
                world.svc.cases.pledge_data_to_sign(
                    case.case_no,
                    _chain(own),
                    acting,
                    proxy=None if how == "none" else proxy,
                    signing_method=SigningMethod.EVENT_CERTIFICATE,
                )
            e = err.value
            answers.add((e.code, e.message, e.message_en, tuple(sorted(e.details.items()))))
            masked = mask_identifier(case.applicant.id_number)
            assert masked not in e.message and masked not in (e.message_en or "")
        assert len(answers) == 1, (how, answers)
        assert next(iter(answers))[0] == "GZ-AU-011"
    assert world.svc.store.count("signing_session") == sessions
    assert _refusals(world, "GZ-AU-011") == 3 * len(cases)
    # the proxy the applicant signed a grant for gets the bytes to sign
    chosen = cases[1]
    proxy, party = world.proxy_for(chosen.applicant, [ONLINE_ENTRY])
    granted = world.with_grant(chosen.case_no, proxy)
    dts = world.svc.cases.pledge_data_to_sign(
        chosen.case_no,
        _chain(world.signer_of(party)),
        world.actor_of(party, ActorRole.PROXY),
        proxy=granted,
    )
    assert dts.case_no == chosen.case_no
