"""规则对照表: rule number → code that cites it → tests that prove it.

The scanning half is plain Python (``tests/test_rule_table.py`` imports it without
Sphinx); :func:`setup` registers the ``gaozhi-rule-table`` directive for the docs.

What counts as a citation:

- in ``src/**/*.py``: any ``R-NNN`` (or ``R-059a``) in the text, comments and docstrings
  included; a range ``R-050…R-054`` (also ``...``, ``–``, ``—``, ``~``, ``至``) cites every
  known rule in it when both ends are in the same group of ``rules.yaml`` (a range across
  groups, such as ``R-004…R-093``, is a summary and cites only its ends);
- also in ``plugins/*/src/**/*.py`` (plugin distributions are part of the product);
- in ``tests/**/test_*.py``: a test function or method whose name starts with the rule
  numbers (``test_r020_…``, ``test_r050_r051_…``), or whose docstring (or its test class's
  docstring) cites them as above.

Rule titles and groups come from ``docs/_data/rules.yaml``, where a rule that is not for
the software (governance, definitions, deadlines for departments) is marked
``not_software`` with a one-line reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RULE_RE = re.compile(r"(?<![A-Za-z0-9])R-(\d{3}[a-z]?)(?![A-Za-z0-9])")
RANGE_RE = re.compile(
    r"(?<![A-Za-z0-9])R-(\d{3}[a-z]?)\s*(?:…|\.\.\.|–|—|~|至)\s*R-(\d{3}[a-z]?)(?![A-Za-z0-9])"
)
TEST_NAME_RE = re.compile(r"^test_((?:r\d{3}[a-z]?(?:_|$))+)")
_NAME_RULE_RE = re.compile(r"r(\d{3}[a-z]?)")

DEFAULT_RULES_FILE = Path(__file__).resolve().parent.parent / "_data" / "rules.yaml"


@dataclass(frozen=True)
class Rule:
    """One rule of the checklist (DOMAIN §4); ``not_software`` is the one-line reason
    why a rule is not for the software to enforce (governance, definitions …), if so."""

    rule_id: str
    title: str
    group: str
    not_software: str = ""


@dataclass(frozen=True)
class CodeRef:
    """A citation of a rule in the source tree."""

    path: str
    line: int


@dataclass(frozen=True)
class TestRef:
    """A test that proves a rule; ``how`` is ``"name"`` or ``"docstring"``."""

    nodeid: str
    how: str


@dataclass
class RuleRow:
    """One row of the rule table."""

    rule_id: str
    title: str
    group: str
    known: bool
    code: list[CodeRef] = field(default_factory=list)
    tests: list[TestRef] = field(default_factory=list)
    not_software: str = ""

    @property
    def status(self) -> str:
        """``tested`` | ``untested`` (code, no test) | ``not-software`` (marked in
        rules.yaml, no code) | ``test-only`` | ``none``."""
        if self.code and self.tests:
            return "tested"
        if self.code:
            return "untested"
        if self.not_software:
            return "not-software"
        if self.tests:
            return "test-only"
        return "none"


def rule_key(rule_id: str) -> tuple[int, str]:
    """Sort key: ``"059a"`` → ``(59, "a")``; accepts ``"R-059a"`` too."""
    digits = rule_id.removeprefix("R-")
    return int(digits[:3]), digits[3:]


def load_rules(path: Path = DEFAULT_RULES_FILE) -> dict[str, Rule]:
    """Rules by id (``"R-001"``), in file order.

    A rule is either ``R-001: title`` or a mapping ``{title: …, not_software: reason}``.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules: dict[str, Rule] = {}
    for group in data["groups"]:
        for rule_id, value in group["rules"].items():
            if rule_id in rules:
                raise ValueError(f"{path}: duplicate rule {rule_id}")
            if isinstance(value, dict):
                unknown = set(value) - {"title", "not_software"}
                if unknown or "title" not in value:
                    raise ValueError(f"{path}: {rule_id} needs a title (and only not_software)")
                title, reason = str(value["title"]), str(value.get("not_software") or "")
            else:
                title, reason = str(value), ""
            rules[rule_id] = Rule(rule_id, title, str(group["title"]), reason.strip())
    return rules


def cited_rules(text: str, known: Iterable[str] | Mapping[str, Rule] = ()) -> set[str]:
    """Rule ids cited in ``text``.

    A range (``R-050…R-054``) expands to the known rules it covers when both ends lie in
    the same group of the checklist; a range across groups (``R-004…R-093``) is a summary
    and cites only its two ends. With plain ids (no groups) every range expands.
    """
    found = {f"R-{m}" for m in RULE_RE.findall(text)}
    groups = {k: v.group for k, v in known.items()} if isinstance(known, Mapping) else None
    known_ids = list(known)
    for start, end in RANGE_RE.findall(text):
        first, last = f"R-{start}", f"R-{end}"
        if groups is not None and (
            first not in groups or last not in groups or groups[first] != groups[last]
        ):
            continue
        lo, hi = rule_key(start), rule_key(end)
        found.update(k for k in known_ids if lo <= rule_key(k) <= hi)
    return found


def _python_files(root: Path, pattern: str) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob(pattern)):
        if "__pycache__" not in path.parts and path.is_file():
            yield path


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def scan_code(
    root: Path, base: Path, known: Iterable[str] | Mapping[str, Rule] = ()
) -> dict[str, list[CodeRef]]:
    """Every rule citation in the ``*.py`` files under ``root`` (paths relative to ``base``)."""
    known_ids = known if isinstance(known, Mapping) else list(known)
    out: dict[str, list[CodeRef]] = {}
    for path in _python_files(root, "*.py"):
        rel = _rel(path, base)
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for rule_id in sorted(cited_rules(line, known_ids), key=rule_key):
                out.setdefault(rule_id, []).append(CodeRef(rel, lineno))
    return out


def rules_in_test_name(name: str) -> set[str]:
    """``test_r050_r051_false_pledge`` → ``{"R-050", "R-051"}``."""
    match = TEST_NAME_RE.match(name)
    if not match:
        return set()
    return {f"R-{m}" for m in _NAME_RULE_RE.findall(match.group(1))}


_Func = ast.FunctionDef | ast.AsyncFunctionDef


def _tests_in_module(tree: ast.Module) -> Iterator[tuple[str, _Func, str]]:
    """(qualified name, function node, inherited docstring) of each test in a module."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node.name, node, ""
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            class_doc = ast.get_docstring(node) or ""
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name.startswith("test")
                ):
                    yield f"{node.name}::{item.name}", item, class_doc


def scan_tests(
    root: Path, base: Path, known: Iterable[str] | Mapping[str, Rule] = ()
) -> dict[str, list[TestRef]]:
    """Tests under ``root`` that prove rules, by name or by docstring citation."""
    known_ids = known if isinstance(known, Mapping) else list(known)
    out: dict[str, list[TestRef]] = {}
    for pattern in ("test_*.py", "*_test.py"):
        for path in _python_files(root, pattern):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            rel = _rel(path, base)
            for qualname, node, class_doc in _tests_in_module(tree):
                nodeid = f"{rel}::{qualname}"
                short = qualname.rsplit("::", 1)[-1]
                by_name = rules_in_test_name(short)
                doc = ast.get_docstring(node) or ""
                by_doc = cited_rules(f"{class_doc}\n{doc}", known_ids) - by_name
                for rule_id in by_name:
                    out.setdefault(rule_id, []).append(TestRef(nodeid, "name"))
                for rule_id in by_doc:
                    out.setdefault(rule_id, []).append(TestRef(nodeid, "docstring"))
    return out


def build_rows(
    repo_root: Path,
    *,
    rules_file: Path = DEFAULT_RULES_FILE,
    code_dirs: Iterable[str] = ("src", "plugins/*/src"),
    test_dirs: Iterable[str] = ("tests", "plugins"),
) -> list[RuleRow]:
    """One row per known rule, then one per unknown rule number that is cited anywhere."""
    rules = load_rules(rules_file)
    code: dict[str, list[CodeRef]] = {}
    for pattern in code_dirs:
        for d in sorted(repo_root.glob(pattern)):
            for rule_id, refs in scan_code(d, repo_root, rules).items():
                code.setdefault(rule_id, []).extend(refs)
    tests: dict[str, list[TestRef]] = {}
    for d in test_dirs:
        for rule_id, trefs in scan_tests(repo_root / d, repo_root, rules).items():
            tests.setdefault(rule_id, []).extend(trefs)
    rows = [
        RuleRow(
            r.rule_id,
            r.title,
            r.group,
            True,
            code.get(r.rule_id, []),
            tests.get(r.rule_id, []),
            r.not_software,
        )
        for r in rules.values()
    ]
    unknown = sorted((set(code) | set(tests)) - set(rules), key=rule_key)
    rows.extend(
        RuleRow(u, "(规则清单中没有这个编号)", "未知编号", False, code.get(u, []), tests.get(u, []))
        for u in unknown
    )
    return rows


def untested_rules(rows: Iterable[RuleRow]) -> list[str]:
    """Rules cited in code that no test proves."""
    return [row.rule_id for row in rows if row.status == "untested"]


def open_rules(rows: Iterable[RuleRow]) -> list[str]:
    """Known rules neither implemented (cited in code *and* proved by a test named after
    them) nor marked ``not_software`` in rules.yaml — the table's to-do list."""
    return [
        row.rule_id
        for row in rows
        if row.known
        and not row.not_software
        and not (row.code and any(t.how == "name" for t in row.tests))
    ]


def compact_code_refs(refs: Iterable[CodeRef]) -> list[str]:
    """``["src/a.py:3,17", "src/b.py:8"]``: one entry per file, line numbers joined."""
    by_file: dict[str, list[int]] = {}
    for ref in refs:
        by_file.setdefault(ref.path, []).append(ref.line)
    return [f"{p}:{','.join(str(n) for n in sorted(set(ls)))}" for p, ls in by_file.items()]


# --------------------------------------------------------------------------- Sphinx part

STATUS_LABELS = {
    "tested": "✅ 已测试",
    "untested": "⚠️ 有代码无测试",
    "not-software": "非软件规则",
    "test-only": "仅有测试",
    "none": "—",
}


def _directive_class() -> type:
    from docutils import nodes
    from gz_docutils import literal_lines, make_table
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    class RuleTableDirective(SphinxDirective):
        """``gaozhi-rule-table``: the generated rule → code → test table."""

        has_content = False

        def run(self) -> list[nodes.Node]:
            root = Path(self.env.srcdir).parent
            rows = build_rows(root)
            self.env.note_dependency(str(DEFAULT_RULES_FILE))
            cited = [r for r in rows if r.code]
            tested = [r for r in cited if r.tests]
            missing = untested_rules(rows)
            summary = nodes.paragraph()
            marked = [r for r in rows if r.not_software]
            summary += nodes.Text(
                f"规则共 {sum(r.known for r in rows)} 条；代码引用 {len(cited)} 条，"
                f"其中有测试 {len(tested)} 条；{len(marked)} 条不是软件规则 (理由见标题栏)。"
            )
            if missing:
                summary += nodes.Text("有代码无测试: " + "、".join(missing) + "。")
            out: list[nodes.Node] = [summary]
            for r in rows:
                if not r.known:
                    where = ", ".join(compact_code_refs(r.code) + [t.nodeid for t in r.tests])
                    logger.warning(
                        "规则编号 %s 不在 docs/_data/rules.yaml 中 (引用于 %s)",
                        r.rule_id,
                        where,
                        location=self.get_location(),
                    )
            group = None
            table_rows: list[list[Any]] = []
            for r in [*rows, None]:
                if r is None or r.group != group:
                    if table_rows:
                        out.append(nodes.rubric(group, group))
                        out.append(
                            make_table(
                                ["规则", "标题", "代码位置", "测试", "状态"],
                                table_rows,
                                [8, 30, 28, 28, 10],
                                classes=["gaozhi-rule-table"],
                            )
                        )
                    if r is None:
                        break
                    group, table_rows = r.group, []
                title = f"{r.title}（非软件规则：{r.not_software}）" if r.not_software else r.title
                table_rows.append(
                    [
                        r.rule_id,
                        title,
                        literal_lines(compact_code_refs(r.code)) if r.code else "",
                        literal_lines([t.nodeid for t in r.tests]) if r.tests else "",
                        STATUS_LABELS[r.status],
                    ]
                )
            return out

    return RuleTableDirective


def setup(app: Any) -> dict[str, Any]:
    """Register the ``gaozhi-rule-table`` directive."""
    app.add_directive("gaozhi-rule-table", _directive_class())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
