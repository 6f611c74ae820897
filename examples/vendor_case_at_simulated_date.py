"""厂商测试示例: 模拟日期下的配置与办件 (a vendor's test: configuration and whole cases at a
simulated date, with documented public names only).

Run:  python examples/vendor_case_at_simulated_date.py      (prints what it checked)
      python -m pytest examples/vendor_case_at_simulated_date.py

A vendor configures the rules (RulesConfig: 协助核查答复期限 10 working days instead of 5,
R-047), opens the service on a simulated clock with a test PKI whose certificates follow
that clock, publishes the sample list, and takes two cases through the area services:

* case 1 — the shared data confirms the pledge two days later: verified TRUE, decided,
  closed (R-040, R-044);
* case 2 — the shared data has no record: the inspector asks the police for assistance,
  whose reply is due ten *working* days later (the configured value, counted on the PRC
  working-day calendar, R-047, R-102); the police confirm on day nine.

Every name used here is public and documented (docs/api.rst); the test suite runs this file
with a gaozhi_sdk deprecation made an error, and tests/test_public_api.py checks its imports.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from gaozhi_sdk import PledgeService, RulesConfig, esign, load_list
from gaozhi_sdk.models import (
    Actor,
    ActorRole,
    AssistanceReply,
    CaseStatus,
    Decision,
    ProofChoice,
    ProofMode,
    ReviewRecord,
    VerificationMethod,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.rules import default_calendar
from gaozhi_sdk.testing import (
    FakeDataSharingProvider,
    SimulatedClock,
    TestPKI,
    sample_list_text,
    synthetic_applicant,
    synthetic_uscc,
)

ENTRY = "SZ-GA-HJ-001"  # 户籍证明, verified online against shared data


def run(db_path: Path) -> list[str]:
    """The whole scenario; returns what it checked (one line each)."""
    checked: list[str] = []
    rng = random.Random(11)

    # -- configuration and the simulated date ---------------------------------------------
    rules = RulesConfig.from_mapping({"assistance_reply_working_days": 10})
    clock = SimulatedClock("2026-09-25T09:00:00+08:00")  # the Friday before 国庆节
    pki = TestPKI.create(clock=clock)  # certificates valid around the clock's time
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    provider = FakeDataSharingProvider()
    svc = PledgeService.open(
        f"sqlite:///{db_path}",
        signers={organ: pki.organ_seal(clist.owner_organ, organ)},
        trust=pki.trust_store(),
        rules=rules,
        clock=clock,
        online_verifier=provider,
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001")
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=organ)
    inspector = Actor(role=ActorRole.INSPECTOR, actor_id="JC0001", organ_uscc=organ)
    police_uscc = synthetic_uscc(rng)
    police = Actor(role=ActorRole.INSPECTOR, actor_id="GA0101", organ_uscc=police_uscc)
    assert svc.now() == clock() and svc.rules.assistance_reply_working_days == 10

    # -- the list ---------------------------------------------------------------------------
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, clist.version, officer)
    review = ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2026, 9, 24))
    svc.lists.publish(clist.list_id, clist.version, review, reviewer)
    checked.append(f"清单已公布: {svc.lists.published(clist.list_id).list_id}")

    def pledge_case(shared_data_agrees: bool | None) -> str:
        """Notice → choice → eligibility → signed pledge → acceptance; the case number."""
        applicant = synthetic_applicant(rng)
        key = (applicant.id_number, ENTRY)
        if shared_data_agrees is not None:
            provider.truth[key] = shared_data_agrees
        me = Actor(role=ActorRole.APPLICANT, actor_id=applicant.id_number)
        notice = svc.cases.issue_notice(
            list_id=clist.list_id, entry_ids=[ENTRY], applicant=applicant, actor=clerk
        )
        svc.cases.record_choices(
            notice.case_no, [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)], me
        )
        assert svc.cases.check_eligibility(notice.case_no, clerk).eligible
        pledge = svc.cases.draft_pledge(notice.case_no)
        signer = pki.applicant("申请人 (示例)", applicant.id_number)  # the pledgor's own
        svc.cases.submit_pledge(esign.sign(pledge, signer), me)
        svc.cases.accept(notice.case_no, clerk)
        return notice.case_no

    # -- case 1: verified online two days later, decided and closed -------------------------
    case1 = pledge_case(shared_data_agrees=True)
    clock.advance(days=2)
    (v1,) = svc.verifications.list(case_no=case1)
    done = svc.verifications.run_online(v1.verification_id)
    assert done.result is VerificationResult.TRUE
    decision = Decision(decision_no="陕州决字〔2026〕1号", decided_at=clock(), kind="APPROVED")
    svc.cases.decide(case1, decision, clerk)
    closed = svc.cases.close(case1, clerk)
    assert closed.status is CaseStatus.CLOSED_TRUE
    checked.append(f"办件 1 核查属实并办结: {closed.status.value}")

    # -- case 2: no shared record → assistance due in 10 working days (the configuration) ---
    case2 = pledge_case(shared_data_agrees=None)
    (v2,) = svc.verifications.list(case_no=case2)
    v2 = svc.verifications.run_online(v2.verification_id)
    assert v2.status is not VerificationStatus.CONCLUDED  # 查无记录 never counts as TRUE
    if v2.method is not VerificationMethod.ASSISTED:
        v2 = svc.verifications.replan(
            v2.verification_id, VerificationMethod.ASSISTED, "共享数据查无记录", inspector
        )
    asked = clock()
    request = svc.verifications.request_assistance(
        v2.verification_id,
        requested_organ=police_uscc,
        question="申请人户籍信息是否属实",
        actor=inspector,
    )
    assert request.due_at == default_calendar().add_working_days(asked, 10)
    assert (request.due_at - asked).days > 14  # 国庆节 and weekends are not working days
    checked.append(f"协助核查答复期限 (10 个工作日): {request.due_at.date().isoformat()}")
    clock.advance(days=9)
    replied = svc.verifications.reply_assistance(
        request.assistance_id, AssistanceReply.CONFIRMED, police
    )
    assert replied.status is VerificationStatus.CONCLUDED
    assert replied.result is VerificationResult.TRUE
    checked.append(f"办件 2 协助核查属实: {replied.result.value}")

    # -- the journal: every step of both cases, chained -------------------------------------
    events = [e.event for e in svc.journal.entries(aggregate_id=case1)]
    assert events[0] == "case.issue_notice" and events[-1] == "case.close_true"
    assert svc.journal.verify().ok
    checked.append(f"台账完整: {sum(1 for _ in svc.journal.entries())} 条")
    svc.close()
    return checked


def test_whole_cases_with_configuration_at_a_simulated_date(tmp_path: Path) -> None:
    assert len(run(tmp_path / "gaozhi.db")) == 5


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for line in run(Path(d) / "gaozhi.db"):
            print(line)
