"""Shared helpers of the rules layer: the frozen config base and YAML loading with positions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "RulesModel",
    "errors_of",
    "loc_path",
    "node_line",
    "pydantic_error_zh",
    "severity_rank",
]


class RulesModel(BaseModel):
    """Base of every rules/config model: frozen, ``extra="forbid"``."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def severity_rank(value: str) -> int:
    """Order of 失信程度: 轻微 < 一般 < 严重 (unknown values rank highest: fail closed)."""
    return {"MINOR": 1, "GENERAL": 2, "SERIOUS": 3}.get(str(value), 99)


def node_line(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """1-based source line of the YAML node at ``loc`` (deepest node found), or None."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if not 0 <= key < len(node.value):
                return line
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


_TYPE_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段 (拼写错误或未定义)",
    "string_type": "应为字符串",
    "string_too_short": "不能为空或过短",
    "string_too_long": "过长",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值 (true/false)",
    "bool_parsing": "应为布尔值 (true/false)",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "date_type": "应为日期 (YYYY-MM-DD)",
    "date_parsing": "应为日期 (YYYY-MM-DD)",
    "date_from_datetime_parsing": "应为日期 (YYYY-MM-DD)",
    "datetime_type": "应为带时区的时间",
    "datetime_parsing": "应为带时区的时间",
    "timezone_aware": "时间须带时区",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "tuple_type": "应为列表",
    "list_type": "应为列表",
    "dict_type": "应为映射 (键值对)",
    "model_type": "应为映射 (键值对)",
    "model_attributes_type": "应为映射 (键值对)",
    "too_short": "元素过少",
    "frozen_set_type": "应为列表",
    "set_type": "应为列表",
}


def pydantic_error_zh(err: Any) -> str:
    """A Chinese message for one pydantic error dict (``ValidationError.errors()`` item)."""
    etype = str(err.get("type", ""))
    msg = str(err.get("msg", ""))
    if etype == "value_error":
        return msg.removeprefix("Value error, ")
    base = _TYPE_ZH.get(etype)
    if base is None:
        return msg
    ctx = err.get("ctx") or {}
    if etype == "enum" and "expected" in ctx:
        return f"{base}, 允许的取值: {ctx['expected']}"
    if etype in ("greater_than_equal", "less_than_equal") and ctx:
        bound = ctx.get("ge", ctx.get("le"))
        return f"{base} (界限 {bound})"
    return base


def loc_path(loc: Sequence[int | str]) -> str:
    """Dotted path with list indices in brackets: ``entries[2].verification.method``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def errors_of(exc: ValidationError) -> list[dict[str, Any]]:
    """``exc.errors()`` without the (possibly personal) input values."""
    return [dict(e) for e in exc.errors(include_input=False, include_url=False)]
