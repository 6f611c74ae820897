"""Several processes, one journal (DESIGN §6a, issue 12 item 4).

Four application processes run intakes against one PostgreSQL store at the same time and
race for the same *shared* cases (every fifth intake, all four try to accept the same
pledged case). Afterwards:

* the journal is one gap-free hash chain (``seq`` 1…n, each ``prev_hash`` the previous
  ``hash``) and the journal head row agrees with it;
* every attempt is in the journal exactly once — APPLIED for each success, REFUSED for
  each refusal (journal counts = applied + refused, per event);
* each shared case was accepted exactly once; the three losers were refused;
* an archive export of the store passes ``gaozhi audit``.

Size: 4 × ``GAOZHI_PG_INTAKES`` intakes (default 500, the issue's full size).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk import PledgeService, esign, export_archive, load_list
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import sample_list_text
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.postgres import PostgresCluster
from gaozhi_sdk.testing.synthetic import synthetic_applicant

WORKER = Path(__file__).with_name("pg_intake_worker.py")
N = int(os.environ.get("GAOZHI_PG_INTAKES", "500"))
PROCESSES = 4
ENTRY = "SZ-GA-HJ-001"


def _setup(url: str, pki: TestPKI, shared: int) -> dict[str, Any]:
    """Publish the list and bring ``shared`` cases to the pledged state."""
    import random

    clist = load_list(sample_list_text())
    organ = clist.owner_uscc or ""
    svc = PledgeService.open(
        url, signers={organ: pki.organ_seal("机关", organ)}, trust=pki.trust_store()
    )
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS1", organ_uscc=organ)
    reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF1")
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, 1, officer)
    svc.lists.publish(
        clist.list_id, 1, ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 1)), reviewer
    )
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0", organ_uscc=organ)
    rng = random.Random(99)
    cases = []
    for _ in range(shared):
        app = synthetic_applicant(rng)
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        notice = svc.cases.issue_notice(
            list_id=clist.list_id, entry_ids=[ENTRY], applicant=app, actor=clerk
        )
        svc.cases.record_choices(
            notice.case_no, [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)], me
        )
        svc.cases.check_eligibility(notice.case_no, clerk)
        signer = pki.applicant("申请人", app.id_number)  # the pledgor's own certificate
        svc.cases.submit_pledge(esign.sign(svc.cases.draft_pledge(notice.case_no), signer), me)
        cases.append(notice.case_no)
    head = svc.store.journal_head()
    svc.close()
    return {
        "organ": organ,
        "list_id": clist.list_id,
        "shared": cases,
        "seq0": head.seq if head else 0,
    }


@pytest.mark.slow
def test_four_processes_one_hash_chain_and_one_winner_per_case(
    pg_cluster: PostgresCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = pg_cluster.new_database("gzconc")
    url = pg_cluster.url(db, schema=f"c_{uuid.uuid4().hex[:8]}")
    pki = TestPKI.create()
    pki_dir = pki.save(tmp_path / "pki")
    setup = _setup(url, pki, shared=N // 5)
    setup_path = tmp_path / "setup.json"
    setup_path.write_text(json.dumps(setup))
    outs = [tmp_path / f"out-{w}.json" for w in range(PROCESSES)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                url,
                str(pki_dir),
                str(setup_path),
                str(w),
                str(N),
                str(outs[w]),
            ],
            stderr=subprocess.PIPE,
        )
        for w in range(PROCESSES)
    ]
    for p in procs:
        _, err = p.communicate(timeout=3000)
        assert p.returncode == 0, err.decode(errors="replace")[-3000:]
    attempts = [tuple(a) for out in outs for a in json.loads(out.read_text())]
    intakes = sum(1 for a in attempts if a == ("case.issue_notice", "APPLIED"))
    assert intakes == PROCESSES * N  # nobody lost an intake to the others

    svc = PledgeService.open(url)
    store: Any = svc.store
    try:
        report = store.verify_journal()
        assert report.ok, report.problems
        entries = list(store.journal(after_seq=setup["seq0"]))
        seqs = [e.seq for e in entries]
        assert seqs == list(range(setup["seq0"] + 1, setup["seq0"] + 1 + len(entries)))
        # every attempt journaled exactly once: APPLIED per success, REFUSED per refusal
        journaled = Counter((e.event, e.outcome) for e in entries if e.aggregate_type == "case")
        expected = Counter(
            (event, "APPLIED" if code == "APPLIED" else "REFUSED")
            for event, code in attempts
            if not (event == "case.mark_ineligible" and code == "APPLIED")  # not journaled
        )
        assert journaled == expected
        accepted = sum(1 for a in attempts if a == ("case.accept", "APPLIED"))
        schedules = sum(1 for e in entries if e.event == "verification.schedule")
        assert schedules == accepted
        # the race: each shared case accepted exactly once, the other three refused
        for case_no in setup["shared"]:
            outcomes = Counter(
                e.outcome for e in entries if e.aggregate_id == case_no and e.event == "case.accept"
            )
            assert outcomes == Counter({"APPLIED": 1, "REFUSED": PROCESSES - 1}), case_no
            rec = store.get("case", case_no)
            assert rec is not None and rec.state == "ACCEPTED"
        refusals = Counter(code for event, code in attempts if code != "APPLIED")
        assert set(refusals) <= {"GZ-WF-002", "GZ-ST-409"}, refusals
        # an archive of the whole store passes the audit
        organ = setup["organ"]
        export_archive(
            store,
            tmp_path / "archive",
            signer=pki.organ_seal("机关", organ),
            trust_pems=[pki.root_pem()],
        )
    finally:
        svc.close()
    from gaozhi_sdk.cli import main

    capsys.readouterr()
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "root.pem").write_bytes(pki.root_pem())
    code = main(
        ["audit", str(tmp_path / "archive"), "--trust", str(trust / "root.pem"), "--organ", organ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    print(f"\nconcurrency: {PROCESSES}×{N} intakes, {len(entries)} journal entries, {refusals}")
