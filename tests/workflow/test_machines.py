"""The state machines of DOMAIN §3 as data (gaozhi_sdk.workflow.machines)."""

from __future__ import annotations

import re
from collections import deque
from enum import StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaozhi_sdk.errors import WorkflowError
from gaozhi_sdk.models.enums import (
    CaseStatus,
    ComplaintStatus,
    CreditStatus,
    EntryStatus,
    VerificationStatus,
)
from gaozhi_sdk.workflow.machines import (
    CASE,
    COMPLAINT,
    CREDIT,
    ENTRY,
    MACHINES,
    VERIFICATION,
    StateMachine,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")
ALL = sorted(MACHINES)

# (machine, transition, source, target) samples from DOMAIN §3, checked explicitly.
DOMAIN_EDGES = [
    ("entry", "submit_for_review", "DRAFT", "UNDER_REVIEW"),
    ("entry", "publish", "UNDER_REVIEW", "PUBLISHED"),
    ("entry", "supersede", "PUBLISHED", "SUPERSEDED"),
    ("entry", "retire", "PUBLISHED", "RETIRED"),
    ("case", "mark_ineligible", "NOTICE_ISSUED", "INELIGIBLE"),
    ("case", "decline", "NOTICE_ISSUED", "DECLINED"),
    ("case", "sign_pledge", "NOTICE_ISSUED", "PLEDGED"),
    ("case", "accept", "PLEDGED", "ACCEPTED"),
    ("case", "withdraw", "PLEDGED", "WITHDRAWN"),
    ("case", "withdraw", "ACCEPTED", "WITHDRAWN"),
    ("case", "terminate", "ACCEPTED", "TERMINATED"),
    ("case", "decide", "ACCEPTED", "DECIDED"),
    ("case", "close_true", "DECIDED", "CLOSED_TRUE"),
    ("case", "order_rectification", "DECIDED", "RECTIFYING"),
    ("case", "confirm_rectified", "RECTIFYING", "CLOSED_RECTIFIED"),
    ("case", "revoke", "RECTIFYING", "REVOKED"),
    ("case", "revoke", "DECIDED", "REVOKED"),
    ("verification", "record_online", "ONLINE_CHECK", "CONCLUDED"),
    ("verification", "dispatch_on_site", "SCHEDULED", "ON_SITE_TASK"),
    ("verification", "reply_assistance", "ASSIST_REQUESTED", "ASSIST_REFUSED"),
    ("verification", "replan", "ASSIST_REFUSED", "SCHEDULED"),
    ("verification", "replan", "ON_SITE_TASK", "SCHEDULED"),  # 补充核查
    ("verification", "record_supervision", "DAILY_SUPERVISION", "CONCLUDED"),
    ("verification", "mark_overdue", "ASSIST_REQUESTED", "OVERDUE"),
    ("credit", "publicize", "RECORDED", "PUBLICIZED"),
    ("credit", "object", "PUBLICIZED", "UNDER_OBJECTION"),
    ("credit", "resolve_objection", "UNDER_OBJECTION", "CORRECTED"),
    ("credit", "resolve_objection", "UNDER_OBJECTION", "INVALIDATED"),
    ("credit", "resolve_objection", "UNDER_OBJECTION", "PUBLICIZED"),
    ("credit", "apply_repair", "PUBLICIZED", "REPAIR_PENDING"),
    ("credit", "decide_repair", "REPAIR_PENDING", "REPAIRED"),
    ("credit", "decide_repair", "REPAIR_PENDING", "PUBLICIZED"),
    ("credit", "expire", "PUBLICIZED", "EXPIRED"),
    ("complaint", "give_feedback", "HANDLED", "CLOSED"),
]


def _current(src: str) -> str | None:
    return None if src == "" else src


@pytest.mark.parametrize(("machine", "name", "src", "dst"), DOMAIN_EDGES)
def test_domain_transitions_are_legal(machine: str, name: str, src: str, dst: str) -> None:
    """The transitions drawn in DOMAIN §3 are legal and lead to the drawn state."""
    m = MACHINES[machine]
    t = m.transition(name)
    target = None if len(t.targets) == 1 else dst
    assert m.check(name, src, target) == dst


@pytest.mark.parametrize("machine", ALL)
def test_every_legal_transition_returns_its_target(machine: str) -> None:
    """From every source of every transition, ``check`` returns the (chosen) target."""
    m = MACHINES[machine]
    for t in m.transitions.values():
        for src in t.sources:
            for dst in t.targets:
                assert m.check(t.name, _current(src), dst) == dst
            if len(t.targets) == 1:
                assert m.check(t.name, _current(src)) == next(iter(t.targets))


@pytest.mark.parametrize("machine", ALL)
def test_every_illegal_transition_raises_wf002_naming_the_state(machine: str) -> None:
    """From every other state, ``check`` raises GZ-WF-002 with a Chinese message naming the
    state (or 新建 for creation)."""
    m = MACHINES[machine]
    for t in m.transitions.values():
        for state in ["", *m.states]:
            if state in t.sources:
                continue
            with pytest.raises(WorkflowError) as ei:
                m.check(t.name, _current(state), next(iter(t.targets)))
            err = ei.value
            assert err.code == "GZ-WF-002"
            shown = state or "新建"
            assert shown in err.message and _CJK.search(err.message)
            assert err.details["state"] == shown and err.details["transition"] == t.name


@pytest.mark.parametrize("machine", ALL)
def test_terminal_states_have_no_outgoing_transitions(machine: str) -> None:
    """Terminal states are final: no transition leaves them."""
    m = MACHINES[machine]
    assert m.terminal and m.terminal <= set(m.states)
    for t in m.transitions.values():
        assert not (t.sources & m.terminal), t.name


@pytest.mark.parametrize("machine", ALL)
def test_non_terminal_states_can_move_on(machine: str) -> None:
    """Every state that is not terminal has at least one way out (no dead ends)."""
    m = MACHINES[machine]
    sources = {s for t in m.transitions.values() for s in t.sources}
    for state in set(m.states) - m.terminal:
        assert state in sources, state


@pytest.mark.parametrize("machine", ALL)
def test_every_state_reachable_from_an_initial_state(machine: str) -> None:
    """A graph walk from the initial states reaches every state of the machine."""
    m = MACHINES[machine]
    assert m.initial
    seen = set(m.initial)
    todo = deque(m.initial)
    edges = list(m.edges())
    while todo:
        s = todo.popleft()
        for src, dst, _ in edges:
            if src == s and dst not in seen:
                seen.add(dst)
                todo.append(dst)
    assert seen == set(m.states)


@pytest.mark.parametrize(
    ("machine", "enum"),
    [
        (ENTRY, EntryStatus),
        (CASE, CaseStatus),
        (VERIFICATION, VerificationStatus),
        (CREDIT, CreditStatus),
        (COMPLAINT, ComplaintStatus),
    ],
)
def test_machine_states_are_the_model_enums(machine: StateMachine, enum: type[StrEnum]) -> None:
    """The machine's states are exactly the status enum of the aggregate it governs."""
    assert set(machine.states) == {e.value for e in enum}


def test_initial_states() -> None:
    """Creation transitions (R-001, R-008, R-050, R-072) give the initial states."""
    assert CASE.initial == {"NOTICE_ISSUED"}
    assert ENTRY.initial == {"DRAFT"}
    assert VERIFICATION.initial == {"SCHEDULED", "DAILY_SUPERVISION"}
    assert CREDIT.initial == {"RECORDED"}
    assert COMPLAINT.initial == {"RECEIVED"}


@pytest.mark.parametrize("machine", ALL)
def test_transitions_are_documented(machine: str) -> None:
    """Every transition has a Chinese label, granted roles and well-formed rule numbers."""
    m = MACHINES[machine]
    assert _CJK.search(m.label_zh)
    for t in m.transitions.values():
        assert _CJK.search(t.label_zh), t.name
        assert t.roles, t.name
        assert t.targets <= set(m.states)
        assert t.sources <= {"", *m.states}
        assert all(re.fullmatch(r"R-\d{3}[a-z]?", r) for r in t.rules), t.rules


def test_unknown_transition_wf001() -> None:
    """An unknown transition name is GZ-WF-001 with a Chinese message."""
    with pytest.raises(WorkflowError) as ei:
        CASE.check("teleport", "PLEDGED")
    assert ei.value.code == "GZ-WF-001"
    assert "teleport" in ei.value.message and _CJK.search(ei.value.message)
    assert ei.value.details == {"machine": "case", "transition": "teleport"}
    with pytest.raises(WorkflowError) as ei2:
        CREDIT.transition("forgive")
    assert ei2.value.code == "GZ-WF-001"


@pytest.mark.parametrize(
    ("machine", "name", "src"),
    [
        (CREDIT, "resolve_objection", "UNDER_OBJECTION"),
        (CREDIT, "decide_repair", "REPAIR_PENDING"),
        (VERIFICATION, "record_online", "ONLINE_CHECK"),
        (VERIFICATION, "reply_assistance", "ASSIST_REQUESTED"),
        (VERIFICATION, "schedule", None),
    ],
)
def test_multi_target_transition_needs_target_wf003(
    machine: StateMachine, name: str, src: str | None
) -> None:
    """A transition with several possible targets needs the target named (GZ-WF-003), and
    only one of its own targets is accepted."""
    assert len(machine.transition(name).targets) > 1
    with pytest.raises(WorkflowError) as ei:
        machine.check(name, src)
    assert ei.value.code == "GZ-WF-003" and _CJK.search(ei.value.message)
    foreign = next(s for s in machine.states if s not in machine.transition(name).targets)
    with pytest.raises(WorkflowError) as ei2:
        machine.check(name, src, foreign)
    assert ei2.value.code == "GZ-WF-003"
    assert ei2.value.details["target"] == foreign


def test_single_target_transition_rejects_other_target() -> None:
    """Naming a target a single-target transition cannot reach is GZ-WF-003 too."""
    with pytest.raises(WorkflowError) as ei:
        CASE.check("accept", "PLEDGED", "DECIDED")
    assert ei.value.code == "GZ-WF-003"


def test_edges_list_every_pair() -> None:
    """``edges()`` enumerates (source, target, transition) for every pair."""
    edges = set(CASE.edges())
    assert ("", "NOTICE_ISSUED", "issue_notice") in edges
    assert ("ACCEPTED", "WITHDRAWN", "withdraw") in edges
    expected = sum(len(t.sources) * len(t.targets) for t in CASE.transitions.values())
    assert len(edges) == expected


@settings(max_examples=60, deadline=None)
@given(data=st.data(), machine=st.sampled_from(ALL))
def test_random_walks_only_follow_legal_edges(data: st.DataObject, machine: str) -> None:
    """Property: on any random walk, ``check`` succeeds exactly when the current state is a
    source of the attempted transition, and the walk never leaves a terminal state."""
    m = MACHINES[machine]
    state: str = data.draw(st.sampled_from(sorted(m.initial)))
    names = sorted(m.transitions)
    for _ in range(25):
        t = m.transitions[data.draw(st.sampled_from(names))]
        dst = data.draw(st.sampled_from(sorted(t.targets)))
        if state in t.sources:
            assert m.check(t.name, state, dst) == dst
            assert state not in m.terminal
            state = dst
        else:
            with pytest.raises(WorkflowError) as ei:
                m.check(t.name, state, dst)
            assert ei.value.code == "GZ-WF-002"
    assert state in m.states
