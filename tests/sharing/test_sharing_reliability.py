"""Reads under transient faults: ≥ 99.9 % definitive, 0 false VERIFIED, every call ends
within its deadline (TRANSPORT §5.4). Scaled down here (``GAOZHI_RELIABILITY_READS``,
default 400); ``bench/sharing.py reliability`` runs 10 000."""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gaozhi_sdk.models.enums import OnlineOutcome as O
from gaozhi_sdk.testing.emulator import EmulatorProcess

from .conftest import make_client

N = int(os.environ.get("GAOZHI_RELIABILITY_READS", "400"))
READ_FAULTS = {
    "proof.verify": {
        "http_5xx": 0.03,
        "http_503_retry_after": 0.02,
        "reset_before_response": 0.02,
        "body_throttle": 0.02,
        "black_hole": 0.01,
    }
}


def test_reads_under_10pct_faults_definitive_and_never_falsely_verified(
    emu: EmulatorProcess,
) -> None:
    deadline = 4.0
    c = make_client(
        emu,
        deadline_s=deadline,
        read_timeout_s=0.5,
        max_attempts=5,
        retry_after_cap_s=2,
        breaker_fail_max=50,
    )
    cases: list[tuple[dict[str, Any], str, bool | None]] = []
    for h in emu.holders():
        for proof, fact in h["proofs"].items():
            if proof not in h["consent"]:
                cases.append((h, proof, fact))
        cases.append((h, "无此证明", None))
    emu.set_faults(READ_FAULTS, retry_after_s=0)

    def one(i: int) -> tuple[bool | None, Any, float]:
        h, proof, fact = cases[i % len(cases)]
        t0 = time.monotonic()
        r = c.call(
            "POST",
            "/proof/verify",
            {"subject_id": h["id_number"], "subject_name": h["name"], "proof_name": proof},
            request_id=f"rd-{i}",
        )
        return fact, r, time.monotonic() - t0

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(N)))
    outcomes = Counter(r.outcome for _, r, _ in results)
    definitive = sum(1 for _, r, _ in results if r.definitive)
    assert definitive / N >= 0.999, outcomes
    assert not [r for fact, r, _ in results if r.outcome is O.VERIFIED and fact is not True]
    assert all(
        r.outcome is {True: O.VERIFIED, False: O.MISMATCH, None: O.NOT_FOUND}[fact]
        for fact, r, _ in results
        if r.definitive
    )
    for _, r, _ in results:
        if not r.definitive:
            assert r.hop and r.last_code
    assert max(t for _, _, t in results) <= deadline + 1.0
    stats = emu.stats()
    assert stats.get("fault:black_hole", 0) > 0 and stats.get("auth:NONCE_REPLAY", 0) == 0
