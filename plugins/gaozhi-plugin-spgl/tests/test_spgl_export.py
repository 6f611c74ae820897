"""SPGL_GZCNZBJJGXXB_V3 export from verification records (R-080, R-081, R-082)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from gaozhi_plugin_spgl import (
    FIELDS,
    TABLE,
    SpglGzcnzbjjgxxb,
    export_verifications,
    spooled_ids,
    to_csv,
    to_json,
)
from gaozhi_plugin_spgl import plugin as spgl_plugin

from gaozhi_sdk import LifecycleEvent, PluginHost
from gaozhi_sdk.models import (
    Actor,
    ActorRole,
    CreditStatus,
    DispositionAction,
    Objection,
    ObjectionOutcome,
    VerificationResult,
)
from gaozhi_sdk.testing import Sandbox, SimulatedClock

ONLINE = "SZ-GA-HJ-001"  # ONLINE, in-process
EXEMPT = "SZ-SCJG-002"  # EXEMPT → daily supervision, never concluded here
ORGAN = "11411222005123018X"
INSPECTOR = Actor(role=ActorRole.INSPECTOR, actor_id="IN0007", organ_uscc=ORGAN)
CREDIT = Actor(role=ActorRole.CREDIT_OFFICER, actor_id="CR0003", organ_uscc=ORGAN)


def _world() -> tuple[Sandbox, dict[str, str]]:
    box = Sandbox.open(clock=SimulatedClock("2026-03-02T09:00:00+08:00"), seed=7)
    kept = box.pledge_case([ONLINE], shared_data_agrees=True)
    box.clock.advance(hours=2)
    box.svc.verifications.run_online(kept.verifications[0].verification_id)
    false = box.pledge_case([ONLINE], shared_data_agrees=False)
    box.clock.advance(hours=1)
    box.svc.verifications.run_online(false.verifications[0].verification_id)
    d = box.svc.credit.dispose(false.case_no, [DispositionAction.TERMINATE], INSPECTOR)
    box.svc.credit.object_to_record(
        d.credit_record_id or "",
        Objection(
            objection_id="OBJ-1",
            record_id=d.credit_record_id or "",
            submitted_on=box.clock().date(),
            grounds="申请人提交了公安机关出具的关系证明",
        ),
        false.applicant_actor,
    )
    box.svc.credit.resolve_objection(
        "OBJ-1", ObjectionOutcome.INVALIDATED, CREDIT, reason="共享数据登记有误, 认定撤销"
    )
    assert box.svc.credit.get(d.credit_record_id or "").status is CreditStatus.INVALIDATED
    exempt = box.pledge_case([EXEMPT])
    codes = {
        kept.case_no: "2026-411222-48-01-000101",
        false.case_no: "2026-411222-48-01-000102",
    }
    ids = {
        "kept": kept.verifications[0].verification_id,
        "false": false.verifications[0].verification_id,
        "exempt": exempt.verifications[0].verification_id,
        "kept_case": kept.case_no,
        "false_case": false.case_no,
    }
    return box, {**codes, **ids}


def test_r080_sample_export_field_by_field() -> None:
    box, k = _world()
    out = export_verifications(box.svc, lambda case: k.get(case.case_no))
    assert TABLE == "SPGL_GZCNZBJJGXXB_V3"
    assert FIELDS == (
        "DFSJZJ", "XZQHDM", "GCDM", "SPSXBM", "JCBH", "JCSJ", "JCBMMC", "JCBMTYSHXYDM",
        "JCYJHSM", "SFLXGZCN", "GZCNLXQK", "QT", "SJYXBS", "SJWXYY",
    )  # fmt: skip
    rows = {r.JCBH: r for r in out.rows}
    assert set(rows) == {k["kept"], k["false"]}
    kept = rows[k["kept"]]
    assert f"{ORGAN}-{k['kept']}" == kept.DFSJZJ
    assert kept.XZQHDM == "411222"
    assert kept.GCDM == "2026-411222-48-01-000101"
    assert k["kept_case"] == kept.SPSXBM
    assert k["kept"] == kept.JCBH
    assert kept.JCSJ == "2026-03-02 11:00:00"
    assert kept.JCBMMC == "三门峡市陕州区人民政府"
    assert kept.JCBMTYSHXYDM == ORGAN
    assert kept.JCYJHSM.startswith("核查方式: 在线核查; 核查标准: 人口信息管理系统登记的")
    assert kept.JCYJHSM.endswith("设定依据: 《中华人民共和国户口登记条例》第十三条")
    assert kept.SFLXGZCN == 1
    assert kept.GZCNLXQK == "经在线核查, 承诺属实, 已履行告知承诺"
    assert f"清单条目 {ONLINE}; 证明名称 申请人与被投靠人的亲属关系证明" == kept.QT
    assert (kept.SJYXBS, kept.SJWXYY) == (1, "")
    false = rows[k["false"]]
    assert (false.SFLXGZCN, false.GZCNLXQK) == (0, "经在线核查, 承诺不实, 未履行告知承诺")
    assert false.JCSJ == "2026-03-02 12:00:00"
    # the false finding was invalidated on objection: the row says so
    assert (false.SJYXBS, false.SJWXYY) == (0, "不实认定经异议处理已撤销")
    assert dict(out.skipped) == {k["exempt"]: "核查尚未完成"}


def test_r080_csv_and_json_carry_the_standard_columns_and_no_identifier() -> None:
    box, k = _world()
    out = export_verifications(box.svc, lambda case: k.get(case.case_no))
    table = list(csv.reader(io.StringIO(to_csv(out.rows).decode("utf-8"))))
    assert tuple(table[0]) == FIELDS and len(table) == 3
    body = json.loads(to_json(out.rows))
    assert [SpglGzcnzbjjgxxb.model_validate(r) for r in body] == list(out.rows)
    text = to_csv(out.rows).decode("utf-8") + to_json(out.rows).decode("utf-8")
    for case_no in (k["kept_case"], k["false_case"]):
        app = box.svc.cases.get(case_no).applicant
        assert app.id_number not in text and app.name not in text


def test_r080_no_project_code_and_undetermined_results_are_left_out() -> None:
    box, k = _world()
    out = export_verifications(box.svc, lambda case: None)
    assert out.rows == ()
    assert dict(out.skipped)[k["kept"]] == "办件没有工程代码"
    only = export_verifications(box.svc, lambda c: "GC-1", verification_ids=[k["kept"]])
    assert [r.JCBH for r in only.rows] == [k["kept"]]
    v = box.svc.verifications.get(k["kept"])
    assert v.result is VerificationResult.TRUE


def test_r081_r082_entry_flags_travel_into_the_export(tmp_path: Path) -> None:
    box, k = _world()
    entry = box.svc.cases.entry_at(box.svc.cases.get(k["kept_case"]), ONLINE)
    assert entry.implements_pledge_system and entry.approval_matter_code is None
    doc = box.clist.model_dump(mode="json")
    for e in doc["entries"]:
        if e["entry_id"] == ONLINE:
            e["approval_matter_code"] = "411222-GA-HJ-001-SP"
            e["situations"] = [
                {"situation_code": "QX-01", "name": "夫妻投靠", "pledge": True},
                {"situation_code": "QX-02", "name": "其他亲属投靠", "pledge": False},
            ]
    doc["version"] = 2
    box.svc.lists.draft(doc, box.officer)
    box.svc.lists.submit(doc["list_id"], 2, box.officer)
    from gaozhi_sdk.models import ReviewRecord

    box.svc.lists.publish(
        doc["list_id"], 2, ReviewRecord(reviewer="司法局", reviewed_on=box.clock().date()),
        box.reviewer,
    )  # fmt: skip
    later = box.pledge_case([ONLINE], shared_data_agrees=True)
    box.svc.verifications.run_online(later.verifications[0].verification_id)
    out = export_verifications(
        box.svc, lambda c: "GC-9", verification_ids=[later.verifications[0].verification_id]
    )
    (row,) = out.rows
    assert row.QT.endswith("审批制事项编码 411222-GA-HJ-001-SP")


def test_r080_event_hook_spools_completed_verifications_once(tmp_path: Path) -> None:
    spool = tmp_path / "spool.jsonl"
    host = PluginHost(load_entrypoints=False, config={"plugins": {"spgl": {"spool": str(spool)}}})
    host.register(spgl_plugin, "spgl")
    box = Sandbox.open(clock=SimulatedClock("2026-03-02T09:00:00+08:00"), seed=9)
    box.svc.plugin_host = host
    case = box.pledge_case([ONLINE], shared_data_agrees=True)
    vid = case.verifications[0].verification_id
    box.svc.verifications.run_online(vid)
    box.svc.deliver_events()
    box.svc.deliver_events()  # nothing new: nothing appended
    assert spooled_ids(spool) == [vid]
    lines = spool.read_text("utf-8").splitlines()
    assert len(lines) == 1 and case.applicant.id_number not in lines[0]
    out = export_verifications(box.svc, lambda c: "GC-1", verification_ids=spooled_ids(spool))
    assert [r.JCBH for r in out.rows] == [vid]
    # a redelivery (same idempotency key, attempt 2) is not spooled twice
    (key,) = [json.loads(line)["key"] for line in lines]
    spgl_plugin.gaozhi_event(
        LifecycleEvent("verification.completed", key, {"verification_id": vid}, attempt=2)
    )
    assert len(spool.read_text("utf-8").splitlines()) == 1
