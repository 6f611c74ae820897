"""插件宿主 — the pluggy host of gaozhi-sdk (DESIGN §5).

:class:`PluginHost` wraps a :class:`pluggy.PluginManager` named ``gaozhi_sdk`` with the
specifications of :mod:`gaozhi_sdk.hookspecs` and gives the SDK a typed façade over them:

* **lazy loading** — entry points of the ``gaozhi_sdk`` group are imported on first use,
  never at ``import gaozhi_sdk``; :meth:`PluginHost.check_pending` always runs afterwards;
* **switches** — ``GAOZHI_SDK_DISABLE_PLUGINS`` (``all``/``1`` or a comma list of plugin or
  distribution names), ``GAOZHI_SDK_LOAD_PLUGINS`` (load only these),
  ``GAOZHI_SDK_TRACE_PLUGINS`` (log every hook call at DEBUG, argument *types* only — no
  personal data) and ``GAOZHI_SDK_STRICT_PLUGINS`` (re-raise plugin failures);
* **typed hooks** — an implementation whose signature does not match its specification,
  that gives a hook argument a default, or that names an unknown ``gaozhi_*`` hook fails at
  registration with a coded :class:`PluginContractError` naming the plugin;
* **broken plugins cannot break the host** — an entry point whose import raises is
  skipped with a one-line warning (plugin, version, error) unless strict;
* **checked results** — registration hooks are called per implementation, their objects
  type-checked and de-duplicated (:class:`PluginConflictError` names both plugins); the
  decision hooks check what they return;
* **built-ins are plugins** (the datasette habit): the SQLite store backend is registered
  by :class:`BuiltinPlugin` before any external plugin, so external plugins are called
  first and can override it.

Error codes (area ``PL``):

==========  ===============================================================
GZ-PL-001   a plugin could not be imported or loaded
GZ-PL-002   a hook implementation does not match its specification
GZ-PL-003   unknown ``gaozhi_*`` hook name
GZ-PL-004   a registration hook returned something of the wrong type
GZ-PL-005   two plugins registered the same name (conflict)
GZ-PL-006   a decision hook returned something of the wrong type
GZ-PL-007   a plugin raised while answering a hook
GZ-PL-008   invalid plugin object or plugin name already registered
GZ-PL-009   no provider of that kind/name
GZ-PL-010   event delivery (outbox) problems, see :mod:`gaozhi_sdk.events`
==========  ===============================================================
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast, get_args

import pluggy

from gaozhi_sdk import hookspecs
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.hookspecs import PROJECT, hookimpl
from gaozhi_sdk.plugin_types import (
    CommitmentListRegistration,
    LifecycleEvent,
    ProviderKind,
    ProviderRegistration,
    SignerRegistration,
    StoreRegistration,
)

if TYPE_CHECKING:
    from gaozhi_sdk.authentication import EventCertificateAuthority, IdentityProvider
    from gaozhi_sdk.models.parties import Applicant, CreditSnapshot
    from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_DISABLE",
    "ENV_LOAD",
    "ENV_STRICT",
    "ENV_TRACE",
    "HOOK_PREFIX",
    "BuiltinPlugin",
    "HookCall",
    "HostCreditSource",
    "HostOnlineVerifier",
    "PluginConflictError",
    "PluginContractError",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginLoadError",
    "PluginLoadFailure",
    "hookimpl",
    "hookspecs",
]

log = logging.getLogger("gaozhi_sdk.plugins")

#: Entry-point group (equal to the project and marker name, DESIGN §5).
ENTRY_POINT_GROUP = PROJECT
#: Every hook name starts with this prefix; other attributes of a plugin are ignored.
HOOK_PREFIX = "gaozhi_"
ENV_DISABLE = "GAOZHI_SDK_DISABLE_PLUGINS"
ENV_LOAD = "GAOZHI_SDK_LOAD_PLUGINS"
ENV_TRACE = "GAOZHI_SDK_TRACE_PLUGINS"
ENV_STRICT = "GAOZHI_SDK_STRICT_PLUGINS"

#: Name under which :class:`BuiltinPlugin` is registered.
BUILTIN_NAME = "gaozhi_sdk.builtin"

_TRUE = frozenset({"1", "true", "yes", "on", "all"})
_PROVIDER_KINDS: tuple[str, ...] = get_args(ProviderKind)
_REGISTRATION_HOOKS: dict[str, type[Any]] = {
    "gaozhi_register_providers": ProviderRegistration,
    "gaozhi_register_signers": SignerRegistration,
    "gaozhi_register_stores": StoreRegistration,
    "gaozhi_register_commitment_lists": CommitmentListRegistration,
}

# --------------------------------------------------------------------------- errors


class PluginError(GaozhiError):
    """A plugin misbehaved (GZ-PL-*); ``plugin_name`` and ``distribution`` say which."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        plugin_name: str | None = None,
        distribution: str | None = None,
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
        rules: Sequence[str] | None = None,
    ) -> None:
        merged = dict(details or {})
        if plugin_name is not None:
            merged.setdefault("plugin", plugin_name)
        if distribution is not None:
            merged.setdefault("distribution", distribution)
        super().__init__(code, message, message_en=message_en, details=merged, rules=rules)
        self.plugin_name = plugin_name
        self.distribution = distribution


class PluginLoadError(PluginError):
    """A plugin could not be imported or registered from its entry point (GZ-PL-001)."""


class PluginConflictError(PluginError):
    """Two plugins registered the same provider, signer, store or list name (GZ-PL-005)."""


class PluginContractError(PluginError):
    """A plugin does not keep the hook contract: signature, hook name or result type
    (GZ-PL-002/003/004/006/007)."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class PluginLoadFailure:
    """An entry point that could not be loaded (kept so ``gaozhi plugins`` can show it)."""

    name: str
    distribution: str
    version: str
    error: str

    def line(self) -> str:
        """The one-line warning text."""
        return (
            f"插件 {self.name} ({self.distribution} {self.version}) 加载失败, 已跳过: {self.error}"
        )


@dataclass(frozen=True)
class HookCall:
    """One hook implementation in its effective call order."""

    plugin: str
    tryfirst: bool = False
    trylast: bool = False
    wrapper: bool = False


@dataclass(frozen=True)
class PluginInfo:
    """A registered plugin: name, distribution, version, hooks and what it registers."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    builtin: bool = False
    registrations: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``gaozhi plugins --json``)."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "hooks": list(self.hooks),
            "registrations": list(self.registrations),
        }


# --------------------------------------------------------------------------- built-ins


class BuiltinPlugin:
    """Built-in behaviour registered as a plugin (datasette habit): the SQLite store."""

    @hookimpl(trylast=True)
    def gaozhi_register_stores(self) -> Iterable[StoreRegistration]:
        """The embedded SQLite store (``sqlite:///path.db``, ``sqlite://``)."""
        from gaozhi_sdk.store import open_store

        yield StoreRegistration("sqlite", open_store, "内置 SQLite 存储 (默认)")


# --------------------------------------------------------------------------- manager


class _Manager(pluggy.PluginManager):
    """A PluginManager that only looks at ``gaozhi_*`` attributes (the pytest guard)."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> pluggy.HookimplOpts | None:
        if not name.startswith(HOOK_PREFIX):
            return None
        return super().parse_hookimpl_opts(plugin, name)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _names(value: str | None) -> set[str]:
    return {_norm(v) for v in (value or "").split(",") if v.strip()}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PluginHost:
    """The plugin host: loading, validation and a typed façade over the hooks.

    Args:
        load_entrypoints: import the ``gaozhi_sdk`` entry points on first use (tests pass
            ``False`` for a host with only the built-ins and explicitly registered plugins).
        strict: re-raise plugin load failures instead of warning (default: the
            ``GAOZHI_SDK_STRICT_PLUGINS`` switch).
        builtins: register :class:`BuiltinPlugin`.
        config: the configuration handed to ``gaozhi_configure`` (historic) and to
            provider factories (``plugins.<name>`` sections).
        env: environment mapping to read the switches from (default ``os.environ``).

    Example::

        host = PluginHost()
        for reg in host.providers("online_verifier"):
            print(reg.name, reg.description)
    """

    def __init__(
        self,
        *,
        load_entrypoints: bool = True,
        strict: bool | None = None,
        builtins: bool = True,
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._env: Mapping[str, str] = os.environ if env is None else env
        self.strict = _flag(self._env.get(ENV_STRICT)) if strict is None else strict
        self.config: dict[str, Any] = dict(config or {})
        self._load_entrypoints = load_entrypoints
        self._loaded = False
        self._load_lock = threading.RLock()
        self._configured = False
        self._cache: dict[str, list[tuple[str, Any]]] = {}
        self._dists: dict[str, tuple[str, str]] = {}
        self.load_failures: list[PluginLoadFailure] = []
        self._pm = _Manager(PROJECT)
        self._pm.add_hookspecs(hookspecs)
        if _flag(self._env.get(ENV_TRACE)):
            self._pm.add_hookcall_monitoring(self._trace_before, self._trace_after)
        if builtins:
            self.register(BuiltinPlugin(), name=BUILTIN_NAME)

    # -- loading ---------------------------------------------------------------------------
    @property
    def pm(self) -> pluggy.PluginManager:
        """The pluggy manager (entry points loaded)."""
        self.load()
        return self._pm

    def load(self) -> None:
        """Load the entry points once (lazy; called by every hook method), then run
        :meth:`check_pending`. Safe to call repeatedly."""
        if self._loaded:
            return
        with self._load_lock:  # first use may come from several threads at once
            if self._loaded:
                return
            if self._load_entrypoints:
                self._load_group()
            self.check_pending()
            if not self._configured:
                self._configured = True
                self._pm.hook.gaozhi_configure.call_historic(kwargs={"config": self.config})
            self._loaded = True

    def _load_group(self) -> None:
        disable = self._env.get(ENV_DISABLE)
        disable_all = _flag(disable)
        disabled = set() if disable_all else _names(disable)
        only = self._env.get(ENV_LOAD)
        only_names = _names(only) if only is not None else None
        if disable_all:
            log.debug("所有外部插件已被 %s 禁用", ENV_DISABLE)
            return
        seen: set[str] = set()
        known: set[str] = set()
        points = sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        )
        for ep in points:
            dist = ep.dist
            known |= {_norm(ep.name), _norm(dist.metadata["Name"] if dist is not None else "?")}
        for name in sorted(disabled - known):
            # A misspelt name would otherwise leave the plugin running silently (issue 10.5).
            log.warning(
                "%s 中的插件名 %s 不是已安装的插件或发行包, 未禁用任何插件; 已安装: %s",
                ENV_DISABLE,
                name,
                ", ".join(sorted(known)) or "无",
            )
        for ep in points:
            dist = ep.dist
            dist_name = dist.metadata["Name"] if dist is not None else "?"
            version = dist.version if dist is not None else "?"
            keys = {_norm(ep.name), _norm(dist_name)}
            if ep.name in seen or self._pm.has_plugin(ep.name):
                continue
            seen.add(ep.name)
            if keys & disabled:
                self._pm.set_blocked(ep.name)
                log.debug("插件 %s 已被 %s 禁用", ep.name, ENV_DISABLE)
                continue
            if only_names is not None and not keys & only_names:
                continue
            try:
                plugin = ep.load()
                if inspect.isclass(plugin):
                    raise PluginContractError(
                        "GZ-PL-008",
                        f"插件 {ep.name} 的入口点指向类而非实例 (是否忘了 ()?)",
                        plugin_name=ep.name,
                        distribution=dist_name,
                        message_en="entry point names a class, not an instance",
                    )
                self._dists[ep.name] = (dist_name, version)
                self.register(plugin, name=ep.name)
            except Exception as exc:
                self._dists.pop(ep.name, None)
                failure = PluginLoadFailure(ep.name, dist_name, version, _short(exc))
                if self.strict:
                    if isinstance(exc, PluginError):
                        raise
                    raise PluginLoadError(
                        "GZ-PL-001",
                        failure.line(),
                        plugin_name=ep.name,
                        distribution=dist_name,
                        message_en=f"plugin {ep.name} ({dist_name} {version}) failed to load",
                        details={"version": version, "error": failure.error},
                    ) from exc
                self.load_failures.append(failure)
                log.warning(failure.line())

    def check_pending(self) -> None:
        """Every ``gaozhi_*`` implementation has a specification (pytest/tox habit).

        Raises:
            PluginContractError: GZ-PL-003 naming the plugin and the unknown hook.
        """
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self._pm.get_name(exc.plugin) or repr(exc.plugin)
            raise PluginContractError(
                "GZ-PL-003",
                f"插件 {name} 实现了未知的钩子: {exc}",
                plugin_name=name,
                distribution=self._dist_of(name),
                message_en=f"plugin {name} implements an unknown hook",
            ) from exc

    # -- registration ---------------------------------------------------------------------
    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin (module or instance) and validate its hooks.

        Returns:
            the plugin's name.

        Raises:
            PluginContractError: GZ-PL-002 (signature does not match the spec, or an
                argument has a default), GZ-PL-003 (unknown ``gaozhi_*`` hook),
                GZ-PL-008 (a class instead of an instance, or the name is taken).
        """
        shown = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        if inspect.isclass(plugin):
            raise PluginContractError(
                "GZ-PL-008",
                f"插件 {shown} 须以实例注册, 而不是类 (是否忘了 ()?)",
                plugin_name=shown,
                message_en="register plugin instances, not classes (forgot the ()?)",
            )
        if (name is not None and self._pm.has_plugin(name)) or self._pm.is_registered(plugin):
            raise PluginContractError(
                "GZ-PL-008",
                f"插件 {shown} 已注册",
                plugin_name=shown,
                message_en=f"plugin {shown} is already registered",
            )
        self._validate(plugin, shown)
        try:
            registered = self._pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginContractError(
                "GZ-PL-002",
                f"插件 {shown} 的钩子实现与规范不符: {exc}",
                plugin_name=shown,
                distribution=self._dist_of(shown),
                message_en=f"plugin {shown}: hook implementation does not match its spec",
            ) from exc
        except ValueError as exc:  # duplicate name or object
            raise PluginContractError(
                "GZ-PL-008",
                f"插件 {shown} 无法注册: {exc}",
                plugin_name=shown,
                message_en=str(exc),
            ) from exc
        self._cache.clear()
        if registered is None:  # blocked by GAOZHI_SDK_DISABLE_PLUGINS
            return shown
        return registered

    def _validate(self, plugin: object, pname: str) -> None:
        """Before pluggy sees the plugin: unknown hook names and argument defaults."""
        known = set(self.hook_names())
        for attr in dir(plugin):
            opts = self._pm.parse_hookimpl_opts(plugin, attr)
            if opts is None:
                continue
            hook_name = opts.get("specname") or attr
            if hook_name not in known:
                raise PluginContractError(
                    "GZ-PL-003",
                    f"插件 {pname} 实现了未知的钩子 {hook_name}"
                    f" (可用钩子: {', '.join(sorted(known))})",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname}: unknown hook {hook_name}",
                    details={"hook": hook_name},
                )
            func = getattr(plugin, attr)
            try:
                params = inspect.signature(func).parameters.values()
            except (TypeError, ValueError):  # pragma: no cover - builtins without signature
                continue
            defaults = [p.name for p in params if p.default is not inspect.Parameter.empty]
            if defaults:
                raise PluginContractError(
                    "GZ-PL-002",
                    f"插件 {pname} 的钩子 {hook_name} 的参数不可有默认值: "
                    f"{', '.join(defaults)} (pluggy 不会传入带默认值的参数)",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname}: hook {hook_name} arguments have defaults",
                    details={"hook": hook_name, "arguments": defaults},
                )

    def unregister(self, name: str) -> None:
        """Remove a plugin by name (no error if it is not registered)."""
        plugin = self._pm.get_plugin(name)
        if plugin is not None:
            self._pm.unregister(plugin)
            self._cache.clear()

    def is_registered(self, name: str) -> bool:
        """Whether a plugin of this name is registered (loads entry points first)."""
        self.load()
        return self._pm.has_plugin(name)

    def _dist_of(self, name: str) -> str | None:
        d = self._dists.get(name)
        return d[0] if d else None

    # -- introspection --------------------------------------------------------------------
    @staticmethod
    def hook_names() -> list[str]:
        """All hook names of the specification, sorted."""
        return sorted(n for n in dir(hookspecs) if n.startswith(HOOK_PREFIX))

    def plugins(self) -> list[PluginInfo]:
        """Registered plugins with distribution, version, hooks and registrations."""
        self.load()
        out = []
        for pname, plugin in sorted(self._pm.list_name_plugin(), key=lambda p: p[0]):
            if plugin is None:  # blocked
                continue
            hooks = tuple(sorted(c.name for c in self._pm.get_hookcallers(plugin) or []))
            dist, version = self._dists.get(pname, (None, None))
            regs: list[str] = []
            for hook_name in _REGISTRATION_HOOKS:
                for owner, obj in self._registrations(hook_name, strict=False):
                    if owner == pname:
                        regs.append(_describe(obj))
            out.append(
                PluginInfo(
                    name=pname,
                    distribution=dist,
                    version=version,
                    hooks=hooks,
                    builtin=pname == BUILTIN_NAME,
                    registrations=tuple(regs),
                )
            )
        return out

    def call_order(self, hook_name: str) -> list[HookCall]:
        """The effective call order of a hook's implementations (wrappers first, then
        ``tryfirst``, later-registered before earlier, ``trylast`` last)."""
        self.load()
        caller = getattr(self._pm.hook, hook_name, None)
        if caller is None:
            return []
        impls = cast("list[pluggy.HookImpl]", caller.get_hookimpls())
        return [
            HookCall(
                plugin=i.plugin_name,
                tryfirst=i.tryfirst,
                trylast=i.trylast,
                wrapper=i.wrapper or i.hookwrapper,
            )
            for i in reversed(impls)
        ]

    def impls(self, hook_name: str) -> list[tuple[str, Callable[..., Any], tuple[str, ...]]]:
        """Non-wrapper implementations of a hook in call order as ``(plugin, function,
        argnames)`` — used to call implementations one by one (events, registrations)."""
        self.load()
        caller = getattr(self._pm.hook, hook_name)
        impls = cast("list[pluggy.HookImpl]", caller.get_hookimpls())
        return [
            (i.plugin_name, i.function, tuple(i.argnames))
            for i in reversed(impls)
            if not (i.wrapper or i.hookwrapper)
        ]

    # -- registration hooks ---------------------------------------------------------------
    def _registrations(self, hook_name: str, *, strict: bool = True) -> list[tuple[str, Any]]:
        cached = self._cache.get(hook_name)
        if cached is not None:
            return cached
        expected = _REGISTRATION_HOOKS[hook_name]
        out: list[tuple[str, Any]] = []
        for pname, func, _ in self.impls(hook_name):
            try:
                result = func()
                items = [] if result is None else list(result)
            except Exception as exc:
                if not strict:
                    continue
                raise PluginContractError(
                    "GZ-PL-007",
                    f"插件 {pname} 的 {hook_name} 出错: {_short(exc)}",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname} raised in {hook_name}",
                ) from exc
            for item in items:
                problem = _check_registration(item, expected)
                if problem is not None:
                    if not strict:
                        continue
                    raise PluginContractError(
                        "GZ-PL-004",
                        f"插件 {pname} 的 {hook_name} 返回了不合规的对象: {problem}",
                        plugin_name=pname,
                        distribution=self._dist_of(pname),
                        message_en=f"plugin {pname}: {hook_name} returned an invalid object",
                        details={"hook": hook_name, "problem": problem},
                    )
                out.append((pname, item))
        if strict:
            self._check_conflicts(hook_name, out)
            self._cache[hook_name] = out
        return out

    def _check_conflicts(self, hook_name: str, regs: Sequence[tuple[str, Any]]) -> None:
        seen: dict[tuple[str, ...], str] = {}
        for pname, obj in regs:
            key = _key(obj)
            other = seen.get(key)
            if other is None:
                seen[key] = pname
                continue
            what = "/".join(key[1:])
            who = (
                f"{other} ({self._dist_of(other) or '-'}) 与 "
                f"{pname} ({self._dist_of(pname) or '-'})"
            )
            raise PluginConflictError(
                "GZ-PL-005",
                f"插件冲突: {who} 都通过 {hook_name} 注册了 {what}",
                plugin_name=pname,
                distribution=self._dist_of(pname),
                message_en=f"conflicting plugins {other} and {pname} register {what}",
                details={"plugins": [other, pname], "key": list(key)},
            )

    def providers(self, kind: ProviderKind | None = None) -> list[ProviderRegistration]:
        """Registered providers (of one kind), highest ``priority`` first, then by name.

        Raises:
            PluginContractError: GZ-PL-004 if a plugin returned a malformed registration.
            PluginConflictError: GZ-PL-005 if two plugins use the same (kind, name).
        """
        if kind is not None and kind not in _PROVIDER_KINDS:
            raise PluginContractError(
                "GZ-PL-009",
                f"未知的提供方类别 {kind!r}; 可用: {', '.join(_PROVIDER_KINDS)}",
                message_en=f"unknown provider kind {kind!r}",
            )
        regs = [
            cast(ProviderRegistration, obj)
            for _, obj in self._registrations("gaozhi_register_providers")
        ]
        if kind is not None:
            regs = [r for r in regs if r.kind == kind]
        return sorted(regs, key=lambda r: (-r.priority, r.kind, r.name))

    def provider(self, kind: ProviderKind, name: str | None = None) -> Any:
        """Build a provider with its factory (``config["plugins"][name]`` is passed in).

        Without ``name`` the highest-priority provider of the kind is built.

        Raises:
            PluginContractError: GZ-PL-009 if there is no such provider.
        """
        regs = self.providers(kind)
        if name is not None:
            regs = [r for r in regs if _norm(r.name) == _norm(name)]
        if not regs:
            raise PluginContractError(
                "GZ-PL-009",
                f"没有类别为 {kind} 的提供方" + (f" {name}" if name else ""),
                message_en=f"no {kind} provider" + (f" named {name}" if name else ""),
            )
        reg = regs[0]
        section = self.config.get("plugins", {}).get(reg.name, {})
        return reg.factory(section)

    def signers(self) -> dict[str, Any]:
        """Seal signers by organ USCC from ``gaozhi_register_signers``."""
        regs = self._registrations("gaozhi_register_signers")
        out: dict[str, Any] = {}
        for _, obj in regs:
            reg = cast(SignerRegistration, obj)
            out[reg.organ_uscc] = reg.signer
        return out

    def stores(self) -> dict[str, StoreRegistration]:
        """Store backends by URL scheme (the built-in ``sqlite`` included)."""
        regs = self._registrations("gaozhi_register_stores")
        return {cast(StoreRegistration, o).scheme: cast(StoreRegistration, o) for _, o in regs}

    def commitment_lists(self) -> list[CommitmentListRegistration]:
        """Commitment lists shipped by plugins, sorted by name."""
        regs = self._registrations("gaozhi_register_commitment_lists")
        return sorted((cast(CommitmentListRegistration, o) for _, o in regs), key=lambda r: r.name)

    def open_store(self, url: str) -> Any:
        """Open a store through the backend registered for the URL's scheme.

        Raises:
            ConfigError: GZ-CF-001 (from :func:`gaozhi_sdk.store.open_store`) if no
                backend serves the scheme.
        """
        from gaozhi_sdk.store import open_store

        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        reg = self.stores().get(scheme)
        if reg is None or scheme == "sqlite":
            return open_store(url)
        return reg.factory(url)

    # -- decision hooks --------------------------------------------------------------------
    def _first_result(
        self, hook_name: str, kwargs: Mapping[str, Any], check: Callable[[Any], bool], want: str
    ) -> Any:
        self.load()
        caller = getattr(self._pm.hook, hook_name)
        impls = cast("list[pluggy.HookImpl]", caller.get_hookimpls())
        if any(i.wrapper or i.hookwrapper for i in impls):
            result = caller(**kwargs)
            if result is not None and not check(result):
                names = ", ".join(i.plugin_name for i in impls)
                raise PluginContractError(
                    "GZ-PL-006",
                    f"{hook_name} 返回了 {type(result).__name__}, 应为 {want}"
                    f" (参与的插件: {names})",
                    message_en=f"{hook_name} returned {type(result).__name__}, expected {want}",
                )
            return result
        for pname, func, argnames in self.impls(hook_name):
            try:
                result = func(*[kwargs[a] for a in argnames])
            except GaozhiError:
                raise
            except Exception as exc:
                raise PluginContractError(
                    "GZ-PL-007",
                    f"插件 {pname} 的 {hook_name} 出错: {_short(exc)}",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname} raised in {hook_name}",
                ) from exc
            if result is None:
                continue
            if not check(result):
                raise PluginContractError(
                    "GZ-PL-006",
                    f"插件 {pname} 的 {hook_name} 返回了 {type(result).__name__}, 应为 {want}",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname}: {hook_name} returned "
                    f"{type(result).__name__}, expected {want}",
                )
            return result
        return None

    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
        """``gaozhi_credit_snapshot`` (firstresult) with its result type checked (R-020)."""
        from gaozhi_sdk.models.parties import CreditSnapshot

        res = self._first_result(
            "gaozhi_credit_snapshot",
            {"applicant": applicant, "subject_digest": subject_digest},
            lambda r: isinstance(r, CreditSnapshot),
            "CreditSnapshot | None",
        )
        return cast("CreditSnapshot | None", res)

    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult | None:
        """``gaozhi_verify_proof`` (firstresult); the result must be a ProofCheckResult for
        the same ``request_id`` (R-044)."""
        from gaozhi_sdk.providers import ProofCheckResult

        res = self._first_result(
            "gaozhi_verify_proof",
            {"request": request},
            lambda r: isinstance(r, ProofCheckResult) and r.request_id == request.request_id,
            f"ProofCheckResult(request_id={request.request_id!r}) | None",
        )
        return cast("ProofCheckResult | None", res)

    def render_document(self, kind: str, model: Any, fmt: str) -> bytes | None:
        """``gaozhi_render_document`` (firstresult); the result must be bytes."""
        res = self._first_result(
            "gaozhi_render_document",
            {"kind": kind, "model": model, "fmt": fmt},
            lambda r: isinstance(r, bytes),
            "bytes | None",
        )
        return cast("bytes | None", res)

    def identity_provider(self, name: str | None = None) -> IdentityProvider | None:
        """``gaozhi_identity_provider`` (firstresult), checked against the
        :class:`~gaozhi_sdk.authentication.IdentityProvider` protocol (GZ-PL-006)."""
        from gaozhi_sdk.authentication import IdentityProvider

        res = self._first_result(
            "gaozhi_identity_provider",
            {"name": name},
            lambda r: isinstance(r, IdentityProvider),
            "IdentityProvider | None",
        )
        return cast("IdentityProvider | None", res)

    def event_certificate_authority(
        self, name: str | None = None
    ) -> EventCertificateAuthority | None:
        """``gaozhi_event_certificate_authority`` (firstresult), checked against the
        :class:`~gaozhi_sdk.authentication.EventCertificateAuthority` protocol (GZ-PL-006)."""
        from gaozhi_sdk.authentication import EventCertificateAuthority

        res = self._first_result(
            "gaozhi_event_certificate_authority",
            {"name": name},
            lambda r: isinstance(r, EventCertificateAuthority),
            "EventCertificateAuthority | None",
        )
        return cast("EventCertificateAuthority | None", res)

    def has_impl(self, hook_name: str) -> bool:
        """Whether any plugin implements the hook."""
        return bool(self.impls(hook_name))

    def online_verifier(self) -> HostOnlineVerifier | None:
        """An :class:`~gaozhi_sdk.OnlineVerifier` delegating to ``gaozhi_verify_proof``,
        or None when no plugin implements it."""
        return HostOnlineVerifier(self) if self.has_impl("gaozhi_verify_proof") else None

    def credit_source(self) -> HostCreditSource | None:
        """A :class:`~gaozhi_sdk.CreditSource` delegating to ``gaozhi_credit_snapshot``,
        or None when no plugin implements it."""
        return HostCreditSource(self) if self.has_impl("gaozhi_credit_snapshot") else None

    def certificate_identities(self, certificate: Any) -> list[Any]:
        """Every plugin's ``gaozhi_certificate_identities`` for a certificate, combined.

        Pass it to a :class:`~gaozhi_sdk.esign.SignerPolicy` as ``identity_hook`` (the
        service does so when opened with a host).

        Raises:
            PluginContractError: ``GZ-PL-006`` (an item is not a CertificateIdentity),
                ``GZ-PL-007`` (an implementation raised).
        """
        from gaozhi_sdk.esign.identity import CertificateIdentity

        out: list[Any] = []
        for pname, func, argnames in self.impls("gaozhi_certificate_identities"):
            try:
                got = func(*[certificate for _ in argnames])
                items = list(got or ())
            except Exception as exc:
                raise PluginContractError(
                    "GZ-PL-007",
                    f"插件 {pname} 的 gaozhi_certificate_identities 出错: {_short(exc)}",
                    plugin_name=pname,
                    distribution=self._dist_of(pname),
                    message_en=f"plugin {pname} raised in gaozhi_certificate_identities",
                ) from exc
            for item in items:
                if not isinstance(item, CertificateIdentity):
                    raise PluginContractError(
                        "GZ-PL-006",
                        f"插件 {pname} 的 gaozhi_certificate_identities 返回了 "
                        f"{type(item).__name__}, 应为 CertificateIdentity",
                        plugin_name=pname,
                        distribution=self._dist_of(pname),
                        message_en=f"plugin {pname}: gaozhi_certificate_identities returned "
                        f"{type(item).__name__}, expected CertificateIdentity",
                    )
                out.append(item)
        return out

    # -- events and lifecycle -------------------------------------------------------------
    def event_impls(self) -> list[tuple[str, Callable[[LifecycleEvent], Any]]]:
        """``gaozhi_event`` implementations in call order, one callable per plugin."""
        out: list[tuple[str, Callable[[LifecycleEvent], Any]]] = []
        for pname, func, argnames in self.impls("gaozhi_event"):
            out.append((pname, _bind_event(func, argnames)))
        return out

    def shutdown(self) -> None:
        """Call ``gaozhi_shutdown`` on every plugin; one failing plugin does not stop the
        others (each failure is logged with the plugin name)."""
        if not self._loaded:
            return
        for pname, func, _ in self.impls("gaozhi_shutdown"):
            try:
                func()
            except Exception as exc:
                log.warning("插件 %s 的 gaozhi_shutdown 出错: %s", pname, _short(exc))

    # -- tracing ---------------------------------------------------------------------------
    @staticmethod
    def _trace_before(
        hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        args = ", ".join(f"{k}: {type(v).__name__}" for k, v in kwargs.items())
        log.debug("钩子调用 %s(%s) → %s", hook_name, args, ", ".join(i.plugin_name for i in impls))

    @staticmethod
    def _trace_after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        exc = outcome.exception
        if exc is not None:
            log.debug("钩子 %s 出错: %s", hook_name, type(exc).__name__)
        else:
            log.debug("钩子 %s 返回 %s", hook_name, type(outcome.get_result()).__name__)


def _bind_event(
    func: Callable[..., Any], argnames: tuple[str, ...]
) -> Callable[[LifecycleEvent], Any]:
    def call(event: LifecycleEvent) -> Any:
        return func(*[{"event": event}[a] for a in argnames])

    return call


def _check_registration(item: Any, expected: type[Any]) -> str | None:
    if not isinstance(item, expected):
        return f"应为 {expected.__name__}, 实为 {type(item).__name__}"
    if isinstance(item, ProviderRegistration):
        if item.kind not in _PROVIDER_KINDS:
            return f"未知的提供方类别 {item.kind!r} (可用: {', '.join(_PROVIDER_KINDS)})"
        if not isinstance(item.name, str) or not item.name.strip():
            return "name 须为非空字符串"
        if not callable(item.factory):
            return "factory 须可调用"
    elif isinstance(item, SignerRegistration):
        if not isinstance(item.organ_uscc, str) or not item.organ_uscc.strip():
            return "organ_uscc 须为非空字符串"
    elif isinstance(item, StoreRegistration):
        if not isinstance(item.scheme, str) or not re.fullmatch(r"[a-z][a-z0-9+.-]*", item.scheme):
            return f"scheme 须为小写 URL 协议名, 实为 {item.scheme!r}"
        if not callable(item.factory):
            return "factory 须可调用"
    elif isinstance(item, CommitmentListRegistration) and (
        not isinstance(item.name, str) or not item.name.strip()
    ):
        return "name 须为非空字符串"
    return None


def _key(obj: Any) -> tuple[str, ...]:
    if isinstance(obj, ProviderRegistration):
        return ("provider", obj.kind, _norm(obj.name))
    if isinstance(obj, SignerRegistration):
        return ("signer", obj.organ_uscc.strip().upper())
    if isinstance(obj, StoreRegistration):
        return ("store", obj.scheme)
    if isinstance(obj, CommitmentListRegistration):
        return ("commitment_list", obj.name.strip())
    return ("?", repr(obj))  # pragma: no cover - types are checked first


def _describe(obj: Any) -> str:
    if isinstance(obj, SignerRegistration):
        return f"signer {obj.organ_uscc}"
    if isinstance(obj, ProviderRegistration):
        return f"provider {obj.kind}/{obj.name}"
    if isinstance(obj, StoreRegistration):
        return f"store {obj.scheme}://"
    if isinstance(obj, CommitmentListRegistration):
        return f"commitment_list {obj.name}"
    return repr(obj)  # pragma: no cover


# --------------------------------------------------------------------------- adapters


class HostOnlineVerifier:
    """:class:`~gaozhi_sdk.OnlineVerifier` over ``gaozhi_verify_proof`` (R-044).

    When no plugin answers (every implementation returned None) the outcome is
    ``NOT_FOUND`` with an explanation, which routes the verification to assisted
    verification (R-046) — never VERIFIED by default.
    """

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """Ask the plugins; see the class docstring for the no-answer case."""
        from gaozhi_sdk.models.enums import OnlineOutcome
        from gaozhi_sdk.providers import ProofCheckResult

        result = self.host.verify_proof(request)
        if result is not None:
            return result
        return ProofCheckResult(
            request_id=request.request_id,
            outcome=OnlineOutcome.NOT_FOUND,
            detail=f"没有插件受理数据来源 {request.data_source!r}, 转协助核查",
        )


class HostCreditSource:
    """:class:`~gaozhi_sdk.CreditSource` over ``gaozhi_credit_snapshot`` (R-020, R-075)."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
        """The first plugin's snapshot, or None."""
        return self.host.credit_snapshot(applicant, subject_digest)


def iter_hook_docs() -> Iterator[tuple[str, str]]:
    """``(hook name, docstring)`` of every specification (used by the docs test)."""
    for name in PluginHost.hook_names():
        yield name, inspect.getdoc(getattr(hookspecs, name)) or ""
