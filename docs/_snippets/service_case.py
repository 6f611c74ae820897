"""Docs snippet setup: a service with one accepted case on a disclosable entry.

Defines ``svc``, ``clerk``, ``case``, ``notice``, ``pledge``, ``pledge_id``, ``signer``,
``pki`` and ``trust`` and a copy of the built-in templates in ``我的模板`` for the
snippets of documents.md, key-management.md and auditor-guide.md (tests/docs runs them).
"""

import random
import shutil
from datetime import date
from importlib import resources

from gaozhi_sdk import PledgeService, esign, load_list
from gaozhi_sdk.documents import render_disclosure, render_notice, render_pledge
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import TestPKI, sample_list_text, synthetic_applicant

clist = load_list(sample_list_text())
organ = clist.owner_uscc or ""
pki = TestPKI.create()
trust = pki.trust_store()
svc = PledgeService.open(
    "sqlite:///gaozhi.db",
    signers={organ: pki.organ_seal(clist.owner_organ, organ)},
    trust=trust,
)
officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=organ)
reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001")
clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=organ)
svc.lists.draft(clist, officer)
svc.lists.submit(clist.list_id, clist.version, officer)
svc.lists.publish(
    clist.list_id,
    clist.version,
    ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 28)),
    reviewer,
)
applicant = synthetic_applicant(random.Random(3), legal_person=True)
me = Actor(role=ActorRole.APPLICANT, actor_id=applicant.id_number)
entry_id = "SZ-SCJG-001"  # 承诺书公开 (PUBLIC_REDACTED)
notice = svc.cases.issue_notice(
    list_id=clist.list_id, entry_ids=[entry_id], applicant=applicant, actor=clerk
)
svc.cases.record_choices(
    notice.case_no, [ProofChoice(entry_id=entry_id, mode=ProofMode.PLEDGE)], me
)
svc.cases.check_eligibility(notice.case_no, clerk)
signer = pki.applicant("申请人 (文档示例)", applicant.id_number)
pledge = svc.cases.draft_pledge(notice.case_no)
svc.cases.submit_pledge(esign.sign(pledge, signer), me)
svc.cases.accept(notice.case_no, clerk)
case = svc.cases.get(notice.case_no)
pledge_id = pledge.pledge_id
shutil.copytree(
    str(resources.files("gaozhi_sdk.documents") / "templates"), "我的模板", dirs_exist_ok=True
)
_ = (render_disclosure, render_notice, render_pledge)
