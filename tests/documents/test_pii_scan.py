"""个人信息扫描 (R-092, R-093): positives, negatives, and the demo's disclosed outputs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from gaozhi_sdk.documents import scan_pii
from gaozhi_sdk.ids import mask_identifier, resident_id_check_char
from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.synthetic import synthetic_resident_id

RNG = random.Random(7)
VALID_ID = synthetic_resident_id(RNG)


def _kinds(text: str) -> list[str]:
    return [f.kind for f in scan_pii(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"承诺人身份证号{VALID_ID}。", "resident_id"),
        (f"ID: {VALID_ID.lower()}", "resident_id"),
        ("联系电话13800138000", "mobile"),
        ("电话 +86 138-0013-8000", "mobile"),
        ("手机:138 0013 8000;", "mobile"),
        ("住所: 三门峡市陕州区东街12号", "address"),
        ("经营场所位于建设路3号院", "address"),
        ("家住张湾村5组", "address"),
    ],
)
def test_scanner_finds_personal_data(text: str, kind: str) -> None:
    assert kind in _kinds(text)


def _bad_checksum(valid: str) -> str:
    body = valid[:17]
    wrong = next(c for c in "0123456789X" if c != resident_id_check_char(body))
    return body + wrong


@pytest.mark.parametrize(
    "text",
    [
        mask_identifier(VALID_ID),  # masked numbers are fine
        _bad_checksum(VALID_ID),  # not a resident ID: wrong check character
        VALID_ID + "7",  # part of a longer number
        "91411222MA47XK0A2T",  # a USCC (legal persons are not personal information)
        "12345政务服务便民热线; 12333人力资源和社会保障服务热线",
        "0398-3821234",  # an organ's landline
        "a13800138000f" + "0" * 52,  # inside a hex digest
        "《社会救助暂行办法》第九条、第十一条",
        "自受理之日起 20 个工作日内",
        "2026年01月05日 12:47",
    ],
)
def test_scanner_ignores_what_is_not_personal_data(text: str) -> None:
    assert scan_pii(text) == []


def test_findings_do_not_echo_the_personal_data() -> None:
    (f,) = scan_pii(f"证件号码 {VALID_ID}")
    assert VALID_ID not in str(f) and f.excerpt == mask_identifier(VALID_ID)


def _published_files(demo_dir: Path) -> list[Path]:
    return sorted(p for p in (demo_dir / "documents" / "disclosure").iterdir() if p.is_file())


def test_r092_no_personal_data_in_anything_the_demo_discloses(demo_dir: Path) -> None:
    files = _published_files(demo_dir)
    assert any(f.suffix == ".json" for f in files) and len(files) > 3
    for f in files:
        assert scan_pii(f.read_text(encoding="utf-8")) == [], f.name
    body = json.loads((demo_dir / "documents" / "disclosure" / "disclosures.json").read_text())
    assert len(body) == len(files) - 2  # one page per disclosure + index.html + the JSON


def test_the_scanner_does_find_the_demo_applicants_in_the_private_store(demo_dir: Path) -> None:
    """Control: the same scanner run on the non-public case records finds the applicants."""
    store = open_store(f"sqlite:///{demo_dir / 'gaozhi.db'}")
    try:
        docs = [json.dumps(r.doc, ensure_ascii=False) for r in store.list("case")][:20]
    finally:
        store.close()
    kinds = {f.kind for d in docs for f in scan_pii(d)}
    assert {"resident_id", "mobile", "address"} <= kinds
