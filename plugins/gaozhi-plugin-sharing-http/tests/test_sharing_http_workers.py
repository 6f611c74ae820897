"""Several delivery workers, one outbox (DESIGN §6a, issue 12 item 5).

Three relay processes (``--worker``) drain one PostgreSQL outbox of N credit records to
the emulator at the same time; one is SIGKILLed mid-batch. Claims (``FOR UPDATE SKIP
LOCKED`` + a lease) keep every message in at most one live worker's hands, and the killed
worker's claims come back when its lease runs out. Result: exactly N records on the
emulator's ledger, 0 duplicates, 0 lost — and the emulator saw a repeated request only for
messages the killed worker held (at most one batch), never because two live workers took
the same message.

N = ``GAOZHI_WORKER_PUSHES`` (default 10 000, the issue's size).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.emulator import EmulatorProcess
from gaozhi_sdk.testing.postgres import PostgresCluster, postgres_cluster_or_skip

N = int(os.environ.get("GAOZHI_WORKER_PUSHES", "10000"))
BATCH = 25
LEASE_S = 5.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    c = postgres_cluster_or_skip()
    try:
        yield c
    finally:
        c.destroy()


def _relay(url: str, cfg: Path, secret: str, worker: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GAOZHI_TEST_SHARING_SECRET": secret}
    args = ["--store", url, "--config", str(cfg), "--batch", str(BATCH)]
    args += ["--worker", worker, "--lease", str(LEASE_S), "--max-seconds", "1500"]
    return subprocess.Popen(
        [sys.executable, "-m", "gaozhi_plugin_sharing_http.relay", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_three_workers_one_killed_exactly_n_on_the_ledger(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = cluster.url(cluster.new_database("gzoutbox"))
    with EmulatorProcess(seed=7, idle_timeout=300) as emu:
        store: Any = open_store(url)
        with store.transaction() as tx:
            for i in range(N):
                tx.enqueue(
                    "credit.record_created",
                    {"record_id": f"CR-{i:05d}", "severity": "S"},
                    idempotency_key=f"credit.record_created:CR-{i:05d}",
                )
        store.close()
        cfg = tmp_path / "host.json"
        cfg.write_text(
            json.dumps(
                {
                    "plugins": {
                        "sharing-http": {
                            "base_url": emu.url,
                            "app_key": emu.app_key,
                            "secret_env": "GAOZHI_TEST_SHARING_SECRET",
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
        relays = [_relay(url, cfg, emu.secret, f"w{k}") for k in range(3)]
        deadline = time.monotonic() + 600
        while len(emu.ledger()) < N // 3 and time.monotonic() < deadline:
            assert all(r.poll() is None for r in relays), "a relay finished too early"
            time.sleep(0.05)
        relays[0].send_signal(signal.SIGKILL)  # mid-batch: it delivers continuously
        relays[0].wait(10)
        assert relays[0].returncode == -signal.SIGKILL
        for r in relays[1:]:
            _, err = r.communicate(timeout=1500)
            assert r.returncode == 0, err.decode(errors="replace")[-2000:]
        ledger = emu.ledger()
        stats = emu.stats()
    keys = Counter(e["request_id"] for e in ledger)
    assert len(ledger) == N and len(keys) == N  # 0 lost, 0 duplicates
    assert max(keys.values()) == 1
    # Re-sent requests can only be the killed worker's in-flight batch.
    assert stats.get("replay:credit.push", 0) <= BATCH, stats
    store = open_store(url)
    try:
        assert store.pending_outbox() == []
        assert store.claim_outbox("late", limit=10) == []
    finally:
        store.close()
