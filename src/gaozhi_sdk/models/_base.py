"""Base class for all domain models.

Models are frozen, reject unknown fields and are JCS-safe (DESIGN §4): no floats,
integers within ±2^53, timezone-aware datetimes, amounts as decimal strings. Fields that
hold personal identifiers are marked ``pii`` and are masked in ``repr()``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: 中国标准时间 (Asia/Shanghai has had no DST since 1991; a fixed offset keeps the SDK
#: independent of the tz database).
CST = timezone(timedelta(hours=8), "CST")

PII_MARK = "x-gaozhi-pii"

#: Largest integer JCS represents exactly (DESIGN §4). Every int field of a model is
#: bounded by it (``le=MAX_SAFE_INT``); ``tests/test_models.py`` checks all of them.
MAX_SAFE_INT = 2**53 - 1
_MAX_SAFE_INT = MAX_SAFE_INT


def pii(kind: Literal["identifier", "name", "contact", "address", "free_text"]) -> dict[str, Any]:
    """``json_schema_extra`` marking a field as personal information of the given kind."""
    return {PII_MARK: kind}


def now_cst() -> datetime:
    """The current time in 中国标准时间, second precision."""
    return datetime.now(CST).replace(microsecond=0)


class GaozhiModel(BaseModel):
    """Base model: frozen, ``extra="forbid"``, whitespace stripped, JCS-safe."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        validate_default=True,
        ser_json_inf_nan="strings",
        populate_by_name=True,
        # Validation errors must not echo the input (full IDs, names, phones — PIPL).
        hide_input_in_errors=True,
    )

    @classmethod
    def pii_fields(cls) -> dict[str, str]:
        """Names of the fields that carry personal information, with their kind."""
        out: dict[str, str] = {}
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and PII_MARK in extra:
                out[name] = str(extra[PII_MARK])
        return out

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        marked = self.pii_fields()
        for name, value in super().__repr_args__():
            if name in marked and isinstance(value, str):
                yield name, _mask_for_repr(value, marked[name])
            else:
                yield name, value


def _mask_for_repr(value: str, kind: str) -> str:
    from gaozhi_sdk.ids import mask_identifier, mask_text

    if kind == "identifier":
        return mask_identifier(value)
    return mask_text(value, kind)


def check_safe_int(value: int) -> int:
    """Reject integers outside the JCS-safe range ±(2^53 − 1)."""
    if not -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
        raise ValueError("整数超出 JCS 安全范围 ±(2^53−1)")
    return value


_DECIMAL_RE = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")


def check_decimal_string(value: str) -> str:
    """Amounts travel as decimal strings (no floats in signed documents)."""
    if not _DECIMAL_RE.match(value):
        raise ValueError('金额须为十进制字符串, 如 "12.50"')
    return value


NonEmptyStr = Field(min_length=1)
