"""RulesConfig — every threshold and period of the rules layer in one validated object.

Sources leave most numbers to the deploying organ (DOMAIN §3.5, §8). Each setting has a
default documented where it is defined; the three defined here:

* ``assistance_reply_working_days = 5`` [INFERRED] — no source fixes a reply deadline for
  协助核查 (R-047; DOMAIN §8 item 5). Five working days (one working week) is short enough
  for "及时履行协助义务" (R-046) and leaves time for a written refusal with reasons; it is
  well inside the 15 working days 政府信息公开条例 Art.32 gives a third party to answer.
* ``pledge_clock_skew_seconds = 300`` [INFERRED] — a pledge's ``signed_at`` must lie between
  the notice and the organ's receipt (R-001: the pledge answers the written notice); five
  minutes absorb the clocks of the applicant's device and of the organ, a pledge dated any
  later is refused (GZ-RL-208).
* ``exempt_horizon_months = 12`` [INFERRED] — DOMAIN §3.2: an EXEMPT case closes TRUE when
  no adverse finding arises "within a configured horizon". Twelve months covers one annual
  双随机 inspection cycle (R-042) and ends inside the 2-year limitation (R-059a).

Loading: :meth:`RulesConfig.from_yaml` / :meth:`RulesConfig.from_mapping`. Errors are
:class:`~gaozhi_sdk.errors.ConfigError` — GZ-CF-101 (YAML syntax, with line), GZ-CF-102
(invalid value or unknown key; ``details["key"]`` is the dotted key path, ``details["line"]``
the YAML line), GZ-CF-103 (file unreadable), GZ-CF-120 (unknown credit regime id).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator

from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models.signing import SigningMethod
from gaozhi_sdk.rules._base import RulesModel, errors_of, loc_path, node_line, pydantic_error_zh
from gaozhi_sdk.rules.calendar import ChinaWorkingCalendar, default_calendar
from gaozhi_sdk.rules.credit_regime import BUILTIN_REGIMES, CreditRegime, regime_by_id
from gaozhi_sdk.rules.eligibility import EligibilityConfig
from gaozhi_sdk.rules.severity import SeverityMapping
from gaozhi_sdk.rules.verification_plan import PlanningConfig
from gaozhi_sdk.rules.withdrawal import WithdrawalConfig

__all__ = ["RulesConfig", "SigningMethodMinimum"]


class SigningMethodMinimum(RulesModel):
    """A minimum signing method (DESIGN §4a, R-035) for an organ, a list entry, or both
    (a rule without either applies to every pledge).

    A pledge must satisfy every rule that applies to it — the organ's and that of each
    entry it pledges — so the strongest minimum wins. Strength order:
    ``CERTIFICATE`` > ``EVENT_CERTIFICATE`` > ``WINDOW_HANDWRITTEN`` > ``PLATFORM_ATTESTED``
    (:data:`gaozhi_sdk.models.METHOD_STRENGTH`). Example (YAML)::

        signing_method_minimums:
          - entry_id: E-HIGH-RISK-01
            minimum: EVENT_CERTIFICATE   # applicant's own or event certificate only
          - organ_uscc: 11110000000000000X
            minimum: WINDOW_HANDWRITTEN
    """

    organ_uscc: str | None = Field(default=None, description="机关统一社会信用代码 (空: 任意机关)")
    entry_id: str | None = Field(default=None, description="清单条目编号 (空: 任意条目)")
    minimum: SigningMethod = Field(description="最低签署方式")

    def applies(self, organ_uscc: str, entry_ids: tuple[str, ...]) -> bool:
        """Whether this rule covers a pledge to ``organ_uscc`` over ``entry_ids``."""
        if self.organ_uscc is not None and self.organ_uscc != organ_uscc:
            return False
        return self.entry_id is None or self.entry_id in entry_ids


class RulesConfig(RulesModel):
    """All rule settings (frozen, unknown keys rejected)."""

    eligibility: EligibilityConfig = Field(default_factory=EligibilityConfig)
    planning: PlanningConfig = Field(default_factory=PlanningConfig)
    severity: SeverityMapping = Field(default_factory=SeverityMapping)
    withdrawal: WithdrawalConfig = Field(default_factory=WithdrawalConfig)
    extra_regimes: tuple[CreditRegime, ...] = Field(
        default=(), description="地方或行业补充的信用修复规则版本"
    )
    credit_regimes: tuple[str, ...] | None = Field(
        default=None, description="选用的信用修复规则版本编号 (空则全部内置及补充版本)"
    )
    assistance_reply_working_days: int = Field(
        default=5, ge=1, le=60, description="协助核查答复期限 (工作日, R-047)"
    )
    pledge_clock_skew_seconds: int = Field(
        default=300,
        ge=0,
        le=86400,
        description="承诺书签署时间最多可晚于机关收到时间的秒数 (双方时钟偏差, R-001)",
    )
    exempt_horizon_months: int = Field(
        default=12, ge=1, le=24, description="免予核查事项无不利发现即结案的期限 (月)"
    )
    calendar_files: tuple[str, ...] = Field(
        default=(), description="在内置日历之上合并的工作日历文件 (按顺序, 后者优先)"
    )
    signing_method_minimums: tuple[SigningMethodMinimum, ...] = Field(
        default=(),
        description="按机关或清单条目要求的最低签署方式 (R-035; 默认不限, 四种方式均可)",
    )

    def minimum_signing_method(
        self, organ_uscc: str, entry_ids: tuple[str, ...]
    ) -> SigningMethod | None:
        """The strongest minimum of the rules that apply to a pledge (None: no minimum)."""
        found = [
            r.minimum for r in self.signing_method_minimums if r.applies(organ_uscc, entry_ids)
        ]
        return max(found, key=lambda m: m.strength) if found else None

    @field_validator("extra_regimes")
    @classmethod
    def _unique_regimes(cls, v: tuple[CreditRegime, ...]) -> tuple[CreditRegime, ...]:
        known = [r.regime_id for r in (*BUILTIN_REGIMES, *v)]
        if len(set(known)) != len(known):
            raise ValueError("信用修复规则版本编号重复")
        return v

    @field_validator("credit_regimes")
    @classmethod
    def _regimes_known(
        cls, v: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        extra = info.data.get("extra_regimes", ())
        known = {r.regime_id for r in (*BUILTIN_REGIMES, *extra)}
        for rid in v or ():
            if rid not in known:
                raise ValueError(f"未知的信用修复规则版本: {rid}")
        return v

    def regimes(self) -> tuple[CreditRegime, ...]:
        """The credit regimes in use (selected built-ins plus extras)."""
        pool = (*BUILTIN_REGIMES, *self.extra_regimes)
        if self.credit_regimes is None:
            return pool
        return tuple(regime_by_id(rid, pool) for rid in self.credit_regimes)

    def load_calendar(self, base_dir: str | Path | None = None) -> ChinaWorkingCalendar:
        """The packaged calendar merged with ``calendar_files`` (relative to ``base_dir``)."""
        cal = default_calendar()
        for f in self.calendar_files:
            p = Path(f)
            if base_dir is not None and not p.is_absolute():
                p = Path(base_dir) / p
            cal = cal.merge(ChinaWorkingCalendar.from_yaml(p))
        return cal

    @classmethod
    def default(cls) -> RulesConfig:
        """All defaults."""
        return cls()

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, *, _root: yaml.Node | None = None
    ) -> RulesConfig:
        """Validate a mapping (e.g. parsed YAML/JSON).

        Raises:
            ConfigError: GZ-CF-102 pointing at the first offending key.
        """
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as exc:
            errs = errors_of(exc)
            err = errs[0]
            key = loc_path(err["loc"]) or "(根)"
            line = node_line(_root, err["loc"]) if _root is not None else None
            at = f" (第 {line} 行)" if line is not None else ""
            raise ConfigError(
                "GZ-CF-102",
                f"规则配置无效: {key}{at}: {pydantic_error_zh(err)}",
                message_en=f"invalid rules configuration at {key}",
                details={"key": key, "line": line, "errors": len(errs)},
            ) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> RulesConfig:
        """Load and validate a YAML file.

        Raises:
            ConfigError: GZ-CF-103 (unreadable), GZ-CF-101 (syntax), GZ-CF-102 (invalid).
        """
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                "GZ-CF-103", f"无法读取规则配置文件 {p}: {exc}", message_en="cannot read config"
            ) from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise ConfigError(
                "GZ-CF-101",
                f"规则配置文件 YAML 语法错误 (第 {line} 行)",
                message_en="YAML syntax error in rules configuration",
                details={"line": line},
            ) from None
        if data is not None and not isinstance(data, dict):
            raise ConfigError(
                "GZ-CF-102",
                "规则配置顶层应为映射",
                message_en="configuration must be a mapping",
                details={"key": "(根)"},
            )
        return cls.from_mapping(data, _root=root)
