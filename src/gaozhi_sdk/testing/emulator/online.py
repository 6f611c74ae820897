"""Online verification against the emulator through an installed ``online_verifier``
provider (``gaozhi-plugin-sharing-http`` registers one as ``sharing-http``).

Used by ``gaozhi demo`` (issue 4): it starts the emulator on 127.0.0.1 — over TLS with a
test CA made for the run, answers signed — with faults switched on, asks a
:class:`~gaozhi_sdk.plugins.PluginHost` for the ``sharing-http`` provider — configured
with the emulator's address and CA, its key and a per-run secret — and hands that
verifier to the service. The core never imports the plugin by name. The demo's ground
truth is loaded into the emulator as it is drawn. Returns None (the caller keeps its
in-process fake) when no such provider is installed, when ``GAOZHI_DEMO_EMULATOR=0`` or
when the emulator cannot start.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.testing.emulator import EmulatorProcess

__all__ = ["DEMO_FAULTS", "EmulatedOnlineVerification"]

log = logging.getLogger("gaozhi_sdk.testing.emulator")

#: The provider the demo asks for, and the environment variable its factory reads the
#: per-run emulator secret from (set only while the provider is built).
PROVIDER = "sharing-http"
_SECRET_ENV = "GAOZHI_DEMO_EMULATOR_SECRET"  # noqa: S105 - a variable name, not a secret

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
        from gaozhi_sdk.plugins import PluginHost

        evidence = workdir / "sharing-evidence.jsonl"
        secret = secrets.token_hex(16)
        emu = EmulatorProcess(seed=seed, secret=secret, idle_timeout=3600, tls=True)
        try:
            host = PluginHost()
            regs = [r for r in host.providers("online_verifier") if r.name == PROVIDER]
            if not regs:
                return None
            emu.start()
            emu.set_faults(DEMO_FAULTS, retry_after_s=0)
            section = {
                "base_url": emu.url,
                "ca_bundle": str(emu.ca_bundle),
                "app_key": emu.app_key,
                "secret_env": _SECRET_ENV,
                "evidence_path": str(evidence),
                "deadline_s": 10,
                "backoff_base_s": 0.01,
                "backoff_cap_s": 0.05,
                "breaker_fail_max": 20,
                "breaker_reset_s": 1,
            }
            os.environ[_SECRET_ENV] = secret
            try:
                verifier = regs[0].factory(section)
            finally:
                os.environ.pop(_SECRET_ENV, None)
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
        """Close the provider's connections, the host and the emulator."""
        try:
            close = getattr(self.verifier, "close", None)
            if callable(close):
                close()
            self.host.shutdown()
        finally:
            self.emulator.stop()
