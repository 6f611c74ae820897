"""The service refuses pledges signed by anyone but the pledgor or the named proxy
(issue 9, DESIGN §4): GZ-SG-050, journaled REFUSED, nothing stored (R-035)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import SubIndication, sign
from gaozhi_sdk.models.enums import CaseStatus

from .conftest import ONLINE_ENTRY, OWNER_USCC, START, World


def _refused(world: World, pledge_id: str, case_no: str, err: SignatureError) -> None:
    assert err.code == "GZ-SG-050"
    assert err.report is not None
    assert err.report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    assert world.svc.store.get("pledge", pledge_id) is None
    assert world.svc.store.get_blob(f"pledge/{pledge_id}") is None
    assert world.svc.cases.get(case_no).status is CaseStatus.NOTICE_ISSUED
    (refused,) = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-SG-050"}


def test_r035_pledge_signed_with_another_applicants_certificate_refused(world: World) -> None:
    """Applicant A's pledge signed with applicant B's (trusted, valid) certificate."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    other = world.new_applicant()
    pledge, bundle = world.signed_pledge(case.case_no, signer_app=other)
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    _refused(world, pledge.pledge_id, case.case_no, ei.value)
    masked = case.applicant.id_number[:6]
    assert masked in str(ei.value) and case.applicant.id_number not in str(ei.value)


def test_r035_pledge_signed_with_the_organs_seal_refused(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    pledge = world.svc.cases.draft_pledge(case.case_no)
    seal = world.svc.sealer.signer_for(OWNER_USCC)
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(sign(pledge, seal), world.actor_of(case.applicant))
    _refused(world, pledge.pledge_id, case.case_no, ei.value)


def test_r024_named_proxy_may_sign_but_not_an_unnamed_one(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, party = world.proxy_for(case.applicant, [ONLINE_ENTRY])
    # The proxy's certificate on a pledge that does not name the proxy: refused.
    pledge, bundle = world.signed_pledge(case.case_no, signer_app=party)
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    _refused(world, pledge.pledge_id, case.case_no, ei.value)
    # Named in the pledge, with the applicant's signed special authorisation: accepted.
    signed = world.pledge(case.case_no, proxy=proxy).proxy
    assert signed is not None and signed.party == proxy.party
    assert signed.authorization.signed_grant is not None


def test_r035_certificate_carrying_only_the_keyed_digest_identifies_the_pledgor(
    world: World,
) -> None:
    """A CA that writes only the deployment's keyed digest of the identifier: the service's
    policy knows the deployment key, so the pledgor's certificate matches and another's not."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    validity = {"not_before": START - timedelta(days=1), "not_after": START + timedelta(days=90)}
    other = world.new_applicant()
    wrong = world.svc.subject_digest(other.id_number).partition(":")[2]
    pledge = world.svc.cases.draft_pledge(case.case_no)
    stranger = world.pki.applicant("申请人 (摘要)", wrong, encoding="digest", **validity)
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(sign(pledge, stranger), world.actor_of(case.applicant))
    _refused(world, pledge.pledge_id, case.case_no, ei.value)
    digest = world.svc.subject_digest(case.applicant.id_number).partition(":")[2]
    own = world.pki.applicant("申请人 (摘要)", digest, encoding="digest", **validity)
    assert world.svc.cases.submit_pledge(sign(pledge, own), world.actor_of(case.applicant))
