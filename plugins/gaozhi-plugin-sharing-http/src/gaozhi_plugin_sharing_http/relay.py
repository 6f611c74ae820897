"""Outbox relay: ``python -m gaozhi_plugin_sharing_http.relay --store URL --config FILE``.

Drains the store's outbox through :func:`gaozhi_sdk.events.deliver_pending` until it is
empty (or ``--max-seconds`` pass), so credit records reach the platform exactly once in
effect: at-least-once delivery, the outbox idempotency key as ``X-Request-Id``, a status
check after ambiguous failures, and the platform's de-duplication. Safe to kill at any
moment and start again. With ``--worker ID`` several relays drain one outbox together:
each claims its batch (a lease of ``--lease`` seconds), so a message is in one live
relay's hands at a time and a killed relay's claims return after the lease.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from gaozhi_plugin_sharing_http.plugin import SharingHttpPlugin
from gaozhi_sdk import PluginHost, deliver_pending
from gaozhi_sdk.store import open_store


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit 0 when the outbox is empty, 1 on timeout."""
    p = argparse.ArgumentParser(prog="python -m gaozhi_plugin_sharing_http.relay")
    p.add_argument("--store", required=True)
    p.add_argument("--config", type=Path, required=True, help="宿主配置 JSON")
    p.add_argument("--max-attempts", type=int, default=50)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--worker", help="worker id: several relays may run at once (claims)")
    p.add_argument("--lease", type=float, default=60.0, help="claim lease in seconds")
    a = p.parse_args(argv)
    config = json.loads(a.config.read_text(encoding="utf-8"))
    host = PluginHost(load_entrypoints=False, config=config, env={})
    host.register(SharingHttpPlugin(), name="sharing-http")
    store = open_store(a.store)
    end = time.monotonic() + a.max_seconds
    try:
        while time.monotonic() < end:
            if not store.pending_outbox(limit=1):
                return 0
            report = deliver_pending(
                store,
                host,
                max_attempts=a.max_attempts,
                limit=a.batch,
                worker=a.worker,
                lease_s=a.lease,
            )
            if a.worker is not None and report.calls == 0:
                time.sleep(0.05)  # the rest is claimed by other workers (or leased)
        return 1
    finally:
        host.shutdown()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
