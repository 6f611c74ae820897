"""失信程度分级 of a false pledge (R-055, R-110) — a configurable mapping, not law.

No source links the seed's "根据虚假承诺造成的社会影响进行失信程度分级" (R-055) to the
national 轻微/一般/严重 grades (DOMAIN §8 item 8), so the mapping is configuration. The
default follows DOMAIN §3.5's suggestion, applied in this order:

1. referral for a suspected crime (R-054) → 严重;
2. third-party harm (第三人利益受损) → 严重 (``third_party_harm_serious``);
3. a decision/benefit obtained with a value ≥ ``serious_benefit_threshold_yuan`` → 严重;
4. otherwise (decision/benefit obtained below the threshold, or no decision and no harm)
   → 一般.

轻微 is never produced by default and cannot be configured as the base grade, because
R-020 bars the pledge route for *any* prior false pledge until repair: grading a false
pledge 轻微 (原则上不公示) would hide a barring record.

Default threshold **10000 yuan** [INFERRED]: sources are silent; 10,000 yuan is the upper
end of the "数额较大" range for 诈骗罪 in the 2011 judicial interpretation (3,000–10,000
yuan) [RECALLED], so a benefit large enough to be a possible fraud crime is graded 严重
even before a referral is decided.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Self

from pydantic import Field, field_validator, model_validator

from gaozhi_sdk.models import check_decimal_string
from gaozhi_sdk.models.enums import Severity
from gaozhi_sdk.rules._base import RulesModel

__all__ = ["FalsePledgeFacts", "SeverityMapping"]


class FalsePledgeFacts(RulesModel):
    """Facts about one false pledge that drive its grade (R-055)."""

    decision_issued: bool = Field(default=False, description="已依承诺作出行政决定")
    benefit_obtained: bool = Field(default=False, description="已取得许可、给付等利益")
    benefit_value_yuan: str = Field(default="0", description="所获利益价值 (元, 十进制字符串)")
    third_party_harm: bool = Field(default=False, description="损害第三人利益")
    referred_for_crime: bool = Field(default=False, description="涉嫌犯罪移送司法机关 (R-054)")
    safety_involved: bool = Field(
        default=False,
        description="涉及公民生命健康安全、金融安全 (清单条目已标记的, 自动适用; R-059a)",
    )
    harmful_consequences: bool = Field(
        default=False, description="有危害后果 (与前项同时成立时追责时效为五年, R-059a)"
    )
    act_ended_on: date | None = Field(
        default=None, description="连续或继续状态的违法行为终了之日 (时效自此起算, R-059a)"
    )

    @field_validator("benefit_value_yuan")
    @classmethod
    def _amount(cls, v: str) -> str:
        return check_decimal_string(v)


class SeverityMapping(RulesModel):
    """Facts → 失信程度; see the module docstring for the default order and its reasons."""

    base_severity: Severity = Field(
        default=Severity.GENERAL, description="无加重情节时的失信程度 (不得为轻微)"
    )
    serious_benefit_threshold_yuan: str = Field(
        default="10000", description="所获利益达到此金额 (元) 定为严重"
    )
    third_party_harm_serious: bool = Field(default=True, description="损害第三人利益定为严重")
    referral_serious: bool = Field(default=True, description="移送司法机关定为严重")

    @field_validator("serious_benefit_threshold_yuan")
    @classmethod
    def _threshold(cls, v: str) -> str:
        check_decimal_string(v)
        if Decimal(v) <= 0:
            raise ValueError("金额阈值须大于 0")
        return v

    @model_validator(mode="after")
    def _not_minor(self) -> Self:
        if self.base_severity is Severity.MINOR:
            raise ValueError("虚假承诺的默认失信程度不得为轻微 (R-020 要求修复前不适用)")
        return self

    def grade(self, facts: FalsePledgeFacts) -> tuple[Severity, tuple[str, ...]]:
        """The grade and the Chinese reasons (with rule numbers) that led to it."""
        reasons: list[str] = []
        if facts.referred_for_crime and self.referral_serious:
            reasons.append("涉嫌犯罪已移送司法机关, 定为严重失信 (R-054, R-055)")
        if facts.third_party_harm and self.third_party_harm_serious:
            reasons.append("不实承诺损害第三人利益, 定为严重失信 (R-055)")
        obtained = facts.decision_issued or facts.benefit_obtained
        value = Decimal(facts.benefit_value_yuan)
        threshold = Decimal(self.serious_benefit_threshold_yuan)
        if obtained and value >= threshold:
            reasons.append(
                f"依不实承诺取得利益 {facts.benefit_value_yuan} 元, "
                f"达到 {self.serious_benefit_threshold_yuan} 元, 定为严重失信 (R-055)"
            )
        if reasons:
            return Severity.SERIOUS, tuple(reasons)
        if obtained:
            why = f"已依不实承诺作出决定或取得利益 (未达 {self.serious_benefit_threshold_yuan} 元)"
        else:
            why = "未作出行政决定且未造成损害"
        grade = self.base_severity
        label = "一般" if grade is Severity.GENERAL else "严重"
        return grade, (f"{why}, 定为{label}失信 (R-055, R-110)",)
