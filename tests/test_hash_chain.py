"""One hash-chain helper for the journal and the evidence log (issue 11 item 6).

Both chains link through ``gaozhi_sdk._chain``; each keeps its digest (their files are
contracts): the evidence log's SM3 formula is unchanged, so existing logs still verify.
Tampering, deletion and reordering are found in both through the same walker.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gaozhi_sdk._chain import GENESIS, append_link, walk_chain
from gaozhi_sdk.sharing import MemoryEvidenceSink, SharingError, sm3_hex
from gaozhi_sdk.sharing import verify_chain as verify_evidence
from gaozhi_sdk.store import open_store
from gaozhi_sdk.store import verify_chain as verify_journal


def _evidence(n: int) -> list[dict[str, Any]]:
    sink = MemoryEvidenceSink()
    for i in range(n):
        sink.append({"request_id": f"R{i}", "outcome": "VERIFIED"})
    return copy.deepcopy(sink.records)


def test_evidence_hash_formula_is_unchanged() -> None:
    rec = _evidence(1)[0]
    body = {k: v for k, v in rec.items() if k != "hash"}
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert rec["prev_hash"] == GENESIS
    assert rec["hash"] == sm3_hex((GENESIS + data).encode("utf-8"))


@pytest.mark.parametrize("damage", ["edit", "delete", "swap"])
def test_evidence_chain_breaks_are_found(damage: str) -> None:
    records = _evidence(4)
    verify_evidence(records)
    if damage == "edit":
        records[2]["outcome"] = "MISMATCH"
    elif damage == "delete":
        del records[1]
    else:
        records[1], records[2] = records[2], records[1]
    with pytest.raises(SharingError) as exc:
        verify_evidence(records)
    assert exc.value.code == "GZ-SH-011"


def _journal(n: int) -> list[dict[str, Any]]:
    store = open_store("sqlite://")
    for i in range(n):
        with store.transaction() as tx:
            tx.append_journal(
                event="case.accept",
                aggregate_type="case",
                aggregate_id=f"C{i}",
                actor={"role": "WINDOW_CLERK", "ref": "CK1"},
                payload_digest="0" * 64,
                detail={},
                at="2026-03-02T09:00:00+08:00",
            )
    entries = [e.to_json_dict() for e in store.journal()]
    store.close()
    return entries


@pytest.mark.parametrize(
    ("damage", "code"), [("edit", "GZ-JR-002"), ("delete", "GZ-JR-004"), ("swap", "GZ-JR-004")]
)
def test_journal_chain_breaks_are_found_by_the_same_walker(damage: str, code: str) -> None:
    entries = _journal(4)
    assert verify_journal(entries).ok
    if damage == "edit":
        entries[2]["aggregate_id"] = "C-forged"
    elif damage == "delete":
        del entries[1]
    else:
        entries[1], entries[2] = entries[2], entries[1]
    report = verify_journal(entries)
    assert not report.ok
    assert code in {p.code for p in report.problems}


def test_walker_resynchronises_after_one_deleted_record() -> None:
    def digest(body: Any) -> str:
        return sm3_hex(json.dumps(body, sort_keys=True).encode())

    chain, prev = [], GENESIS
    for i in range(1, 6):
        rec = append_link({"n": i}, prev, i, digest)
        chain.append(rec)
        prev = rec["hash"]
    del chain[2]
    walk = walk_chain(chain, digest)
    kinds = [(i.at, i.kind) for i in walk.issues]
    assert kinds == [(3, "seq"), (3, "prev")]  # one finding site, no cascade after it
    assert walk.head_seq == 5
