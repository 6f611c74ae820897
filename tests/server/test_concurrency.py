"""Many platforms at once (issue 13, 6d): concurrent clients run whole intakes over HTTP
against ``gaozhi serve --workers 2`` on one SQLite store; afterwards there is no duplicate
case, the journal is one valid hash chain and an exported archive passes the offline audit.

Scale: ``GAOZHI_LOAD_CLIENTS`` (default 32) × ``GAOZHI_LOAD_CASES`` cases each (default 3
for CI time; the issue's full run is ``GAOZHI_LOAD_CASES=200``, which takes tens of
minutes on a shared two-core machine).
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gaozhi_sdk.archive import audit_archive, export_archive
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.store.journal import verify_chain
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService, http_intake

CLIENTS = int(os.environ.get("GAOZHI_LOAD_CLIENTS", "32"))
CASES = int(os.environ.get("GAOZHI_LOAD_CASES", "3"))


@pytest.mark.slow
def test_concurrent_intakes_on_two_workers_leave_a_consistent_store(
    tmp_path: Path, server_pki: TestPKI
) -> None:
    served = ServedService(tmp_path / "load", server_pki, workers=2).start()
    try:
        for cid in ("clerk", "platform"):  # warm both workers' pools
            assert served.client(cid).get("/v1/verifications").status_code == 200
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            cases = list(
                pool.map(
                    lambda n: http_intake(served, n, retry_notice=True), range(CLIENTS * CASES)
                )
            )
    finally:
        served.stop()
    assert len(set(cases)) == CLIENTS * CASES
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        stored = [r.doc for r in store.list("case")]
        per_applicant = Counter(d["applicant"]["id_number"] for d in stored)
        assert len(stored) == CLIENTS * CASES and max(per_applicant.values()) == 1
        assert {d["status"] for d in stored} == {"ACCEPTED"}
        entries = [e.to_json_dict() for e in store.journal()]
        report = verify_chain(entries)
        assert report.ok, report.problems[:3]
        seal = served.pki.organ_seal("三门峡市陕州区人民政府", OWNER_USCC)
        export_archive(store, tmp_path / "archive", signer=seal, trust_pems=[served.pki.root_pem()])
    finally:
        store.close()
    # the auditor's own anchor (DESIGN §8: never the archive's trust/ copies)
    audit = audit_archive(
        tmp_path / "archive", jobs=1, trust_pems=[served.pki.root_pem()], organ_uscc=OWNER_USCC
    )
    assert audit.exit_code == 0, [c for c in audit.checks if c.status != "PASSED"][:3]
