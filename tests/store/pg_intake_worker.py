"""One application instance for ``test_pg_concurrency.py`` (a separate process).

Usage: ``python pg_intake_worker.py URL PKI_DIR SETUP_JSON WORKER N OUT_JSON``

Runs N intakes (notice → choices → eligibility → signed pledge → accepted, five
transactions each) on the shared PostgreSQL store and, every fifth intake, tries to
accept one of the *shared* cases that every worker tries to accept at about the same
time. Writes every attempt's outcome — ``[journal event, "APPLIED" | error code]`` — to
OUT_JSON (a successful eligibility check is not journaled; a refused one is, as
``case.mark_ineligible``).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from gaozhi_sdk import PledgeService, esign
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant

ENTRY = "SZ-GA-HJ-001"
CHOICE = [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)]


def main() -> None:
    url, pki_dir, setup_path, worker, n, out = sys.argv[1:7]
    setup = json.loads(Path(setup_path).read_text())
    pki = TestPKI.load(pki_dir)
    organ = setup["organ"]
    svc = PledgeService.open(
        url, signers={organ: pki.organ_seal("机关", organ)}, trust=pki.trust_store()
    )
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id=f"CK{worker}", organ_uscc=organ)
    rng = random.Random(int(worker))
    outcomes: list[tuple[str, str]] = []
    shared: list[str] = setup["shared"]

    def attempt(action: str, fn: object) -> object:
        try:
            result = fn()  # type: ignore[operator]
        except GaozhiError as err:
            outcomes.append((action, err.code))
            return None
        outcomes.append((action, "APPLIED"))
        return result

    for i in range(int(n)):
        app = synthetic_applicant(rng)
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        notice = attempt(
            "case.issue_notice",
            lambda app=app: svc.cases.issue_notice(
                list_id=setup["list_id"], entry_ids=[ENTRY], applicant=app, actor=clerk
            ),
        )
        if notice is not None:
            case_no = notice.case_no  # type: ignore[attr-defined]
            attempt(
                "case.record_choices",
                lambda c=case_no, m=me: svc.cases.record_choices(c, CHOICE, m),
            )
            attempt("case.mark_ineligible", lambda c=case_no: svc.cases.check_eligibility(c, clerk))
            signer = pki.applicant("申请人", app.id_number)  # the pledgor's own certificate
            attempt(
                "case.sign_pledge",
                lambda c=case_no, m=me, s=signer: svc.cases.submit_pledge(
                    esign.sign(svc.cases.draft_pledge(c), s), m
                ),
            )
            attempt("case.accept", lambda c=case_no: svc.cases.accept(c, clerk))
        if i % 5 == 4 and i // 5 < len(shared):  # every worker races for the same case
            attempt("case.accept", lambda c=shared[i // 5]: svc.cases.accept(c, clerk))
    svc.close()
    Path(out).write_text(json.dumps(outcomes))


if __name__ == "__main__":
    main()
