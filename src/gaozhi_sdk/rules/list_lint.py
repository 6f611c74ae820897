"""清单校验 — lint of commitment lists, entries and pledge templates (R-004…R-093).

Every finding has a stable code; the code number is the rule number where one rule maps to
one check, and rule + 100 for a second check of the same rule.

============  =======  ======  =====================================================
code          level    rule    check
============  =======  ======  =====================================================
GZ-LS-001     ERROR    —       file/text is not valid YAML/JSON (line, column)
GZ-LS-002     ERROR    —       schema error (entry index/entry_id and field path)
GZ-LS-003     —        —       code of the :class:`~gaozhi_sdk.errors.ListValidationError` raised by
                               :func:`validate_list` (its ``findings`` hold the rest)
GZ-LS-004     ERROR    R-004   ``legal_basis`` empty
GZ-LS-104     WARNING  R-004   no basis looks like 法律/法规/国务院决定 (only 规章、
                               通知、意见 …)
GZ-LS-006     ERROR    R-006   ``risk_exclusion_check`` not empty: item excluded
GZ-LS-009     WARNING  R-009   list has no 党委会议研究论证 record (``deliberation_ref``)
GZ-LS-012     WARNING  R-012   索要单位 / 开具单位 / 办理指南 column empty
GZ-LS-013     ERROR    §5.2    ``owner_uscc`` fails GB 32100
GZ-LS-025     ERROR    R-025   资格考试 entry allows 代为承诺
GZ-LS-029     ERROR    R-029   catch-all (兜底) clause in a text field
GZ-LS-129     ERROR    R-029   vague term (模糊表述) in a text field; WARNING when the
                               list lowers that term with a reason
                               (``CommitmentList.wording_exceptions``)
GZ-LS-030     WARNING  R-030   list has no publication channel
GZ-LS-041     ERROR    R-041   non-exempt entry without a verification window
GZ-LS-141     ERROR    R-041   non-exempt entry with an empty verification standard
GZ-LS-042     ERROR    R-042   EXEMPT entry without ``inspection_rate_percent``
GZ-LS-044     ERROR    R-044   ONLINE entry without ``data_source``
GZ-LS-046     ERROR    R-046   ASSISTED entry without ``issuing_unit``
GZ-LS-059     WARNING  R-059a  verification window ends more than 24 months after the
                               pledge (a post-decision window counts the 20 working days
                               of 行政许可法 Art.42 before it): past the 2-year penalty
                               limitation of 行政处罚法 Art.36
GZ-LS-071     WARNING  R-071   entry involves public/third-party interest but pledges
                               are not disclosed (not raised for sensitive data, R-093)
GZ-LS-072     ERROR    R-072   PUBLIC_REDACTED without ``complaint_channel``
GZ-LS-081     ERROR    R-081   ``approval_matter_code`` equals ``matter_code`` (the same
                               matter under 审批制 and 告知承诺制 needs different codes)
GZ-LS-082     ERROR    R-082   ``implements_pledge_system`` is false on a commitment list,
                               or situations are marked and none uses the pledge, or two
                               situations share a code
GZ-LS-093     WARNING  R-093   sensitive personal data yet pledges are disclosed
============  =======  ======  =====================================================

Text fields linted for R-029: ``proof_content``, ``liability_text`` and
``verification.standard`` of entries; every text field of a
:class:`~gaozhi_sdk.models.PledgeTemplate` (:func:`lint_template`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import Field

from gaozhi_sdk.errors import InvalidIdentifierError, ListValidationError
from gaozhi_sdk.ids import validate_uscc
from gaozhi_sdk.models.documents import PledgeTemplate
from gaozhi_sdk.models.enums import (
    DisclosurePolicy,
    PriorityArea,
    VerificationMethod,
    WindowUnit,
)
from gaozhi_sdk.models.lists import CommitmentList, CommitmentListEntry, VerificationWindow
from gaozhi_sdk.rules._base import RulesModel
from gaozhi_sdk.rules.limitation import GENERAL_LIMITATION_YEARS
from gaozhi_sdk.rules.wording import scan_wording

__all__ = [
    "Finding",
    "FindingLevel",
    "lint_entry",
    "lint_list",
    "lint_template",
    "lint_text",
    "looks_like_statutory_basis",
    "validate_list",
    "wording_exceptions",
]


class FindingLevel(StrEnum):
    """Severity of a lint finding."""

    ERROR = "ERROR"
    WARNING = "WARNING"


class Finding(RulesModel):
    """One lint finding (stable ``code``, Chinese message, rule number)."""

    code: str = Field(pattern=r"^GZ-LS-\d{3}$")
    level: FindingLevel
    rule: str = Field(default="", description="rule number, e.g. R-006")
    entry_id: str | None = None
    entry_index: int | None = None
    field: str = ""
    message_zh: str
    term: str | None = None
    position: int | None = Field(default=None, description="character offset in the field")
    line: int | None = Field(default=None, description="source line (load errors only)")

    def __str__(self) -> str:
        where = self.entry_id or (f"#{self.entry_index}" if self.entry_index is not None else "")
        loc = f"{where}.{self.field}" if where and self.field else where or self.field
        return f"[{self.code} {self.level.value}] {loc}: {self.message_zh}"


# 法律 (…法), 法规 (…条例, incl. 地方性法规), 国务院决定 — R-004 / 条例 Art.44.
_STATUTORY = re.compile(
    r"(?<!办)法》|(?<!办)法\s*(?:第|$)|条例|国务院[^》]*决定|国务院令|^《?中华人民共和国[^》]*法"
)


def looks_like_statutory_basis(basis: str) -> bool:
    """Heuristic: does ``basis`` name a 法律, 法规 or 国务院决定 (R-004)?

    Recognised: "…法》" (not "…办法》"), "…条例", "国务院…决定", and any basis citing a
    "国务院令" number — cite it for 行政法规 named 办法/规定, e.g.
    "《社会救助暂行办法》(国务院令第649号)".
    """
    return bool(_STATUTORY.search(basis.strip()))


def lint_text(
    text: str,
    *,
    field: str,
    entry_id: str | None = None,
    lowered: Mapping[str, str] | None = None,
) -> list[Finding]:
    """R-029 wording findings for one text.

    Catch-all clauses (兜底条款) and vague terms (模糊表述) are both errors: the seed forbids
    both. ``lowered`` (term → reason, from ``CommitmentList.wording_exceptions``) turns
    a vague term into a warning that carries the organ's reason; catch-alls stay errors.
    """
    out: list[Finding] = []
    lowered = lowered or {}
    for hit in scan_wording(text):
        if hit.catch_all:
            out.append(
                Finding(
                    code="GZ-LS-029",
                    level=FindingLevel.ERROR,
                    rule="R-029",
                    entry_id=entry_id,
                    field=field,
                    term=hit.term,
                    position=hit.position,
                    message_zh=f"含兜底条款「{hit.term}」(第 {hit.position + 1} 字): "
                    "须逐项列明, 不得设兜底条款",
                )
            )
        else:
            reason = lowered.get(hit.term)
            out.append(
                Finding(
                    code="GZ-LS-129",
                    level=FindingLevel.ERROR if reason is None else FindingLevel.WARNING,
                    rule="R-029",
                    entry_id=entry_id,
                    field=field,
                    term=hit.term,
                    position=hit.position,
                    message_zh=f"含模糊表述「{hit.term}」(第 {hit.position + 1} 字): "
                    + (
                        "要求应可量化、易操作"
                        if reason is None
                        else f"机关已降为警告, 理由: {reason}"
                    ),
                )
            )
    return out


def _f(code: str, level: FindingLevel, rule: str, e: CommitmentListEntry, *where: str) -> Finding:
    field, msg = where
    return Finding(
        code=code, level=level, rule=rule, entry_id=e.entry_id, field=field, message_zh=msg
    )


def lint_entry(
    entry: CommitmentListEntry, *, lowered: Mapping[str, str] | None = None
) -> list[Finding]:
    """All findings for one list entry (see the module table).

    ``lowered``: vague terms the list lowers to warnings (term → reason, R-029).
    """
    E, W = FindingLevel.ERROR, FindingLevel.WARNING
    e = entry
    out: list[Finding] = []
    if e.risk_exclusion_check:
        cats = "、".join(c.value for c in e.risk_exclusion_check)
        out.append(
            _f(
                "GZ-LS-006",
                E,
                "R-006",
                e,
                "risk_exclusion_check",
                f"命中不适用告知承诺制的风险类别 ({cats}), 不得列入清单",
            )
        )
    bases = [b for b in e.legal_basis if b.strip()]
    if not bases:
        out.append(
            _f(
                "GZ-LS-004",
                E,
                "R-004",
                e,
                "legal_basis",
                "缺少设定依据: 证明事项须有法律、法规或国务院决定依据",
            )
        )
    elif not any(looks_like_statutory_basis(b) for b in bases):
        out.append(
            _f(
                "GZ-LS-104",
                W,
                "R-004",
                e,
                "legal_basis",
                "设定依据看起来不是法律、法规或国务院决定 (仅有规章或规范性文件?)",
            )
        )
    for fname, label in (
        ("requesting_unit", "索要单位"),
        ("issuing_unit", "开具单位"),
        ("guide_ref", "办理指南"),
    ):
        if not str(getattr(e, fname)).strip():
            out.append(_f("GZ-LS-012", W, "R-012", e, fname, f"清单应载明{label}"))
    v = e.verification
    if v.method is VerificationMethod.EXEMPT:
        if v.inspection_rate_percent is None:
            out.append(
                _f(
                    "GZ-LS-042",
                    E,
                    "R-042",
                    e,
                    "verification.inspection_rate_percent",
                    "免予核查事项须确定日常监管 (双随机) 抽查比例",
                )
            )
    else:
        if v.window is None:
            out.append(
                _f("GZ-LS-041", E, "R-041", e, "verification.window", "须明确核查时间 (核查时限)")
            )
        if not v.standard.strip():
            out.append(
                _f(
                    "GZ-LS-141",
                    E,
                    "R-041",
                    e,
                    "verification.standard",
                    "须明确核查标准 (何种情况认定为属实)",
                )
            )
    if v.method is VerificationMethod.ONLINE and not (v.data_source or "").strip():
        out.append(
            _f(
                "GZ-LS-044",
                E,
                "R-044",
                e,
                "verification.data_source",
                "在线核查须载明数据来源 (共享接口或数据集)",
            )
        )
    if v.method is VerificationMethod.ASSISTED and not e.issuing_unit.strip():
        out.append(
            _f(
                "GZ-LS-046",
                E,
                "R-046",
                e,
                "issuing_unit",
                "协助核查须载明开具单位 (被请求协助的机关)",
            )
        )
    if v.window is not None and _window_end_months(v.window) > 12 * GENERAL_LIMITATION_YEARS:
        out.append(
            _f(
                "GZ-LS-059",
                W,
                "R-059a",
                e,
                "verification.window",
                "核查期限届满时已超过 2 年行政处罚追责时效 (自签署承诺起算; 行政处罚法第三十六条): "
                "届时才发现的不实承诺不能再予处罚",
            )
        )
    out.extend(_lint_matter_codes(e))
    if e.priority_area is PriorityArea.QUALIFICATION_EXAM and e.proxy_allowed:
        out.append(
            _f("GZ-LS-025", E, "R-025", e, "proxy_allowed", "资格考试报名证明事项不允许代为承诺")
        )
    if e.pledge_disclosure is DisclosurePolicy.PUBLIC_REDACTED and not e.complaint_channel.strip():
        out.append(
            _f(
                "GZ-LS-072",
                E,
                "R-072",
                e,
                "complaint_channel",
                "公开告知承诺书的事项须公布投诉举报方式",
            )
        )
    # R-071 applies "在不涉及…个人隐私的前提下": sensitive data is never published.
    if (
        e.involves_public_interest
        and e.pledge_disclosure is DisclosurePolicy.NONE
        and not e.sensitive_data
    ):
        out.append(
            _f(
                "GZ-LS-071",
                W,
                "R-071",
                e,
                "pledge_disclosure",
                "涉及社会公共利益、第三人利益或核查难度较大的事项应公开告知承诺书",
            )
        )
    if e.sensitive_data and e.pledge_disclosure is DisclosurePolicy.PUBLIC_REDACTED:
        out.append(
            _f(
                "GZ-LS-093",
                W,
                "R-093",
                e,
                "pledge_disclosure",
                "承诺内容含敏感个人信息, 不宜公开告知承诺书",
            )
        )
    for fname, text in (
        ("proof_content", e.proof_content),
        ("liability_text", e.liability_text),
        ("verification.standard", v.standard),
    ):
        out.extend(lint_text(text, field=fname, entry_id=e.entry_id, lowered=lowered))
    return out


def _lint_matter_codes(e: CommitmentListEntry) -> list[Finding]:
    """R-081/R-082: distinct codes for the two regimes; situations agree with the flag."""
    out: list[Finding] = []
    approval = (e.approval_matter_code or "").strip()
    if approval and approval.upper() == e.matter_code.strip().upper():
        out.append(
            _f(
                "GZ-LS-081",
                FindingLevel.ERROR,
                "R-081",
                e,
                "approval_matter_code",
                "同一事项按审批制和告知承诺制办理须赋予不同的事项编码",
            )
        )
    codes = [s.situation_code for s in e.situations]
    msg, field = "", "situations"
    if not e.implements_pledge_system:
        msg, field = (
            "告知承诺制清单中的条目须实行告知承诺制 (SFSXGZCNZ = 1)",
            ("implements_pledge_system"),
        )
    elif e.situations and not any(s.pledge for s in e.situations):
        msg = "已按情形标记, 但没有任何情形实行告知承诺制"
    elif len(set(codes)) != len(codes):
        msg = "办理情形编码重复"
    if msg:
        out.append(_f("GZ-LS-082", FindingLevel.ERROR, "R-082", e, field, msg))
    return out


#: Months between the pledge (the act) and the decision a DECIDED-anchored window starts
#: from, at least: the 20 working days of 行政许可法 Art.42 (R-059a lint).
_DECISION_LAG_MONTHS = 20 / 21.0


def _window_end_months(window: VerificationWindow) -> float:
    """Months from the pledge to the end of the window (R-059a): the shorter limitation (2
    years) runs from the act — the pledge, made before acceptance — so a post-decision
    window also carries the time the decision takes."""
    lag = _DECISION_LAG_MONTHS if window.anchor == "DECIDED" else 0.0
    return lag + _window_months(window.amount, window.unit)


def _window_months(amount: int, unit: WindowUnit) -> float:
    if unit is WindowUnit.MONTHS:
        return amount
    if unit is WindowUnit.CALENDAR_DAYS:
        return amount / 30.4
    return amount / 21.0  # about 21 working days a month


def lint_list(clist: CommitmentList) -> list[Finding]:
    """List-level findings plus every entry's findings (entry_index filled in)."""
    W = FindingLevel.WARNING
    out: list[Finding] = []
    if not clist.deliberation_ref.strip():
        out.append(
            Finding(
                code="GZ-LS-009",
                level=W,
                rule="R-009",
                field="deliberation_ref",
                message_zh="清单缺少党委会议研究论证记录",
            )
        )
    if not clist.published_channels:
        out.append(
            Finding(
                code="GZ-LS-030",
                level=W,
                rule="R-030",
                field="published_channels",
                message_zh="清单未载明公布渠道 (服务场所、网站、省级平台)",
            )
        )
    if clist.owner_uscc is not None:
        try:
            validate_uscc(clist.owner_uscc)
        except InvalidIdentifierError as exc:
            msg = f"编制单位统一社会信用代码无效: {exc.message}"
            out.append(
                Finding(
                    code="GZ-LS-013", level=FindingLevel.ERROR, field="owner_uscc", message_zh=msg
                )
            )
    lowered = wording_exceptions(clist)
    for idx, entry in enumerate(clist.entries):
        out.extend(
            f.model_copy(update={"entry_index": idx}) for f in lint_entry(entry, lowered=lowered)
        )
    return out


def wording_exceptions(clist: CommitmentList) -> dict[str, str]:
    """The vague terms ``clist`` lowers to warnings: term → reason (R-029)."""
    return {w.term: w.reason for w in clist.wording_exceptions}


def lint_template(
    template: PledgeTemplate, *, lowered: Mapping[str, str] | None = None
) -> list[Finding]:
    """R-029 wording findings for every text field of a pledge template.

    ``lowered``: vague terms the organ's list lowers to warnings (term → reason).
    """
    out: list[Finding] = []
    for fname in (
        "proof_obligation",
        "proof_content",
        "liability",
        "verification_power",
        "cooperation_duty",
        "credit_consequence",
        "disclosure_notice",
    ):
        out.extend(
            lint_text(
                getattr(template, fname),
                field=fname,
                entry_id=template.entry_id,
                lowered=lowered,
            )
        )
    for i, clause in enumerate(template.pledge_clauses):
        out.extend(
            lint_text(
                clause,
                field=f"pledge_clauses[{i}]",
                entry_id=template.entry_id,
                lowered=lowered,
            )
        )
    return out


def validate_list(clist: CommitmentList) -> list[Finding]:
    """Lint ``clist``; raise if any ERROR, else return the warnings.

    Raises:
        ListValidationError: GZ-LS-003 with every finding (errors and warnings) attached.
    """
    findings = lint_list(clist)
    errors = [f for f in findings if f.level is FindingLevel.ERROR]
    if errors:
        codes = sorted({f.code for f in errors})
        raise ListValidationError(
            "GZ-LS-003",
            f"清单 {clist.list_id} 校验未通过: {len(errors)} 个错误 ({', '.join(codes)})",
            message_en=f"commitment list failed validation with {len(errors)} error(s)",
            findings=findings,
            details={"list_id": clist.list_id, "codes": codes},
        )
    return findings
