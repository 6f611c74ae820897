"""Fixtures for the sharing tests: a real emulator process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gaozhi_sdk.sharing import ReferenceProfile, SharingClient, TransportConfig
from gaozhi_sdk.testing.emulator import EmulatorProcess


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """One emulator per test module (faults reset by ``emu`` below)."""
    with EmulatorProcess(seed=11, idle_timeout=60, assist_delay=0.2) as emu:
        yield emu


@pytest.fixture
def emu(emulator: EmulatorProcess) -> EmulatorProcess:
    """The module emulator with no faults and fresh state."""
    emulator.reset()
    emulator.set_clock(0)
    return emulator


def make_client(emu: EmulatorProcess, **cfg: Any) -> SharingClient:
    """A reference-profile client of ``emu`` with quick retries."""
    opts: dict[str, Any] = {
        "deadline_s": 10.0,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        # the module emulator speaks plain HTTP on 127.0.0.1: the explicit development switch
        "allow_insecure_loopback": True,
    }
    opts.update(cfg)
    auth = opts.pop("auth_mode", "none")
    return SharingClient(
        TransportConfig(emu.url, **opts), ReferenceProfile(emu.app_key), emu.secret, auth_mode=auth
    )


def holder_with(emu: EmulatorProcess, value: bool) -> tuple[dict[str, Any], str]:
    """A synthetic holder and a proof name whose fact is ``value``."""
    for h in emu.holders():
        for proof, fact in h["proofs"].items():
            if fact is value and proof not in h["consent"]:
                return h, proof
    raise AssertionError("no such holder")
