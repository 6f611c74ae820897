"""An organ-side TSA (DESIGN §4): sealed documents and pledges are time-stamped by the
organ's own TSA before they are stored; tokens a pledge arrives with never establish its
time (issue 9), and the proven time may not precede the notice (R-001)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk import PledgeService, esign, load_list
from gaozhi_sdk.demo import sample_list_text
from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.esign import AnchorPurpose, Bundle, Indication, validate
from gaozhi_sdk.esign.timestamps import verify_timestamp
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant
from gaozhi_sdk.testing.tsa import LocalTSA


def _setup(tmp_path: Path, tsa: LocalTSA) -> tuple[Any, ...]:
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    pki = TestPKI.create()
    trust = pki.trust_store()
    trust.add_root(tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    svc = PledgeService.open(
        f"sqlite:///{tmp_path / 'g.db'}",
        signers={organ: pki.organ_seal(clist.owner_organ, organ)},
        trust=trust,
        tsa=tsa,
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS1", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF1")
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK1", organ_uscc=organ)
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, 1, officer)
    svc.lists.publish(
        clist.list_id, 1, ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 1)), reviewer
    )
    app = synthetic_applicant(random.Random(5))
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    notice = svc.cases.issue_notice(
        list_id=clist.list_id, entry_ids=["SZ-GA-HJ-001"], applicant=app, actor=clerk
    )
    svc.cases.record_choices(
        notice.case_no, [ProofChoice(entry_id="SZ-GA-HJ-001", mode=ProofMode.PLEDGE)], me
    )
    pledge = svc.cases.draft_pledge(notice.case_no)
    return svc, trust, pki, me, notice, pledge


def test_r035_service_tsa_stamps_sealed_documents_and_unstamped_pledges(tmp_path: Path) -> None:
    """R-035: electronic pledges are evidence; the service's TSA proves when they existed."""
    svc, trust, pki, me, notice, pledge = _setup(tmp_path, LocalTSA.create())
    unstamped = esign.sign(pledge, pki.applicant("申请人 (测试)", pledge.pledgor.id_number))
    assert not unstamped.verification_material.signers[0].timestamps
    svc.cases.submit_pledge(unstamped, me)
    for blob_id in (f"notice/{notice.notice_id}", f"pledge/{pledge.pledge_id}"):
        blob = svc.store.get_blob(blob_id)
        assert blob is not None
        bundle = Bundle.from_json(blob.data)
        assert bundle.verification_material.signers[0].timestamps, blob_id
        report = validate(bundle, trust)
        assert report.indication is Indication.TOTAL_PASSED
        assert report.signatures[0].validation_time_source.value == "TIMESTAMP"
    svc.close()


def _stored_tokens(svc: Any, pledge_id: str) -> tuple[Bundle, tuple[bytes, ...]]:
    blob = svc.store.get_blob(f"pledge/{pledge_id}")
    assert blob is not None
    bundle = Bundle.from_json(blob.data)
    return bundle, bundle.verification_material.signers[0].timestamps or ()


@pytest.mark.parametrize("forger", ["self_made", "trusted_tsa_back_dated"])
def test_r001_service_ignores_arriving_tokens_and_stamps_with_its_own_tsa(
    tmp_path: Path, forger: str
) -> None:
    """R-001: the service's own TSA, not the applicant's token, proves when a pledge existed."""
    organ_tsa = LocalTSA.create()
    svc, trust, pki, me, notice, pledge = _setup(tmp_path, organ_tsa)
    back = datetime(2020, 1, 1, tzinfo=UTC)
    if forger == "self_made":  # the applicant's own TSA, embedding its own root
        forged_tsa = LocalTSA.create(not_before=back - timedelta(days=1), clock=lambda: back)
    else:  # the organ TSA's own key and certificate, run with a back-dated clock
        forged_tsa = LocalTSA(
            organ_tsa._root_key,
            organ_tsa.root_certificate,
            organ_tsa._key,
            organ_tsa.certificate,
            clock=lambda: back,
        )
    signer = pki.applicant("申请人 (测试)", pledge.pledgor.id_number)
    arriving = esign.sign(pledge, signer, tsa=forged_tsa)
    forged_token = (arriving.verification_material.signers[0].timestamps or (b"",))[0]
    svc.cases.submit_pledge(arriving, me)
    stored, tokens = _stored_tokens(svc, pledge.pledge_id)
    assert forged_token not in tokens and len(tokens) == 1
    sig = stored.dsse_envelope.signatures[0].sig
    info = verify_timestamp(tokens[0], sig, trust)
    assert isinstance(info, esign.timestamps.TimestampInfo)
    assert (
        info.tsa_certificate_sha256
        == organ_tsa.certificate.fingerprint(
            __import__("cryptography").hazmat.primitives.hashes.SHA256()
        ).hex()
    )
    report = validate(stored, trust)
    assert report.indication is Indication.TOTAL_PASSED
    best = report.signatures[0].best_signature_time
    assert best is not None and best >= notice.issued_at > back
    svc.close()


def test_r001_pledge_whose_proven_time_precedes_the_notice_is_refused(tmp_path: Path) -> None:
    """R-001: a pledge cannot be proven to exist before the notice it answers."""
    organ_tsa = LocalTSA.create(not_before=datetime(2019, 1, 1, tzinfo=UTC))
    svc, _trust, pki, me, notice, pledge = _setup(tmp_path, organ_tsa)
    organ_tsa.clock = lambda: notice.issued_at - timedelta(days=1)  # a day early
    signer = pki.applicant("申请人 (测试)", pledge.pledgor.id_number)
    with pytest.raises(RuleViolationError) as err:
        svc.cases.submit_pledge(esign.sign(pledge, signer), me)
    assert err.value.code == "GZ-RL-219"
    assert "R-001" in err.value.message
    assert svc.store.get_blob(f"pledge/{pledge.pledge_id}") is None
    svc.close()
