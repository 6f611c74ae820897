"""Generate docs/configuration.md from :class:`gaozhi_sdk.rules.RulesConfig`.

Run ``python docs/_tools/config_page.py`` after changing a rule setting;
``tests/docs/test_config_page.py`` fails while the committed page differs from what this
prints, or when a setting has no rule listed in :data:`RULES`.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from gaozhi_sdk.rules import RulesConfig

PAGE = Path(__file__).resolve().parents[1] / "configuration.md"

#: The rule (DOMAIN R-numbers) behind every setting, by dotted key. A new setting must be
#: listed here, or the test fails.
RULES: dict[str, str] = {
    "eligibility.threshold": "R-020",
    "eligibility.false_pledge_always_bars": "R-020",
    "eligibility.expired_restores_eligibility": "R-020, R-110",
    "eligibility.require_published_entry": "R-008",
    "eligibility.snapshot_max_age_days": "R-020",
    "planning.tighten_statuses": "R-026, R-040, R-111",
    "planning.tighten_min_severity": "R-026, R-040",
    "planning.window_factor_percent": "R-026, R-041",
    "planning.exempt_tightened_to_check": "R-026, R-042",
    "planning.in_process_when_tightened": "R-026, R-040",
    "planning.online_first": "R-044, R-045",
    "planning.max_window_months": "R-059a",
    "planning.max_online_attempts": "R-044, R-046",
    "severity.base_severity": "R-055, R-110",
    "severity.serious_benefit_threshold_yuan": "R-055, R-110",
    "severity.third_party_harm_serious": "R-055, R-110",
    "severity.referral_serious": "R-055, R-110",
    "withdrawal.policies.<条目编号或事项编码>.name_zh": "R-063",
    "withdrawal.policies.<条目编号或事项编码>.deadline": "R-063",
    "withdrawal.policies.<条目编号或事项编码>.forbid_after_payment": "R-063",
    "extra_regimes": "R-110…R-117",
    "credit_regimes": "R-110…R-117",
    "assistance_reply_working_days": "R-046, R-047",
    "pledge_clock_skew_seconds": "R-001, R-008",
    "exempt_horizon_months": "R-042, R-059a",
    "calendar_files": "R-102",
    "signing_method_minimums": "R-035",
}

_SECTION_TITLES = {
    "eligibility": "适用条件 (信用门槛)",
    "planning": "核查办法",
    "severity": "失信程度",
    "withdrawal": "撤回",
    "": "信用修复、协助核查、免予核查与工作日历",
}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds directly, or as the value type of a dict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is dict:
        value = get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value
    return None


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return " | ".join(_type_name(a) for a in get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in get_args(annotation) if a is not Ellipsis)
        return f"{origin.__name__}[{args}]"
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))


def _default(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, frozenset | set):
        return "{" + ", ".join(sorted(_default(v) for v in value)) + "}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_default(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings(model: type[BaseModel] = RulesConfig, prefix: str = "") -> list[dict[str, str]]:
    """Every leaf setting: dotted key, type, default, description."""
    rows: list[dict[str, str]] = []
    for name, field in model.model_fields.items():
        key = prefix + name
        inner = _model_in(field.annotation)
        if inner is not None and inner.model_fields and name != "extra_regimes":
            sub = key + (".<条目编号或事项编码>." if get_origin(field.annotation) is dict else ".")
            rows.extend(settings(inner, sub))
            continue
        default = field.get_default(call_default_factory=True)
        rows.append(
            {
                "key": key,
                "type": _type_name(field.annotation),
                "default": _default(default) if not field.is_required() else "(必填)",
                "description": (field.description or "").replace("|", "/"),
            }
        )
    return rows


def render() -> str:
    """The whole page."""
    out = [
        "# 配置参考：规则设置 (`RulesConfig`)",
        "",
        "<!-- 本页由 docs/_tools/config_page.py 从 gaozhi_sdk.rules.RulesConfig 生成，",
        "     请勿手工修改；tests/docs/test_config_page.py 检查它与代码一致。 -->",
        "",
        "规则层的全部阈值和期限集中在一个经过校验的对象 "
        "`gaozhi_sdk.rules.RulesConfig` 中：冻结、拒绝未知键。"
        "政策文件把多数数字留给实施机关确定，下表列出每个设置的键、类型、默认值、含义和依据的规则编号"
        "（规则全文见[规则对照表](rules.md)）。",
        "",
        "配置可以来自 YAML 文件 (`RulesConfig.from_yaml`) 或映射 (`RulesConfig.from_mapping`)，"
        "只写要改动的键，其余取默认值；错误为 `GZ-CF-101`（YAML 语法，含行号）、"
        '`GZ-CF-102`（无效值或未知键，`details["key"]` 为点分键路径）、'
        "`GZ-CF-103`（文件不可读）。",
        "",
        "```python",
        "from gaozhi_sdk import PledgeService, RulesConfig",
        "",
        "rules = RulesConfig.from_mapping(",
        "    {",
        '        "eligibility": {"threshold": "SERIOUS"},  # 仅严重失信记录阻止承诺 (R-020)',
        '        "planning": {"window_factor_percent": 30},  # 信用收紧时核查时限缩为 30% (R-026)',
        '        "assistance_reply_working_days": 10,  # 协助核查答复期限 (R-047)',
        "    }",
        ")",
        'assert rules.eligibility.threshold.value == "SERIOUS"',
        "assert rules.severity == RulesConfig.default().severity  # 未写的键取默认值",
        'svc = PledgeService.open("sqlite://", rules=rules)',
        "```",
        "",
    ]
    rows = settings()
    sections: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        head = row["key"].split(".", 1)[0] if "." in row["key"] else ""
        sections.setdefault(head, []).append(row)
    order = [k for k in _SECTION_TITLES if k in sections]
    for head in [*order, *sorted(set(sections) - set(_SECTION_TITLES))]:
        title = _SECTION_TITLES.get(head, head)
        out += [f"## {title}", "", "| 键 | 类型 | 默认值 | 含义 | 规则 |", "|---|---|---|---|---|"]
        for row in sections[head]:
            rule = RULES.get(row["key"], "")
            out.append(
                f"| `{row['key']}` | `{row['type']}` | `{row['default']}` | "
                f"{row['description']} | {rule} |"
            )
        out.append("")
    out += [
        "## 信用修复规则版本",
        "",
        "`extra_regimes` 中每一项是一个 `gaozhi_sdk.rules.CreditRegime`"
        "（生效日期、各失信程度的公示期和修复条件）；内置版本见 "
        "`gaozhi_sdk.rules.BUILTIN_REGIMES`。`credit_regimes` 选定启用的版本编号。",
        "",
    ]
    return "\n".join(out)


def main() -> int:
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
