"""The four state machines of DOMAIN §3 (+ complaints), as data.

Each :class:`Transition` names its source states, its target, the roles that may
perform it by default and whether officials must belong to the organ that owns the
aggregate. Guards that need domain data (credit, dates, signatures) live in the service;
this module answers only "is this transition legal from this state".

Machines: ``entry`` (A, §3.1), ``case`` (B, §3.2), ``verification`` (C, §3.3),
``credit`` (D, §3.4) and ``complaint`` (R-072).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gaozhi_sdk.errors import WorkflowError
from gaozhi_sdk.models.enums import (
    ActorRole,
    CaseStatus,
    ComplaintStatus,
    CreditStatus,
    EntryStatus,
    VerificationStatus,
)

__all__ = [
    "CASE",
    "COMPLAINT",
    "CREDIT",
    "DRAW",
    "ENTRY",
    "JOURNAL",
    "MACHINES",
    "VERIFICATION",
    "StateMachine",
    "Transition",
]

R = ActorRole
_OFFICIALS = frozenset({R.WINDOW_CLERK, R.INSPECTOR, R.CREDIT_OFFICER, R.LIST_OFFICER})


@dataclass(frozen=True)
class Transition:
    """One named transition of a machine."""

    name: str
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[ActorRole]
    rules: tuple[str, ...] = ()
    label_zh: str = ""


@dataclass(frozen=True)
class StateMachine:
    """A named machine: its states, initial states and transitions."""

    name: str
    label_zh: str
    states: tuple[str, ...]
    initial: frozenset[str]
    terminal: frozenset[str]
    transitions: Mapping[str, Transition] = field(default_factory=dict)

    def transition(self, name: str) -> Transition:
        """The transition called ``name`` (GZ-WF-001 if unknown)."""
        try:
            return self.transitions[name]
        except KeyError:
            raise WorkflowError(
                "GZ-WF-001",
                f"状态机「{self.label_zh}」没有名为 {name} 的操作",
                message_en=f"machine {self.name!r} has no transition {name!r}",
                details={"machine": self.name, "transition": name},
            ) from None

    def check(self, name: str, current: str | None, target: str | None = None) -> str:
        """Return the target state of ``name`` from ``current`` or raise WorkflowError.

        ``current`` is None for a creating transition. ``target`` selects among several
        possible targets (e.g. resolving an objection). Codes: GZ-WF-001 unknown
        transition, GZ-WF-002 illegal from the current state (terminal states
        included), GZ-WF-003 target not reachable by this transition.
        """
        t = self.transition(name)
        src = "" if current is None else current
        if src not in t.sources:
            where = "新建" if current is None else current
            allowed = "、".join(sorted(s or "新建" for s in t.sources))
            raise WorkflowError(
                "GZ-WF-002",
                f"「{self.label_zh}」当前状态 {where} 不能执行「{t.label_zh or name}」"
                f"(允许的状态: {allowed})",
                message_en=f"{self.name}: transition {name!r} is not allowed from {where}",
                details={"machine": self.name, "transition": name, "state": where},
            )
        if target is None:
            if len(t.targets) != 1:
                raise WorkflowError(
                    "GZ-WF-003",
                    f"「{t.label_zh or name}」须指明目标状态",
                    message_en=f"transition {name!r} needs an explicit target",
                )
            return next(iter(t.targets))
        if target not in t.targets:
            raise WorkflowError(
                "GZ-WF-003",
                f"「{t.label_zh or name}」不能进入状态 {target}",
                message_en=f"transition {name!r} cannot lead to {target}",
                details={"machine": self.name, "transition": name, "target": target},
            )
        return target

    def edges(self) -> Iterable[tuple[str, str, str]]:
        """(source, target, transition) triples, for diagrams and tests."""
        for t in self.transitions.values():
            for s in sorted(t.sources):
                for d in sorted(t.targets):
                    yield s, d, t.name


def _machine(
    name: str,
    label: str,
    states: Iterable[str],
    terminal: Iterable[str],
    transitions: Iterable[Transition],
) -> StateMachine:
    ts = {t.name: t for t in transitions}
    initial = frozenset(d for t in ts.values() if "" in t.sources for d in t.targets)
    return StateMachine(name, label, tuple(states), initial, frozenset(terminal), ts)


def _t(
    name: str,
    sources: Iterable[str | None],
    targets: Iterable[str],
    roles: Iterable[ActorRole],
    rules: tuple[str, ...] = (),
    label: str = "",
) -> Transition:
    return Transition(
        name,
        frozenset("" if s is None else str(s) for s in sources),
        frozenset(str(t) for t in targets),
        frozenset(roles),
        rules,
        label,
    )


E = EntryStatus
ENTRY = _machine(
    "entry",
    "清单条目",
    [s.value for s in E],
    [E.SUPERSEDED, E.RETIRED],
    [
        _t("draft", [None], [E.DRAFT], [R.LIST_OFFICER], ("R-008",), "编制"),
        _t(
            "submit_for_review",
            [E.DRAFT],
            [E.UNDER_REVIEW],
            [R.LIST_OFFICER],
            ("R-004", "R-006", "R-009", "R-029", "R-041"),
            "党委会议研究论证后报送审核",
        ),
        _t("reject_review", [E.UNDER_REVIEW], [E.DRAFT], [R.JUSTICE_REVIEWER], ("R-011",), "退回"),
        _t(
            "publish",
            [E.UNDER_REVIEW],
            [E.PUBLISHED],
            [R.JUSTICE_REVIEWER],
            ("R-011", "R-030"),
            "审核通过并公布",
        ),
        _t(
            "supersede",
            [E.PUBLISHED],
            [E.SUPERSEDED],
            [R.LIST_OFFICER, R.JUSTICE_REVIEWER, R.SYSTEM],
            ("R-008",),
            "适时调整 (新版本取代)",
        ),
        _t("retire", [E.PUBLISHED], [E.RETIRED], [R.LIST_OFFICER], ("R-006", "R-008"), "停止适用"),
    ],
)

C = CaseStatus
CASE = _machine(
    "case",
    "办件承诺",
    [s.value for s in C],
    [
        C.INELIGIBLE,
        C.DECLINED,
        C.WITHDRAWN,
        C.TERMINATED,
        C.REVOKED,
        C.CLOSED_TRUE,
        C.CLOSED_RECTIFIED,
    ],
    [
        _t(
            "issue_notice",
            [None],
            [C.NOTICE_ISSUED],
            [R.WINDOW_CLERK, R.SYSTEM],
            ("R-001",),
            "一次性书面告知",
        ),
        _t(
            "record_choices",
            [C.NOTICE_ISSUED],
            [C.NOTICE_ISSUED],
            [R.APPLICANT, R.PROXY, R.WINDOW_CLERK],
            ("R-021",),
            "申请人自主选择",
        ),
        _t(
            "mark_ineligible",
            [C.NOTICE_ISSUED],
            [C.INELIGIBLE],
            [R.WINDOW_CLERK, R.SYSTEM],
            ("R-020", "R-022", "R-064"),
            "不适用告知承诺",
        ),
        _t(
            "decline",
            [C.NOTICE_ISSUED],
            [C.DECLINED],
            [R.APPLICANT, R.PROXY, R.WINDOW_CLERK],
            ("R-022",),
            "不愿或无法承诺, 提交证明",
        ),
        _t(
            "sign_pledge",
            [C.NOTICE_ISSUED],
            [C.PLEDGED],
            [R.APPLICANT, R.PROXY],
            ("R-001", "R-024", "R-025", "R-035"),
            "签署承诺书",
        ),
        _t(
            "accept",
            [C.PLEDGED],
            [C.ACCEPTED],
            [R.WINDOW_CLERK],
            ("R-001", "R-040"),
            "依承诺受理, 不再索要证明",
        ),
        _t(
            "withdraw",
            [C.PLEDGED, C.ACCEPTED],
            [C.WITHDRAWN],
            [R.APPLICANT, R.PROXY],
            ("R-060", "R-061", "R-064"),
            "撤回承诺",
        ),
        _t(
            "terminate",
            [C.ACCEPTED],
            [C.TERMINATED],
            [R.WINDOW_CLERK, R.INSPECTOR],
            ("R-050", "R-051"),
            "终止办理",
        ),
        _t("decide", [C.ACCEPTED], [C.DECIDED], [R.WINDOW_CLERK], (), "作出行政决定 (办结)"),
        _t(
            "close_true",
            [C.DECIDED],
            [C.CLOSED_TRUE],
            [R.WINDOW_CLERK, R.INSPECTOR, R.SYSTEM],
            ("R-041",),
            "核查属实, 归档",
        ),
        _t(
            "order_rectification",
            [C.DECIDED],
            [C.RECTIFYING],
            [R.WINDOW_CLERK, R.INSPECTOR],
            ("R-050", "R-051"),
            "责令限期整改",
        ),
        _t(
            "confirm_rectified",
            [C.RECTIFYING],
            [C.CLOSED_RECTIFIED],
            [R.WINDOW_CLERK, R.INSPECTOR],
            ("R-051",),
            "整改到位",
        ),
        _t(
            "revoke",
            [C.DECIDED, C.RECTIFYING],
            [C.REVOKED],
            [R.WINDOW_CLERK, R.INSPECTOR],
            ("R-050", "R-052"),
            "撤销行政决定",
        ),
    ],
)

V = VerificationStatus
_OPEN_V = [
    V.SCHEDULED,
    V.ONLINE_CHECK,
    V.ON_SITE_TASK,
    V.ASSIST_REQUESTED,
    V.ASSIST_REFUSED,
    V.DAILY_SUPERVISION,
    V.OVERDUE,
]
VERIFICATION = _machine(
    "verification",
    "核查",
    [s.value for s in V],
    [V.CONCLUDED, V.CANCELLED],
    [
        _t(
            "schedule",
            [None],
            [V.SCHEDULED, V.DAILY_SUPERVISION],
            [R.WINDOW_CLERK, R.SYSTEM],
            ("R-026", "R-040", "R-041", "R-042"),
            "确定核查办法",
        ),
        _t(
            "start_online",
            [V.SCHEDULED, V.ONLINE_CHECK, V.OVERDUE],
            [V.ONLINE_CHECK],
            [R.SYSTEM, R.INSPECTOR],
            ("R-044",),
            "在线核查",
        ),
        _t(
            "record_online",
            [V.ONLINE_CHECK],
            [V.CONCLUDED, V.ONLINE_CHECK],
            [R.SYSTEM, R.INSPECTOR],
            ("R-044",),
            "记录在线核查结论",
        ),
        _t(
            "replan",
            # ON_SITE_TASK: an inconclusive on-site finding is re-planned (补充核查)
            [V.SCHEDULED, V.ONLINE_CHECK, V.ON_SITE_TASK, V.ASSIST_REFUSED, V.OVERDUE],
            [V.SCHEDULED],
            [R.SYSTEM, R.INSPECTOR],
            ("R-045", "R-046"),
            "改变核查方式",
        ),
        _t(
            "dispatch_on_site",
            [V.SCHEDULED, V.OVERDUE],
            [V.ON_SITE_TASK],
            [R.INSPECTOR, R.SYSTEM],
            ("R-045",),
            "推送现场核查任务",
        ),
        _t(
            "record_on_site",
            [V.ON_SITE_TASK, V.OVERDUE],
            [V.CONCLUDED],
            [R.INSPECTOR],
            ("R-045",),
            "记录现场核查结果",
        ),
        _t(
            "request_assistance",
            [V.SCHEDULED, V.OVERDUE],
            [V.ASSIST_REQUESTED],
            [R.INSPECTOR],
            ("R-046",),
            "请求协助核查",
        ),
        _t(
            "reply_assistance",
            [V.ASSIST_REQUESTED, V.OVERDUE],
            [V.CONCLUDED, V.ASSIST_REFUSED],
            [R.INSPECTOR],
            ("R-046", "R-047"),
            "协助核查答复",
        ),
        _t(
            "record_supervision",
            [V.DAILY_SUPERVISION],
            [V.CONCLUDED, V.DAILY_SUPERVISION],
            [R.INSPECTOR],
            ("R-042", "R-043"),
            "记录日常监管结果",
        ),
        _t(
            "close_exempt",
            [V.DAILY_SUPERVISION],
            [V.CONCLUDED],
            [R.SYSTEM, R.INSPECTOR],
            ("R-042",),
            "监管期届满未发现不实",
        ),
        _t(
            "mark_overdue",
            [
                V.SCHEDULED,
                V.ONLINE_CHECK,
                V.ON_SITE_TASK,
                V.ASSIST_REQUESTED,
                V.ASSIST_REFUSED,
                V.OVERDUE,
            ],
            [V.OVERDUE],
            [R.SYSTEM],
            ("R-041",),
            "逾期督办",
        ),
        _t(
            "cancel",
            _OPEN_V,
            [V.CANCELLED],
            [R.SYSTEM, R.WINDOW_CLERK],
            ("R-061",),
            "撤回或终止后取消核查",
        ),
    ],
)

D = CreditStatus
CREDIT = _machine(
    "credit",
    "信用记录",
    [s.value for s in D],
    [D.REPAIRED, D.EXPIRED, D.CORRECTED, D.INVALIDATED],
    [
        _t(
            "record",
            [None],
            [D.RECORDED],
            [R.CREDIT_OFFICER, R.INSPECTOR, R.WINDOW_CLERK, R.SYSTEM],
            ("R-050", "R-055", "R-056"),
            "纳入信用记录",
        ),
        _t(
            "publicize",
            [D.RECORDED],
            [D.PUBLICIZED],
            [R.CREDIT_OFFICER, R.SYSTEM],
            ("R-110",),
            "公示",
        ),
        _t(
            "object",
            [D.RECORDED, D.PUBLICIZED],
            [D.UNDER_OBJECTION],
            [R.APPLICANT, R.PROXY, R.CREDIT_OFFICER],
            ("R-057", "R-116"),
            "提出异议",
        ),
        _t(
            "resolve_objection",
            [D.UNDER_OBJECTION],
            [D.CORRECTED, D.INVALIDATED, D.RECORDED, D.PUBLICIZED],
            [R.CREDIT_OFFICER],
            ("R-057", "R-116"),
            "异议处理",
        ),
        _t(
            "apply_repair",
            [D.RECORDED, D.PUBLICIZED],
            [D.REPAIR_PENDING],
            [R.APPLICANT, R.PROXY, R.CREDIT_OFFICER],
            ("R-112", "R-113"),
            "申请信用修复",
        ),
        _t(
            "decide_repair",
            [D.REPAIR_PENDING],
            [D.REPAIRED, D.PUBLICIZED, D.RECORDED],
            [R.CREDIT_OFFICER],
            ("R-111", "R-114", "R-115"),
            "信用修复决定",
        ),
        _t(
            "expire",
            [D.PUBLICIZED],
            [D.EXPIRED],
            [R.SYSTEM, R.CREDIT_OFFICER],
            ("R-110",),
            "最长公示期届满停止公示",
        ),
    ],
)

P = ComplaintStatus
COMPLAINT = _machine(
    "complaint",
    "投诉举报",
    [s.value for s in P],
    [P.CLOSED],
    [
        _t("receive", [None], [P.RECEIVED], [R.WINDOW_CLERK, R.SYSTEM], ("R-072",), "受理投诉举报"),
        _t("assign", [P.RECEIVED], [P.ASSIGNED], [R.WINDOW_CLERK, R.INSPECTOR], ("R-072",), "分派"),
        _t("handle", [P.ASSIGNED], [P.HANDLED], [R.INSPECTOR, R.WINDOW_CLERK], ("R-072",), "处理"),
        _t(
            "give_feedback",
            [P.HANDLED],
            [P.CLOSED],
            [R.INSPECTOR, R.WINDOW_CLERK],
            ("R-072",),
            "向举报人反馈",
        ),
    ],
)

DRAW = _machine(
    "draw",
    "双随机抽取",
    ["PUBLISHED"],
    ["PUBLISHED"],
    [
        _t(
            "publish",
            [None],
            ["PUBLISHED"],
            [R.INSPECTOR, R.SYSTEM],
            ("R-042", "R-043"),
            "抽取并公开",
        )
    ],
)

JOURNAL = _machine(
    "journal",
    "台账",
    ["SEALED"],
    ["SEALED"],
    [_t("checkpoint", [None], ["SEALED"], [R.SYSTEM, R.AUDITOR], (), "签名检查点")],
)

MACHINES: dict[str, StateMachine] = {
    m.name: m for m in (ENTRY, CASE, VERIFICATION, CREDIT, COMPLAINT, DRAW, JOURNAL)
}

#: Roles that act for an organ and must belong to the organ owning the aggregate.
ORGAN_SCOPED_ROLES = _OFFICIALS
