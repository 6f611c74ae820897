"""RulesConfig: defaults, YAML loading, errors pointing at the key (GZ-CF-1xx)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models.enums import Severity
from gaozhi_sdk.rules import RulesConfig, regime_for


def test_defaults_documented_values() -> None:
    cfg = RulesConfig.default()
    assert cfg.eligibility.threshold is Severity.GENERAL
    assert cfg.eligibility.expired_restores_eligibility is False
    assert cfg.severity.serious_benefit_threshold_yuan == "10000"
    assert cfg.planning.window_factor_percent == 50
    assert cfg.planning.max_window_months == 18
    assert cfg.assistance_reply_working_days == 5
    assert cfg.exempt_horizon_months == 12
    assert [r.regime_id for r in cfg.regimes()] == ["CN-2019-527", "CN-2023-TRIAL", "CN-2026"]


def test_config_is_frozen() -> None:
    with pytest.raises(ValidationError):
        RulesConfig.default().assistance_reply_working_days = 3  # type: ignore[misc]


def test_from_yaml_full(tmp_path: Path) -> None:
    cal = tmp_path / "cal.yaml"
    cal.write_text(
        "years:\n  2027:\n    source: 地方\n    verified: false\n"
        "    holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n",
        encoding="utf-8",
    )
    f = tmp_path / "rules.yaml"
    f.write_text(
        "eligibility:\n  threshold: SERIOUS\n  expired_restores_eligibility: true\n"
        "planning:\n  window_factor_percent: 25\n  tighten_statuses: [PUBLICIZED]\n"
        "severity:\n  serious_benefit_threshold_yuan: '5000.00'\n"
        "withdrawal:\n  policies:\n    M-KS-1:\n"
        "      {deadline: '2026-08-01T17:00:00+08:00', forbid_after_payment: true}\n"
        "credit_regimes: [CN-2023-TRIAL, CN-2026]\n"
        "assistance_reply_working_days: 10\n"
        "calendar_files: [cal.yaml]\n",
        encoding="utf-8",
    )
    cfg = RulesConfig.from_yaml(f)
    assert cfg.eligibility.threshold is Severity.SERIOUS
    assert cfg.planning.window_factor_percent == 25
    assert cfg.withdrawal.policies["M-KS-1"].forbid_after_payment
    assert regime_for(date(2024, 1, 1), cfg.regimes()).regime_id == "CN-2023-TRIAL"
    merged = cfg.load_calendar(tmp_path)
    assert 2027 in merged.years and not merged.is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("planning:\n  window_factor_percent: 0\n", "planning.window_factor_percent", 2),
        ("eligibility:\n  treshold: SERIOUS\n", "eligibility.treshold", 2),
        ("severity:\n  base_severity: MINOR\n", "severity", 1),
        ("assistance_reply_working_days: many\n", "assistance_reply_working_days", 1),
        ("credit_regimes: [CN-1999]\n", "credit_regimes", 1),
    ],
)
def test_config_error_points_at_key(tmp_path: Path, text: str, key: str, line: int | None) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        RulesConfig.from_yaml(f)
    assert ei.value.code == "GZ-CF-102"
    assert ei.value.details["key"] == key
    assert ei.value.details["line"] == line
    assert key in ei.value.message


def test_config_yaml_syntax_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("planning: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        RulesConfig.from_yaml(f)
    assert ei.value.code == "GZ-CF-101" and ei.value.details["line"] is not None
    with pytest.raises(ConfigError) as ei:
        RulesConfig.from_yaml(tmp_path / "absent.yaml")
    assert ei.value.code == "GZ-CF-103"


def test_from_mapping_and_empty_file(tmp_path: Path) -> None:
    assert RulesConfig.from_mapping({}) == RulesConfig.default()
    f = tmp_path / "empty.yaml"
    f.write_text("", encoding="utf-8")
    assert RulesConfig.from_yaml(f) == RulesConfig.default()
    with pytest.raises(ConfigError):
        RulesConfig.from_mapping({"unknown": 1})


def test_extra_regime_selectable() -> None:
    extra = {
        "regime_id": "HN-2027",
        "name_zh": "地方规则 (示例)",
        "effective_from": "2027-01-01",
        "source": "示例",
        "policies": {
            s: {"published": s != "MINOR", "min_months": 0 if s == "MINOR" else 6, "max_months": 24}
            for s in ("MINOR", "GENERAL", "SERIOUS")
        },
    }
    cfg = RulesConfig.from_mapping(
        {"extra_regimes": [extra], "credit_regimes": ["CN-2026", "HN-2027"]}
    )
    assert regime_for(date(2027, 6, 1), cfg.regimes()).regime_id == "HN-2027"
    with pytest.raises(ConfigError) as ei:
        RulesConfig.from_mapping({"extra_regimes": [extra, extra]})
    assert ei.value.details["key"].startswith("extra_regimes")
