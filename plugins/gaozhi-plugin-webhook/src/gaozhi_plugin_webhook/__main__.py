"""``python -m gaozhi_plugin_webhook deliver|dead|replay --store URL --config FILE``.

* ``deliver`` — drain the outbox once (at-least-once delivery to every plugin);
* ``dead`` — list dead-lettered events;
* ``replay [--id N ...]`` — deliver dead letters again (same idempotency keys).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gaozhi_sdk import PluginHost, dead_letters, deliver_pending, replay_dead
from gaozhi_sdk.store import open_store


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="python -m gaozhi_plugin_webhook")
    p.add_argument("action", choices=["deliver", "dead", "replay"])
    p.add_argument("--store", required=True, help="sqlite:///path/gaozhi.db")
    p.add_argument("--config", type=Path, help="宿主配置 JSON (含 plugins.webhook)")
    p.add_argument("--max-attempts", type=int, default=5)
    p.add_argument("--id", type=int, action="append", dest="ids")
    a = p.parse_args(argv)
    config = json.loads(a.config.read_text(encoding="utf-8")) if a.config else {}
    host = PluginHost(config=config)
    store = open_store(a.store)
    try:
        if a.action == "dead":
            for d in dead_letters(store):
                print(
                    json.dumps(
                        {
                            "message_id": d.message_id,
                            "topic": d.topic,
                            "idempotency_key": d.idempotency_key,
                            "failed": dict(d.failed_plugins),
                        },
                        ensure_ascii=False,
                    )
                )
            return 0
        if a.action == "deliver":
            rep = deliver_pending(store, host, max_attempts=a.max_attempts)
        else:
            rep = replay_dead(store, host, message_ids=a.ids)
        print(
            json.dumps(
                {
                    "delivered": rep.delivered,
                    "retrying": rep.retrying,
                    "dead": rep.dead,
                    "calls": rep.calls,
                }
            )
        )
        return 0 if not rep.failures else 1
    finally:
        host.shutdown()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
