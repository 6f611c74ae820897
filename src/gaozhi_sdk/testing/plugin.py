"""插件测试工具 — an opt-in pytest plugin for gaozhi-sdk users and plugin authors.

Enable it in a test suite (it is never loaded automatically, tox habit)::

    # conftest.py at the root of your tests
    pytest_plugins = ["gaozhi_sdk.testing.plugin"]

or on the command line: ``pytest -p gaozhi_sdk.testing.plugin``.

A plugin's first test is then one line::

    from gaozhi_sdk.testing.plugin import check_plugin
    import my_plugin

    def test_plugin_contract():
        check_plugin(my_plugin)

Fixtures:

* ``plugin_host`` — a fresh :class:`~gaozhi_sdk.PluginHost` with no entry points loaded
  and the ``GAOZHI_SDK_*`` switches removed from the environment;
* ``register_plugin`` — ``register_plugin(obj, name=None)`` registers a plugin on
  ``plugin_host`` for one test (unregistered afterwards);
* ``gaozhi_service`` — a :class:`~gaozhi_sdk.PledgeService` over a temporary SQLite file,
  wired to ``plugin_host``;
* ``emulator`` — the data-sharing emulator (see :mod:`gaozhi_sdk.testing.emulator`),
  contributed by the transport package.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gaozhi_sdk.plugins import (
    ENV_DISABLE,
    ENV_LOAD,
    ENV_STRICT,
    ENV_TRACE,
    HOOK_PREFIX,
    PluginContractError,
    PluginHost,
)

if TYPE_CHECKING:
    from gaozhi_sdk.service import PledgeService

__all__ = [
    "ISOLATED_ENV_VARS",
    "PluginReport",
    "check_plugin",
    "gaozhi_service",
    "plugin_host",
    "register_plugin",
    "write_fake_distribution",
]

#: Environment switches cleared by the ``plugin_host`` fixture.
ISOLATED_ENV_VARS = (ENV_DISABLE, ENV_LOAD, ENV_TRACE, ENV_STRICT)


@dataclass(frozen=True)
class PluginReport:
    """What :func:`check_plugin` found: the plugin's hooks and registrations."""

    name: str
    hooks: tuple[str, ...]
    registrations: tuple[str, ...] = field(default_factory=tuple)


def check_plugin(
    plugin: object,
    *,
    name: str | None = None,
    host: PluginHost | None = None,
    build_providers: bool = False,
    require_docstrings: bool = True,
) -> PluginReport:
    """Check a plugin against the hook contract; a plugin's first test in one line.

    Registers ``plugin`` on a fresh host (or ``host``), which validates hook names and
    signatures; runs ``check_pending()``; calls every registration hook and validates the
    objects (types, duplicates); checks docstrings; and with ``build_providers`` calls every
    provider factory with an empty configuration.

    Raises:
        PluginContractError: a coded GZ-PL-* error naming the plugin.
        AssertionError: a ``gaozhi_*`` attribute without ``@hookimpl`` or a missing
            docstring.
    """
    shown = name or getattr(plugin, "__name__", None) or type(plugin).__name__
    if require_docstrings and not inspect.getdoc(plugin):
        raise AssertionError(f"插件 {shown} 缺少文档字符串 (模块或类的 docstring)")
    host = host or PluginHost(load_entrypoints=False, env={})
    unmarked = [
        attr
        for attr in dir(plugin)
        if attr.startswith(HOOK_PREFIX)
        and callable(getattr(plugin, attr, None))
        and host._pm.parse_hookimpl_opts(plugin, attr) is None
    ]
    if unmarked:
        raise AssertionError(
            f"插件 {shown} 的 {', '.join(unmarked)} 没有 @hookimpl 标记, 不会被调用"
        )
    pname = host.register(plugin, name=name)
    host.load()
    host.check_pending()
    host.providers()
    host.signers()
    host.stores()
    host.commitment_lists()
    info = next(p for p in host.plugins() if p.name == pname)
    if require_docstrings:
        for hook in info.hooks:
            for plugin_name, func, _ in host.impls(hook):
                if plugin_name == pname and not inspect.getdoc(func):
                    raise AssertionError(f"插件 {pname} 的钩子 {hook} 缺少文档字符串")
    if build_providers:
        for reg in host.providers():
            try:
                reg.factory({})
            except Exception as exc:
                raise PluginContractError(
                    "GZ-PL-007",
                    f"插件 {pname} 的提供方 {reg.kind}/{reg.name} 无法以空配置构建: {exc}",
                    plugin_name=pname,
                    message_en=f"provider {reg.kind}/{reg.name} factory failed",
                ) from exc
    return PluginReport(name=pname, hooks=info.hooks, registrations=info.registrations)


def write_fake_distribution(
    site: Path,
    dist: str,
    *,
    version: str = "0.0.1",
    entry_points: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write an installed-looking distribution (``*.dist-info`` + modules) into ``site``.

    Put ``site`` on ``sys.path`` (``monkeypatch.syspath_prepend``) or ``PYTHONPATH`` and the
    host finds its ``gaozhi_sdk`` entry points — no pip, no network.

    Args:
        site: a directory used as a site-packages folder.
        dist: distribution name, e.g. ``gaozhi-plugin-broken``.
        entry_points: ``{entry-point name: "module:attr"}`` in the ``gaozhi_sdk`` group.
        files: ``{relative path: source}`` written under ``site``.

    Returns:
        the ``.dist-info`` directory.
    """
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = ["[gaozhi_sdk]"] + [f"{k} = {v}" for k, v in (entry_points or {}).items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for rel, source in (files or {}).items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    return info


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def plugin_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginHost]:
    """A fresh plugin host — built-ins only, no entry points, switches cleared."""
    for var in ISOLATED_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    host = PluginHost(load_entrypoints=False, env={})
    yield host
    host.shutdown()


@pytest.fixture
def register_plugin(plugin_host: PluginHost) -> Iterator[Callable[..., str]]:
    """``register_plugin(obj, name=None)``: register on ``plugin_host`` for one test."""
    names: list[str] = []

    def register(plugin: object, name: str | None = None) -> str:
        registered = plugin_host.register(plugin, name=name)
        names.append(registered)
        return registered

    yield register
    for n in reversed(names):
        plugin_host.unregister(n)


@pytest.fixture
def gaozhi_service(tmp_path: Path, plugin_host: PluginHost) -> Iterator[PledgeService]:
    """A :class:`~gaozhi_sdk.PledgeService` over ``tmp_path/gaozhi.db`` using ``plugin_host``."""
    from gaozhi_sdk.service import PledgeService

    svc = PledgeService.open(f"sqlite:///{tmp_path / 'gaozhi.db'}", host=plugin_host)
    yield svc
    svc.close()


# -- emulator fixture (transport package) -------------------------------------------------
# The data-sharing emulator fixture ``emulator`` is written by the transport package in
# ``gaozhi_sdk/testing/emulator/fixture.py`` (a module-level pytest fixture named
# ``emulator``). It is re-exported here so one ``pytest_plugins =
# ["gaozhi_sdk.testing.plugin"]`` gives plugin authors every fixture.
EMULATOR_FIXTURE_MODULE = "gaozhi_sdk.testing.emulator.fixture"


def _import_emulator_fixture() -> None:
    try:
        module = importlib.import_module(EMULATOR_FIXTURE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and EMULATOR_FIXTURE_MODULE.startswith(exc.name):
            return  # the emulator is not part of this installation
        raise
    for fixture_name in getattr(module, "__all__", ("emulator",)):
        globals()[fixture_name] = getattr(module, fixture_name)


_import_emulator_fixture()
