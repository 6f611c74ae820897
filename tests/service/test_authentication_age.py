"""A real-name authentication vouches for a signer only near the signing time (DESIGN §4a,
R-035): a platform attestation or an event certificate whose authentication is older than
the signer policy's ``authentication_max_age_s`` (default 30 minutes) is refused with
GZ-SG-089, and a verifier with that policy does not pass such an attestation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gaozhi_sdk import SigningMethod
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import DEFAULT_POLICY, SubIndication, sign, validate
from gaozhi_sdk.esign.methods import authentication_age_problem
from gaozhi_sdk.models import AssuranceLevel, AuthenticationMethod, AuthenticationRecord

from .test_signing_methods import PLATFORM_USCC, Flow, make_flow

MAX_AGE_S = 120


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(tmp_path)
    f.svc.sealer.policy = f.svc.sealer.policy.with_options(authentication_max_age_s=MAX_AGE_S)
    yield f
    f.svc.close()


def test_r035_the_default_max_age_covers_the_longest_regular_path() -> None:
    """15 minutes of authentication session, then a 10-minute event certificate."""
    assert DEFAULT_POLICY.authentication_max_age_s == 1800
    t = datetime(2026, 1, 5, 9, 0).astimezone()
    assert authentication_age_problem(t, t + timedelta(minutes=25), 1800) is None
    assert authentication_age_problem(t, t + timedelta(minutes=31), 1800) is not None
    assert authentication_age_problem(t + timedelta(minutes=4), t, 1800) is None  # clock skew
    assert authentication_age_problem(t + timedelta(minutes=6), t, 1800) is not None


def test_r035_platform_attestation_on_a_stale_authentication_is_refused(flow: Flow) -> None:
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    flow.clock.advance(seconds=MAX_AGE_S + 30)  # the 3-minute session is still open
    with pytest.raises(GaozhiError) as err:
        flow.svc.signing.attest_pledge(case_no, sid, me)
    assert err.value.code == "GZ-SG-089"
    assert err.value.details["max_age_s"] == MAX_AGE_S
    assert flow.svc.cases.get(case_no).pledge_id is None  # nothing stored
    fresh = flow.authenticated(case_no, me)
    pledge = flow.svc.signing.attest_pledge(case_no, fresh, me)
    assert flow.svc.cases.get(case_no).pledge_id == pledge.pledge_id


def test_r035_verifier_refuses_an_attestation_whose_authentication_is_too_old(
    flow: Flow,
) -> None:
    """A platform seals a pledge with an authentication record from two hours before:
    the auditor's default policy does not pass it (SIG_CONSTRAINTS_FAILURE, the reason
    named), and the service refuses to take it (GZ-SG-089)."""
    flow.svc.sealer.policy = flow.svc.sealer.policy.with_options(authentication_max_age_s=1800)
    case_no, me = flow.case()
    pledge = flow.svc.cases.draft_pledge(case_no)
    seal = flow.svc.sealer.signer_for(PLATFORM_USCC)
    import hashlib

    from gaozhi_sdk.canonical import model_bytes

    record = AuthenticationRecord(
        record_id="AUR-OLD-1",
        pledge_sha256=hashlib.sha256(model_bytes(pledge)).hexdigest(),
        subject_digest=flow.svc.subject_digest(me.actor_id),
        method=AuthenticationMethod.FACE_RECOGNITION,
        provider=flow.idp.name,
        transaction_id="TXN-OLD",
        authenticated_at=pledge.signed_at - timedelta(hours=2),
        assurance_level=AssuranceLevel.HIGH,
        platform_uscc=PLATFORM_USCC,
    )
    bundle = sign(pledge, seal).with_signing_method(
        SigningMethod.PLATFORM_ATTESTED, (sign(record, seal, tsa=flow.tsa),)
    )
    flow.trust.add_root(flow.pki.root_certificate, purposes={"platform_attestation"})
    report = validate(bundle, flow.trust)
    assert not report.passed
    assert report.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE, report.to_text()
    check = next(c for c in report.checks if c.name == "signing_method")
    assert "实名认证时间" in (check.message or "") and "1800" in (check.message or "")
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.submit_pledge(bundle, me)
    assert err.value.code == "GZ-SG-089"
    assert flow.svc.cases.get(case_no).pledge_id is None


def test_r035_event_certificate_on_a_stale_authentication_is_refused(flow: Flow) -> None:
    """The certificate is still valid (10 minutes) but the authentication it was issued on
    is older than the policy allows at the signing time: refused before anything is
    signed (GZ-SG-089)."""
    case_no, me = flow.case()
    sid = flow.authenticated(case_no, me)
    flow.clock.advance(seconds=MAX_AGE_S - 60)
    cert, _ = flow.event_certificate(sid, me)
    flow.clock.advance(seconds=120)  # certificate valid, authentication 3 minutes old
    with pytest.raises(GaozhiError) as err:
        flow.svc.cases.pledge_data_to_sign(
            case_no, cert.certificate_chain, me, signing_method=SigningMethod.EVENT_CERTIFICATE
        )
    assert err.value.code == "GZ-SG-089"
    assert flow.svc.cases.get(case_no).pledge_id is None
