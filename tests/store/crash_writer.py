"""Writer process for ``test_crash.py`` — loops transactions until it is killed.

Usage: ``python crash_writer.py STORE_URL PROGRESS_LOG SEED`` (any backend: ``sqlite:///…``,
``postgresql://…``)

Each transaction updates records ``counter/a`` and ``counter/b`` to the same counter value,
appends one journal entry, enqueues one outbox message and stores one blob, with a little
work between the statements so that a kill often lands mid-transaction. Before each
transaction it appends ``B <n>`` to PROGRESS_LOG, after each commit ``C <n>`` (unbuffered
``os.write``: what was written survives SIGKILL). After opening the store it prints
``ready`` on stdout.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import time

from gaozhi_sdk.store import open_store


def main() -> None:
    url, log_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    store = open_store(url)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        with store.transaction() as tx:
            a = tx.get("counter", "a")
            b = tx.get("counter", "b")
            n = 0 if a is None else a.version
            os.write(log, f"B {n + 1}\n".encode())
            tx.put(
                "counter",
                "a",
                {"n": n + 1},
                state="RUNNING",
                expected_version=None if a is None else a.version,
            )
            time.sleep(rng.uniform(0, 0.002))  # work inside the transaction
            payload = {"n": n + 1, "说明": "崩溃测试"}
            tx.append_journal(
                event="counter.incremented",
                aggregate_type="counter",
                aggregate_id="a+b",
                actor={"role": "SYSTEM"},
                payload_digest=hashlib.sha256(str(payload).encode()).hexdigest(),
                detail={"n": n + 1},
            )
            tx.enqueue("counter.push", payload, idempotency_key=f"tx-{n + 1}")
            tx.put_blob(
                f"blob-{n + 1:08d}",
                kind="crash",
                media_type="application/octet-stream",
                data=rng.randbytes(rng.randint(1, 16384)),
            )
            time.sleep(rng.uniform(0, 0.002))
            tx.put(
                "counter",
                "b",
                {"n": n + 1},
                state="RUNNING",
                expected_version=None if b is None else b.version,
            )
        os.write(log, f"C {n + 1}\n".encode())


if __name__ == "__main__":
    main()
