"""Many platforms at once (issue 13, 6d): concurrent clients run whole intakes over HTTP
against ``gaozhi serve --workers 2`` on one SQLite store; afterwards there is no duplicate
case, the journal is one valid hash chain and an exported archive passes the offline audit.

Scale: ``GAOZHI_LOAD_CLIENTS`` (default 32) × ``GAOZHI_LOAD_CASES`` cases each (default 3
for CI time; the issue's full run is ``GAOZHI_LOAD_CASES=200``, which takes tens of
minutes on a shared two-core machine).
"""

from __future__ import annotations

import base64
import os
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk.archive import audit_archive, export_archive
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.store.journal import verify_chain
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

from .conftest import LIST_ID, ONLINE_ENTRY, new_applicant

CLIENTS = int(os.environ.get("GAOZHI_LOAD_CLIENTS", "32"))
CASES = int(os.environ.get("GAOZHI_LOAD_CASES", "3"))


def _intake(served: ServedService, n: int) -> str:
    """One whole intake: notice → choice → eligibility → three-step signing → acceptance."""
    app = new_applicant(100_000 + n)
    clerk = served.client("clerk")
    me = served.client("platform").acting_for(app.id_number)
    body = {
        "list_id": LIST_ID,
        "entry_ids": [ONLINE_ENTRY],
        "applicant": app.model_dump(mode="json"),
    }
    key = uuid.uuid4().hex
    r = clerk.post("/v1/notices", body, idempotency_key=key)
    assert r.status_code == 201, r.text
    again = clerk.post("/v1/notices", body, idempotency_key=key)  # a retry changes nothing
    assert again.status_code == 201 and again.json()["case_no"] == r.json()["case_no"]
    case_no = r.json()["case_no"]
    choice = {"choices": [{"entry_id": ONLINE_ENTRY, "mode": "PLEDGE"}]}
    assert me.post(f"/v1/cases/{case_no}/choices", choice).status_code == 200
    assert clerk.post(f"/v1/cases/{case_no}/eligibility").json()["eligible"]
    signer = served.pki.applicant(f"申请人 #load{n % 8}")
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]
    dts = me.post(f"/v1/cases/{case_no}/pledge/data-to-sign", {"certificate_chain": chain})
    assert dts.status_code == 200, dts.text
    sig = signer.private_key.sign(base64.b64decode(dts.json()["pae"]), ec.ECDSA(hashes.SHA256()))
    r = me.post(
        f"/v1/cases/{case_no}/pledge/signature",
        {"session_id": dts.json()["session_id"], "signature": base64.b64encode(sig).decode()},
        idempotency_key=uuid.uuid4().hex,
    )
    assert r.status_code == 201, r.text
    r = clerk.post(f"/v1/cases/{case_no}/accept", idempotency_key=uuid.uuid4().hex)
    assert r.status_code == 200, r.text
    return case_no


@pytest.mark.slow
def test_concurrent_intakes_on_two_workers_leave_a_consistent_store(
    tmp_path: Path, server_pki: TestPKI
) -> None:
    served = ServedService(tmp_path / "load", server_pki, workers=2).start()
    try:
        for cid in ("clerk", "platform"):  # warm both workers' pools
            assert served.client(cid).get("/v1/verifications").status_code == 200
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            cases = list(pool.map(lambda n: _intake(served, n), range(CLIENTS * CASES)))
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
    audit = audit_archive(tmp_path / "archive", jobs=1)
    assert audit.exit_code == 0, [c for c in audit.checks if c.status != "PASSED"][:3]
