"""Exactly-once credit push under faults and a SIGKILL of the pushing process (R-056).

Scaled down for the normal suite (``GAOZHI_RELIABILITY_PUSHES``, default 150); the full
count (10 000) runs in ``bench/sharing.py reliability``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.emulator import EmulatorProcess

N = int(os.environ.get("GAOZHI_RELIABILITY_PUSHES", "150"))
FAULTS = {
    "credit.push": {
        "http_5xx": 0.05,
        "reset_before_response": 0.04,
        "commit_then_drop": 0.06,
        "body_throttle": 0.03,
        "malformed_json": 0.02,
    },
    "credit.status": {"http_5xx": 0.05},
}


def _relay(db: Path, cfg: Path, secret: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GAOZHI_TEST_SHARING_SECRET": secret}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gaozhi_plugin_sharing_http.relay",
            "--store",
            f"sqlite:///{db}",
            "--config",
            str(cfg),
            "--batch",
            "20",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_r056_n_pushes_under_20pct_faults_and_sigkill_exactly_once(tmp_path: Path) -> None:
    with EmulatorProcess(seed=21, idle_timeout=120) as emu:
        emu.set_faults(FAULTS, retry_after_s=0)
        db = tmp_path / "gaozhi.db"
        store = open_store(f"sqlite:///{db}")
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
        first = _relay(db, cfg, emu.secret)
        deadline = time.monotonic() + 120
        while len(emu.ledger()) < N // 3 and time.monotonic() < deadline:
            assert first.poll() is None, "relay finished before it could be killed"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert first.returncode == -signal.SIGKILL
        second = _relay(db, cfg, emu.secret)
        assert second.wait(240) == 0
        ledger = emu.ledger()
        keys = Counter(e["request_id"] for e in ledger)
        stats = emu.stats()
    assert len(ledger) == N and len(keys) == N  # 0 lost, 0 duplicates
    assert max(keys.values()) == 1
    assert stats.get("fault:commit_then_drop", 0) > 0  # the duplicate-maker did fire
    store = open_store(f"sqlite:///{db}")
    assert store.pending_outbox() == []
    store.close()
