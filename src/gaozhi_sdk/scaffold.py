"""插件脚手架 — ``gaozhi plugin new NAME``: a new plugin package whose tests pass as made.

The templates live in the package data folder ``gaozhi_sdk/_scaffold`` (files ending in
``.tmpl`` are rendered and lose the suffix). The result is a hatchling distribution
``gaozhi-plugin-<name>`` importing as ``gaozhi_plugin_<name>``, with the ``gaozhi_sdk``
entry point ``<name>``, a plugin module, ``py.typed``, a README and tests that use the
test kit (:mod:`gaozhi_sdk.testing.plugin`).
"""

from __future__ import annotations

import re
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

from gaozhi_sdk.plugins import PluginContractError

__all__ = ["NAME_PATTERN", "PluginNames", "new_plugin", "plugin_names"]

#: Allowed plugin names: lower-case ASCII letters, digits and single hyphens.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

_TEMPLATE_PACKAGE = "gaozhi_sdk"
_TEMPLATE_DIR = "_scaffold"
_SKIP = frozenset({"README.txt", "__pycache__"})


class PluginNames:
    """The names derived from a plugin name (``henan-scjg``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dist = f"gaozhi-plugin-{name}"
        self.package = f"gaozhi_plugin_{name.replace('-', '_')}"


def plugin_names(name: str) -> PluginNames:
    """Validate a plugin name and derive the distribution and package names.

    Raises:
        PluginContractError: GZ-PL-011 if the name is not lower-case ASCII with hyphens.
    """
    raw = name.strip()
    if raw.startswith("gaozhi-plugin-"):
        raw = raw[len("gaozhi-plugin-") :]
    if not NAME_PATTERN.fullmatch(raw) or len(raw) > 60:
        raise PluginContractError(
            "GZ-PL-011",
            f"插件名称 {name!r} 不合规: 须为小写英文字母、数字和连字符, 以字母开头 (如 henan-scjg)",
            message_en="plugin name must be lower-case ASCII letters, digits and hyphens",
        )
    return PluginNames(raw)


def _render(text: str, names: PluginNames, sdk_version: str) -> str:
    return (
        text.replace("__DIST__", names.dist)
        .replace("__PACKAGE__", names.package)
        .replace("__NAME__", names.name)
        .replace("__SDK_VERSION__", sdk_version)
    )


def _walk(
    node: Traversable, rel: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    out: list[tuple[tuple[str, ...], Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name in _SKIP:
            continue
        if child.is_dir():
            out.extend(_walk(child, (*rel, child.name)))
        else:
            out.append(((*rel, child.name), child))
    return out


def new_plugin(name: str, directory: str | Path = ".") -> Path:
    """Create ``<directory>/gaozhi-plugin-<name>`` from the templates and return it.

    Raises:
        PluginContractError: GZ-PL-011 for a bad name, GZ-PL-012 if the target exists
            and is not empty.
    """
    from gaozhi_sdk import __version__

    names = plugin_names(name)
    target = Path(directory) / names.dist
    if target.exists() and any(target.iterdir()):
        raise PluginContractError(
            "GZ-PL-012",
            f"目标目录已存在且不为空: {target}",
            message_en=f"target directory exists and is not empty: {target}",
        )
    root = files(_TEMPLATE_PACKAGE).joinpath(_TEMPLATE_DIR)
    with as_file(root):
        for rel, node in _walk(root):
            parts = [_render(p, names, __version__) for p in rel]
            if parts[-1].endswith(".tmpl"):
                parts[-1] = parts[-1][: -len(".tmpl")]
                content = _render(node.read_text(encoding="utf-8"), names, __version__)
                out = target.joinpath(*parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(content, encoding="utf-8")
            else:
                out = target.joinpath(*parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(node.read_bytes())
    return target
