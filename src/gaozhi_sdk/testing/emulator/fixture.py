"""The ``emulator`` pytest fixture (re-exported by :mod:`gaozhi_sdk.testing.plugin`).

``emulator`` is one emulator process per test session on 127.0.0.1, reset (fresh data, no
faults, clock offset 0) before each test that uses it::

    def test_my_adapter(emulator):
        emulator.set_faults({"proof.verify": {"http_5xx": 0.1}})
        config = TransportConfig(emulator.url, allow_insecure_loopback=True)  # plain HTTP
        client = SharingClient(config, ReferenceProfile(emulator.app_key), emulator.secret)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gaozhi_sdk.testing.emulator import EmulatorProcess

__all__ = ["emulator", "emulator_process"]


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    """The session's emulator process (not reset between tests)."""
    with EmulatorProcess(seed=0, idle_timeout=300, assist_delay=0.2) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    """The emulator, reset for this test."""
    emulator_process.reset()
    emulator_process.set_clock(0)
    return emulator_process
