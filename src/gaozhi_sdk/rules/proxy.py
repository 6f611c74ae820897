"""代为承诺 — proxy pledges need an express special authorisation (R-024, R-025).

Checks, in order, each raising :class:`~gaozhi_sdk.errors.RuleViolationError`:

==========  ======  ==========================================================
code        rule    violation
==========  ======  ==========================================================
GZ-RL-001   R-025   the entry does not allow a proxy (资格考试 never does)
GZ-RL-006   R-024   the authorisation's grantor is not the pledgor
GZ-RL-002   R-024   not a special authorisation (no express pledge authority)
GZ-RL-003   R-024   the authorisation is for another matter
GZ-RL-004   R-024   the entry (proof item) is outside the authorised scope
GZ-RL-005   R-024   the authorisation is not valid on the pledge date
==========  ======  ==========================================================

Messages never contain full identifiers (masked forms only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.enums import PriorityArea
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.parties import Applicant, Proxy

__all__ = ["check_proxy"]

_SEP = re.compile(r"[\s\-]+")


def _norm(s: str) -> str:
    return _SEP.sub("", s).upper()


def check_proxy(
    entry: CommitmentListEntry,
    proxy: Proxy,
    pledgor: Applicant,
    *,
    matter_code: str,
    entry_ids: Sequence[str],
    on: date,
) -> None:
    """Raise unless ``proxy`` may pledge for ``pledgor`` on ``entry`` (R-024, R-025).

    Args:
        entry: the list entry the proxy pledges for.
        proxy: the proxy and the special authorisation it holds.
        pledgor: the applicant on whose behalf the pledge is made.
        matter_code: the case's matter code.
        entry_ids: every entry the proxy pledges for in this case.
        on: the pledge date.
    """
    auth = proxy.authorization
    if not entry.proxy_allowed or entry.priority_area is PriorityArea.QUALIFICATION_EXAM:
        rule = "R-025" if entry.priority_area is PriorityArea.QUALIFICATION_EXAM else "R-024"
        raise RuleViolationError(
            "GZ-RL-001",
            f"证明事项 {entry.entry_id} 不允许代为承诺 ({rule})",
            message_en="this proof item does not allow a proxy pledge",
            details={"entry_id": entry.entry_id, "rule": rule},
        )
    if _norm(auth.grantor_id_number) != _norm(pledgor.id_number):
        raise RuleViolationError(
            "GZ-RL-006",
            f"特别授权的授权人 ({mask_identifier(_norm(auth.grantor_id_number))}) 与承诺人 "
            f"({mask_identifier(pledgor.id_number)}) 不一致 (R-024)",
            message_en="the authorisation was not granted by the pledgor",
        )
    gap = auth.shortfall(matter_code=matter_code, entry_ids=(entry.entry_id, *entry_ids), on=on)
    if gap is None:
        return
    if gap.kind == "express":
        raise RuleViolationError(
            "GZ-RL-002",
            "授权书未明确授权代为作出告知承诺, 一般委托不足以代为承诺, 须特别授权 (R-024)",
            message_en="a special (express) authorisation to pledge is required",
            details={"authorization_id": auth.authorization_id},
        )
    if gap.kind == "matter":
        raise RuleViolationError(
            "GZ-RL-003",
            f"特别授权的事项 ({auth.matter_code}) 与办理事项 ({matter_code}) 不一致 (R-024)",
            message_en="the authorisation covers another matter",
            details={"authorized": auth.matter_code, "matter_code": matter_code},
        )
    if gap.kind == "entries":
        raise RuleViolationError(
            "GZ-RL-004",
            f"证明事项 {', '.join(gap.outside)} 不在特别授权范围内 (R-024)",
            message_en="proof items outside the authorised scope",
            details={"outside": list(gap.outside)},
        )
    raise RuleViolationError(
        "GZ-RL-005",
        f"特别授权在 {on.isoformat()} 不在有效期内 ({auth.valid_from.isoformat()} 至 "
        f"{auth.valid_to.isoformat()}) (R-024)",
        message_en="the authorisation is not valid on the pledge date",
    )
