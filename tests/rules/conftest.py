"""Fixtures for the rules-layer tests: valid entries, snapshots, parties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.parties import CreditSnapshot, CreditSnapshotItem

BASE_ENTRY: dict[str, Any] = {
    "entry_id": "E-1",
    "seq_no": 1,
    "implementing_organ": "三门峡市陕州区公安局",
    "matter_name": "户口迁入",
    "matter_code": "M-HJ-1",
    "matter_type": "CONFIRMATION",
    "priority_area": "HOUSEHOLD_REGISTRATION",
    "proof_name": "亲属关系证明",
    "proof_content": "申请人与被投靠人为夫妻关系。",
    "legal_basis": ("《中华人民共和国户口登记条例》第十三条",),
    "requesting_unit": "派出所",
    "issuing_unit": "户籍地派出所",
    "guide_ref": "办事指南",
    "verification": {
        "method": "ONLINE",
        "window": {"amount": 10, "unit": "WORKING_DAYS", "anchor": "ACCEPTED"},
        "standard": "系统登记为夫妻关系，认定为属实。",
        "data_source": "人口信息比对接口",
    },
    "proxy_allowed": True,
    "liability_text": "承诺不实的，依法撤销行政决定。",
    "status": "PUBLISHED",
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


@pytest.fixture
def make_entry() -> Callable[..., CommitmentListEntry]:
    """Build a valid entry; keyword overrides are deep-merged (``verification={...}``)."""

    def build(**over: Any) -> CommitmentListEntry:
        return CommitmentListEntry.model_validate(_merge(BASE_ENTRY, over))

    return build


@pytest.fixture
def make_snapshot() -> Callable[..., CreditSnapshot]:
    """Build a snapshot from ``(record_id, conduct, severity, status)`` tuples."""

    def build(
        *items: tuple[str, str, str, str], taken_at: date = date(2026, 5, 6)
    ) -> CreditSnapshot:
        return CreditSnapshot(
            subject_digest="d" * 64,
            taken_at=taken_at,
            source="本地诚信档案",
            items=tuple(
                CreditSnapshotItem(
                    record_id=r, conduct=c, severity=s, status=st, recorded_on=date(2025, 3, 1)
                )
                for r, c, s, st in items
            ),
        )

    return build
