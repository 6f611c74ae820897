"""信用修复规则版本 — publicity periods and repair eligibility by effective date (R-110…R-117).

Credit rules changed materially in 2019, 2023 and 2026 (DOMAIN §1), so publicity periods
are data, versioned by effective date, never code. A record is governed by the regime in
force on the day it was recorded (:func:`regime_for`), and its
:class:`~gaozhi_sdk.models.PublicityPeriod` is computed once, at recording.

Built-in regimes (tags as in DOMAIN §0):

=================  ===========  =================================================  =========
regime_id          in force     periods (轻微 / 一般 / 严重)                          tag
=================  ===========  =================================================  =========
``CN-2019-527``    2019-07-04   严重 6 个月–3 年 (R-117); 一般 3 个月–1 年;            [EXCERPT]/
                                轻微 not a category then (treated as 不公示)           [INFERRED]
``CN-2023-TRIAL``  2023-05-01   令第58号 (试行). Its period articles were **not**      [INFERRED]
                                read; the R-110 numbers are used: 轻微 不公示 (≤3
                                个月), 一般 3 个月–1 年, 严重 1–3 年
``CN-2026``        2026-04-01   令第36号: 轻微 原则上不公示 (公示则 ≤3 个月);          [EXCERPT]
                                一般 3 个月–1 年; 严重 1–3 年 (R-110)
=================  ===========  =================================================  =========

Repair (R-112, R-113): repair may be applied for only after the minimum publicity period;
cases that law/regulation/central policy declare non-repairable are never repairable —
callers pass ``non_repairable=True`` for such records. Publicity periods are counted in
calendar months from the recording date (they are publication periods, not time limits
for an administrative act, so R-102 working days do not apply) [INFERRED].

Error codes: GZ-CF-120 (unknown regime id), GZ-CF-121 (no regime in force on a date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Self

from pydantic import Field, model_validator

from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models.credit import CreditRecord, PublicityPeriod
from gaozhi_sdk.models.enums import CreditStatus, Severity
from gaozhi_sdk.rules._base import RulesModel
from gaozhi_sdk.rules.calendar import add_months

__all__ = [
    "BUILTIN_REGIMES",
    "CreditRegime",
    "SeverityPolicy",
    "publicity_period",
    "regime_by_id",
    "regime_for",
    "repair_allowed",
]


class SeverityPolicy(RulesModel):
    """Publicity policy of one 失信程度 under one regime.

    Attributes:
        published: whether records of this grade are published (轻微: 原则上不公示).
        min_months: 最短公示期 in months (repair possible after it, R-113); 0 = immediately.
        max_months: 最长公示期 in months (publication stops after it).
        repair_allowed_after_min: whether repair may be applied for after ``min_months``.
        tag: provenance of these numbers (``[EXCERPT]``, ``[INFERRED]`` …).
    """

    published: bool
    min_months: int = Field(ge=0, le=120)
    max_months: int = Field(ge=0, le=120)
    repair_allowed_after_min: bool = True
    tag: str = "[INFERRED]"

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.max_months < self.min_months:
            raise ValueError("最长公示期不能短于最短公示期")
        return self


class CreditRegime(RulesModel):
    """A dated credit-repair regime: grade → publicity policy (R-110, R-117)."""

    regime_id: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    effective_from: date
    source: str = Field(min_length=1)
    policies: dict[Severity, SeverityPolicy]

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = [s.value for s in Severity if s not in self.policies]
        if missing:
            raise ValueError(f"信用修复规则 {self.regime_id} 缺少失信程度: {missing}")
        return self

    def policy(self, severity: Severity) -> SeverityPolicy:
        """The publicity policy for ``severity``."""
        return self.policies[severity]


_MINOR_NOT_PUBLISHED = SeverityPolicy(
    published=False, min_months=0, max_months=3, tag="[EXCERPT] R-110 轻微 原则上不公示"
)

BUILTIN_REGIMES: tuple[CreditRegime, ...] = (
    CreditRegime(
        regime_id="CN-2019-527",
        name_zh="行政处罚信息信用修复机制 (发改办财金〔2019〕527号)",
        effective_from=date(2019, 7, 4),
        source="发改办财金〔2019〕527号 (R-117, [EXCERPT]); 一般/轻微 [INFERRED]",
        policies={
            Severity.MINOR: SeverityPolicy(
                published=False, min_months=0, max_months=3, tag="[INFERRED] 当时无轻微分级"
            ),
            Severity.GENERAL: SeverityPolicy(
                published=True, min_months=3, max_months=12, tag="[EXCERPT] 地方公示时限说明"
            ),
            Severity.SERIOUS: SeverityPolicy(
                published=True, min_months=6, max_months=36, tag="[EXCERPT] R-117"
            ),
        },
    ),
    CreditRegime(
        regime_id="CN-2023-TRIAL",
        name_zh="失信行为纠正后的信用信息修复管理办法(试行) (国家发展改革委令第58号)",
        effective_from=date(2023, 5, 1),
        source="国家发展改革委令第58号; 公示期条文未读到, 采用 R-110 数值 [INFERRED]",
        policies={
            Severity.MINOR: _MINOR_NOT_PUBLISHED.model_copy(update={"tag": "[INFERRED] R-110"}),
            Severity.GENERAL: SeverityPolicy(
                published=True, min_months=3, max_months=12, tag="[INFERRED] R-110"
            ),
            Severity.SERIOUS: SeverityPolicy(
                published=True, min_months=12, max_months=36, tag="[INFERRED] R-110"
            ),
        },
    ),
    CreditRegime(
        regime_id="CN-2026",
        name_zh="信用修复管理办法 (国家发展改革委令第36号)",
        effective_from=date(2026, 4, 1),
        source="国家发展改革委令第36号, 2026-04-01 施行 (R-110, [EXCERPT])",
        policies={
            Severity.MINOR: _MINOR_NOT_PUBLISHED,
            Severity.GENERAL: SeverityPolicy(
                published=True, min_months=3, max_months=12, tag="[EXCERPT] R-110"
            ),
            Severity.SERIOUS: SeverityPolicy(
                published=True, min_months=12, max_months=36, tag="[EXCERPT] R-110"
            ),
        },
    ),
)


def regime_by_id(regime_id: str, regimes: Sequence[CreditRegime] = BUILTIN_REGIMES) -> CreditRegime:
    """The regime with this id.

    Raises:
        ConfigError: GZ-CF-120 if unknown.
    """
    for r in regimes:
        if r.regime_id == regime_id:
            return r
    raise ConfigError(
        "GZ-CF-120",
        f"未知的信用修复规则版本: {regime_id}",
        message_en=f"unknown credit regime {regime_id}",
        details={"regime_id": regime_id, "known": [r.regime_id for r in regimes]},
    )


def regime_for(on: date, regimes: Sequence[CreditRegime] = BUILTIN_REGIMES) -> CreditRegime:
    """The regime in force on ``on``: the latest ``effective_from`` not after ``on``.

    Raises:
        ConfigError: GZ-CF-121 if no regime was in force on that date.
    """
    in_force = [r for r in regimes if r.effective_from <= on]
    if not in_force:
        raise ConfigError(
            "GZ-CF-121",
            f"{on.isoformat()} 没有生效的信用修复规则",
            message_en=f"no credit regime in force on {on.isoformat()}",
        )
    return max(in_force, key=lambda r: r.effective_from)


def publicity_period(
    severity: Severity, recorded_on: date, regime: CreditRegime
) -> PublicityPeriod:
    """公示期 of a record of ``severity`` recorded on ``recorded_on`` under ``regime``.

    For a grade that is not published, ``min_end == max_end == recorded_on`` (repair is
    possible once the obligations are fulfilled, R-110).
    """
    pol = regime.policy(severity)
    if not pol.published:
        return PublicityPeriod(
            regime_id=regime.regime_id,
            start=recorded_on,
            min_end=recorded_on,
            max_end=recorded_on,
            published=False,
        )
    return PublicityPeriod(
        regime_id=regime.regime_id,
        start=recorded_on,
        min_end=add_months(recorded_on, pol.min_months),
        max_end=add_months(recorded_on, pol.max_months),
        published=True,
    )


def repair_allowed(
    record: CreditRecord,
    on: date,
    *,
    non_repairable: bool = False,
    regimes: Sequence[CreditRegime] = BUILTIN_REGIMES,
) -> tuple[bool, str]:
    """May the subject apply for credit repair of ``record`` on ``on``? (R-112, R-113).

    Args:
        record: the credit record.
        on: the application date.
        non_repairable: the case is declared non-repairable by law, regulation or central
            policy (R-112).
        regimes: where ``record.publicity.regime_id`` is looked up.

    Returns:
        ``(allowed, reason)`` with a Chinese reason citing the rule.
    """
    st = record.status
    if non_repairable:
        return False, "法律、法规或党中央、国务院政策文件规定不得修复 (R-112)"
    if st is CreditStatus.REPAIRED:
        return False, "该记录已修复"
    if st in (CreditStatus.CORRECTED, CreditStatus.INVALIDATED):
        return False, "该记录已经异议更正或撤销, 无需修复 (R-116)"
    if st is CreditStatus.REPAIR_PENDING:
        return False, "已有修复申请正在办理"
    if st is CreditStatus.UNDER_OBJECTION:
        return False, "异议处理期间暂不受理修复申请 (R-116)"
    pub = record.publicity
    try:
        pol = regime_by_id(pub.regime_id, regimes).policy(record.severity)
    except ConfigError:
        pol = None
    if pol is not None and pub.published and not pol.repair_allowed_after_min:
        return False, f"规则 {pub.regime_id} 不允许此失信程度申请修复 (R-112)"
    if on < pub.min_end:
        return False, f"最短公示期届满 ({pub.min_end.isoformat()}) 前不得申请信用修复 (R-113)"
    if not pub.published:
        return True, "不公示的失信信息, 履行法定义务后可申请修复 (R-110)"
    return True, f"最短公示期已于 {pub.min_end.isoformat()} 届满, 可申请信用修复 (R-113)"
