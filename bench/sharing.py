"""Benchmark: online verification through the SDK vs a bare ``requests`` baseline (DESIGN §9).

Both sides run in the same process against the same emulator process (127.0.0.1, fixed
50 ms latency, ``gaozhi-hmac-sm3-v1`` checked by the emulator): 16 workers, each call one
signed ``POST /proof/verify``. The baseline signs with the same profile and posts with a
thread-local ``requests.Session``; the SDK path adds the deadline, breaker, budget, limiter
bookkeeping, classification and one evidence record per call.

Target: SDK rate ≥ 0.8 × baseline, SDK p99 ≤ 150 ms. Prints, never asserts.

    python bench/sharing.py              # throughput, 2 000 calls per side
    python bench/sharing.py --smoke      # tiny run for CI
    python bench/sharing.py reliability  # 10 000 reads under 10 % faults and
                                         # 10 000 pushes under 20 % faults + one SIGKILL
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.sharing import ReferenceProfile, SharingClient, TransportConfig
from gaozhi_sdk.testing.emulator import EmulatorProcess


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def _run(workers: int, n: int, call: Callable[[int], bool]) -> tuple[float, list[float], int]:
    lat: list[float] = []
    lock = threading.Lock()
    ok = 0

    def one(i: int) -> None:
        nonlocal ok
        t0 = time.perf_counter()
        good = call(i)
        dt = time.perf_counter() - t0
        with lock:
            lat.append(dt)
            ok += good

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - t0), lat, ok


def throughput(n: int, workers: int, latency_ms: float) -> None:
    """SDK vs bare requests at ``latency_ms``."""
    with EmulatorProcess(seed=1, latency_ms=latency_ms, idle_timeout=120) as emu:
        h = emu.holders()[0]
        proof = next(iter(h["proofs"]))
        body = {"subject_id": h["id_number"], "subject_name": h["name"], "proof_name": proof}
        raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        profile = ReferenceProfile(emu.app_key)
        local = threading.local()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=workers, pool_block=True)

        def bare(i: int) -> bool:
            s = getattr(local, "s", None)
            if s is None:
                s = local.s = requests.Session()
                s.mount("http://", adapter)
            headers = profile.sign("POST", "/proof/verify", None, raw, f"b-{i}", secret=emu.secret)
            headers["Content-Type"] = "application/json"
            r = s.post(emu.url + "/proof/verify", data=raw, headers=headers, timeout=(3.05, 10))
            return r.json().get("code") in ("00", "MISMATCH")

        client = SharingClient(
            TransportConfig(emu.url, pool_maxsize=workers, allow_insecure_loopback=True),
            profile,
            emu.secret,
        )

        def sdk(i: int) -> bool:
            r = client.call("POST", "/proof/verify", body, request_id=f"s-{i}")
            return r.outcome in (OnlineOutcome.VERIFIED, OnlineOutcome.MISMATCH)

        _run(workers, min(n, 200), bare)  # warm-up both pools
        _run(workers, min(n, 200), sdk)
        results = {}
        for name, fn in (
            ("bare requests", bare),
            ("gaozhi-sdk", sdk),
            ("bare requests#2", bare),
            ("gaozhi-sdk#2", sdk),
        ):
            rate, lat, ok = _run(workers, n, fn)
            results[name] = (rate, lat, ok)
            print(
                f"{name:16s} {rate:8.1f} calls/s  p50 {_pct(lat, 0.5):6.1f} ms  "
                f"p99 {_pct(lat, 0.99):6.1f} ms  ok {ok}/{n}"
            )
        base = max(results["bare requests"][0], results["bare requests#2"][0])
        best = max(results["gaozhi-sdk"], results["gaozhi-sdk#2"], key=lambda x: x[0])
        print(f"workers={workers} latency={latency_ms} ms calls/side={n}")
        print(
            f"ratio sdk/bare = {best[0] / base:.2f} (target ≥ 0.8); "
            f"sdk p99 = {_pct(best[1], 0.99):.1f} ms (target ≤ 150 ms)"
        )
        client.close()


def reliability(reads: int, pushes: int) -> None:
    """Reads under 10 % transient faults and pushes under 20 % faults with one SIGKILL."""
    with EmulatorProcess(seed=3, idle_timeout=300) as emu:
        emu.set_faults(
            {
                "proof.verify": {
                    "http_5xx": 0.03,
                    "http_503_retry_after": 0.02,
                    "reset_before_response": 0.02,
                    "body_throttle": 0.02,
                    "black_hole": 0.01,
                }
            },
            retry_after_s=0,
        )
        cfg = TransportConfig(
            emu.url,
            deadline_s=4,
            read_timeout_s=0.5,
            max_attempts=5,
            retry_after_cap_s=2,
            backoff_base_s=0.01,
            backoff_cap_s=0.05,
            breaker_fail_max=50,
            retry_budget=10**9,
            allow_insecure_loopback=True,  # plain-HTTP emulator on 127.0.0.1 (dev switch)
        )
        client = SharingClient(cfg, ReferenceProfile(emu.app_key), emu.secret)
        holders = emu.holders()
        facts: list[tuple[dict[str, Any], str, bool]] = [
            (h, p, v) for h in holders for p, v in h["proofs"].items() if p not in h["consent"]
        ]
        counts: Counter[str] = Counter()
        false_verified = 0
        over_deadline = 0
        lock = threading.Lock()

        def read(i: int) -> None:
            nonlocal false_verified, over_deadline
            h, p, v = facts[i % len(facts)]
            t0 = time.monotonic()
            r = client.call(
                "POST",
                "/proof/verify",
                {"subject_id": h["id_number"], "subject_name": h["name"], "proof_name": p},
                request_id=f"r-{i}",
            )
            with lock:
                counts[r.outcome.value] += 1
                false_verified += r.outcome is OnlineOutcome.VERIFIED and not v
                over_deadline += time.monotonic() - t0 > cfg.deadline_s + 1

        t0 = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(read, range(reads)))
        definitive = reads - counts["UNDETERMINED"]
        print(
            f"reads: {reads} in {time.monotonic() - t0:.1f} s; definitive "
            f"{100 * definitive / reads:.3f} % (target ≥ 99.9 %); false VERIFIED "
            f"{false_verified}; beyond deadline+1s {over_deadline}; {dict(counts)}"
        )
        client.close()

        emu.set_faults(
            {
                "credit.push": {
                    "http_5xx": 0.05,
                    "reset_before_response": 0.04,
                    "commit_then_drop": 0.06,
                    "body_throttle": 0.03,
                    "malformed_json": 0.02,
                }
            },
            retry_after_s=0,
        )
        from gaozhi_sdk.store import open_store

        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "gaozhi.db"
            store = open_store(f"sqlite:///{db}")
            with store.transaction() as tx:
                for i in range(pushes):
                    tx.enqueue(
                        "credit.record_created",
                        {"record_id": f"CR-{i:06d}"},
                        idempotency_key=f"credit.record_created:CR-{i:06d}",
                    )
            store.close()
            conf = Path(d) / "host.json"
            conf.write_text(
                json.dumps(
                    {
                        "plugins": {
                            "sharing-http": {
                                "base_url": emu.url,
                                "app_key": emu.app_key,
                                "secret_env": "BENCH_SECRET",
                                "deadline_s": 5,
                                "backoff_base_s": 0.005,
                                "backoff_cap_s": 0.02,
                                "breaker_fail_max": 1000,
                                "allow_insecure_loopback": True,
                            }
                        }
                    }
                )
            )
            env = {**os.environ, "BENCH_SECRET": emu.secret}
            cmd = [
                sys.executable,
                "-m",
                "gaozhi_plugin_sharing_http.relay",
                "--store",
                f"sqlite:///{db}",
                "--config",
                str(conf),
            ]
            t0 = time.monotonic()
            p1 = subprocess.Popen(cmd, env=env)
            while len(emu.ledger()) < pushes // 3 and p1.poll() is None:
                time.sleep(0.2)
            p1.send_signal(signal.SIGKILL)
            p1.wait()
            rc = subprocess.run(cmd, env=env, check=False).returncode
            ledger = emu.ledger()
            keys = Counter(e["request_id"] for e in ledger)
            print(
                f"pushes: {pushes} in {time.monotonic() - t0:.1f} s (one SIGKILL); relay rc "
                f"{rc}; ledger {len(ledger)} records, {len(keys)} distinct, duplicates "
                f"{sum(v - 1 for v in keys.values())}, lost {pushes - len(keys)}; "
                f"commit_then_drop fired {emu.stats().get('fault:commit_then_drop', 0)}"
            )


def main() -> None:
    """Parse arguments and run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("mode", nargs="?", default="throughput", choices=["throughput", "reliability"])
    ap.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--reads", type=int, default=10_000)
    ap.add_argument("--pushes", type=int, default=10_000)
    a = ap.parse_args()
    if a.mode == "throughput":
        throughput(100 if a.smoke else a.calls, a.workers, a.latency_ms)
    else:
        reliability(300 if a.smoke else a.reads, 150 if a.smoke else a.pushes)


if __name__ == "__main__":
    main()
