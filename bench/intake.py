"""Benchmark: lifecycle intake vs its bare floor (DESIGN §9).

Intake = notice (sealed) → choice → eligibility → signed pledge (validated) → accepted,
each step one SQLite transaction with its journal entry and outbox messages.
The floor, measured in the same run on the same machine, is the same work done bare:
the same number of ECDSA P-256 signatures and verifications with ``cryptography`` and the
same number of SQLite transactions writing rows of the same sizes (WAL, synchronous=FULL).

Target: intake time ≤ 1.5 × floor. Prints the ratio; never asserts (CI runs ``--smoke``).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk import PledgeService, esign, load_list
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import sample_list_text
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant


def _service(
    db: Path | str, pki: TestPKI | None = None
) -> tuple[PledgeService, TestPKI, str, Actor]:
    """A service on the SQLite file ``db`` (or the store URL ``db``) with the sample list
    published; returns it, its PKI, the list id and a window clerk of the list's organ."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    pki = pki or TestPKI.create()
    svc = PledgeService.open(
        url, signers={organ: pki.organ_seal("机关", organ)}, trust=pki.trust_store()
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS1", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF1")
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, 1, officer)
    from datetime import date

    svc.lists.publish(
        clist.list_id, 1, ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 1)), reviewer
    )
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK1", organ_uscc=organ)
    return svc, pki, clist.list_id, clerk


def run_intake(n: int, db: Path) -> tuple[float, dict[str, int]]:
    svc, pki, list_id, clerk = _service(db)
    rng = random.Random(1)
    apps = [synthetic_applicant(rng) for _ in range(n)]
    # Each applicant signs with their own certificate (strict signer policy), issued up front.
    signers = {a.id_number: pki.applicant("申请人 bench", a.id_number) for a in apps}
    tx0 = svc.store.journal_head()
    seq0 = tx0.seq if tx0 else 0
    t0 = time.perf_counter()
    for app in apps:
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        notice = svc.cases.issue_notice(
            list_id=list_id, entry_ids=["SZ-GA-HJ-001"], applicant=app, actor=clerk
        )
        svc.cases.record_choices(
            notice.case_no, [ProofChoice(entry_id="SZ-GA-HJ-001", mode=ProofMode.PLEDGE)], me
        )
        svc.cases.check_eligibility(notice.case_no, clerk)
        pledge = svc.cases.draft_pledge(notice.case_no)
        svc.cases.submit_pledge(esign.sign(pledge, signers[app.id_number]), me)
        svc.cases.accept(notice.case_no, clerk)
    elapsed = time.perf_counter() - t0
    head = svc.store.journal_head()
    svc.close()
    # what the floor must reproduce: rows by table and average sizes
    con = sqlite3.connect(db)
    rows = {
        "records": con.execute(
            "SELECT count(*) FROM records WHERE kind NOT IN ('list_version','entry')"
        ).fetchone()[0],
        "record_bytes": con.execute(
            "SELECT coalesce(avg(length(doc)),0) FROM records WHERE kind='case'"
        ).fetchone()[0],
        "journal": (head.seq if head else 0) - seq0,
        "outbox": con.execute("SELECT count(*) FROM outbox").fetchone()[0],
        "blobs": con.execute("SELECT count(*) FROM blobs").fetchone()[0],
        "blob_bytes": con.execute("SELECT coalesce(avg(length(data)),0) FROM blobs").fetchone()[0],
    }
    con.close()
    return elapsed, {k: int(v) for k, v in rows.items()}


def run_floor(n: int, db: Path, rows: dict[str, int]) -> float:
    """Bare crypto (2 signs + 2 verifications per intake) and bare SQLite writes."""
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key()
    payload = os.urandom(2048)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE r (k TEXT PRIMARY KEY, v INT, doc TEXT)")
    con.execute("CREATE TABLE j (seq INTEGER PRIMARY KEY, h TEXT, body TEXT)")
    con.execute("CREATE TABLE o (id INTEGER PRIMARY KEY, key TEXT UNIQUE, body TEXT)")
    con.execute("CREATE TABLE b (id TEXT PRIMARY KEY, data BLOB)")
    doc = "x" * rows["record_bytes"]
    blob = os.urandom(rows["blob_bytes"])
    per = {k: rows[k] / n for k in ("records", "journal", "outbox", "blobs")}
    steps = 5  # transactions per intake
    t0 = time.perf_counter()
    counters = dict.fromkeys(per, 0.0)
    for i in range(n):
        for _ in range(2):
            sig = key.sign(payload, ec.ECDSA(hashes.SHA256()))
            pub.verify(sig, payload, ec.ECDSA(hashes.SHA256()))
        for s in range(steps):
            con.execute("BEGIN IMMEDIATE")
            for k, share in per.items():
                counters[k] += share / steps
            while counters["records"] >= 1:
                con.execute("INSERT OR REPLACE INTO r VALUES (?,?,?)", (f"{i}-{s}", s, doc))
                counters["records"] -= 1
            while counters["journal"] >= 1:
                con.execute("INSERT INTO j (h, body) VALUES (?,?)", ("0" * 64, doc[:300]))
                counters["journal"] -= 1
            while counters["outbox"] >= 1:
                con.execute(
                    "INSERT INTO o (key, body) VALUES (?,?)",
                    (f"{i}-{s}-{time.time_ns()}", doc[:200]),
                )
                counters["outbox"] -= 1
            while counters["blobs"] >= 1:
                con.execute("INSERT INTO b VALUES (?,?)", (f"{i}-{s}-{time.time_ns()}", blob))
                counters["blobs"] -= 1
            con.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="intakes (default 300)")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = ap.parse_args()
    n = 5 if args.smoke else args.n
    with tempfile.TemporaryDirectory() as d:
        t_sdk, rows = run_intake(n, Path(d) / "sdk.db")
        t_floor = run_floor(n, Path(d) / "floor.db", rows)
    ratio = t_sdk / t_floor
    print(
        f"intake: {n} applications, {rows['journal']} journal entries, "
        f"{rows['outbox']} outbox messages, {rows['blobs']} bundles"
    )
    print(f"  SDK intake      {n / t_sdk:8.1f} intakes/s  ({t_sdk * 1000 / n:.2f} ms each)")
    print(f"  bare floor      {n / t_floor:8.1f} intakes/s  ({t_floor * 1000 / n:.2f} ms each)")
    print(
        f"  ratio SDK/floor {ratio:.2f}  (target ≤ 1.5, DESIGN §9)"
        + ("  [smoke run: not meaningful]" if args.smoke else "")
    )


if __name__ == "__main__":
    main()
