"""The test kit: check_plugin() makes a plugin's first test one line."""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

import pytest

from gaozhi_sdk import hookimpl
from gaozhi_sdk.plugin_types import ProviderRegistration
from gaozhi_sdk.plugins import PluginContractError
from gaozhi_sdk.testing.plugin import check_plugin


class Good:
    """A good plugin."""

    @hookimpl
    def gaozhi_register_providers(self) -> Iterable[ProviderRegistration]:
        """One provider."""
        yield ProviderRegistration("tsa", "local-tsa", dict)

    @hookimpl
    def gaozhi_event(self, event: Any) -> None:
        """Ignores events."""


def test_check_plugin_reports_hooks_and_registrations() -> None:
    report = check_plugin(Good(), name="good", build_providers=True)
    assert report.hooks == ("gaozhi_event", "gaozhi_register_providers")
    assert report.registrations == ("provider tsa/local-tsa",)


def test_check_plugin_accepts_a_module() -> None:
    mod = types.ModuleType("gz_mod_plugin", "A module plugin.")

    @hookimpl
    def gaozhi_shutdown() -> None:
        """Closes."""

    mod.gaozhi_shutdown = gaozhi_shutdown  # type: ignore[attr-defined]
    assert check_plugin(mod).hooks == ("gaozhi_shutdown",)


def test_check_plugin_flags_hook_without_marker() -> None:
    class Forgot:
        """Forgot the decorator."""

        def gaozhi_event(self, event: Any) -> None:
            """Never called without @hookimpl."""

    with pytest.raises(AssertionError, match="gaozhi_event"):
        check_plugin(Forgot())


def test_check_plugin_requires_docstrings() -> None:
    class NoDoc:
        """Has a class docstring only."""

        @hookimpl
        def gaozhi_shutdown(self) -> None:
            pass

    with pytest.raises(AssertionError, match="gaozhi_shutdown"):
        check_plugin(NoDoc(), name="nodoc")
    assert check_plugin(NoDoc(), name="nodoc", require_docstrings=False).hooks == (
        "gaozhi_shutdown",
    )


def test_check_plugin_surfaces_contract_errors() -> None:
    class Bad:
        """Bad registration."""

        @hookimpl
        def gaozhi_register_providers(self) -> Iterable[Any]:
            """Yields a string."""
            yield "henan-share"

    with pytest.raises(PluginContractError) as ei:
        check_plugin(Bad(), name="bad")
    assert ei.value.code == "GZ-PL-004" and "bad" in ei.value.message


def test_check_plugin_builds_providers_when_asked() -> None:
    def needs_endpoint(cfg: Any) -> Any:
        return cfg["endpoint"]

    class Fragile:
        """Factory needs configuration."""

        @hookimpl
        def gaozhi_register_providers(self) -> Iterable[ProviderRegistration]:
            """One provider."""
            yield ProviderRegistration("online_verifier", "fragile", needs_endpoint)

    assert check_plugin(Fragile(), name="fragile").registrations
    with pytest.raises(PluginContractError) as ei:
        check_plugin(Fragile(), name="fragile", build_providers=True)
    assert ei.value.code == "GZ-PL-007"


def test_register_plugin_fixture_undoes_registration(
    register_plugin: Any, plugin_host: Any
) -> None:
    register_plugin(Good(), name="temp")
    assert plugin_host.is_registered("temp")


def test_emulator_fixture_is_re_exported_by_the_test_kit() -> None:
    fixture_mod = pytest.importorskip("gaozhi_sdk.testing.emulator.fixture")
    import gaozhi_sdk.testing.plugin as kit

    assert kit.emulator is fixture_mod.emulator
    assert kit.emulator_process is fixture_mod.emulator_process
