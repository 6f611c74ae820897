"""Data minimisation of what the journal, events and evidence carry (R-090, R-095).

Two checks, both meant to fail when a *new* field starts carrying a personal identifier:

* the schema walk: every field of every model whose name says it may hold personal data
  is either marked ``pii(...)`` (so redaction, masking and the leak tests know it), a
  nested party model whose own fields are marked, or reviewed below with its reason;
* the value scan: the demo's journal (database and archive), every outbox event payload
  and the data-sharing evidence log hold no identifier-shaped value (resident ID with a
  valid checksum, mobile number, street address) and none of the demo applicants' actual
  ID numbers, phone numbers, addresses or names — only masks and salted digests.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import gaozhi_sdk
from gaozhi_sdk.documents import scan_pii
from gaozhi_sdk.models import Applicant
from gaozhi_sdk.models._base import GaozhiModel

#: Field names that may hold personal data (identifiers, contact, names of persons …).
PERSONAL_NAME = re.compile(
    r"id_number|id_no|contact|phone|mobile|tel$|address|email|applicant|pledgor|grantor|"
    r"reporter|subject|holder|citizen|person|proxy|party$|signer|inspector|decided_by|"
    r"(^|_)name$",
    re.I,
)

#: Reviewed fields whose names match but that carry no unmasked personal identifier.
REVIEWED: dict[str, str] = {
    "matter_name": "行政事项名称",
    "proof_name": "证明名称",
    "organ_name": "机关名称 (法人, 非个人信息)",
    "name": "AuditCheck / AdministrativeOrgan: 检查项或机关的名称",
    "party_type": "申请人类别枚举",
    "proxy_allowed": "布尔值",
    "mask_natural_person_name": "布尔值",
    "mask_natural_person_id": "布尔值",
    "keep_legal_person": "布尔值",
    "pledgor_display": "公开件: 自然人姓名已脱敏 (张*), 法人名称 (R-092)",
    "pledgor_id_display": "公开件: 自然人证件号码已脱敏, 统一社会信用代码 (R-092)",
    "subject_ref": "被投诉对象: 办件或公开件编号",
    "subject_digest": "证件号码的加盐摘要",
    "subject_masked": "证件号码脱敏",
    "subject_is_legal_person": "布尔值",
    "subject_name_public": "仅法人/其他组织的名称 (CreditService 对自然人填 None)",
    "applicant_digest": "证件号码的加盐摘要",
    "applicant_masked": "证件号码脱敏",
    "subject_id_type": "证件类型枚举",
    "inspector": "核查人员工号 (公职人员履职信息, 非证件号码)",
    "inspectors": "双随机备选检查人员工号",
    "decided_by": "作出决定的工作人员 (工号、职务)",
    "local_method_name": "地方核查方式名称 (书面核查 …, R-048)",
}


def _all_models() -> Iterator[type[GaozhiModel]]:
    for mod in pkgutil.walk_packages(gaozhi_sdk.__path__, "gaozhi_sdk."):
        if mod.name.endswith("__main__") or ".testing.emulator" in mod.name:
            continue
        try:
            importlib.import_module(mod.name)
        except ImportError:  # optional extras (server, postgres) not installed
            continue
    todo, seen = [GaozhiModel], set()
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                yield sub


def test_r090_every_field_that_may_hold_personal_data_is_marked_or_reviewed() -> None:
    unreviewed = []
    checked = 0
    for model in _all_models():
        marked = model.pii_fields()
        for name, info in model.model_fields.items():
            if not PERSONAL_NAME.search(name):
                continue
            checked += 1
            nested = str(info.annotation)
            if name in marked or name in REVIEWED or Applicant.__name__ in nested:
                continue
            if "Proxy" in nested:  # Proxy.party is an Applicant: its fields are marked
                continue
            unreviewed.append(f"{model.__module__}.{model.__name__}.{name}")
    assert checked > 30
    assert unreviewed == [], (
        "fields that may carry personal data: mark them pii(...) and mask/digest them, or "
        f"review them in {__name__}.REVIEWED with the reason: {unreviewed}"
    )
    # the party model carries the identifiers, and says so
    assert set(Applicant.pii_fields()) == {"name", "id_number", "contact", "address"}


def _demo_applicants(db: Path) -> list[dict[str, str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT doc FROM records WHERE kind = 'case'").fetchall()
    finally:
        con.close()
    apps = [json.loads(r[0])["applicant"] for r in rows]
    return [a for a in apps if a["party_type"] == "CITIZEN"]


def _carried(demo_dir: Path) -> dict[str, str]:
    """Everything the journal, the events and the evidence carry, as text per source."""
    con = sqlite3.connect(f"file:{demo_dir / 'gaozhi.db'}?mode=ro", uri=True)
    try:
        journal = con.execute("SELECT * FROM journal ORDER BY seq").fetchall()
        outbox = con.execute("SELECT topic, idempotency_key, payload FROM outbox").fetchall()
        verifications = con.execute(
            "SELECT doc FROM records WHERE kind = 'verification'"
        ).fetchall()
    finally:
        con.close()
    evidence = [
        json.dumps(json.loads(v[0]).get("evidence", []), ensure_ascii=False) for v in verifications
    ]
    return {
        "journal (database)": "\n".join("|".join(str(c) for c in row) for row in journal),
        "journal (archive)": (demo_dir / "archive" / "journal.jsonl").read_text("utf-8"),
        "manifest": (demo_dir / "archive" / "manifest.json").read_text("utf-8"),
        "events (outbox)": "\n".join("|".join(row) for row in outbox),
        "evidence (data sharing)": (demo_dir / "sharing-evidence.jsonl").read_text("utf-8"),
        "evidence (verification records)": "\n".join(evidence),
    }


def test_r090_r095_journal_events_and_evidence_carry_no_identifier(demo_dir: Path) -> None:
    carried = _carried(demo_dir)
    assert all(carried.values()) and len(carried["events (outbox)"]) > 1000
    for source, text in carried.items():
        assert scan_pii(text) == [], source
    apps = _demo_applicants(demo_dir / "gaozhi.db")
    assert len(apps) > 10
    secrets = {
        v
        for a in apps
        for v in (a["id_number"], a.get("contact"), a.get("address"), a["name"])
        if v and len(v) >= 2
    }
    for source, text in carried.items():
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == [], f"{source} carries {len(leaked)} personal values"


def test_r095_the_scan_would_catch_an_unmasked_identifier(demo_dir: Path) -> None:
    """Control: one applicant's raw identifier, as a careless new field would carry it."""
    app = _demo_applicants(demo_dir / "gaozhi.db")[0]
    leaky = json.dumps({"event": "case.accept", "applicant_id": app["id_number"]})
    assert [f.kind for f in scan_pii(leaky)] == ["resident_id"]
