"""Entry-point loading: lazy, switches, broken plugins, strict mode and tracing (DESIGN §5)."""

from __future__ import annotations

import itertools
import logging
import sys
from pathlib import Path

import pytest

from gaozhi_sdk import PluginHost
from gaozhi_sdk.plugins import PluginContractError, PluginLoadError
from gaozhi_sdk.testing.plugin import write_fake_distribution

_counter = itertools.count()
#: Only the fake distributions of these tests (other plugins may be installed in the venv).
ONLY = {"GAOZHI_SDK_LOAD_PLUGINS": "alpha,beta,broken,bad,tracer"}

GOOD = '''
"""A good plugin."""
from gaozhi_sdk import hookimpl
from gaozhi_sdk.plugin_types import ProviderRegistration

IMPORTED = True

@hookimpl
def gaozhi_register_providers():
    """One provider."""
    yield ProviderRegistration("credit_source", "{name}", dict)
'''


def _site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *dists: tuple[str, str, str]
) -> dict[str, str]:
    """Install fake distributions ``(dist, ep name, module source)``; returns ep → module."""
    site = tmp_path / "site"
    modules = {}
    for dist, ep, source in dists:
        mod = f"gz_fake_{ep.replace('-', '_')}_{next(_counter)}"
        write_fake_distribution(
            site,
            dist,
            version="1.2.3",
            entry_points={ep: mod},
            files={f"{mod}.py": source.replace("{name}", ep)},
        )
        modules[ep] = mod
    monkeypatch.syspath_prepend(str(site))
    return modules


def test_entry_points_load_lazily_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mods = _site(tmp_path, monkeypatch, ("gaozhi-plugin-alpha", "alpha", GOOD))
    host = PluginHost(env=ONLY)
    assert mods["alpha"] not in sys.modules  # constructing the host imports nothing
    assert [r.name for r in host.providers("credit_source")] == ["alpha"]
    assert mods["alpha"] in sys.modules
    info = next(p for p in host.plugins() if p.name == "alpha")
    assert (info.distribution, info.version) == ("gaozhi-plugin-alpha", "1.2.3")
    assert info.registrations == ("provider credit_source/alpha",)


def test_broken_plugin_warns_one_line_and_host_keeps_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _site(
        tmp_path,
        monkeypatch,
        ("gaozhi-plugin-alpha", "alpha", GOOD),
        ("gaozhi-plugin-broken", "broken", "raise ImportError('missing gmssl')\n"),
    )
    host = PluginHost(env=ONLY)
    with caplog.at_level(logging.WARNING, logger="gaozhi_sdk.plugins"):
        regs = host.providers()
    assert [r.name for r in regs] == ["alpha"]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "broken" in lines[0] and "1.2.3" in lines[0] and "missing gmssl" in lines[0]
    assert [f.name for f in host.load_failures] == ["broken"]


@pytest.mark.parametrize("via", ["env", "option"])
def test_strict_switch_reraises_broken_plugin(
    via: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _site(tmp_path, monkeypatch, ("gaozhi-plugin-broken", "broken", "1/0\n"))
    host = (
        PluginHost(env={**ONLY, "GAOZHI_SDK_STRICT_PLUGINS": "1"})
        if via == "env"
        else PluginHost(env=ONLY, strict=True)
    )
    with pytest.raises(PluginLoadError) as ei:
        host.load()
    assert ei.value.code == "GZ-PL-001"
    assert "broken" in ei.value.message and "gaozhi-plugin-broken" in ei.value.message
    assert isinstance(ei.value.__cause__, ZeroDivisionError)


def test_entry_point_with_bad_signature_is_skipped_or_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = '''
"""Bad signature."""
from gaozhi_sdk import hookimpl

@hookimpl
def gaozhi_event(event, extra):
    """Wants too much."""
'''
    _site(tmp_path, monkeypatch, ("gaozhi-plugin-bad", "bad", bad))
    host = PluginHost(env=ONLY)
    host.load()
    assert not host.is_registered("bad")
    assert "GZ-PL-002" in host.load_failures[0].error
    with pytest.raises(PluginContractError) as ei:
        PluginHost(env=ONLY, strict=True).load()
    assert ei.value.code == "GZ-PL-002" and ei.value.plugin_name == "bad"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({**ONLY, "GAOZHI_SDK_DISABLE_PLUGINS": "beta"}, ["alpha"]),
        ({**ONLY, "GAOZHI_SDK_DISABLE_PLUGINS": "gaozhi-plugin-beta,unknown"}, ["alpha"]),
        ({"GAOZHI_SDK_DISABLE_PLUGINS": "all"}, []),
        ({"GAOZHI_SDK_DISABLE_PLUGINS": "1"}, []),
        ({"GAOZHI_SDK_LOAD_PLUGINS": "gaozhi_plugin_beta"}, ["beta"]),
        ({"GAOZHI_SDK_LOAD_PLUGINS": ""}, []),
        (ONLY, ["alpha", "beta"]),
    ],
)
def test_environment_switches_select_plugins(
    env: dict[str, str], expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mods = _site(
        tmp_path,
        monkeypatch,
        ("gaozhi-plugin-alpha", "alpha", GOOD),
        ("gaozhi-plugin-beta", "beta", GOOD),
    )
    host = PluginHost(env=env)
    assert [r.name for r in host.providers("credit_source")] == expected
    for ep, mod in mods.items():
        assert (mod in sys.modules) == (ep in expected)  # disabled plugins are never imported
    assert next(p for p in host.plugins() if p.builtin)  # built-ins always stay


def test_disable_reads_os_environ_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _site(tmp_path, monkeypatch, ("gaozhi-plugin-alpha", "alpha", GOOD))
    monkeypatch.setenv("GAOZHI_SDK_LOAD_PLUGINS", ONLY["GAOZHI_SDK_LOAD_PLUGINS"])
    monkeypatch.setenv("GAOZHI_SDK_DISABLE_PLUGINS", "alpha")
    assert PluginHost().providers() == []


def test_trace_logs_hook_calls_without_argument_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from gaozhi_sdk.providers import ProofCheckRequest

    tracer = '''
"""Declines."""
from gaozhi_sdk import hookimpl

@hookimpl
def gaozhi_verify_proof(request):
    """Declines."""
    return None
'''
    _site(tmp_path, monkeypatch, ("gaozhi-plugin-tracer", "tracer", tracer))
    host = PluginHost(env={**ONLY, "GAOZHI_SDK_TRACE_PLUGINS": "1"})
    verifier = host.online_verifier()
    assert verifier is not None
    planted = "11010519491231002X"
    req = ProofCheckRequest(
        request_id="R-1",
        verification_id="V-1",
        case_no="C-1",
        entry_id="E-1",
        data_source="人口库",
        subject_id_type="居民身份证",
        subject_id_number=planted,
        subject_name="张三",
        proof_name="户籍证明",
        proof_content="本市户籍",
    )
    with caplog.at_level(logging.DEBUG, logger="gaozhi_sdk.plugins"):
        host.pm.hook.gaozhi_verify_proof(request=req)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "gaozhi_verify_proof" in text and "tracer" in text
    assert planted not in text and "张三" not in text  # types only, never personal data


def test_check_pending_catches_unknown_hook_added_behind_the_hosts_back(
    plugin_host: PluginHost,
) -> None:
    from gaozhi_sdk import hookimpl

    class Sneaky:
        @hookimpl
        def gaozhi_unknown(self) -> None:
            """Registered directly on the pluggy manager."""

    plugin_host._pm.register(Sneaky(), name="sneaky")
    with pytest.raises(PluginContractError) as ei:
        plugin_host.check_pending()
    assert ei.value.code == "GZ-PL-003" and "sneaky" in ei.value.message


def test_first_use_from_many_threads_loads_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _site(tmp_path, monkeypatch, ("gaozhi-plugin-alpha", "alpha", GOOD))
    host = PluginHost(env=ONLY)
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda _: [r.name for r in host.providers("credit_source")], range(16))
        )
    assert results == [["alpha"]] * 16
    assert [p.name for p in host.plugins()].count("alpha") == 1
