"""Loopback emulator of provincial data-sharing endpoints (DESIGN §7, TRANSPORT §5.3).

Start it in its own process with ``python -m gaozhi_sdk.testing.emulator`` or, from
Python and tests, with :class:`EmulatorProcess`::

    with EmulatorProcess(seed=7, latency_ms=5) as emu:
        emu.set_faults({"credit.push": {"commit_then_drop": 0.2}})
        push_records(emu.url)  # the client under test
        assert len(emu.ledger()) == n

The process binds 127.0.0.1 only, prints its URL as JSON on stdout and exits by itself
(idle timeout, TTL, or when its parent dies).

``EmulatorProcess(tls=True)`` serves HTTPS with a private test CA made for the run
(:func:`~gaozhi_sdk.testing.emulator.make_tls_material`); hand ``emu.ca_bundle`` to
``TransportConfig(ca_bundle=...)``. Without TLS the URL is ``http://127.0.0.1:…``, which
the client accepts only with the development switch
``TransportConfig(allow_insecure_loopback=True)``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.sharing.errors import SharingError
from gaozhi_sdk.testing.emulator.faults import FAULTS, FaultPlan, LatencyModel
from gaozhi_sdk.testing.emulator.server import EmulatorConfig, EmulatorServer
from gaozhi_sdk.testing.emulator.tls import TlsMaterial, make_tls_material

__all__ = [
    "FAULTS",
    "EmulatorConfig",
    "EmulatorProcess",
    "EmulatorServer",
    "FaultPlan",
    "LatencyModel",
    "TlsMaterial",
    "make_tls_material",
]

DEFAULT_SECRET = "emulator-secret"  # noqa: S105 - synthetic test credential


class EmulatorProcess:
    """The emulator in a child process, with admin helpers.

    Args:
        seed: data and fault seed.
        secret: the app secret (passed by environment, never on the command line).
        tls: serve HTTPS with a test CA made for this process (``ca_bundle``).
        **options: CLI options as keywords (``latency_ms=50``, ``token_ttl=2``,
            ``require_token=True``, ``idle_timeout=30`` …).
    """

    def __init__(
        self, *, seed: int = 0, secret: str = DEFAULT_SECRET, tls: bool = False, **options: Any
    ) -> None:
        self.seed = seed
        self.secret = secret
        self.tls = tls
        self.ca_bundle: Path | None = None
        self._tls_dir: str | None = None
        self.options = options
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0
        self.app_key = ""
        self._admin = requests.Session()

    def start(self) -> EmulatorProcess:
        """Start the process and wait for its address line."""
        args = [sys.executable, "-m", "gaozhi_sdk.testing.emulator", "--seed", str(self.seed)]
        for k, v in self.options.items():
            flag = "--" + k.replace("_", "-")
            if v is True:
                args.append(flag)
            elif v is not False and v is not None:
                args += [flag, json.dumps(v) if isinstance(v, dict) else str(v)]
        if self.tls:
            from gaozhi_sdk.testing.emulator.tls import make_tls_material

            self._tls_dir = tempfile.mkdtemp(prefix="gaozhi-emu-tls-")
            material = make_tls_material(Path(self._tls_dir), "gaozhi-emulator-ca")
            self.ca_bundle = material.ca_pem
            args += ["--tls-cert", str(material.cert_pem), "--tls-key", str(material.key_pem)]
        env = {**os.environ, "GAOZHI_EMULATOR_SECRET": self.secret}
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        assert self.proc.stdout is not None
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(self.proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(30)
        if not line or not line[0].strip():
            self.stop()
            raise SharingError("GZ-SH-020", "模拟器未能启动", message_en="emulator did not start")
        info = json.loads(line[0])
        self.url, self.port, self.app_key = info["url"], int(info["port"]), info["app_key"]
        return self

    def stop(self) -> None:
        """Terminate the process (idempotent)."""
        self._admin.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            for f in (self.proc.stdout, self.proc.stderr):
                if f is not None:
                    f.close()
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- admin API -------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call the admin API (``/_admin/…``) and return its JSON."""
        try:
            r = self._admin.request(
                method,
                f"{self.url}/_admin/{path}",
                json=body,
                timeout=(3, 30),
                # explicit per call: REQUESTS_CA_BUNDLE would override a session-level verify
                verify=str(self.ca_bundle) if self.ca_bundle is not None else True,
            )
            r.raise_for_status()
            return r.json()
        except (requests.RequestException, ValueError) as exc:
            raise SharingError(
                "GZ-SH-020",
                f"模拟器管理接口调用失败: {path} ({type(exc).__name__})",
                message_en="emulator admin call failed",
            ) from exc

    def set_faults(
        self,
        rules: Mapping[str, Mapping[str, float]],
        *,
        seed: int | None = None,
        retry_after_s: float = 1.0,
    ) -> None:
        """Replace the fault plan (``{route|"*": {fault: probability}}``)."""
        self.admin(
            "PUT",
            "faults",
            {
                "rules": rules,
                "seed": self.seed if seed is None else seed,
                "retry_after_s": retry_after_s,
            },
        )

    def clear_faults(self) -> None:
        """No faults."""
        self.set_faults({})

    def stats(self) -> dict[str, Any]:
        """Counters per route, fault, code; tokens issued; max concurrency."""
        return dict(self.admin("GET", "stats"))

    def ledger(self) -> list[dict[str, Any]]:
        """The credit push ledger."""
        return list(self.admin("GET", "ledger")["entries"])

    def holders(self) -> list[dict[str, Any]]:
        """Synthetic holders (full synthetic IDs; test data only)."""
        return list(self.admin("GET", "holders")["holders"])

    def add_holders(self, holders: list[Mapping[str, Any]]) -> None:
        """Load ground truth (``id_number``, ``name``, ``proofs`` {proof_name: bool} …)."""
        self.admin("POST", "holders", {"holders": holders})

    def set_clock(self, offset_s: float) -> None:
        """Shift the emulator clock."""
        self.admin("PUT", "clock", {"offset_s": offset_s})

    def set_latency(self, p50_ms: float, p99_ms: float | None = None) -> None:
        """Change the latency model."""
        self.admin("PUT", "latency", {"p50_ms": p50_ms, "p99_ms": p99_ms})

    def outage(self, seconds: float) -> None:
        """Refuse (reset) every business request for ``seconds``."""
        self.admin("POST", "outage", {"seconds": seconds})

    def reset(self) -> None:
        """Fresh data, no faults, zero counters."""
        self.admin("POST", "reset")


_rehome(__name__, __all__, globals())
