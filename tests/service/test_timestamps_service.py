"""An organ-side TSA (DESIGN §4): sealed documents and pledges arriving without a timestamp
are time-stamped before they are stored; the stored bundles still validate."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from gaozhi_sdk import PledgeService, esign, load_list
from gaozhi_sdk.esign import AnchorPurpose, Bundle, Indication, validate
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import sample_list_text
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant
from gaozhi_sdk.testing.tsa import LocalTSA


def test_r035_service_tsa_stamps_sealed_documents_and_unstamped_pledges(tmp_path: Path) -> None:
    """R-035: electronic pledges are evidence; the service's TSA proves when they existed."""
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    pki = TestPKI.create()
    tsa = LocalTSA.create()
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
    svc.draft_list(clist, officer)
    svc.submit_list(clist.list_id, 1, officer)
    svc.publish_list(
        clist.list_id, 1, ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 1)), reviewer
    )
    app = synthetic_applicant(random.Random(5))
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    notice = svc.issue_notice(
        list_id=clist.list_id, entry_ids=["SZ-GA-HJ-001"], applicant=app, actor=clerk
    )
    svc.record_choices(
        notice.case_no, [ProofChoice(entry_id="SZ-GA-HJ-001", mode=ProofMode.PLEDGE)], me
    )
    pledge = svc.draft_pledge(notice.case_no)
    unstamped = esign.sign(pledge, pki.applicant("申请人 (测试)"))
    assert not unstamped.verification_material.signers[0].timestamps
    svc.submit_pledge(unstamped, me)
    for blob_id in (f"notice/{notice.notice_id}", f"pledge/{pledge.pledge_id}"):
        blob = svc.store.get_blob(blob_id)
        assert blob is not None
        bundle = Bundle.from_json(blob.data)
        assert bundle.verification_material.signers[0].timestamps, blob_id
        report = validate(bundle, trust)
        assert report.indication is Indication.TOTAL_PASSED
        assert report.signatures[0].validation_time_source.value == "TIMESTAMP"
    svc.close()
