"""Benchmark: province scale on SQLite and PostgreSQL (DESIGN §6a, §9; issue 12 step 10).

(a) **Queries over N cases** (default 100,000) on each engine. A *bulk loader* writes N
    cases with the rows the lifecycle writes: a few real intakes (notice → choice →
    eligibility → signed pledge → accepted) run through :class:`PledgeService` on a
    scratch SQLite file, and every row they wrote — records (case, notice, pledge,
    verification, case index, credit snapshot …), journal entries and outbox messages — is
    cloned N times with new ids, applicant (a valid synthetic identifier, with its keyed
    digest, journal actor reference and mask), organ (one of 20) and acceptance time
    (spread over ten years; a quarter holds ~N/40 cases) by the bulk path of
    ``bench/_bulk.py`` (its docstring says exactly what is written and how it is checked):
    derived query keys by the store's own ``record_keys`` (so the indexes are the real
    ones), journal entries in one hash chain continuing the store's head and re-made by
    ``prepare_entry(...).seal`` for a sample; rows generated once, streamed in chunks to
    a SQLite ``executemany`` or a PostgreSQL ``COPY`` sink (memory flat in N). The signed
    bundles (``blobs`` table) are not cloned unless ``--blobs``: no query reads them and at
    1M cases they would only fill the disk. ``--verify-chain`` (always with ``--smoke``)
    verifies the loaded journal with ``verify_journal``.
    Then, in a fresh process (its peak RSS is reported): p50/p99 of a case lookup
    (``svc.cases.get``), of an applicant lookup (``svc.cases.list(applicant_id=…)``) and of
    a keyset page (``svc.cases.list(organ_uscc=…, after=…, limit=50)``), and the quarterly
    statistics (``svc.statistics(period_from=…, period_to=…)``) as a ratio to a bare SQL
    ``GROUP BY`` over the same tables on a raw connection (targets: ≤ 2×, RSS ≤ 300 MB).
(b) **Intake on PostgreSQL with 1 and 2 processes** (target ≥ 1.6× on 2 cores);
    ``--only intake`` runs this part alone (measure it on an idle machine).
(c) **The journal's append ceiling on PostgreSQL**: transactions per second when 4
    writer processes do nothing but minimal journaled transitions (read a record, write
    its next version, append one journal entry), beside a bare PostgreSQL transaction
    rate of 4 writers doing the same writes (UPDATE + INSERT) without the SDK or the
    chain, in the same run — how far one chain carries before it must be partitioned.

The benchmark starts its own temporary PostgreSQL cluster (initdb + pg_ctl, fsync on) via
:mod:`gaozhi_sdk.testing.postgres`. Prints ratios; never asserts (CI runs ``--smoke``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import sqlite3
import statistics as stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from _bulk import Generator, PostgresSink, SqliteSink, compile_template, load
from intake import _service  # the same library set-up as bench/intake.py

from gaozhi_sdk import PledgeService, esign
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode
from gaozhi_sdk.store import SqliteStore, Store
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant

HERE = Path(__file__).resolve()
CST = timezone(timedelta(hours=8))
ENTRY = "SZ-GA-HJ-001"
QUARTER = (date(2021, 4, 1), date(2021, 6, 30))

# ----------------------------------------------------------------------------- set-up


def _intake(
    svc: PledgeService, pki: TestPKI, list_id: str, clerk: Actor, rng: random.Random
) -> str:
    """One real intake; returns the case number."""
    app = synthetic_applicant(rng)
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    notice = svc.cases.issue_notice(list_id=list_id, entry_ids=[ENTRY], applicant=app, actor=clerk)
    svc.cases.record_choices(
        notice.case_no, [ProofChoice(entry_id=ENTRY, mode=ProofMode.PLEDGE)], me
    )
    svc.cases.check_eligibility(notice.case_no, clerk)
    pledge = svc.cases.draft_pledge(notice.case_no)
    svc.cases.submit_pledge(esign.sign(pledge, pki.applicant("申请人", app.id_number)), me)
    svc.cases.accept(notice.case_no, clerk)
    return notice.case_no


def capture_templates(count: int, directory: Path) -> list[dict[str, Any]]:
    """Run ``count`` real intakes on a scratch SQLite file and capture, per intake, every
    row it wrote (records in their final version, journal entries, outbox messages, blobs)."""
    pki = TestPKI.create()
    db = directory / "templates.db"
    svc, _, list_id, clerk = _service(db, pki)
    rng = random.Random(7)
    raw = sqlite3.connect(db)
    out = []
    for _ in range(count):
        before_records = set(raw.execute("SELECT kind, id, version FROM records").fetchall())
        seq0 = raw.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
        out0 = raw.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
        blobs0 = {r[0] for r in raw.execute("SELECT id FROM blobs")}
        case_no = _intake(svc, pki, list_id, clerk, rng)
        case = svc.cases.get(case_no)
        records = [
            r[:5]
            for r in raw.execute("SELECT kind, id, version, state, doc FROM records").fetchall()
            if (r[0], r[1], r[2]) not in before_records
        ]
        journal = raw.execute(
            "SELECT at, event, aggregate_type, aggregate_id, actor, payload_digest, outcome, "
            "detail FROM journal WHERE seq > ? ORDER BY seq",
            (seq0,),
        ).fetchall()
        seqs = [
            r[0] for r in raw.execute("SELECT seq FROM journal WHERE seq > ? ORDER BY seq", (seq0,))
        ]
        outbox = raw.execute(
            "SELECT topic, idempotency_key, payload FROM outbox WHERE id > ? ORDER BY id", (out0,)
        ).fetchall()
        blobs = [
            r
            for r in raw.execute("SELECT id, kind, media_type, data FROM blobs").fetchall()
            if r[0] not in blobs0
        ]
        ids = sorted({r[1] for r in records} | {b[0].split("/")[-1] for b in blobs}, key=len)
        out.append(
            {
                "case_no": case_no,
                "id_number": case.applicant.id_number,
                "ids": [i for i in ids if len(i) >= 6],
                "records": records,
                "journal": journal,
                "journal_seqs": seqs,
                "outbox": outbox,
                "blobs": blobs,
            }
        )
    raw.close()
    svc.close()
    return out


# ----------------------------------------------------------------------------- bulk load


def bulk_load(
    url: str, store: Store, templates: list[dict[str, Any]], n: int, *, blobs: bool
) -> tuple[dict[str, Any], Generator]:
    """Write ``n`` cloned cases into ``store`` (closed on return) through the bulk path of
    ``_bulk`` — the rows generated once per chunk, only the sink engine-specific; returns
    a sample of what the queries will look up (the same for every engine: same seed)."""
    head = store.journal_head()
    gen = Generator(
        [compile_template(t) for t in templates],
        n,
        store.deployment_secret(),
        (head.seq, head.hash) if head else (0, "0" * 64),
        blobs=blobs,
    )
    store.close()
    if url.startswith("sqlite"):
        sink: SqliteSink | PostgresSink = SqliteSink(url.removeprefix("sqlite:///"))
    else:
        sink = PostgresSink(_raw_pg(url, autocommit=True))
    load(gen, sink)
    return gen.sample, gen


# ----------------------------------------------------------------------------- measure (a)


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


#: Bare GROUP BYs over the same tables on a raw connection: the quarter's cases by organ
#: and state, and the quarter's cases joined to their verifications by organ and state —
#: what a hand-written report over the same tables does at the least.
_BARE = (
    "SELECT organ, state, count(*) FROM records "
    "WHERE kind = 'case' AND at >= ? AND at < ? GROUP BY organ, state",
    "SELECT c.organ, v.state, count(*) FROM records c JOIN records v "
    "ON v.ref = c.id AND v.kind = 'verification' "
    "WHERE c.kind = 'case' AND c.at >= ? AND c.at < ? GROUP BY c.organ, v.state",
)


def _raw_pg(url: str, *, autocommit: bool) -> Any:
    """A plain psycopg connection to the store's schema (the URL's ``schema=`` parameter)."""
    import psycopg

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", "gaozhi")
    conninfo = urlunsplit(parts._replace(query=urlencode(query)))
    return psycopg.connect(conninfo, autocommit=autocommit, options=f"-c search_path={schema}")


def _bare_group_by(url: str, statements: tuple[str, ...]) -> Callable[[], object]:
    from gaozhi_sdk.store import period_bounds

    lo, hi = period_bounds(*QUARTER)
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        return lambda: [con.execute(sql, (lo, hi)).fetchall() for sql in statements]
    pg = _raw_pg(url, autocommit=True)
    return lambda: [
        pg.execute(sql.replace("?", "%s").encode(), (lo, hi)).fetchall() for sql in statements
    ]


def measure(url: str, sample_path: str, rounds: int) -> dict[str, Any]:
    """Runs in a fresh process: query latencies, statistics ratio, peak RSS."""
    sample = json.loads(Path(sample_path).read_text())
    svc = PledgeService.open(url)
    rng = random.Random(3)
    cases: list[str] = rng.sample(sample["cases"], len(sample["cases"]))
    lookups = [_timed(functools.partial(svc.cases.get, c)) for c in cases]
    by_applicant = [
        _timed(functools.partial(svc.cases.list, applicant_id=a))
        for a in sample["applicants"][:200]
    ]
    pages: list[float] = []
    for organ in sample["organs"][:4]:
        after = None
        for _ in range(max(2, len(sample["cases"]) // 8)):
            t0 = time.perf_counter()
            page = svc.cases.list(organ_uscc=organ, after=after, limit=50)
            pages.append((time.perf_counter() - t0) * 1000)
            if len(page) < 50:
                break
            after = page[-1].case_no
    bare = _bare_group_by(url, _BARE)
    cases_only = _bare_group_by(url, _BARE[:1])
    sdk_times, bare_times, one_times = [], [], []
    report = None
    for _ in range(rounds):
        bare_times.append(_timed(bare))
        one_times.append(_timed(cases_only))
        t0 = time.perf_counter()
        report = svc.statistics(period_from=QUARTER[0], period_to=QUARTER[1])
        sdk_times.append((time.perf_counter() - t0) * 1000)
    svc.close()
    assert report is not None
    return {
        "lookup_p50": _pct(lookups, 50),
        "lookup_p99": _pct(lookups, 99),
        "applicant_p99": _pct(by_applicant, 99),
        "page_p50": _pct(pages, 50),
        "page_p99": _pct(pages, 99),
        "pages": len(pages),
        "stats_ms": stat.median(sdk_times),
        "bare_ms": stat.median(bare_times),
        "one_ms": stat.median(one_times),
        "quarter_cases": report.totals["cases"],
        "rss_mb": _rss_mb(),
    }


def _open(url: str) -> Store:
    if url.startswith("sqlite"):
        return SqliteStore(url.removeprefix("sqlite:///"), synchronous="NORMAL")
    from gaozhi_sdk.store.postgres import PostgresStore

    return PostgresStore(url)


def run_scale(
    targets: list[tuple[str, Store]], templates: list[dict[str, Any]], n: int, args: Any
) -> None:
    for url, store in targets:
        engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        t0 = time.perf_counter()
        sample, gen = bulk_load(url, store, templates, n, blobs=args.blobs)
        load_s = time.perf_counter() - t0
        print(
            f"(a) {engine} bulk load: {n:,} cases in {load_s:.1f} s ({n / load_s:,.0f} cases/s; "
            f"rows of {len(templates)} real intake(s); journal seq 1–{gen.seq:,}; "
            f"{gen.checked} entries re-made by the store's own code and equal); "
            f"loader peak RSS {_rss_mb():.0f} MB"
        )
        if args.verify_chain:
            t0 = time.perf_counter()
            opened = _open(url)
            report = opened.verify_journal()
            opened.close()
            print(
                f"    journal chain verified by verify_journal: ok={report.ok}, "
                f"{report.count:,} entries, {time.perf_counter() - t0:.1f} s"
            )
            if not report.ok:
                raise SystemExit(f"bulk-loaded journal does not verify: {report}")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(sample, f)
        done = subprocess.run(
            [sys.executable, str(HERE), "--measure", url, f.name, str(args.rounds)],
            capture_output=True,
            text=True,
            check=False,
        )
        os.unlink(f.name)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        m = json.loads(done.stdout.strip().splitlines()[-1])
        ratio = m["stats_ms"] / m["bare_ms"]
        print(f"(a) {engine}, {n:,} cases")
        print(f"    case lookup      p50 {m['lookup_p50']:7.2f} ms  p99 {m['lookup_p99']:7.2f} ms")
        print(f"    by applicant     p99 {m['applicant_p99']:7.2f} ms")
        print(
            f"    keyset page (50) p50 {m['page_p50']:7.2f} ms  p99 {m['page_p99']:7.2f} ms "
            f"({m['pages']} pages)"
        )
        print(
            f"    quarterly statistics {m['stats_ms']:8.1f} ms ({m['quarter_cases']:,} cases), "
            f"bare GROUP BY over cases and verifications {m['bare_ms']:7.1f} ms, "
            f"ratio {ratio:.2f} (target ≤ 2)"
        )
        print(
            f"    (bare GROUP BY over the cases alone {m['one_ms']:.1f} ms, "
            f"ratio {m['stats_ms'] / m['one_ms']:.2f})"
        )
        print(f"    peak RSS of the querying process {m['rss_mb']:.0f} MB (target ≤ 300 MB)")
        sys.stdout.flush()


def _rss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (per address space, so not the parent's peak that
    ``ru_maxrss`` carries across fork and exec), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- (b) intake


def intake_worker(url: str, pki_dir: str, setup_path: str, n: int, start_at: float) -> None:
    setup = json.loads(Path(setup_path).read_text())
    pki = TestPKI.load(pki_dir)
    organ = setup["organ"]
    svc = PledgeService.open(
        url, signers={organ: pki.organ_seal("机关", organ)}, trust=pki.trust_store()
    )
    clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK1", organ_uscc=organ)
    rng = random.Random(os.getpid())
    _intake(svc, pki, setup["list_id"], clerk, rng)  # warm up (imports, caches)
    time.sleep(max(0.0, start_at - time.time()))
    t0 = time.perf_counter()
    for _ in range(n):
        _intake(svc, pki, setup["list_id"], clerk, rng)
    print(json.dumps({"elapsed": time.perf_counter() - t0}))
    svc.close()


def _spawn(argv: list[str], count: int) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE), *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=3600)
        if p.returncode != 0:
            raise SystemExit(stderr)
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def run_intake(cluster: Any, n: int, work: Path, delay: float) -> None:
    url = cluster.url(cluster.new_database("gzintake"), schema="intake")
    pki = TestPKI.create()
    pki_dir = work / "pki"
    pki.save(pki_dir)
    svc, _, list_id, clerk = _service(url, pki)
    organ = clerk.organ_uscc or ""
    svc.close()
    setup = work / "setup.json"
    setup.write_text(json.dumps({"list_id": list_id, "organ": organ}))
    rates = {1: 0.0, 2: 0.0}
    # Alternated 1, 2, 1, 2 and the better run of each kept: the database warms up as it
    # grows, so running one side only first would favour the other.
    for procs in (1, 2, 1, 2):
        start = time.time() + delay * procs
        res = _spawn(["--intake-worker", url, str(pki_dir), str(setup), str(n), str(start)], procs)
        rates[procs] = max(rates[procs], procs * n / max(r["elapsed"] for r in res))
    print(f"(b) intake on PostgreSQL, {n} intakes per process (1, 2, 1, 2 processes; best of each)")
    print(f"    1 process   {rates[1]:7.1f} intakes/s")
    print(
        f"    2 processes {rates[2]:7.1f} intakes/s  ratio {rates[2] / rates[1]:.2f} (target ≥ 1.6)"
    )


# ----------------------------------------------------------------------------- (c) journal


def journal_writer(url: str, wid: str, seconds: float, start_at: float, bare: bool) -> None:
    from gaozhi_sdk.store.postgres import PostgresStore

    done = 0
    if bare:
        con = _raw_pg(url, autocommit=False)
        time.sleep(max(0.0, start_at - time.time()))
        end = time.time() + seconds
        while time.time() < end:
            con.execute(b"UPDATE bare_state SET v = v + 1 WHERE id = %s", (wid,))
            con.execute(
                b"INSERT INTO bare_log (writer, at, body) VALUES (%s, now(), %s)",
                (wid, "x" * 200),
            )
            con.commit()
            done += 1
        con.close()
    else:
        store = PostgresStore(url, max_size=1)
        actor = {"role": "SYSTEM", "ref": "bench"}
        time.sleep(max(0.0, start_at - time.time()))
        end = time.time() + seconds
        while time.time() < end:
            with store.transaction() as tx:
                rec = tx.get("bench", wid)
                v = tx.put(
                    "bench",
                    wid,
                    {"n": done},
                    state="ON",
                    expected_version=None if rec is None else rec.version,
                )
                tx.append_journal(
                    event="bench.tick",
                    aggregate_type="bench",
                    aggregate_id=wid,
                    actor=actor,
                    payload_digest="0" * 64,
                    detail={"v": v},
                )
            done += 1
        store.close()
    print(json.dumps({"done": done}))


def run_journal(cluster: Any, seconds: float, delay: float) -> None:
    from gaozhi_sdk.store.postgres import PostgresStore

    url = cluster.url(cluster.new_database("gzjournal"), schema="journal")
    PostgresStore(url).close()
    with PostgresStore(url)._connection() as conn:
        conn.execute(b"CREATE TABLE bare_state (id text PRIMARY KEY, v bigint NOT NULL)")
        conn.execute(
            b"CREATE TABLE bare_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            b"writer text, at timestamptz, body text)"
        )
        conn.execute(b"INSERT INTO bare_state SELECT 'w' || g, 0 FROM generate_series(0, 3) g")
    rates = {}
    for bare in (True, False):
        start = time.time() + delay * 2
        procs = [
            subprocess.Popen(
                [
                    *(sys.executable, str(HERE), "--journal-writer", url, f"w{w}"),
                    *(str(seconds), str(start), "bare" if bare else "sdk"),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(4)
        ]
        total = 0
        for p in procs:
            out, err = p.communicate(timeout=600)
            if p.returncode != 0:
                raise SystemExit(err)
            total += json.loads(out.strip().splitlines()[-1])["done"]
        rates[bare] = total / seconds
    store = PostgresStore(url)
    report = store.verify_journal()
    store.close()
    print(f"(c) journal append ceiling on PostgreSQL, 4 writers, {seconds:.0f} s each")
    print(f"    bare transactions (UPDATE + INSERT)      {rates[True]:8.1f} tx/s")
    print(
        f"    journaled transitions (one hash chain)   {rates[False]:8.1f} tx/s  "
        f"= {rates[False] / rates[True]:.2f} × bare; chain verifies: {report.ok}"
    )


# ----------------------------------------------------------------------------- main


def _cluster() -> Any:
    from gaozhi_sdk.testing.postgres import PostgresCluster, find_server_binaries

    bindir = find_server_binaries()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = PostgresCluster(bindir, fsync=True)
    cluster.initdb()
    # A server sized for a province rather than the tests' 32 MB (the client's RSS is
    # what the target bounds; the server's buffers are the database's own business).
    cluster.configure("shared_buffers = 256MB\nmax_wal_size = 4GB\n")
    cluster.start()
    return cluster


def _stores(cluster: Any, work: Path, engines: list[str]) -> Iterator[tuple[str, Store]]:
    from gaozhi_sdk.store.postgres import PostgresStore

    for engine in engines:
        if engine == "sqlite":
            db = work / "scale.db"
            yield f"sqlite:///{db}", SqliteStore(db, synchronous="NORMAL")
        else:
            url = cluster.url(cluster.new_database("gzscale"), schema="gaozhi")
            yield url, PostgresStore(url)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        url, sample, rounds = sys.argv[2:5]
        print(json.dumps(measure(url, sample, int(rounds))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--intake-worker":
        url, pki_dir, setup, n, start = sys.argv[2:7]
        intake_worker(url, pki_dir, setup, int(n), float(start))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--journal-writer":
        url, wid, seconds, start, mode = sys.argv[2:7]
        journal_writer(url, wid, float(seconds), float(start), mode == "bare")
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="cases for (a) (default 100,000)")
    ap.add_argument("--engines", default="sqlite,postgresql", help="engines for (a)")
    ap.add_argument("--templates", type=int, default=4, help="real intakes cloned (default 4)")
    ap.add_argument("--blobs", action="store_true", help="also clone the signed bundles")
    ap.add_argument("--rounds", type=int, default=5, help="statistics repetitions (median)")
    ap.add_argument("--intakes", type=int, default=60, help="intakes per process for (b)")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of (c)")
    ap.add_argument(
        "--parts",
        "--only",
        default="a,b,c",
        help="which parts to run: a (or queries), b (or intake), c (or journal); "
        "e.g. --only intake for (b) alone (default a,b,c)",
    )
    ap.add_argument(
        "--verify-chain",
        action="store_true",
        help="verify the bulk-loaded journal with verify_journal (always with --smoke)",
    )
    ap.add_argument("--delay", type=float, default=3.0, help="start-up allowance per process")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = ap.parse_args()
    if args.smoke:
        args.n, args.templates, args.rounds, args.intakes, args.seconds = 200, 1, 1, 2, 1.0
        args.delay, args.verify_chain = 1.0, True
    alias = {"queries": "a", "intake": "b", "journal": "c"}
    parts = {alias.get(p, p) for p in args.parts.split(",")}
    engines = args.engines.split(",")
    cluster = _cluster() if parts & {"b", "c"} or "postgresql" in engines else None
    try:
        with tempfile.TemporaryDirectory() as d:
            work = Path(d)
            if "a" in parts:
                templates = capture_templates(args.templates, work)
                targets = list(_stores(cluster, work, engines))
                run_scale(targets, templates, args.n, args)
            if "b" in parts:
                run_intake(cluster, args.intakes, work, args.delay)
            if "c" in parts:
                run_journal(cluster, args.seconds, args.delay)
    finally:
        if cluster is not None:
            cluster.destroy()
    if args.smoke:
        print("[smoke run: figures not meaningful]")


if __name__ == "__main__":
    main()
