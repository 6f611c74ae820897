"""The plugin's hooks: spool ``verification.completed`` events for the SPGL export (R-080).

Configuration (``PluginHost(config={"plugins": {"spgl": {"spool": "spgl-spool.jsonl"}}})``):
``spool`` is a file that collects the ids of concluded verifications as their events are
delivered from the outbox (at least once: de-duplicated on the idempotency key). A job
then calls :func:`gaozhi_plugin_spgl.export_verifications` with
``verification_ids=spooled_ids(path)`` and uploads the rows. Without ``spool`` the event
hook does nothing. Events carry no personal identifiers, and neither does the spool.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gaozhi_sdk import LifecycleEvent, hookimpl

__all__ = ["NAME", "gaozhi_configure", "gaozhi_event", "spooled_ids"]

#: Entry-point name and configuration section.
NAME = "spgl"
_settings: dict[str, Any] = {}
_lock = threading.Lock()


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def spooled_ids(path: str | Path) -> list[str]:
    """Verification ids in the spool, in arrival order, each once."""
    seen: dict[str, None] = {}
    for rec in _read(Path(path)):
        seen.setdefault(rec["verification_id"], None)
    return list(seen)


@hookimpl
def gaozhi_configure(config: Mapping[str, Any]) -> None:
    """Read ``plugins.spgl.spool``."""
    section = config.get("plugins", {}).get(NAME, {})
    _settings.clear()
    if isinstance(section, Mapping) and section.get("spool"):
        _settings["spool"] = Path(str(section["spool"]))


@hookimpl
def gaozhi_event(event: LifecycleEvent) -> None:
    """Append a concluded verification to the spool, once per idempotency key."""
    spool = _settings.get("spool")
    if spool is None or event.topic != "verification.completed":
        return
    with _lock:
        if any(r["key"] == event.idempotency_key for r in _read(spool)):
            return
        spool.parent.mkdir(parents=True, exist_ok=True)
        line = {"key": event.idempotency_key, "verification_id": event.payload["verification_id"]}
        with spool.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
