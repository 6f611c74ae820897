"""R-024: a proxy's authentication session goes on only while the applicant's signed grant
is in force — finish_authentication, the event-certificate challenge and issue, and
attest_pledge check it first (GZ-AU-011 naming no one, reason GZ-AU-012), so a session
started before the applicant revoked the grant cannot be carried on to a certificate or a
platform-attested pledge."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import sign

from .test_proxy_grant_signing import _case_with_proxy, _grant
from .test_signing_methods import ENTRY, Flow, _raw, _spki, make_flow

CHOOSE = [{"entry_id": ENTRY, "mode": "PLEDGE"}]


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    yield f
    f.svc.close()


def _revoked_answer(err: pytest.ExceptionInfo[GaozhiError], applicant_id: str) -> None:
    assert err.value.code == "GZ-AU-011", err.value
    assert "GZ-AU-012" in err.value.message
    assert applicant_id not in err.value.message + (err.value.message_en or "")


def test_r024_sessions_started_before_a_revocation_stop_at_the_next_step(flow: Flow) -> None:
    """Before, after the applicant revoked the grant a started session still finished
    authentication at the identity provider, an authenticated one still got an event
    certificate from the CA, and platform attestation answered with the case's state."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    flow.svc.cases.record_choices(case_no, CHOOSE, them, proxy=held)
    started = flow.svc.signing.start_authentication(case_no, them, proxy=held)
    done = flow.svc.signing.start_authentication(case_no, them, proxy=held)
    done = flow.svc.signing.finish_authentication(done.session_id, them)
    ch = flow.svc.signing.event_certificate_challenge(done.session_id, them)
    flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me)

    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.finish_authentication(started.session_id, them)
    _revoked_answer(err, me.actor_id)
    assert flow.svc.signing.authentication(started.session_id).state == "STARTED"
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.event_certificate_challenge(done.session_id, them)
    _revoked_answer(err, me.actor_id)
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.issue_event_certificate(
            done.session_id, them, public_key=_spki(key), challenge_id=ch.challenge_id,
            challenge_signature=_raw(key, base64.b64decode(ch.challenge)),
            signature_format="raw",
        )  # fmt: skip
    _revoked_answer(err, me.actor_id)
    # the applicant pledges alone; the proxy's attestation still gets the grant's answer,
    # not the case's state
    mine = flow.pki.applicant("申请人", me.actor_id)
    flow.svc.cases.submit_pledge(sign(flow.svc.cases.draft_pledge(case_no), mine), me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.attest_pledge(case_no, done.session_id, them)
    _revoked_answer(err, me.actor_id)
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [e.event for e in refused[-4:]] == ["case.sign_pledge"] * 4
    assert flow.svc.signing.authentication(done.session_id).state == "AUTHENTICATED"


def test_r024_a_proxys_grant_shown_at_other_cases_tells_it_not_whose_they_are(
    flow: Flow,
) -> None:
    """A proxy holding applicant X's valid grant for case C1 presents it at X's other case
    and at another applicant's case: one answer for both — before, "another case" for X's
    and "the grantor is not the pledgor" for the other's told it which cases are X's. A
    verifier's report (names the pledgor) keeps the exact reason."""
    c1, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, c1, me, proxy)
    x = flow.svc.cases.get(c1).applicant
    xs_other = flow.svc.cases.issue_notice(
        list_id=flow.list_id, entry_ids=[ENTRY], applicant=x, actor=flow.clerk
    ).case_no
    someone_elses, _, _, _ = _case_with_proxy(flow)
    answers = []
    for case_no in (xs_other, someone_elses):
        with pytest.raises(GaozhiError) as err:
            flow.svc.cases.record_choices(case_no, CHOOSE, them, proxy=held)
        assert err.value.code == "GZ-AU-011"
        answers.append((err.value.message, err.value.message_en))
    assert answers[0] == answers[1], answers
    # the verifier's report of a pledge signed at X's other case names the exact field
    from gaozhi_sdk.esign import validate

    theirs = flow.pki.applicant("代为承诺人", them.actor_id)
    flow.svc.cases.record_choices(c1, CHOOSE, them, proxy=held)
    moved = flow.svc.cases.draft_pledge(c1, proxy=held).model_copy(update={"case_no": xs_other})
    report = validate(sign(moved, theirs), flow.svc.sealer.trust)
    assert "another case" in report.summary("en"), report.summary("en")


def test_r024_grant_signing_refuses_self_as_proxy_and_a_case_past_the_notice(
    flow: Flow,
) -> None:
    """The applicant cannot name themselves as proxy (GZ-RL-007) and signs a grant only
    while the case awaits the pledge (NOTICE_ISSUED, GZ-WF-002, as the grant page) —
    before, the library signed both. Refusals are journaled as their own action,
    ``case.sign_authorization`` (before: ``case.sign_pledge``)."""
    from gaozhi_sdk.models import Applicant

    case_no, me, proxy, them = _case_with_proxy(flow)
    own = flow.pki.applicant("申请人 (本人证书)", me.actor_id)
    chain = [c.public_bytes(Encoding.DER) for c in own.certificate_chain]
    x = flow.svc.cases.get(case_no).applicant
    myself = proxy.model_copy(update={"party": Applicant.model_validate(x.model_dump())})
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(case_no, myself, chain, me)
    assert err.value.code == "GZ-RL-007"
    flow.svc.cases.record_choices(case_no, CHOOSE, me)  # the applicant goes on alone
    flow.svc.cases.submit_pledge(sign(flow.svc.cases.draft_pledge(case_no), own), me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.authorization_data_to_sign(case_no, proxy, chain, me)
    assert err.value.code == "GZ-WF-002"
    with pytest.raises(GaozhiError) as err:  # the proxy is no grantor
        flow.svc.cases.authorization_data_to_sign(case_no, proxy, chain, them)
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [(e.event, e.detail["code"]) for e in refused[-3:]] == [
        ("case.sign_authorization", "GZ-RL-007"),
        ("case.sign_authorization", "GZ-WF-002"),
        ("case.sign_authorization", "GZ-AU-011"),
    ]
