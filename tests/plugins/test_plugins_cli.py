"""The CLI with plugins: ``gaozhi plugins``, ``plugin new``, ``events``; broken plugins never
break ``gaozhi --help``, ``verify`` or ``plugins`` (issue 4, real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gaozhi_sdk import esign
from gaozhi_sdk.plugins import PluginContractError
from gaozhi_sdk.scaffold import new_plugin
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.plugin import write_fake_distribution

GOOD = '''
"""A good fake plugin."""
from gaozhi_sdk import hookimpl
from gaozhi_sdk.plugin_types import ProviderRegistration

@hookimpl
def gaozhi_register_providers():
    """One provider."""
    yield ProviderRegistration("credit_source", "goodsrc", dict)

@hookimpl(tryfirst=True)
def gaozhi_verify_proof(request):
    """Declines."""
    return None
'''

FLAKY_EVENTS = '''
"""Fails every event (the department system is down)."""
import os
from gaozhi_sdk import hookimpl

@hookimpl
def gaozhi_event(event):
    """Fails unless GZ_TEST_UP is set."""
    if not os.environ.get("GZ_TEST_UP"):
        raise ConnectionError("department system down")
'''


def gaozhi(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess with extra environment."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GAOZHI_SDK_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder with a good and a broken plugin distribution."""
    site = tmp_path / "site"
    write_fake_distribution(
        site,
        "gaozhi-plugin-goodfake",
        version="2.0.1",
        entry_points={"goodfake": "gz_cli_good"},
        files={"gz_cli_good.py": GOOD},
    )
    write_fake_distribution(
        site,
        "gaozhi-plugin-brokenfake",
        version="0.9.0",
        entry_points={"brokenfake": "gz_cli_broken"},
        files={"gz_cli_broken.py": "import gz_module_that_does_not_exist\n"},
    )
    return site


def _env(site: Path, **extra: str) -> dict[str, str]:
    return {"PYTHONPATH": str(site), "GAOZHI_SDK_LOAD_PLUGINS": "goodfake,brokenfake", **extra}


def test_plugins_lists_good_plugin_and_warns_once_about_broken_one(site: Path) -> None:
    res = gaozhi("plugins", "--json", env=_env(site))
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1
    assert "brokenfake" in warnings[0] and "0.9.0" in warnings[0]
    assert "gz_module_that_does_not_exist" in warnings[0]
    out = json.loads(res.stdout)
    good = next(p for p in out["plugins"] if p["name"] == "goodfake")
    assert good["version"] == "2.0.1" and good["distribution"] == "gaozhi-plugin-goodfake"
    assert good["hooks"] == ["gaozhi_register_providers", "gaozhi_verify_proof"]
    assert good["registrations"] == ["provider credit_source/goodsrc"]
    assert [f["name"] for f in out["failures"]] == ["brokenfake"]


def test_plugins_text_and_hook_call_order(site: Path) -> None:
    res = gaozhi("plugins", "--hooks", env=_env(site))
    assert res.returncode == 0, res.stderr
    assert "goodfake  [gaozhi-plugin-goodfake 2.0.1]" in res.stdout
    assert "brokenfake  [gaozhi-plugin-brokenfake 0.9.0]" in res.stdout  # under 加载失败
    line = next(x for x in res.stdout.splitlines() if x.strip().startswith("gaozhi_verify_proof"))
    assert "[firstresult]" in line and "goodfake (tryfirst)" in line
    stores = next(
        x for x in res.stdout.splitlines() if x.strip().startswith("gaozhi_register_stores")
    )
    assert "gaozhi_sdk.builtin (trylast)" in stores


def test_strict_switch_makes_broken_plugin_fatal(site: Path) -> None:
    res = gaozhi("plugins", env=_env(site, GAOZHI_SDK_STRICT_PLUGINS="1"))
    assert res.returncode == 1
    assert "GZ-PL-001" in res.stderr and "brokenfake" in res.stderr


def test_disable_switch_hides_plugin(site: Path) -> None:
    res = gaozhi(
        "plugins", "--json", env=_env(site, GAOZHI_SDK_DISABLE_PLUGINS="goodfake,brokenfake")
    )
    assert res.returncode == 0 and res.stderr.strip() == ""
    names = [p["name"] for p in json.loads(res.stdout)["plugins"]]
    assert names == ["gaozhi_sdk.builtin"]


def test_help_and_verify_work_with_a_broken_plugin(site: Path, tmp_path: Path) -> None:
    assert gaozhi("--help", env=_env(site)).returncode == 0
    pki = TestPKI.create()
    seal = pki.organ_seal("三门峡市陕州区人民政府", "11411222005123018X")
    bundle = tmp_path / "x.bundle.json"
    from gaozhi_sdk.archive import JournalCheckpoint

    checkpoint = JournalCheckpoint(
        seq=1, hash="0" * 64, at="2026-01-05T09:00:00+08:00", organ_uscc="11411222005123018X"
    )  # an organ document, sealed by its organ (the strict signer policy applies)
    bundle.write_bytes(esign.sign(checkpoint, seal).to_json())
    trust = pki.write_trust(tmp_path)
    res = gaozhi(
        "verify", str(bundle), "--trust", str(trust), env=_env(site, GAOZHI_SDK_STRICT_PLUGINS="1")
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "TOTAL_PASSED" in res.stdout


@pytest.mark.slow
def test_plugin_new_generates_a_package_whose_tests_pass_and_that_shows_in_plugins(
    tmp_path: Path,
) -> None:
    res = gaozhi("plugin", "new", "henan-scjg", "--dir", str(tmp_path))
    assert res.returncode == 0, res.stderr
    pkg = tmp_path / "gaozhi-plugin-henan-scjg"
    assert (pkg / "src" / "gaozhi_plugin_henan_scjg" / "py.typed").is_file()
    assert 'henan-scjg = "gaozhi_plugin_henan_scjg.plugin"' in (pkg / "pyproject.toml").read_text(
        "utf-8"
    )
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=pkg,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith(("GAOZHI_SDK_", "PYTEST_"))},
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    # what `pip install -e .` records: a dist-info with the entry point
    site = tmp_path / "site"
    write_fake_distribution(
        site,
        "gaozhi-plugin-henan-scjg",
        version="0.1.0",
        entry_points={"henan-scjg": "gaozhi_plugin_henan_scjg.plugin"},
    )
    env = {
        "PYTHONPATH": os.pathsep.join([str(site), str(pkg / "src")]),
        "GAOZHI_SDK_LOAD_PLUGINS": "henan-scjg",
    }
    listed = json.loads(gaozhi("plugins", "--json", env=env).stdout)
    new = next(p for p in listed["plugins"] if p["name"] == "henan-scjg")
    assert new["registrations"] == ["provider online_verifier/henan-scjg"]
    hidden = json.loads(
        gaozhi("plugins", "--json", env={**env, "GAOZHI_SDK_DISABLE_PLUGINS": "henan-scjg"}).stdout
    )
    assert "henan-scjg" not in [p["name"] for p in hidden["plugins"]]


@pytest.mark.parametrize("bad", ["我的部门", "Henan", "1abc", "a--b", "x" * 61])
def test_plugin_new_rejects_bad_names(bad: str, tmp_path: Path) -> None:
    with pytest.raises(PluginContractError) as ei:
        new_plugin(bad, tmp_path)
    assert ei.value.code == "GZ-PL-011"
    assert list(tmp_path.iterdir()) == []


def test_plugin_new_bad_name_exit_code(tmp_path: Path) -> None:
    res = gaozhi("plugin", "new", "我的部门", "--dir", str(tmp_path))
    assert res.returncode == 1 and "GZ-PL-011" in res.stderr


def test_plugin_new_refuses_non_empty_target(tmp_path: Path) -> None:
    (tmp_path / "gaozhi-plugin-x1").mkdir()
    (tmp_path / "gaozhi-plugin-x1" / "keep.txt").write_text("mine", encoding="utf-8")
    res = gaozhi("plugin", "new", "x1", "--dir", str(tmp_path))
    assert res.returncode == 1 and "GZ-PL-012" in res.stderr
    assert (tmp_path / "gaozhi-plugin-x1" / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_events_deliver_dead_and_replay_commands(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_fake_distribution(
        site,
        "gaozhi-plugin-flaky",
        entry_points={"flaky": "gz_cli_flaky"},
        files={"gz_cli_flaky.py": FLAKY_EVENTS},
    )
    db = tmp_path / "gaozhi.db"
    store = SqliteStore(db)
    with store.transaction() as tx:
        tx.enqueue("case.decided", {"case_no": "C-1"}, idempotency_key="case.decided:C-1:3")
    store.close()
    env = {"PYTHONPATH": str(site), "GAOZHI_SDK_LOAD_PLUGINS": "flaky"}
    first = gaozhi("events", "deliver", "--db", str(tmp_path), "--max-attempts", "2", env=env)
    assert first.returncode == 0 and "待重试 1" in first.stdout
    second = gaozhi("events", "deliver", "--db", str(db), "--max-attempts", "2", env=env)
    assert second.returncode == 1 and "死信 1" in second.stdout
    dead = json.loads(gaozhi("events", "dead", "--db", str(db), "--json", env=env).stdout)
    assert dead[0]["idempotency_key"] == "case.decided:C-1:3"
    assert "department system down" in dead[0]["failed_plugins"]["flaky"]
    replay = gaozhi("events", "replay", "--db", str(db), env={**env, "GZ_TEST_UP": "1"})
    assert replay.returncode == 0 and "已投递 1" in replay.stdout
    assert json.loads(gaozhi("events", "dead", "--db", str(db), "--json", env=env).stdout) == []
    assert gaozhi("events", "dead", "--db", str(tmp_path / "missing.db")).returncode == 64
