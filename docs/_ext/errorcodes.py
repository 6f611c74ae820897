"""错误码目录, generated from the single catalogue :data:`gaozhi_sdk.error_codes.CATALOGUE`.

Each row shows a code's rules and its Chinese and English titles from the catalogue; the
exception class and the modules that use it come from scanning the source (``src/`` and
every ``plugins/*/src``) for ``"GZ-<AREA>-<NNN>"`` string literals.

The scanning half is plain Python (no Sphinx import at module level). For each literal it
records the module and, when the literal is the first argument of a call (``raise
SomeError("GZ-XX-001", "中文信息", ...)``), the called class and the Chinese message, with
f-string placeholders kept as ``{name}``. Warning codes (``GZ-ID-W01 …`` at the start of a
string) are collected separately. Code areas come from the table in the
``gaozhi_sdk.errors`` module docstring. ``tests/test_error_catalogue.py`` checks that the
scan and the catalogue agree, so the page cannot fall out of date.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CODE_RE = re.compile(r"^GZ-([A-Z][A-Z0-9]*)-(\d+)$")
WARNING_RE = re.compile(r"^(GZ-([A-Z]+)-W\d+)\b\s*(.*)$", re.DOTALL)
AREA_LINE_RE = re.compile(r"^``([A-Z][A-Z0-9]*)``\s+(.+?)\s*$")
DOC_LINE_RE = re.compile(r"^\s*(?:``)?(GZ-[A-Z]+-\d+)(?:``)?\s{2,}(\S.*?)\s*$")


@dataclass
class ErrorCode:
    """One error (or warning) code and everywhere it is raised."""

    code: str
    area: str
    modules: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)
    described: list[str] = field(default_factory=list)


def _module_name(path: Path, src_root: Path) -> str:
    rel = path.relative_to(src_root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _render(node: ast.expr) -> str | None:
    """A message argument as text: a constant, or an f-string with ``{…}`` placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                out.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                out.append("{" + ast.unparse(value.value) + "}")
        return "".join(out)
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _string_parts(node: ast.AST) -> Iterator[tuple[ast.Constant, ast.AST | None]]:
    """Every string constant in the tree with its parent node."""
    for parent in ast.walk(node):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                yield child, parent


def scan_error_codes(src_root: Path) -> tuple[dict[str, ErrorCode], dict[str, ErrorCode]]:
    """(error codes, warning codes) found under ``src_root`` (the folder holding packages)."""
    errors: dict[str, ErrorCode] = {}
    warnings: dict[str, ErrorCode] = {}
    for path in sorted(src_root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        module = _module_name(path, src_root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for const, parent in _string_parts(tree):
            value: str = const.value
            m = CODE_RE.match(value)
            if m:
                entry = errors.setdefault(value, ErrorCode(value, m.group(1)))
                entry.modules.add(module)
                if isinstance(parent, ast.Call) and parent.args and parent.args[0] is const:
                    callee = _callee(parent)
                    if callee[:1].isupper():  # an exception class, not a helper function
                        entry.classes.add(callee)
                    if len(parent.args) > 1:
                        message = _render(parent.args[1])
                        if message and message not in entry.messages:
                            entry.messages.append(message)
                continue
            w = WARNING_RE.match(value)
            if w:
                text = w.group(3)
                if isinstance(parent, ast.JoinedStr):
                    text = (_render(parent) or value).split(" ", 1)[-1]
                entry = warnings.setdefault(w.group(1), ErrorCode(w.group(1), w.group(2)))
                entry.modules.add(module)
                if text and text not in entry.messages:
                    entry.messages.append(text)
        for line in (ast.get_docstring(tree) or "").splitlines():
            d = DOC_LINE_RE.match(line)
            if d and d.group(1) in errors and d.group(2) not in errors[d.group(1)].described:
                errors[d.group(1)].described.append(d.group(2))
    return errors, warnings


#: The catalogue itself: its rows name every code but use none.
CATALOGUE_MODULE = "gaozhi_sdk.error_codes"


def source_roots(repo: Path) -> list[Path]:
    """The folders holding packages: ``src/`` and each in-tree plugin's ``src/``."""
    return [repo / "src", *sorted(p for p in (repo / "plugins").glob("*/src") if p.is_dir())]


def scan_all(repo: Path) -> tuple[dict[str, ErrorCode], dict[str, ErrorCode]]:
    """:func:`scan_error_codes` over every source root of the repository, merged."""
    errors: dict[str, ErrorCode] = {}
    warnings: dict[str, ErrorCode] = {}
    for root in source_roots(repo):
        for found, into in zip(scan_error_codes(root), (errors, warnings), strict=True):
            for code, entry in found.items():
                entry.modules.discard(CATALOGUE_MODULE)  # listing a code is not using it
                if not entry.modules:
                    continue
                have = into.setdefault(code, ErrorCode(code, entry.area))
                have.modules |= entry.modules
                have.classes |= entry.classes
                have.messages += [m for m in entry.messages if m not in have.messages]
                have.described += [d for d in entry.described if d not in have.described]
    return errors, warnings


def catalogue_rows(repo: Path) -> list[tuple[str, str, str, str, str, list[str], list[str]]]:
    """One row per catalogued code: (area, code, rules, title_zh, title_en, classes, modules)."""
    from gaozhi_sdk.error_codes import CATALOGUE

    scanned, _ = scan_all(repo)
    rows = []
    for code, entry in CATALOGUE.items():
        found = scanned.get(code)
        rows.append(
            (
                entry.area,
                code,
                ", ".join(entry.rules),
                entry.title_zh,
                entry.title_en,
                sorted(found.classes) if found else [],
                sorted(found.modules) if found else [],
            )
        )
    return rows


def declared_areas(errors_module: Path) -> dict[str, str]:
    """Code areas (``{"ID": "identifiers (…)", …}``) from the ``gaozhi_sdk.errors`` docstring."""
    tree = ast.parse(errors_module.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    areas: dict[str, str] = {}
    for line in doc.splitlines():
        m = AREA_LINE_RE.match(line.strip())
        if m:
            areas[m.group(1)] = m.group(2)
    return areas


# --------------------------------------------------------------------------- Sphinx part


def _directive_class() -> type:
    from docutils import nodes
    from gz_docutils import literal_lines, make_table
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    def _msg_cell(messages: list[str], described: Sequence[str] = ()) -> list[nodes.Node]:
        lines = [*messages, *described]
        return [nodes.paragraph(m, m) for m in lines] or [nodes.paragraph("", "—")]

    class ErrorCodesDirective(SphinxDirective):
        """``gaozhi-error-codes``: one table per code area, then the warning codes."""

        has_content = False

        def run(self) -> list[nodes.Node]:
            repo = Path(self.env.srcdir).parent
            errors_py = repo / "src" / "gaozhi_sdk" / "errors.py"
            catalogue_py = repo / "src" / "gaozhi_sdk" / "error_codes.py"
            self.env.note_dependency(str(errors_py))
            self.env.note_dependency(str(catalogue_py))
            areas = declared_areas(errors_py)
            rows = catalogue_rows(repo)
            _, warnings = scan_all(repo)
            english = str(self.env.config.language or "").startswith("en")
            out: list[nodes.Node] = []
            undeclared = sorted({r[0] for r in rows} - set(areas))
            for area in undeclared:
                logger.warning(
                    "错误码区域 %s 未在 gaozhi_sdk.errors 的文档字符串中声明",
                    area,
                    location=self.get_location(),
                )
            for area, title in [*areas.items(), *((a, "(未声明)") for a in undeclared)]:
                codes = [r for r in rows if r[0] == area]
                if not codes:
                    continue
                heading = f"{area} — {title}"
                out.append(nodes.rubric(heading, heading))
                out.append(
                    make_table(
                        ["错误码", "规则", "含义 (中文 / English)", "异常类", "模块"],
                        [
                            [
                                [nodes.literal(code, code)],
                                rules or "—",
                                _msg_cell([en, zh] if english else [zh, en]),
                                literal_lines(classes) if classes else "—",
                                literal_lines(modules) if modules else "—",
                            ]
                            for _, code, rules, zh, en, classes, modules in codes
                        ],
                        [12, 10, 38, 16, 24],
                        classes=["gaozhi-error-codes"],
                    )
                )
            if warnings:
                title = "警告码 (不抛出异常, 随结果返回)"
                out.append(nodes.rubric(title, title))
                out.append(
                    make_table(
                        ["警告码", "中文信息", "模块"],
                        [
                            [
                                [nodes.literal(w.code, w.code)],
                                _msg_cell(w.messages),
                                literal_lines(sorted(w.modules)),
                            ]
                            for w in sorted(warnings.values(), key=lambda w: w.code)
                        ],
                        [14, 60, 26],
                        classes=["gaozhi-error-codes"],
                    )
                )
            if not out:
                out.append(nodes.paragraph("", "源代码中尚无错误码。"))
            return out

    return ErrorCodesDirective


def setup(app: Any) -> dict[str, Any]:
    """Register the ``gaozhi-error-codes`` directive."""
    app.add_directive("gaozhi-error-codes", _directive_class())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
