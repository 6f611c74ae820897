"""Constant memory for big archives (issue 12 item 7): archive export streams the journal
from the store (page by page) to ``journal.jsonl``, and the audit streams it back in one
pass. Python's peak allocation for 10× the journal stays about the same."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.archive import audit_archive, export_archive
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.store_contract import StoreFactory

DIGEST = hashlib.sha256(b"x").hexdigest()


def _fill(store: Any, start: int, n: int) -> None:
    with store.transaction() as tx:
        for i in range(start, start + n):
            tx.append_journal(
                event="case.accept",
                aggregate_type="case",
                aggregate_id=f"C-{i:07d}",
                actor={"role": "OFFICER", "ref": "o-1", "organ": "91411203984BXKFL4G"},
                payload_digest=DIGEST,
                detail={"from": "PLEDGED", "to": "ACCEPTED", "n": i},
            )


def _peak(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_export_and_audit_memory_is_flat_in_the_journal_length(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    if store_factory.name == "sqlite-memory":
        pytest.skip("the same code path as sqlite-file")
    pki = TestPKI.create()
    signer = pki.organ_seal("机关", "91411203984BXKFL4G")
    store = store_factory.open()
    peaks = {}
    total = 0
    for n in (1_000, 10_000):
        _fill(store, total, n - total)
        total = n
        out = tmp_path / f"a{n}"
        peaks[f"export{n}"] = _peak(
            lambda out=out: export_archive(store, out, signer=signer, trust_pems=[pki.root_pem()])
        )
        report: list[Any] = []
        peaks[f"audit{n}"] = _peak(
            lambda out=out, report=report: report.append(
                audit_archive(
                    out, trust_pems=[pki.root_pem()], jobs=1, organ_uscc="91411203984BXKFL4G"
                )
            )
        )
        assert report[0].exit_code == 0 and report[0].journal_entries == n
    # 10× the entries: the peak may not grow with them (a list of 10,000 entry dicts alone
    # would take well over 10 MB)
    assert peaks["export10000"] < peaks["export1000"] * 1.5 + 2_000_000, peaks
    assert peaks["audit10000"] < peaks["audit1000"] * 1.5 + 2_000_000, peaks
