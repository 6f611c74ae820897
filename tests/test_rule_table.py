"""The rule table (docs/rules.md): every rule cited in src/ is proved by a test.

Uses the scanner of ``docs/_ext/ruletable.py`` (plain Python, no Sphinx) so the table in
the docs and this check cannot disagree.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES_FILE = ROOT / "docs" / "_data" / "rules.yaml"


def _ruletable() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "ruletable.py"
    spec = importlib.util.spec_from_file_location("_docs_ext_ruletable", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


rt = _ruletable()


def test_rules_file_lists_each_rule_once_in_order() -> None:
    rules = rt.load_rules(RULES_FILE)
    raw_ids = re.findall(r"^\s+(R-\d{3}[a-z]?):", RULES_FILE.read_text(encoding="utf-8"), re.M)
    assert len(raw_ids) == len(set(raw_ids)) == len(rules), "a rule number is listed twice"
    assert raw_ids == sorted(raw_ids, key=rt.rule_key)
    assert raw_ids[0] == "R-001" and raw_ids[-1] == "R-118"
    assert all(r.title.strip() and r.group.strip() for r in rules.values())


def test_no_unknown_rule_number_is_cited() -> None:
    unknown = {
        row.rule_id: rt.compact_code_refs(row.code) + [t.nodeid for t in row.tests]
        for row in rt.build_rows(ROOT)
        if not row.known
    }
    assert unknown == {}, f"rule numbers missing from {RULES_FILE.relative_to(ROOT)}"


def test_every_rule_cited_in_src_has_a_test() -> None:
    rows = rt.build_rows(ROOT)
    missing = {
        row.rule_id: rt.compact_code_refs(row.code) for row in rows if row.status == "untested"
    }
    assert missing == {}, (
        f"{len(missing)} rules are cited in src/ but no test is named after them "
        f"(test_rNNN_…) or cites them in its docstring: {', '.join(missing)}"
    )


def test_every_rule_is_implemented_and_tested_or_marked_not_software() -> None:
    """Issue 15 done-when: each rule of rules.yaml is cited by the code (core or a plugin)
    with a test named after it, or marked ``not_software`` with a one-line reason — and a
    rule marked so is not cited by the code (that would contradict the mark)."""
    rows = rt.build_rows(ROOT)
    assert rt.open_rules(rows) == [], "implement and test these rules, or mark them not_software"
    marked = [r for r in rows if r.not_software]
    assert 0 < len(marked) < len(rows) // 4
    contradicted = {r.rule_id: rt.compact_code_refs(r.code) for r in marked if r.code}
    assert contradicted == {}, "rules marked not_software but cited in the code"
    for r in marked:
        assert "\n" not in r.not_software and 10 <= len(r.not_software) <= 120, r.rule_id


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_scanner_reads_citations_ranges_names_and_docstrings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    _write(
        rules,
        "groups:\n"
        "  - title: 甲\n    rules:\n"
        "      R-001: 一\n      R-002: 二\n      R-003: 三\n      R-004: 四\n"
        "  - title: 乙\n    rules:\n"
        "      R-010: 十\n      R-011: 十一\n      R-011a: 十一甲\n      R-012: 十二\n",
    )
    _write(
        tmp_path / "src" / "pkg" / "a.py",
        '"""Module (R-001…R-003)."""\n'  # same group: expands to 001, 002, 003
        "X = 1  # R-010...R-012 expands too, R-011a included\n"
        "# summary across groups R-004–R-012 cites only its ends\n"
        "# typo R-999; not a rule: XR-0011, R-0123\n",
    )
    _write(
        tmp_path / "tests" / "test_a.py",
        "def test_r001_r002_by_name():\n    pass\n\n"
        'def test_other():\n    """Proves R-010."""\n\n'
        "def helper_r003():\n    pass\n\n"
        'class TestGroup:\n    """R-011a for every method."""\n\n'
        "    def test_r012_method(self):\n        pass\n",
    )
    rows = {r.rule_id: r for r in rt.build_rows(tmp_path, rules_file=rules)}

    cited = {k for k, r in rows.items() if r.code}
    assert cited == {
        "R-001",
        "R-002",
        "R-003",
        "R-004",
        "R-010",
        "R-011",
        "R-011a",
        "R-012",
        "R-999",
    }
    assert rows["R-004"].code == [rt.CodeRef("src/pkg/a.py", 3)]
    assert rows["R-012"].code == [rt.CodeRef("src/pkg/a.py", 2), rt.CodeRef("src/pkg/a.py", 3)]

    assert rows["R-001"].tests == [rt.TestRef("tests/test_a.py::test_r001_r002_by_name", "name")]
    assert rows["R-010"].tests == [rt.TestRef("tests/test_a.py::test_other", "docstring")]
    assert {t.nodeid for t in rows["R-011a"].tests} == {
        "tests/test_a.py::TestGroup::test_r012_method"
    }
    assert rows["R-012"].tests == [
        rt.TestRef("tests/test_a.py::TestGroup::test_r012_method", "name")
    ]

    assert not rows["R-999"].known
    assert rows["R-003"].status == "untested"  # helper_r003 is not a test
    assert rows["R-001"].status == "tested"
    assert rt.untested_rules(rows.values()) == ["R-003", "R-004", "R-011", "R-999"]


def test_scanner_reads_not_software_marks_and_plugin_sources(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    _write(
        rules,
        "groups:\n"
        "  - title: 甲\n    rules:\n"
        "      R-001: 一\n"
        "      R-002:\n        title: 二\n        not_software: 治理安排, 由机关内部落实\n"
        "      R-003: 三\n      R-004: 四\n",
    )
    _write(tmp_path / "plugins" / "p" / "src" / "p" / "x.py", "# R-003\n")
    _write(tmp_path / "plugins" / "p" / "tests" / "test_p.py", "def test_r003_x():\n    pass\n")
    _write(tmp_path / "src" / "a.py", "# R-001\n")
    _write(tmp_path / "tests" / "test_a.py", "def test_r001_x():\n    pass\n")
    rows = {r.rule_id: r for r in rt.build_rows(tmp_path, rules_file=rules)}
    assert rows["R-002"].not_software == "治理安排, 由机关内部落实"
    assert rows["R-002"].status == "not-software" and rows["R-002"].title == "二"
    assert rows["R-003"].code == [rt.CodeRef("plugins/p/src/p/x.py", 1)]
    assert rows["R-003"].status == "tested"
    assert rt.open_rules(rows.values()) == ["R-004"]
    _write(rules, "groups:\n  - title: 甲\n    rules:\n      R-001:\n        reason: x\n")
    with pytest.raises(ValueError):
        rt.load_rules(rules)


def test_every_rule_cited_in_src_has_a_test_named_after_it() -> None:
    """Issue 2 done-when: every rule the code implements has a test *named* after it
    (``test_rNNN_…``), not only one that cites it in a docstring."""
    rows = rt.build_rows(ROOT)
    unnamed = sorted(
        row.rule_id for row in rows if row.code and not any(t.how == "name" for t in row.tests)
    )
    assert unnamed == [], f"rules cited in src/ without a test named after them: {unnamed}"
