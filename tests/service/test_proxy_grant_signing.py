"""The applicant signs a proxy's special authorisation with an event certificate, in three
steps, and the proxy's pledge carrying it verifies (R-024, R-035; DESIGN §4, §4a)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding

from gaozhi_sdk import SigningMethod
from gaozhi_sdk.cli import main
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import Bundle, Indication, validate
from gaozhi_sdk.models import Actor, ActorRole, Proxy, SpecialAuthorization
from gaozhi_sdk.testing import synthetic_applicant

from .test_signing_methods import ENTRY, Flow, _cli, _raw, make_flow


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    yield f
    f.svc.close()


def _case_with_proxy(flow: Flow, express: bool = True) -> tuple[str, Actor, Proxy, Actor]:
    app = synthetic_applicant(flow.rng)
    n = flow.svc.cases.issue_notice(
        list_id=flow.list_id, entry_ids=[ENTRY], applicant=app, actor=flow.clerk
    )
    entry = flow.svc.cases.entries(flow.svc.cases.get(n.case_no))[0]
    party = synthetic_applicant(flow.rng)
    today = flow.clock().date()
    proxy = Proxy(
        party=party,
        authorization=SpecialAuthorization(
            authorization_id="SQ-EV-1",
            grantor_id_number=app.id_number,
            matter_code=entry.matter_code,
            entry_ids=(ENTRY,),
            valid_from=today,
            valid_to=today + timedelta(days=30),
            express_pledge_authority=express,
            document_ref="特别授权委托书",
        ),
    )
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    them = Actor(role=ActorRole.PROXY, actor_id=party.id_number)
    return n.case_no, me, proxy, them


def _event_cert(
    flow: Flow, case_no: str, actor: Actor, proxy: Proxy | None = None
) -> tuple[Any, ec.EllipticCurvePrivateKey]:
    s = flow.svc.signing.start_authentication(case_no, actor, proxy=proxy)
    s = flow.svc.signing.finish_authentication(s.session_id, actor)
    return flow.event_certificate(s.session_id, actor)


def _grant(flow: Flow, case_no: str, me: Actor, proxy: Proxy) -> Proxy:
    cert, key = _event_cert(flow, case_no, me)
    dts = flow.svc.cases.authorization_data_to_sign(
        case_no, proxy, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    assert dts.authorization_id == "SQ-EV-1" and dts.pledge_id == ""
    return flow.svc.cases.assemble_authorization(
        case_no, dts.session_id, _raw(key, dts.pae_bytes), me, signature_format="raw"
    )


def test_r024_applicant_signs_the_grant_with_an_event_certificate_and_the_proxy_pledges(
    flow: Flow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The grant is signed on the applicant's device (event certificate), time-stamped and
    stored; the proxy signs 40 minutes later — after the grant's certificate expired — and
    the pledge verifies offline with the grant verified at its own time."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    assert held.authorization.signed_grant is not None
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") == held
    assert flow.svc.cases.signed_authorization(case_no, "SQ-OTHER") is None
    grant = Bundle.from_json(held.authorization.signed_grant)
    assert grant.method is SigningMethod.EVENT_CERTIFICATE
    assert grant.verification_material.signers[0].timestamps  # the organ's TSA
    report = validate(grant, flow.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_text()
    events = [e.event for e in flow.svc.journal.entries()]
    assert "case.proxy_authorized" in events

    flow.clock.advance(timedelta(minutes=40))
    flow.svc.cases.record_choices(
        case_no,
        [{"entry_id": ENTRY, "mode": "PLEDGE"}],
        them,
        proxy=held,
    )
    cert, key = _event_cert(flow, case_no, them, held)
    dts = flow.svc.cases.pledge_data_to_sign(
        case_no, cert.certificate_chain, them, proxy=held,
        signing_method=SigningMethod.EVENT_CERTIFICATE,
    )  # fmt: skip
    pledge = flow.svc.cases.assemble_pledge(
        case_no, dts.session_id, _raw(key, dts.pae_bytes), them, signature_format="raw"
    )
    assert pledge.proxy is not None and pledge.proxy.authorization.signed_grant
    blob = flow.svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    args, _, _ = _cli(tmp_path, flow, Bundle.from_json(blob.data), "--json")
    assert main(args) == 0

    out = json.loads(capsys.readouterr().out)[0]["report"]
    assert out["indication"] == "TOTAL_PASSED"
    assert out["signing_method"]["method"] == "EVENT_CERTIFICATE"
    policy = next(c for c in out["signatures"][0]["checks"] if c["name"] == "signer_policy")
    assert policy["status"] == "PASSED", policy


def test_r024_only_the_applicant_signs_a_grant_and_only_its_own_terms(flow: Flow) -> None:
    """The proxy cannot sign its own grant (GZ-AU-011); a general power of attorney is
    refused before anything is signed (GZ-RL-002); a signature over other bytes is refused
    (GZ-SG-020) and nothing is stored."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    theirs = flow.pki.applicant("代为承诺人 (测试)", them.actor_id)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(
            case_no, proxy, [c.public_bytes(Encoding.DER) for c in theirs.certificate_chain],
            them,
        )  # fmt: skip
    assert err.value.code == "GZ-AU-011"
    general = proxy.model_copy(
        update={
            "authorization": proxy.authorization.model_copy(
                update={"express_pledge_authority": False}
            )
        }
    )
    mine, my_key = _event_cert(flow, case_no, me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(
            case_no, general, mine.certificate_chain, me,
            signing_method=SigningMethod.EVENT_CERTIFICATE,
        )  # fmt: skip
    assert err.value.code == "GZ-RL-002"
    dts = flow.svc.cases.authorization_data_to_sign(
        case_no, proxy, mine.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.assemble_authorization(
            case_no, dts.session_id, _raw(my_key, dts.pae_bytes + b"x"), me,
            signature_format="raw",
        )  # fmt: skip
    assert err.value.code == "GZ-SG-020"
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None


def test_r024_a_grant_on_an_event_certificate_living_longer_than_600_s_is_refused(
    flow: Flow,
) -> None:
    """R-024, R-035 (DESIGN §4a): a grant recorded as EVENT_CERTIFICATE gets the same
    600-second maximum-validity check (``event_certificate_max_validity_s``) a pledge gets,
    from the one implementation in validation: a certificate chaining to an event-CA
    anchor but valid an hour is refused when the applicant's grant is assembled
    (GZ-SG-020), when a proxy presents such a grant made elsewhere (GZ-AU-011) and by an
    auditor; the same grant on a 10-minute certificate passes."""
    from gaozhi_sdk.esign import AnchorPurpose, sign
    from gaozhi_sdk.testing import TestPKI

    assert flow.svc.sealer.policy.event_certificate_max_validity_s == 600
    case_no, me, proxy, them = _case_with_proxy(flow)
    now = flow.clock()
    long_ca = TestPKI.create(name="一小时事件证书 CA", clock=flow.clock, not_before=now)
    flow.svc.sealer.trust.add_root(
        long_ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE
    )
    hour = long_ca.applicant(
        "申请人 (一小时证书)",
        me.actor_id,
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(minutes=59),
    )
    chain = [c.public_bytes(Encoding.DER) for c in hour.certificate_chain]
    dts = flow.svc.cases.authorization_data_to_sign(
        case_no, proxy, chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
    )
    signature = hour.private_key.sign(dts.pae_bytes, ECDSA(SHA256()))
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.assemble_authorization(case_no, dts.session_id, signature, me)
    assert err.value.code == "GZ-SG-020"
    check = {c.name: c for c in err.value.report.signatures[0].checks}["event_certificate"]  # type: ignore[attr-defined]
    assert "600" in (check.message or "") and check.status.value == "INDETERMINATE"
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None
    assert "case.proxy_authorized" not in [e.event for e in flow.svc.journal.entries()]

    # the same grant signed elsewhere and carried by the proxy
    grant = flow.svc.cases.authorization_to_sign(case_no, proxy)
    carried = sign(grant, hour, tsa=flow.tsa).with_signing_method(SigningMethod.EVENT_CERTIFICATE)
    assert not validate(carried, flow.trust).passed  # an auditor does not pass it
    held = proxy.with_signed_grant(carried.to_json().decode("utf-8"))
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.record_choices(
            case_no, [{"entry_id": ENTRY, "mode": "PLEDGE"}], them, proxy=held
        )
    assert err.value.code == "GZ-AU-011"
    assert flow.svc.cases.get(case_no).choices == ()
    # the control: the grant on a genuine 10-minute event certificate passes
    good = _grant(flow, case_no, me, proxy)
    chosen = flow.svc.cases.record_choices(
        case_no, [{"entry_id": ENTRY, "mode": "PLEDGE"}], them, proxy=good
    )
    assert chosen.pledged_entry_ids == (ENTRY,)


def test_r024_a_grant_on_a_stale_authentication_is_refused_before_it_is_signed(
    flow: Flow,
) -> None:
    """R-024 with R-035: the applicant's grant, like a pledge, is signed with an event
    certificate only near the real-name authentication behind it (the signer policy's
    ``authentication_max_age_s``): an older one is refused before any bytes are handed
    out (GZ-SG-089), nothing is stored and the refusal is journaled."""
    flow.svc.sealer.policy = flow.svc.sealer.policy.with_options(authentication_max_age_s=120)
    case_no, me, proxy, _ = _case_with_proxy(flow)
    s = flow.svc.signing.start_authentication(case_no, me)
    s = flow.svc.signing.finish_authentication(s.session_id, me)
    flow.clock.advance(seconds=60)
    cert, _ = flow.event_certificate(s.session_id, me)
    flow.clock.advance(seconds=120)  # the certificate is valid, the authentication 3 min old
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(
            case_no, proxy, cert.certificate_chain, me,
            signing_method=SigningMethod.EVENT_CERTIFICATE,
        )  # fmt: skip
    assert err.value.code == "GZ-SG-089"
    assert err.value.details["max_age_s"] == 120
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert refused[-1].detail["code"] == "GZ-SG-089"
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None
    assert _grant(flow, case_no, me, proxy).authorization.signed_grant  # a fresh one passes


def test_r024_the_identity_provider_never_hears_of_a_proxy_without_the_signed_grant(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-024: real-name authentication for a proxy starts only after the applicant's
    signed grant for this case and proxy is shown — no grant, typed-in terms, a grant
    signed for another proxy — each refused with the same GZ-AU-011 answer naming no
    one, whatever the case's status, journaled, and the identity provider is never
    called; the proxy the grant names is authenticated."""
    from gaozhi_sdk.ids import mask_identifier
    from gaozhi_sdk.testing import synthetic_applicant

    started: list[Any] = []
    real_start = flow.idp.start
    monkeypatch.setattr(flow.idp, "start", lambda req: started.append(req) or real_start(req))
    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    assert len(started) == 1  # the applicant's own authentication for the grant
    chosen_no, chosen_me, chosen_proxy, _ = _case_with_proxy(flow)
    flow.svc.cases.record_choices(chosen_no, [{"entry_id": ENTRY, "mode": "PLEDGE"}], chosen_me)
    started.clear()
    outsider = synthetic_applicant(flow.rng)
    stranger = Actor(role=ActorRole.PROXY, actor_id=outsider.id_number)
    as_outsider = proxy.model_copy(update={"party": outsider})
    answers = []
    for target, px, actor in (
        (case_no, None, stranger),
        (case_no, as_outsider, stranger),  # typed-in terms naming the applicant
        (chosen_no, chosen_proxy.model_copy(update={"party": outsider}), stranger),
        (case_no, held, stranger),  # the grant signed for another proxy
        (case_no, proxy, them),  # the named proxy, but without the signed grant
    ):
        with pytest.raises(GaozhiError) as err:
            flow.svc.signing.start_authentication(target, actor, proxy=px)
        e = err.value
        answers.append((e.code, e.message, e.message_en))
        applicant = flow.svc.cases.get(target).applicant.id_number
        assert mask_identifier(applicant) not in e.message + (e.message_en or "")
    assert started == []
    assert {a[0] for a in answers} == {"GZ-AU-011"}
    assert answers[1] == answers[2]  # notice issued or chosen: the same words
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [e.detail["code"] for e in refused[-5:]] == ["GZ-AU-011"] * 5
    s = flow.svc.signing.start_authentication(case_no, them, proxy=held)
    assert s.state == "STARTED" and len(started) == 1


def _chain_of(signer: Any) -> list[bytes]:
    return [c.public_bytes(Encoding.DER) for c in signer.certificate_chain]


def test_r024_the_applicant_revokes_a_grant_and_the_proxy_can_no_longer_act(flow: Flow) -> None:
    """R-024: the applicant — the grantor, and no one else — revokes the signed grant
    before the proxy has pledged with it (journaled). From then on the proxy's choices,
    authentication, data to sign and a pledge it signed anyway are refused GZ-AU-011 with
    the reason GZ-AU-012, nothing is recorded, and the number cannot be signed again."""
    from gaozhi_sdk.esign import sign
    from gaozhi_sdk.testing import synthetic_applicant

    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    outsider = Actor(role=ActorRole.APPLICANT, actor_id=synthetic_applicant(flow.rng).id_number)
    for who in (them, outsider, flow.clerk):  # the proxy, another applicant, an official
        with pytest.raises(GaozhiError) as err:
            flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", who)
        assert err.value.code in ("GZ-AU-011", "GZ-AU-001"), err.value
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") == held
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.revoke_authorization(case_no, "X" * 65, me)
    assert err.value.code == "GZ-MD-002"
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [e.event for e in refused[-4:]] == ["case.revoke_authorization"] * 4

    assert flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me) is None
    (entry,) = [
        e for e in flow.svc.journal.entries() if e.event == "case.proxy_authorization_revoked"
    ]
    assert entry.outcome == "APPLIED" and entry.detail["authorization_id"] == "SQ-EV-1"
    assert entry.detail["signed_here"] is True
    assert them.actor_id not in json.dumps(entry.detail)  # the proxy only as a keyed digest
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me)
    assert err.value.code == "GZ-WF-032"

    def refused_as_revoked(err: pytest.ExceptionInfo[GaozhiError]) -> None:
        assert err.value.code == "GZ-AU-011"
        assert "GZ-AU-012" in err.value.message and "revoked" in (err.value.message_en or "")

    choose = [{"entry_id": ENTRY, "mode": "PLEDGE"}]
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.record_choices(case_no, choose, them, proxy=held)
    refused_as_revoked(err)
    assert flow.svc.cases.get(case_no).choices == ()
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.start_authentication(case_no, them, proxy=held)
    refused_as_revoked(err)
    flow.svc.cases.record_choices(case_no, choose, me)  # the applicant goes on alone
    theirs = flow.pki.applicant("代为承诺人 (测试)", them.actor_id)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.pledge_data_to_sign(case_no, _chain_of(theirs), them, proxy=held)
    refused_as_revoked(err)
    signed_anyway = sign(flow.svc.cases.draft_pledge(case_no, proxy=held), theirs)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(signed_anyway, them)
    refused_as_revoked(err)
    assert flow.svc.cases.get(case_no).pledge_id is None
    # the revoked number is not signed again (a new number is)
    mine = flow.pki.applicant("申请人 (测试)", me.actor_id)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(case_no, proxy, _chain_of(mine), me)
    assert err.value.code == "GZ-WF-032"


def test_r024_a_grant_the_proxy_pledged_with_cannot_be_revoked(flow: Flow) -> None:
    """R-024, R-060: once the proxy pledged under the grant it is evidence of that pledge
    and stays (GZ-WF-031, nothing changed); the applicant withdraws the pledge instead."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    flow.svc.cases.record_choices(
        case_no, [{"entry_id": ENTRY, "mode": "PLEDGE"}], them, proxy=held
    )
    cert, key = _event_cert(flow, case_no, them, held)
    dts = flow.svc.cases.pledge_data_to_sign(
        case_no, cert.certificate_chain, them, proxy=held,
        signing_method=SigningMethod.EVENT_CERTIFICATE,
    )  # fmt: skip
    flow.svc.cases.assemble_pledge(
        case_no, dts.session_id, _raw(key, dts.pae_bytes), them, signature_format="raw"
    )
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me)
    assert err.value.code == "GZ-WF-031"
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") == held
    events = [e.event for e in flow.svc.journal.entries()]
    assert "case.proxy_authorization_revoked" not in events


def test_r024_a_grant_the_applicant_signed_elsewhere_is_revoked_by_its_number(
    flow: Flow,
) -> None:
    """R-024: a grant the applicant signed with their own certificate outside this service
    and handed to the proxy is revoked by its number too (nothing of it was stored here):
    the proxy's choice under it is then refused GZ-AU-011 (GZ-AU-012) — before, it
    entitled the proxy; a grant of another number still does. The applicant confirms that
    the number is of a grant signed elsewhere (``signed_elsewhere=True``, GZ-WF-033
    otherwise: tests/service/test_proxy_grant_numbers.py)."""
    from gaozhi_sdk.esign import sign

    case_no, me, proxy, them = _case_with_proxy(flow)
    own = flow.pki.applicant("申请人 (本人证书)", me.actor_id)
    grant = flow.svc.cases.authorization_to_sign(case_no, proxy)
    carried = proxy.with_signed_grant(sign(grant, own).to_json().decode("utf-8"))
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None  # not stored here
    flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me, signed_elsewhere=True)
    (entry,) = [
        e for e in flow.svc.journal.entries() if e.event == "case.proxy_authorization_revoked"
    ]
    assert entry.detail["signed_here"] is False and entry.detail["proxy"] is None
    choose = [{"entry_id": ENTRY, "mode": "PLEDGE"}]
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.record_choices(case_no, choose, them, proxy=carried)
    assert err.value.code == "GZ-AU-011" and "GZ-AU-012" in err.value.message
    assert flow.svc.cases.get(case_no).choices == ()
    other = proxy.model_copy(
        update={
            "authorization": proxy.authorization.model_copy(update={"authorization_id": "SQ-2"})
        }
    )
    grant2 = flow.svc.cases.authorization_to_sign(case_no, other)
    carried2 = other.with_signed_grant(sign(grant2, own).to_json().decode("utf-8"))
    assert flow.svc.cases.record_choices(case_no, choose, them, proxy=carried2).choices
