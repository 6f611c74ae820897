"""Statistics for the justice bureau (seed §四(五), R-079) against a hand-built scenario."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gaozhi_sdk.models.enums import CaseStatus, DispositionAction, ProofMode, VerificationResult
from gaozhi_sdk.service import Statistics, render_markdown
from gaozhi_sdk.service.statistics import compute_statistics

from .conftest import ON_SITE_ENTRY, ONLINE_ENTRY, OWNER_USCC, World


@pytest.fixture
def scenario(world: World) -> World:
    """Seven cases on two entries with known outcomes (see the assertions)."""
    w, svc = world, world.svc
    a = w.bring(ONLINE_ENTRY, "NOTICE_ISSUED")  # A: submits the proof
    w.choose(a.case_no, {ONLINE_ENTRY: ProofMode.DOCUMENT})
    w.bring(ONLINE_ENTRY, "DECIDED", truth=True)  # B: verified TRUE, decided
    c = w.false_case(CaseStatus.ACCEPTED)  # C: FALSE → terminated
    svc.credit.dispose(c.case_no, [DispositionAction.TERMINATE], w.inspector)
    d = w.bring(ONLINE_ENTRY, "ACCEPTED")  # D: withdrawn, verification cancelled
    svc.cases.withdraw(d.case_no, "改按原程序办理", w.actor_of(d.applicant))
    e = w.notice([ONLINE_ENTRY], c.applicant)  # E: C's applicant again → ineligible
    w.choose(e.case_no, {ONLINE_ENTRY: ProofMode.PLEDGE})
    assert not svc.cases.check_eligibility(e.case_no, w.clerk).eligible
    g = w.bring(ON_SITE_ENTRY, "DECIDED")  # G: on-site TRUE after the decision
    (gv,) = svc.verifications.list(case_no=g.case_no)
    assert w.finish(gv.verification_id, truth=True).result is VerificationResult.TRUE
    f = w.bring(ONLINE_ENTRY, "ACCEPTED")  # F: never checked → overdue
    (fv,) = svc.verifications.list(case_no=f.case_no)
    assert fv.due_at is not None
    w.clock.set(fv.due_at + timedelta(hours=1))
    assert svc.sweep()["overdue"] == 1
    svc.complaints.receive(channel="12345", subject_ref=g.case_no, content="举报", actor=w.clerk)
    return w


def test_r079_statistics_match_hand_built_scenario(scenario: World) -> None:
    """R-079: counts per organ and entry — choices, pledges, withdrawals, verifications by
    method and result, overdue, false pledges and the false rate — match the scenario."""
    stats = scenario.svc.statistics()
    assert stats.cases_by_status == {
        "ACCEPTED": 1,
        "DECIDED": 2,
        "DECLINED": 1,
        "INELIGIBLE": 1,
        "TERMINATED": 1,
        "WITHDRAWN": 1,
    }
    rows = {(r.organ_uscc, r.entry_id): r for r in stats.entries}
    assert set(rows) == {(OWNER_USCC, ONLINE_ENTRY), (OWNER_USCC, ON_SITE_ENTRY)}
    online = rows[(OWNER_USCC, ONLINE_ENTRY)]
    assert (online.notices, online.chose_pledge, online.chose_document) == (6, 5, 1)
    assert (online.ineligible, online.pledges, online.withdrawals) == (1, 4, 1)
    assert online.verifications_by_method == {"ONLINE": 4}
    assert online.results == {"CANCELLED": 1, "FALSE": 1, "TRUE": 1}
    assert (online.overdue, online.false_pledges, online.false_rate_permille) == (1, 1, 500)
    on_site = rows[(OWNER_USCC, ON_SITE_ENTRY)]
    assert (on_site.notices, on_site.chose_pledge, on_site.pledges) == (1, 1, 1)
    assert on_site.verifications_by_method == {"ON_SITE": 1}
    assert on_site.results == {"TRUE": 1}
    assert on_site.false_rate_permille == 0
    assert stats.dispositions_by_action == {"TERMINATE": 1}
    assert stats.credit_by_severity == {"GENERAL": 1}
    assert stats.credit_by_status == {"RECORDED": 1}
    assert stats.complaints_by_status == {"RECEIVED": 1}
    assert stats.totals == {
        "cases": 7,
        "pledges": 5,
        "withdrawals": 1,
        "verifications": 5,
        "false_pledges": 1,
        "overdue": 1,
        "credit_records": 1,
        "penalties_refused_for_limitation": 0,
        "complaints": 1,
    }
    assert stats.generated_at == scenario.clock().isoformat()


def test_r079_markdown_report_has_every_section(scenario: World) -> None:
    """R-079: the Markdown report has the overview, the per-entry table and the credit part."""
    stats = scenario.svc.statistics()
    md = render_markdown(stats)
    for heading in (
        "# 证明事项告知承诺制工作开展情况统计",
        "## 一、总体情况",
        "### 办件状态",
        "## 二、分机关、分事项统计",
        "## 三、处置与信用",
        "### 处置措施",
        "### 信用记录 (失信程度)",
        "### 信用记录 (状态)",
        "### 投诉举报",
    ):
        assert f"\n{heading}\n" in f"\n{md}\n", heading
    assert "共告知办件 7 件, 签署承诺书 5 份, 撤回 1 件" in md
    assert "发现承诺不实 1 件" in md and "逾期未核查 1 次" in md
    row = next(line for line in md.splitlines() if f"| {ONLINE_ENTRY} |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == OWNER_USCC
    assert cells[2:8] == ["6", "5", "1", "1", "4", "1"]
    assert cells[-3:] == ["1", "1", "500"]
    assert "| TERMINATE | 1 |" in md
    custom = render_markdown(stats, title="陕州区 2026 年度统计")
    assert custom.startswith("# 陕州区 2026 年度统计\n")


def test_r079_empty_statistics(world: World) -> None:
    """With nothing handled yet the report is all zeros and still renders every section."""
    stats = compute_statistics([], [], [], [], [], generated_at="2026-01-05T09:00:00+08:00")
    assert isinstance(stats, Statistics)
    assert stats.entries == () and set(stats.totals.values()) == {0}
    md = render_markdown(stats)
    assert "共告知办件 0 件" in md and "| — | 0 |" in md
    assert world.svc.statistics().totals["cases"] == 0
