"""R-024: a special authorisation's number has one format (AUTHORIZATION_ID_PATTERN) when
the applicant drafts and signs a grant, when a proxy presents one and at revocation; a
revocation names a grant signed here (or the applicant confirms one signed elsewhere); and
no case number with ``:`` lets one applicant's revocation reach another case's grant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from gaozhi_sdk.errors import GaozhiError, NotFoundError
from gaozhi_sdk.esign import sign
from gaozhi_sdk.models import Actor, ActorRole, Proxy, SpecialAuthorization
from gaozhi_sdk.service.cases import GRANT_KIND, grant_key
from gaozhi_sdk.testing import synthetic_applicant

from .test_proxy_grant_signing import _case_with_proxy, _grant
from .test_signing_methods import ENTRY, Flow, make_flow

CHOOSE = [{"entry_id": ENTRY, "mode": "PLEDGE"}]
#: invalid data (a model: GZ-MD-001) or invalid data for the operation (a bare number)
MD = ("GZ-MD-001", "GZ-MD-002")
#: numbers the one format refuses: too long, a URL path separator, inner space, the store
#: key's separator, a control character, non-ASCII look-alike, URL dot segments
BAD_NUMBERS = ("SQ-" + "9" * 80, "SQ/1", "SQ 1", "X:SQ-EV-1", "A\x00", "SQ－1", "..", ".")


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    yield f
    f.svc.close()


def _numbered(proxy: Proxy, number: str) -> dict[str, object]:
    """The proxy as a caller sends it (JSON), with another number."""
    doc = proxy.model_dump(mode="json")
    doc["authorization"]["authorization_id"] = number
    return doc


def _revocations(flow: Flow) -> list[object]:
    return [e for e in flow.svc.journal.entries() if e.event == "case.proxy_authorization_revoked"]


def test_r024_a_grant_number_outside_the_one_format_is_refused_everywhere(flow: Flow) -> None:
    """A number the applicant could not revoke (over 64 characters — before, signed and
    then only its first 64 characters "revoked" while the grant kept working), could not
    put into the /v1 URL (``/``) or type on a page (spaces), or that would make the store
    key ambiguous (``:``) is refused (GZ-MD-001 in a model, GZ-MD-002 as a bare number)
    when the grant is drafted (data to sign), when a proxy presents it and at revocation;
    the message does not repeat the number."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    own = flow.pki.applicant("申请人 (本人证书)", me.actor_id)
    chain = [c.public_bytes(Encoding.DER) for c in own.certificate_chain]
    for number in BAD_NUMBERS:
        with pytest.raises(GaozhiError) as err:
            flow.svc.cases.authorization_data_to_sign(case_no, _numbered(proxy, number), chain, me)
        assert err.value.code in MD, (number, err.value)
        said = err.value.message + (err.value.message_en or "")
        assert len(number) < 3 or number not in said  # ("." is in any sentence)
        with pytest.raises(GaozhiError) as err:
            flow.svc.cases.authorization_to_sign(case_no, _numbered(proxy, number))
        assert err.value.code in MD, (number, err.value)
        with pytest.raises(GaozhiError) as err:  # a proxy presenting it
            flow.svc.cases.record_choices(case_no, CHOOSE, them, proxy=_numbered(proxy, number))
        assert err.value.code in MD, (number, err.value)
        for elsewhere in (False, True):
            with pytest.raises(GaozhiError) as err:
                flow.svc.cases.revoke_authorization(case_no, number, me, signed_elsewhere=elsewhere)
            assert err.value.code in MD, (number, err.value)
            assert len(number) < 3 or number not in err.value.message
    with pytest.raises(ValueError):  # the models themselves: one definition
        SpecialAuthorization.model_validate(
            {**proxy.authorization.model_dump(), "authorization_id": "SQ/1"}
        )
    assert flow.svc.cases.get(case_no).choices == ()
    assert _revocations(flow) == []
    assert flow.svc.store.count(GRANT_KIND) == 0


def test_r024_revoking_a_number_no_grant_here_carries_is_refused_unless_confirmed(
    flow: Flow,
) -> None:
    """A mistyped or shortened number no grant signed here carries is refused 404-like
    GZ-WF-033 (``signed_here: false``) — before, it was accepted and journaled as revoked
    while the real grant kept entitling the proxy. The applicant who signed a grant
    elsewhere confirms (``signed_elsewhere=True``); a grant signed here needs no confirmation."""
    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)  # number SQ-EV-1, signed here
    for typo in ("SQ-EV-", "SQ-EV-11", "sq-ev-1"):
        with pytest.raises(NotFoundError) as err:
            flow.svc.cases.revoke_authorization(case_no, typo, me)
        assert err.value.code == "GZ-WF-033" and err.value.details["signed_here"] is False
    assert _revocations(flow) == []
    refused = [e for e in flow.svc.journal.entries() if e.outcome == "REFUSED"]
    assert [e.event for e in refused[-3:]] == ["case.revoke_authorization"] * 3
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") == held
    assert flow.svc.cases.record_choices(case_no, CHOOSE, them, proxy=held).choices
    # confirmed as signed elsewhere: kept alone, journaled signed_here=False
    flow.svc.cases.revoke_authorization(case_no, "SQ-EV-9", me, signed_elsewhere=True)
    (entry,) = _revocations(flow)
    assert entry.detail["signed_here"] is False  # type: ignore[attr-defined]
    # the real number needs no confirmation
    flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me)
    assert flow.svc.cases.signed_authorization(case_no, "SQ-EV-1") is None


def _case_k_and_kx(flow: Flow) -> tuple[Actor, Actor, Proxy, Actor]:
    """Case ``K`` of applicant A and case ``K:X`` of applicant B, B's proxy terms SQ-EV-1."""
    a = synthetic_applicant(flow.rng)
    b = synthetic_applicant(flow.rng)
    for case_no, who in (("K", a), ("K:X", b)):
        flow.svc.cases.issue_notice(
            list_id=flow.list_id, entry_ids=[ENTRY], applicant=who, actor=flow.clerk,
            case_no=case_no,
        )  # fmt: skip
    entry = flow.svc.cases.entries(flow.svc.cases.get("K:X"))[0]
    party = synthetic_applicant(flow.rng)
    today = flow.clock().date()
    proxy = Proxy(
        party=party,
        authorization=SpecialAuthorization(
            authorization_id="SQ-EV-1", grantor_id_number=b.id_number,
            matter_code=entry.matter_code, entry_ids=(ENTRY,), valid_from=today,
            valid_to=today + timedelta(days=30), express_pledge_authority=True,
            document_ref="特别授权委托书",
        ),
    )  # fmt: skip
    me_a = Actor(role=ActorRole.APPLICANT, actor_id=a.id_number)
    me_b = Actor(role=ActorRole.APPLICANT, actor_id=b.id_number)
    return me_a, me_b, proxy, Actor(role=ActorRole.PROXY, actor_id=party.id_number)


@pytest.mark.parametrize("pledged", [False, True])
def test_r024_case_numbers_with_colons_cannot_reach_another_cases_grant(
    flow: Flow, pledged: bool
) -> None:
    """Grants were stored under ``<case_no>:<number>``: applicant A of case ``K`` revoking
    number ``X:SQ-EV-1`` revoked applicant B's grant SQ-EV-1 of case ``K:X`` — even one B's
    proxy had already pledged with (past GZ-WF-031), journaled under case ``K``. A number
    never contains ``:`` now, so the key is unambiguous: A's attempt is refused GZ-MD-002
    (also as "signed elsewhere"), B's grant stays and its proxy still acts."""
    me_a, me_b, proxy, them = _case_k_and_kx(flow)
    held = _grant(flow, "K:X", me_b, proxy)
    flow.svc.cases.record_choices("K:X", CHOOSE, them, proxy=held)
    if pledged:
        theirs = flow.pki.applicant("代为承诺人", them.actor_id)
        pledge = sign(flow.svc.cases.draft_pledge("K:X", proxy=held), theirs)
        flow.svc.cases.submit_pledge(pledge, them)
    for elsewhere in (False, True):
        with pytest.raises(GaozhiError) as err:
            flow.svc.cases.revoke_authorization("K", "X:SQ-EV-1", me_a, signed_elsewhere=elsewhere)
        assert err.value.code == "GZ-MD-002"
    assert flow.svc.cases.signed_authorization("K:X", "SQ-EV-1") == held
    assert _revocations(flow) == []
    if not pledged:
        assert flow.svc.signing.start_authentication("K:X", them, proxy=held).session_id
    # the keys of the two cases cannot meet: K's would need a number with ':'
    assert grant_key("K:X", "SQ-EV-1") == "K:X:SQ-EV-1"
    with pytest.raises(GaozhiError):
        grant_key("K", "X:SQ-EV-1")


def test_r024_the_services_verification_reports_a_grant_revoked_here(flow: Flow) -> None:
    """``svc.cases.verify_bundle`` (behind ``POST /v1/verify``) reports a proxy's pledge
    signed under a grant the applicant revoked here — a pledge the service itself refused
    at submission — as TOTAL_FAILED / SIGNER_NOT_AUTHORISED with the failed check
    ``proxy_grant_not_revoked``; before, it passed (TOTAL_PASSED). The grant bundle itself
    likewise. Offline validation (no revocation record) is unchanged, and a pledge under a
    grant in force still passes the service's verification."""
    from gaozhi_sdk.esign import Bundle, Indication, SubIndication, validate

    case_no, me, proxy, them = _case_with_proxy(flow)
    held = _grant(flow, case_no, me, proxy)
    flow.svc.cases.record_choices(case_no, CHOOSE, them, proxy=held)
    theirs = flow.pki.applicant("代为承诺人 (测试)", them.actor_id)
    pledge = sign(flow.svc.cases.draft_pledge(case_no, proxy=held), theirs).to_json()
    before = flow.svc.cases.verify_bundle(pledge)
    assert before.indication is Indication.TOTAL_PASSED, before.summary("en")
    assert "proxy_grant_not_revoked" not in [c.name for c in before.checks]

    flow.svc.cases.revoke_authorization(case_no, "SQ-EV-1", me)
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(Bundle.from_json(pledge), them)
    assert err.value.code == "GZ-AU-011"
    offline = validate(pledge, flow.svc.sealer.trust)
    assert offline.indication is Indication.TOTAL_PASSED  # offline cannot know
    grant = (held.authorization.signed_grant or "").encode()
    for bundle in (pledge, grant):
        report = flow.svc.cases.verify_bundle(bundle)
        assert report.indication is Indication.TOTAL_FAILED, report.summary("en")
        assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
        (check,) = [c for c in report.checks if c.name == "proxy_grant_not_revoked"]
        assert check.status.value == "FAILED" and "GZ-AU-012" in (check.message or "")
        assert them.actor_id not in report.model_dump_json()
