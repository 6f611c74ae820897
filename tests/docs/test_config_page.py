"""The configuration page is generated from RulesConfig and stays in step (issue 11 item 7).

Fails when docs/configuration.md differs from what docs/_tools/config_page.py renders
from the model (a setting added, removed, renamed or given another default), when a
setting has no rule listed, or when a listed rule number is not in the rule table.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import yaml

from gaozhi_sdk.rules import RulesConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_page", DOCS / "_tools" / "config_page.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_page_matches_the_model() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert page == _tool().render(), "run: python docs/_tools/config_page.py"


def test_every_setting_has_its_rule_and_default_on_the_page() -> None:
    tool = _tool()
    rows = tool.settings()
    keys = {row["key"] for row in rows}
    assert keys == set(tool.RULES), keys ^ set(tool.RULES)
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name in RulesConfig.model_fields:
        assert f"`{name}" in page or f"`{name}." in page, name
    for row in rows:
        assert f"| `{row['key']}` |" in page


def test_rules_behind_settings_exist_in_the_rule_table() -> None:
    table = yaml.safe_load((DOCS / "_data" / "rules.yaml").read_text(encoding="utf-8"))
    known = {rid for group in table["groups"] for rid in group["rules"]}
    for key, rules in _tool().RULES.items():
        for rid in re.findall(r"R-\d{3}[a-z]?", rules):
            assert rid in known, f"{key}: {rid}"


def test_page_is_in_the_toctree() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert re.search(r"^configuration$", index, re.M)
