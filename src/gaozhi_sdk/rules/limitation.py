"""行政处罚追责时效 (R-059a, 行政处罚法第三十六条).

"违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害
后果的，上述期限延长至五年。…期限从违法行为发生之日起计算；违法行为有连续或者继续状态的，
从行为终了之日起计算。"

For a false pledge the act is the signing of the pledge (or the end of a continuing act);
it is *discovered* when a verification concludes that the pledge is false. A penalty
(予以行政处罚, R-053) is barred when the discovery falls after the limitation ran out;
other dispositions (终止办理、整改、撤销, R-051/R-052) and the credit record (R-050) are
not penalties and stay available.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from gaozhi_sdk.rules._base import RulesModel
from gaozhi_sdk.rules.calendar import add_months

__all__ = [
    "GENERAL_LIMITATION_YEARS",
    "SAFETY_LIMITATION_YEARS",
    "PenaltyLimitation",
    "penalty_limitation",
]

#: 一般违法行为的追责时效 (年).
GENERAL_LIMITATION_YEARS = 2
#: 涉及公民生命健康安全、金融安全且有危害后果的追责时效 (年).
SAFETY_LIMITATION_YEARS = 5


class PenaltyLimitation(RulesModel):
    """The limitation that applies to one false pledge, and whether it has run."""

    act_on: date = Field(description="违法行为发生 (或终了) 之日")
    years: int = Field(description="追责时效 (年)")
    last_day: date = Field(description="时效内最后一日: 此日之后发现的不再给予行政处罚")
    discovered_on: date = Field(description="发现之日 (认定承诺不实的核查完成日)")
    barred: bool = Field(description="是否已超过追责时效")
    reason: str = Field(description="中文说明 (含规则编号)")


def penalty_limitation(
    act_on: date, discovered_on: date, *, safety_harm: bool = False
) -> PenaltyLimitation:
    """Whether a penalty for an act on ``act_on`` discovered on ``discovered_on`` is barred.

    ``safety_harm``: the act involves citizens' life/health safety or financial security
    **and** had harmful consequences (both conditions of Art.36, sentence 2) → 5 years.
    The period ends on the same calendar day ``years`` later (clamped to month end); a
    discovery on that day is still in time.
    """
    years = SAFETY_LIMITATION_YEARS if safety_harm else GENERAL_LIMITATION_YEARS
    last_day = add_months(act_on, 12 * years)
    barred = discovered_on > last_day
    kind = "涉及生命健康安全、金融安全且有危害后果" if safety_harm else "一般违法行为"
    verdict = "已超过追责时效, 不再给予行政处罚" if barred else "在追责时效内"
    return PenaltyLimitation(
        act_on=act_on,
        years=years,
        last_day=last_day,
        discovered_on=discovered_on,
        barred=barred,
        reason=(
            f"{kind}追责时效 {years} 年 (自 {act_on:%Y-%m-%d} 起至 {last_day:%Y-%m-%d}), "
            f"{discovered_on:%Y-%m-%d} 发现: {verdict} (行政处罚法第三十六条, R-059a)"
        ),
    )
