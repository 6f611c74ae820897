"""Rules layer: pure functions and frozen configuration (depends only on models/ids/errors).

Modules:

* :mod:`~gaozhi_sdk.rules.calendar` — working-day calendar (R-102);
* :mod:`~gaozhi_sdk.rules.credit_regime` — dated publicity periods and repair (R-110…R-117);
* :mod:`~gaozhi_sdk.rules.severity` — false-pledge grading (R-055);
* :mod:`~gaozhi_sdk.rules.limitation` — penalty limitation of 行政处罚法 Art.36 (R-059a);
* :mod:`~gaozhi_sdk.rules.list_lint`, :mod:`~gaozhi_sdk.rules.wording`,
  :mod:`~gaozhi_sdk.rules.list_load` — list validation and wording lint (R-004…R-093);
* :mod:`~gaozhi_sdk.rules.eligibility`, :mod:`~gaozhi_sdk.rules.proxy` — credit gate and
  proxies (R-020, R-021, R-022, R-024, R-025, R-064, R-075, R-076);
* :mod:`~gaozhi_sdk.rules.verification_plan` — verification planning (R-026, R-040…R-047);
* :mod:`~gaozhi_sdk.rules.withdrawal` — withdrawal (R-060, R-061, R-063, R-064);
* :mod:`~gaozhi_sdk.rules.disclosure` — which pledges are published, redacted how (R-071…R-074,
  R-092, R-093);
* :mod:`~gaozhi_sdk.rules.statistics` — the justice bureau's statistics (R-079);
* :mod:`~gaozhi_sdk.rules.config` — :class:`RulesConfig`, all settings with defaults.
"""

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.rules.calendar import (
    ChinaWorkingCalendar,
    WeekendCalendar,
    WorkingDayCalendar,
    add_months,
    default_calendar,
    end_of_day,
    roll_back,
    roll_forward,
    window_end,
)
from gaozhi_sdk.rules.config import RulesConfig, SigningMethodMinimum
from gaozhi_sdk.rules.credit_regime import (
    BUILTIN_REGIMES,
    CreditRegime,
    SeverityPolicy,
    publicity_period,
    regime_by_id,
    regime_for,
    repair_allowed,
)
from gaozhi_sdk.rules.disclosure import (
    WITHHELD,
    RedactionProfile,
    build_disclosure,
    redaction_profile,
)
from gaozhi_sdk.rules.eligibility import (
    EligibilityConfig,
    EligibilityResult,
    PriorWithdrawal,
    check_eligibility,
)
from gaozhi_sdk.rules.limitation import PenaltyLimitation, penalty_limitation
from gaozhi_sdk.rules.list_lint import (
    Finding,
    FindingLevel,
    lint_entry,
    lint_list,
    lint_template,
    lint_text,
    looks_like_statutory_basis,
    validate_list,
)
from gaozhi_sdk.rules.list_load import load_list
from gaozhi_sdk.rules.local_methods import LOCAL_METHOD_NAMES, method_for_name
from gaozhi_sdk.rules.proxy import check_proxy
from gaozhi_sdk.rules.severity import FalsePledgeFacts, SeverityMapping
from gaozhi_sdk.rules.statistics import compute_statistics, render_markdown, statistics_from_counts
from gaozhi_sdk.rules.verification_plan import (
    PlanningConfig,
    VerificationPlan,
    plan_verification,
    replan_after,
)
from gaozhi_sdk.rules.withdrawal import (
    WITHDRAWABLE_STATES,
    WithdrawalConfig,
    WithdrawalPolicy,
    check_withdrawal,
)
from gaozhi_sdk.rules.wording import WordingHit, scan_wording

__all__ = [
    "BUILTIN_REGIMES",
    "LOCAL_METHOD_NAMES",
    "WITHDRAWABLE_STATES",
    "WITHHELD",
    "ChinaWorkingCalendar",
    "CreditRegime",
    "EligibilityConfig",
    "EligibilityResult",
    "FalsePledgeFacts",
    "Finding",
    "FindingLevel",
    "PenaltyLimitation",
    "PlanningConfig",
    "PriorWithdrawal",
    "RedactionProfile",
    "RulesConfig",
    "SeverityMapping",
    "SeverityPolicy",
    "SigningMethodMinimum",
    "VerificationPlan",
    "WeekendCalendar",
    "WithdrawalConfig",
    "WithdrawalPolicy",
    "WordingHit",
    "WorkingDayCalendar",
    "add_months",
    "build_disclosure",
    "check_eligibility",
    "check_proxy",
    "check_withdrawal",
    "compute_statistics",
    "default_calendar",
    "end_of_day",
    "lint_entry",
    "lint_list",
    "lint_template",
    "lint_text",
    "load_list",
    "looks_like_statutory_basis",
    "method_for_name",
    "penalty_limitation",
    "plan_verification",
    "publicity_period",
    "redaction_profile",
    "regime_by_id",
    "regime_for",
    "render_markdown",
    "repair_allowed",
    "replan_after",
    "roll_back",
    "roll_forward",
    "scan_wording",
    "statistics_from_counts",
    "validate_list",
    "window_end",
]

_rehome(__name__, __all__, globals())
