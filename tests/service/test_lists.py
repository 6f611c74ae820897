"""清单 lifecycle through the service (machine A; R-004, R-006, R-008, R-009, R-029, R-041)."""

from __future__ import annotations

from typing import Any

import pytest

from gaozhi_sdk.errors import (
    ListValidationError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from gaozhi_sdk.models.enums import EntryStatus
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.testing import sample_list_text

from .conftest import EXEMPT_ENTRY, ONLINE_ENTRY, World, WorldFactory, review


def _list_doc(**top: Any) -> dict[str, Any]:
    doc = load_list(sample_list_text()).model_dump(mode="json")
    doc.update(top)
    return doc


def _with_entry(doc: dict[str, Any], entry_id: str, **changes: Any) -> dict[str, Any]:
    for e in doc["entries"]:
        if e["entry_id"] == entry_id:
            for k, v in changes.items():
                if isinstance(v, dict) and isinstance(e.get(k), dict):
                    e[k] = {**e[k], **v}
                else:
                    e[k] = v
    return doc


@pytest.fixture
def empty(world_factory: WorldFactory) -> World:
    """A world whose list is not yet drafted."""
    return world_factory(publish=False)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"legal_basis": []}, "GZ-LS-004"),
        ({"risk_exclusion_check": ["PUBLIC_SECURITY"]}, "GZ-LS-006"),
        ({"proof_content": "申请人具有合法住所以及其他相关材料。"}, "GZ-LS-029"),
        ({"verification": {"window": None}}, "GZ-LS-041"),
        ({"verification": {"standard": ""}}, "GZ-LS-141"),
    ],
    ids=[
        "r004_legal_basis",
        "r006_risk_exclusion",
        "r029_catch_all",
        "r041_window",
        "r041_standard",
    ],
)
def test_r004_r006_r029_r041_lint_errors_block_draft(
    empty: World, changes: dict[str, Any], code: str
) -> None:
    """R-004/R-006/R-029/R-041: a list with lint ERRORs is refused with every finding; nothing
    is stored, and the refused attempt is journaled (REFUSED, with its code)."""
    doc = _with_entry(_list_doc(), ONLINE_ENTRY, **changes)
    before = empty.journal_count()
    with pytest.raises(ListValidationError) as ei:
        empty.svc.lists.draft(doc, empty.officer)
    err = ei.value
    assert err.code == "GZ-LS-003"
    assert any(f.code == code and f.entry_id == ONLINE_ENTRY for f in err.findings)
    assert code in err.details["codes"]
    assert empty.svc.store.count("list_version") == 0
    assert empty.svc.store.count("entry") == 0
    assert empty.journal_count() == before + 1
    (refused,) = [e for e in empty.journal() if e.outcome == "REFUSED"]
    assert refused.event == "entry.draft" and refused.detail["code"] == "GZ-LS-003"


def test_r008_draft_stores_every_entry_as_draft(empty: World) -> None:
    """R-008: a drafted version and each of its entries are stored in state DRAFT."""
    cl = empty.svc.lists.draft(_list_doc(), empty.officer)
    assert all(e.status is EntryStatus.DRAFT for e in cl.entries)
    states = {r.state for r in empty.svc.store.list("entry")}
    assert states == {EntryStatus.DRAFT.value}
    assert empty.svc.store.count("entry") == len(cl.entries)
    (entry,) = empty.journal(event="entry.draft")
    assert entry.detail["entries"] == len(cl.entries)


def test_r009_submit_needs_deliberation_ref(empty: World) -> None:
    """R-009: a draft without the 党委会议研究论证 record cannot be submitted for review."""
    cl = empty.svc.lists.draft(_list_doc(deliberation_ref="  "), empty.officer)
    with pytest.raises(RuleViolationError) as ei:
        empty.svc.lists.submit(cl.list_id, cl.version, empty.officer)
    assert ei.value.code == "GZ-RL-201"
    assert "R-009" in ei.value.message
    rec = empty.svc.store.get("list_version", f"{cl.list_id}@1")
    assert rec is not None and rec.state == EntryStatus.DRAFT


def test_r011_publish_by_non_reviewer_refused_and_journaled(empty: World) -> None:
    """R-011: only the justice bureau's reviewer publishes; a refusal is journaled REFUSED."""
    cl = empty.svc.lists.draft(_list_doc(), empty.officer)
    empty.svc.lists.submit(cl.list_id, 1, empty.officer)
    with pytest.raises(PermissionDeniedError) as ei:
        empty.svc.lists.publish(cl.list_id, 1, review(), empty.officer)
    assert ei.value.code == "GZ-AU-001"
    (refused,) = empty.journal(event="entry.publish", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-AU-001"}
    assert refused.aggregate_id == f"{cl.list_id}@1"
    rec = empty.svc.store.get("list_version", f"{cl.list_id}@1")
    assert rec is not None and rec.state == EntryStatus.UNDER_REVIEW
    published = empty.svc.lists.publish(cl.list_id, 1, review(), empty.reviewer)
    assert all(e.status is EntryStatus.PUBLISHED for e in published.entries)
    assert published.review_record == review()


def test_r011_reject_review_returns_to_draft(empty: World) -> None:
    """R-011: the reviewer can send a version back to DRAFT; it can then be resubmitted."""
    cl = empty.svc.lists.draft(_list_doc(), empty.officer)
    empty.svc.lists.submit(cl.list_id, 1, empty.officer)
    back = empty.svc.lists.reject(cl.list_id, 1, empty.reviewer)
    assert {e.status for e in back.entries} == {EntryStatus.DRAFT}
    empty.svc.lists.submit(cl.list_id, 1, empty.officer)
    assert empty.state("list_version", f"{cl.list_id}@1") == "UNDER_REVIEW"


def test_r008_unpublished_list_cannot_be_used_for_notices(empty: World) -> None:
    """R-008: while a list is only drafted or under review, no notice can be issued on it."""
    cl = empty.svc.lists.draft(_list_doc(), empty.officer)
    empty.svc.lists.submit(cl.list_id, 1, empty.officer)
    with pytest.raises(NotFoundError) as ei:
        empty.notice([ONLINE_ENTRY])
    assert ei.value.code == "GZ-ST-404"
    assert empty.svc.store.count("case") == 0


def test_r008_publishing_v2_supersedes_v1(world: World) -> None:
    """R-008 (适时调整): publishing version 2 supersedes version 1 and its entries; new
    notices use v2, cases opened on v1 keep their version."""
    old_case = world.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    assert old_case.list_version == 1
    v2 = _list_doc(version=2, deliberation_ref="党组会议纪要 SZ-2026-011")
    world.svc.lists.draft(v2, world.officer)
    world.svc.lists.submit(world.list_id, 2, world.officer)
    world.svc.lists.publish(world.list_id, 2, review(), world.reviewer)
    assert world.svc.lists.published(world.list_id).version == 2
    v1 = world.svc.store.get("list_version", f"{world.list_id}@1")
    assert v1 is not None and v1.state == EntryStatus.SUPERSEDED
    _, state = world.svc.lists.entry(world.list_id, 1, ONLINE_ENTRY)
    assert state == EntryStatus.SUPERSEDED
    (sup,) = world.journal(event="entry.supersede")
    assert sup.aggregate_id == f"{world.list_id}@1"
    assert sup.detail == {"from": "PUBLISHED", "to": "SUPERSEDED"}
    new = world.notice([ONLINE_ENTRY])
    assert world.svc.cases.get(new.case_no).list_version == 2
    assert world.svc.cases.get(old_case.case_no).list_version == 1


def test_r008_retired_entry_cannot_be_used_for_notices(world: World) -> None:
    """R-008/R-006: a retired entry (risk found) is refused for new notices; others still work."""
    world.svc.lists.retire_entry(
        world.list_id, EXEMPT_ENTRY, "经评估风险较高, 停止适用", world.officer
    )
    _, state = world.svc.lists.entry(world.list_id, 1, EXEMPT_ENTRY)
    assert state == EntryStatus.RETIRED
    cases_before = world.svc.store.count("case")
    with pytest.raises(RuleViolationError) as ei:
        world.notice([EXEMPT_ENTRY])
    assert ei.value.code == "GZ-RL-202"
    assert "R-008" in ei.value.message
    assert world.svc.store.count("case") == cases_before
    world.notice([ONLINE_ENTRY])  # the rest of the list is still in force


def test_r008_retired_entry_stays_retired_when_list_moves(world: World) -> None:
    """A retired entry is not resurrected by a later transition of its list version."""
    world.svc.lists.retire_entry(world.list_id, EXEMPT_ENTRY, "停止适用", world.officer)
    world.svc.lists.draft(_list_doc(version=2), world.officer)
    world.svc.lists.submit(world.list_id, 2, world.officer)
    world.svc.lists.publish(world.list_id, 2, review(), world.reviewer)
    _, state = world.svc.lists.entry(world.list_id, 1, EXEMPT_ENTRY)
    assert state == EntryStatus.RETIRED


def test_r008_draft_of_existing_version_refused(world: World) -> None:
    """A version number can be drafted once (GZ-WF-004); the attempt is journaled REFUSED."""
    from gaozhi_sdk.errors import WorkflowError

    with pytest.raises(WorkflowError) as ei:
        world.svc.lists.draft(_list_doc(), world.officer)
    assert ei.value.code == "GZ-WF-004"
    assert world.journal(event="entry.draft", outcome="REFUSED")
