"""The error catalogue (``gaozhi_sdk.error_codes``) is the single source of every code.

Proves: every ``GZ-…`` code literal in ``src/`` and ``plugins/*/src`` is catalogued and
every catalogued code is still used (so ``docs/errors.md``, generated from the catalogue,
is never stale); every row has rules that exist and both titles; a raised error carries
``rules``, ``details`` and an English message as fields.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from gaozhi_sdk.error_codes import CATALOGUE, lookup
from gaozhi_sdk.errors import GaozhiError, RuleViolationError, StoreError

ROOT = Path(__file__).resolve().parent.parent
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _errorcodes() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "errorcodes.py"
    spec = importlib.util.spec_from_file_location("_docs_ext_errorcodes_cat", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _known_rules() -> set[str]:
    data = yaml.safe_load((ROOT / "docs" / "_data" / "rules.yaml").read_text(encoding="utf-8"))
    return {rid for group in data["groups"] for rid in group["rules"]}


def test_every_code_in_the_source_is_catalogued_and_every_entry_is_used() -> None:
    scanned, _ = _errorcodes().scan_all(ROOT)
    assert len(scanned) > 150, "the scanner must find the SDK's codes"
    missing = sorted(set(scanned) - set(CATALOGUE))
    assert missing == [], f"codes used in the source but missing from error_codes.py: {missing}"
    errorcodes = _errorcodes()
    used: set[str] = set()
    for root in errorcodes.source_roots(ROOT):
        for path in root.rglob("*.py"):
            if path.name == "error_codes.py" and path.parent.name == "gaozhi_sdk":
                continue  # the catalogue lists every code but uses none
            used |= set(re.findall(r"GZ-[A-Z][A-Z0-9]*-\d+", path.read_text(encoding="utf-8")))
    unused = sorted(set(CATALOGUE) - used)
    assert unused == [], f"catalogued codes no longer used anywhere: {unused}"


def test_catalogue_rows_have_known_rules_and_both_titles() -> None:
    known = _known_rules()
    areas = _errorcodes().declared_areas(ROOT / "src" / "gaozhi_sdk" / "errors.py")
    for code, entry in CATALOGUE.items():
        assert entry.code == code
        assert entry.area in areas, f"{code}: area not declared in gaozhi_sdk.errors"
        assert set(entry.rules) <= known, f"{code}: unknown rule {entry.rules}"
        assert list(entry.rules) == sorted(set(entry.rules)), f"{code}: rules unsorted"
        assert _CJK.search(entry.title_zh), f"{code}: Chinese title missing"
        assert entry.title_en.isascii() and entry.title_en.strip(), f"{code}: English title"
        for title in (entry.title_zh, entry.title_en):
            assert "{" not in title and "…" not in title and "TODO" not in title, code


def test_the_error_page_is_generated_from_the_catalogue() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert "```{gaozhi-error-codes}" in page
    rows = _errorcodes().catalogue_rows(ROOT)
    assert [r[1] for r in rows] == list(CATALOGUE)
    for _area, code, rules, zh, en, _classes, modules in rows:
        entry = CATALOGUE[code]
        assert (rules, zh, en) == (", ".join(entry.rules), entry.title_zh, entry.title_en)
        assert "gaozhi_sdk.error_codes" not in modules


def test_errors_take_rules_and_english_from_the_catalogue() -> None:
    exc = RuleViolationError("GZ-RL-240", "抽取比例须在 1% 至 100% 之间", details={"rate": 0})
    assert exc.rules == ("R-043",)
    assert exc.message_en == "the draw rate must be between 1 % and 100 % (rate=0)"
    assert exc.details == {"rate": 0}
    assert exc.to_dict()["rules"] == ["R-043"]
    assert (exc.title_zh, exc.title_en) == (
        CATALOGUE["GZ-RL-240"].title_zh,
        CATALOGUE["GZ-RL-240"].title_en,
    )
    explicit = RuleViolationError("GZ-RL-217", "x", message_en="y", rules=["R-064"])
    assert explicit.rules == ("R-064",) and explicit.message_en == "y"
    plain = StoreError("GZ-ST-005", "存储已关闭")
    assert plain.rules == () and plain.message_en == "the store is closed"
    assert lookup("GZ-XX-999") is None
    uncatalogued = GaozhiError("GZ-XX-999", "测试")
    assert uncatalogued.rules == () and uncatalogued.message_en is None


@pytest.mark.parametrize("code", ["GZ-RL-217", "GZ-LS-029", "GZ-RL-013"])
def test_rule_codes_cite_their_rules(code: str) -> None:
    assert CATALOGUE[code].rules, f"{code} enforces a rule and must say which"


def test_no_code_is_listed_twice_in_the_catalogue_source() -> None:
    """A repeated key in the dict literal would silently replace the first row."""
    import ast

    tree = ast.parse((ROOT / "src" / "gaozhi_sdk" / "error_codes.py").read_text(encoding="utf-8"))
    rows = next(n for n in ast.walk(tree) if isinstance(n, ast.Dict))
    keys = [k.value for k in rows.keys if isinstance(k, ast.Constant)]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
