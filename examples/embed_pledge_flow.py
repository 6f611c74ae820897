"""嵌入式示例: 一件申请从告知到核查 (an embedded pledge flow, end to end).

Run:  python examples/embed_pledge_flow.py [DB_PATH]

A vendor embeds PledgeService: publish the sample list, give the one-time written notice
(R-001), record the applicant's choice (R-021), check eligibility (R-020), let the
applicant sign the drafted pledge, accept it and verify it online (R-044), all through
the area services (svc.lists, svc.cases, svc.verifications, svc.journal). Test keys come
from gaozhi_sdk.testing; in production the organ's seal and the applicant's
certificate come from your CA.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from gaozhi_sdk import PledgeService, esign, load_list
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import (
    FakeDataSharingProvider,
    TestPKI,
    sample_list_text,
    synthetic_applicant,
)


def main(db_path: str) -> int:
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    pki = TestPKI.create()
    seal = pki.organ_seal(clist.owner_organ, organ)
    provider = FakeDataSharingProvider()
    svc = PledgeService.open(
        f"sqlite:///{db_path}",
        signers={organ: seal},
        trust=pki.trust_store(),
        online_verifier=provider,
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001")
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=organ)

    # 1. 清单: 编制 → 报送审核 → 公布 (R-008…R-011)
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, clist.version, officer)
    svc.lists.publish(
        clist.list_id,
        clist.version,
        ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2025, 5, 28)),
        reviewer,
    )

    # 2. 一次性书面告知
    import random

    applicant = synthetic_applicant(random.Random(7))
    entry_id = "SZ-GA-HJ-001"
    provider.truth[(applicant.id_number, entry_id)] = True  # the shared data agrees
    notice = svc.cases.issue_notice(
        list_id=clist.list_id, entry_ids=[entry_id], applicant=applicant, actor=clerk
    )
    me = Actor(role=ActorRole.APPLICANT, actor_id=applicant.id_number)

    # 3. 自主选择、适用条件
    choice = ProofChoice(entry_id=entry_id, mode=ProofMode.PLEDGE)
    svc.cases.record_choices(notice.case_no, [choice], me)
    gate = svc.cases.check_eligibility(notice.case_no, clerk)
    print("适用告知承诺:", gate.eligible)

    # 4. 申请人签署承诺书 (on the applicant's device, with the applicant's certificate)
    pledge = svc.cases.draft_pledge(notice.case_no)
    signer = pki.applicant("申请人 (示例)", applicant.id_number)  # names the pledgor
    svc.cases.submit_pledge(esign.sign(pledge, signer), me)

    # 5. 受理并核查
    verifications = svc.cases.accept(notice.case_no, clerk)
    done = svc.verifications.run_online(verifications[0].verification_id)
    print("核查结果:", done.result.value if done.result else done.status.value)
    for entry in svc.journal.entries(aggregate_id=notice.case_no):
        print("台账:", entry.seq, entry.event)
    print("台账校验:", "通过" if svc.journal.verify().ok else "失败")
    svc.close()
    return 0 if done.result is not None and done.result.value == "TRUE" else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(main(sys.argv[1]))
    with tempfile.TemporaryDirectory() as d:
        raise SystemExit(main(str(Path(d) / "gaozhi.db")))
