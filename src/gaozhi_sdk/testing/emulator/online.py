"""Online verification against the emulator through ``gaozhi-plugin-sharing-http``.

Used by ``gaozhi demo`` (issue 4): it starts the emulator on 127.0.0.1 with faults switched
on, registers the sharing-http plugin with a signed client on a
:class:`~gaozhi_sdk.plugins.PluginHost`, and hands the host's online verifier to the
service. The demo's ground truth is loaded into the emulator as it is drawn. Returns None
(the caller keeps its in-process fake) when the plugin is not installed, when
``GAOZHI_DEMO_EMULATOR=0`` or when the emulator cannot start.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.sharing.evidence import JsonlEvidenceSink
from gaozhi_sdk.testing.emulator import EmulatorProcess

__all__ = ["DEMO_FAULTS", "EmulatedOnlineVerification"]

log = logging.getLogger("gaozhi_sdk.testing.emulator")

#: Transient faults the demo switches on (about 18 % of online verification requests).
DEMO_FAULTS = {
    "proof.verify": {
        "http_5xx": 0.08,
        "reset_before_response": 0.04,
        "body_throttle": 0.03,
        "commit_then_drop": 0.03,
    }
}


class EmulatedOnlineVerification:
    """An emulator process plus a plugin host whose online verifier goes through it."""

    def __init__(self, emulator: EmulatorProcess, host: Any, verifier: Any, evidence: Path) -> None:
        self.emulator = emulator
        self.host = host
        self.verifier = verifier
        self.evidence_path = evidence
        self._holders: dict[str, dict[str, Any]] = {}

    @classmethod
    def start(cls, workdir: Path, seed: int) -> EmulatedOnlineVerification | None:
        """Start everything, or return None to fall back to the in-process fake."""
        if os.environ.get("GAOZHI_DEMO_EMULATOR", "1") in ("0", "false", "no"):
            return None
        if importlib.util.find_spec("gaozhi_plugin_sharing_http") is None:
            return None
        from gaozhi_sdk.plugins import PluginHost

        plugin_mod = importlib.import_module("gaozhi_plugin_sharing_http")
        secret = secrets.token_hex(16)
        emu = EmulatorProcess(seed=seed, secret=secret, idle_timeout=3600)
        try:
            emu.start()
            emu.set_faults(DEMO_FAULTS, retry_after_s=0)
            evidence = workdir / "sharing-evidence.jsonl"
            settings = plugin_mod.ConnectorSettings.from_mapping(
                {
                    "base_url": emu.url,
                    "app_key": emu.app_key,
                    "deadline_s": 10,
                    "backoff_base_s": 0.01,
                    "backoff_cap_s": 0.05,
                    "breaker_fail_max": 20,
                    "breaker_reset_s": 1,
                }
            )
            connector = plugin_mod.SharingHttpConnector(
                settings, secret=secret, evidence=JsonlEvidenceSink(evidence)
            )
            host = PluginHost(load_entrypoints=False, env={})
            host.register(plugin_mod.SharingHttpPlugin(connector), name="sharing-http")
            verifier = host.online_verifier()
        except (GaozhiError, OSError) as exc:
            log.warning("模拟器不可用, 演示改用进程内假数据: %s", type(exc).__name__)
            emu.stop()
            return None
        return cls(emu, host, verifier, evidence)

    def record_truth(self, id_number: str, name: str, entry_id: str, fact: bool) -> None:
        """Load one fact (holder, commitment-list entry → true/false) into the emulator."""
        h = self._holders.setdefault(
            id_number, {"id_number": id_number, "name": name, "proofs": {}}
        )
        h["proofs"][entry_id] = fact
        self.emulator.add_holders([h])

    def stats(self) -> dict[str, Any]:
        """The emulator's counters."""
        return self.emulator.stats()

    def close(self) -> None:
        """Stop the host and the emulator."""
        try:
            self.host.shutdown()
        finally:
            self.emulator.stop()
