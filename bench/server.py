"""Benchmark: a full intake over HTTP vs the in-process library (DESIGN §9, §10).

Intake = notice → choice → eligibility → three-step signing (data to sign, ECDSA P-256
signature made by the client, signature) → acceptance. Measured in the same run:

* the library: ``PledgeService`` in this process on a SQLite file (the same calls the
  HTTP routes make, same three-step signing);
* HTTP: ``gaozhi serve`` (one worker) on 127.0.0.1, one client, requests signed with
  ``gaozhi-hmac-sm3-v1`` — so the ratio includes authentication, the nonce cache,
  JSON and the journaled platform assertion. The client sends over one kept-alive
  ``http.client`` connection (about a JVM platform's per-call cost; ``--client requests``
  measures with ``requests`` instead, whose session machinery costs this process about
  1 ms per call); the client's own CPU time per intake is printed beside;
* under load: 16 concurrent clients — p50/p99 per request, and the throughput (intakes
  per second) against the library's in-process rate in one thread (what a platform with
  many applicants at once gets from the service).

The two sides run in alternating blocks (``--blocks``), so both meet the same load on a
shared machine.

Prints ``ratio = library time / HTTP time`` for one client (target ≥ 0.5), the
throughput ratio and the p99; never asserts (CI runs ``--smoke``).
"""

from __future__ import annotations

import argparse
import base64
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from intake import _service  # the same library set-up as bench/intake.py

from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode
from gaozhi_sdk.testing.server import (
    KeepAliveClient,
    ServedService,
    http_intake,
    issue_intake_certificates,
)
from gaozhi_sdk.testing.synthetic import synthetic_applicant

ENTRY = "SZ-GA-HJ-001"


class Library:
    """The in-process side: ``PledgeService`` on a SQLite file, pledgors' certificates
    issued up front (as the HTTP client's are cached by the PKI)."""

    def __init__(self, folder: Path) -> None:
        self.svc, self.pki, self.list_id, self.clerk = _service(folder / "lib.db")
        self.rng = random.Random(7)

    def intakes(self, n: int) -> float:
        """Seconds for ``n`` intakes through the library in this process."""
        svc, clerk = self.svc, self.clerk
        apps = [synthetic_applicant(self.rng) for _ in range(n)]
        # each pledgor signs with their own certificate (strict signer policy)
        signers = {a.id_number: self.pki.applicant("申请人 #bench", a.id_number) for a in apps}
        chains = {
            k: [c.public_bytes(serialization.Encoding.DER) for c in s.certificate_chain]
            for k, s in signers.items()
        }
        t0 = time.perf_counter()
        for app in apps:
            me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
            notice = svc.cases.issue_notice(
                list_id=self.list_id, entry_ids=[ENTRY], applicant=app, actor=clerk
            )
            case_no = notice.case_no
            choice = [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)]
            svc.cases.record_choices(case_no, choice, me)
            svc.cases.check_eligibility(case_no, clerk)
            dts = svc.cases.pledge_data_to_sign(case_no, chains[app.id_number], me)
            key = signers[app.id_number].private_key
            sig = key.sign(base64.b64decode(dts.pae), ec.ECDSA(hashes.SHA256()))
            svc.cases.assemble_pledge(case_no, dts.session_id, sig, me)
            svc.cases.accept(case_no, clerk)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--intakes", type=int, default=200, help="intakes per side")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients (latency)")
    ap.add_argument("--per-client", type=int, default=10, help="intakes per concurrent client")
    ap.add_argument("--blocks", type=int, default=10, help="alternating library/HTTP blocks")
    ap.add_argument(
        "--client", choices=("lean", "requests"), default="lean", help="the HTTP client"
    )
    ap.add_argument("--workers", type=int, default=1, help="gaozhi serve --workers")
    ap.add_argument("--smoke", action="store_true", help="a small run for CI")
    args = ap.parse_args()
    if args.smoke:
        args.intakes, args.per_client = 5, 1
    blocks = max(1, min(args.blocks, args.intakes))
    per_block = [args.intakes // blocks + (i < args.intakes % blocks) for i in range(blocks)]
    lib = http = client_cpu = 0.0
    lean = args.client == "lean"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        library = Library(folder)
        served = ServedService(folder / "srv", library.pki, workers=args.workers).start()
        try:
            http_intake(served, 10**6, lean=lean)  # warm-up: connections, caches
            library.intakes(1)
            done = 0
            # alternate blocks: both sides meet the same machine load (shared machines)
            for k in per_block:
                lib += library.intakes(k)
                # the pledgors' certificates are issued outside the timing on both sides
                issue_intake_certificates(served, range(done, done + k))
                t0, c0 = time.perf_counter(), time.process_time()
                for i in range(done, done + k):
                    http_intake(served, i, lean=lean)
                http += time.perf_counter() - t0
                client_cpu += time.process_time() - c0
                done += k
            # the floor under every call: one round trip through the same client, uvicorn
            # (h11), FastAPI and one worker-thread hop, without authentication or the store
            probe = KeepAliveClient(served.base_url, "ak-clerk", served.secrets["clerk"])
            for _ in range(20):
                probe.get("/v1/health")
            t0 = time.perf_counter()
            for _ in range(args.intakes * 6):
                probe.get("/v1/health")
            floor = (time.perf_counter() - t0) / args.intakes
            timings: list[float] = []
            loaded = range(10_000, 10_000 + args.clients * args.per_client)
            issue_intake_certificates(served, loaded)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                list(pool.map(lambda n: http_intake(served, n, timings=timings, lean=lean), loaded))
            under_load = time.perf_counter() - t0
        finally:
            served.stop()
            library.svc.close()
    q = statistics.quantiles(timings, n=100, method="inclusive")
    print(f"intakes per side: {args.intakes}")
    print(f"library (in-process): {lib:.3f} s  ({lib / args.intakes * 1000:.1f} ms/intake)")
    print(
        f"HTTP (gaozhi serve):  {http:.3f} s  ({http / args.intakes * 1000:.1f} ms/intake; "
        f"{args.client} client, its CPU {client_cpu / args.intakes * 1000:.1f} ms/intake)"
    )
    print(f"ratio library/HTTP = {lib / http:.2f}  (one client; target >= 0.5)")
    print(
        f"  of the HTTP time: 6 bare round trips {floor * 1000:.1f} ms/intake (ceiling "
        f"{lib / (lib + floor * args.intakes):.2f}); the service's own per-call work "
        f"(authentication, admission, journaled assertion, idempotency, validation) "
        f"{(http - lib - floor * args.intakes) / args.intakes * 1000:.1f} ms/intake"
    )
    rate, lib_rate = len(loaded) / under_load, args.intakes / lib
    print(
        f"{args.clients} concurrent clients, {args.workers} worker(s): {rate:.1f} intakes/s "
        f"= {rate / lib_rate:.2f} x the library's in-process rate ({lib_rate:.1f}/s, one "
        f"thread); over {len(timings)} requests p50 {q[49] * 1000:.1f} ms, "
        f"p99 {q[98] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
