"""Role policy: who may perform which transition for which organ (workflow.roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaozhi_sdk.errors import ConfigError, PermissionDeniedError
from gaozhi_sdk.models import Actor
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.workflow.machines import MACHINES, ORGAN_SCOPED_ROLES
from gaozhi_sdk.workflow.roles import RolePolicy

OWNER = "11411222005123018X"
POLICE = "11411222005123026Q"
JUSTICE = "11411222005123085U"
R = ActorRole


def _actor(role: ActorRole, organ: str | None = OWNER, actor_id: str = "ST0001") -> Actor:
    return Actor(role=role, actor_id=actor_id, organ_uscc=organ)


def test_default_grants_are_the_machine_roles() -> None:
    """By default each ``machine.transition`` is granted to the roles listed on it."""
    policy = RolePolicy()
    for m in MACHINES.values():
        for t in m.transitions.values():
            assert policy.roles_for(f"{m.name}.{t.name}") == t.roles


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("case.accept", R.WINDOW_CLERK),
        ("case.sign_pledge", R.APPLICANT),
        ("case.sign_pledge", R.PROXY),
        ("entry.publish", R.JUSTICE_REVIEWER),
        ("credit.decide_repair", R.CREDIT_OFFICER),
        ("verification.mark_overdue", R.SYSTEM),
        ("verification.record_on_site", R.INSPECTOR),
    ],
)
def test_default_grants_allow(action: str, role: ActorRole) -> None:
    """Granted roles pass (officials for their own organ)."""
    RolePolicy().check(_actor(role), action, OWNER)


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("case.accept", R.APPLICANT),
        ("case.sign_pledge", R.WINDOW_CLERK),
        ("entry.publish", R.LIST_OFFICER),
        ("credit.decide_repair", R.INSPECTOR),
        ("verification.record_on_site", R.SYSTEM),
        ("case.decide", R.AUDITOR),
    ],
)
def test_role_not_granted_au001(action: str, role: ActorRole) -> None:
    """A role without the grant is refused with GZ-AU-001 and a Chinese message."""
    with pytest.raises(PermissionDeniedError) as ei:
        RolePolicy().check(_actor(role), action, OWNER)
    err = ei.value
    assert err.code == "GZ-AU-001"
    assert role.value in err.message and "无权" in err.message
    assert err.details == {"action": action, "role": role.value}


@pytest.mark.parametrize("role", sorted(ORGAN_SCOPED_ROLES))
def test_officials_act_only_for_their_organ_au002(role: ActorRole) -> None:
    """Officials of another organ are refused (GZ-AU-002); USCCs are masked in the message."""
    action = next(
        f"{m.name}.{t.name}"
        for m in MACHINES.values()
        for t in m.transitions.values()
        if role in t.roles
    )
    policy = RolePolicy()
    policy.check(_actor(role, OWNER), action, OWNER)
    with pytest.raises(PermissionDeniedError) as ei:
        policy.check(_actor(role, POLICE), action, OWNER)
    assert ei.value.code == "GZ-AU-002"
    assert OWNER not in ei.value.message and POLICE not in ei.value.message
    with pytest.raises(PermissionDeniedError):
        policy.check(_actor(role, None), action, OWNER)  # an official without an organ


def test_unscoped_actions_and_roles() -> None:
    """Without an owning organ there is no scope check; applicants and the system are not
    organ-scoped."""
    policy = RolePolicy()
    policy.check(_actor(R.WINDOW_CLERK, POLICE), "case.accept", None)
    policy.check(Actor(role=R.APPLICANT, actor_id="x"), "case.sign_pledge", OWNER)
    policy.check(Actor(role=R.SYSTEM, actor_id="system"), "verification.mark_overdue", OWNER)


def test_unknown_action_is_never_granted() -> None:
    """An action that is no transition has no grants."""
    policy = RolePolicy()
    assert policy.roles_for("case.teleport") == frozenset()
    with pytest.raises(PermissionDeniedError) as ei:
        policy.check(_actor(R.WINDOW_CLERK), "case.teleport", OWNER)
    assert ei.value.code == "GZ-AU-001" and "无" in ei.value.message


def test_overrides_from_mapping() -> None:
    """Overrides replace the default roles of the named transitions only."""
    policy = RolePolicy({"case.accept": ["INSPECTOR", "SYSTEM"]})
    assert policy.roles_for("case.accept") == {R.INSPECTOR, R.SYSTEM}
    with pytest.raises(PermissionDeniedError):
        policy.check(_actor(R.WINDOW_CLERK), "case.accept", OWNER)
    policy.check(_actor(R.INSPECTOR), "case.accept", OWNER)
    assert policy.roles_for("case.decide") == MACHINES["case"].transition("decide").roles


def test_custom_organ_scope() -> None:
    """The set of organ-scoped roles is configurable."""
    policy = RolePolicy(organ_scoped=frozenset())
    policy.check(_actor(R.WINDOW_CLERK, POLICE), "case.accept", OWNER)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"case.teleport": ["WINDOW_CLERK"]}, "GZ-CF-010"),
        ({"accept": ["WINDOW_CLERK"]}, "GZ-CF-010"),
        ({"case.accept": ["WIZARD"]}, "GZ-CF-011"),
    ],
)
def test_bad_overrides_are_config_errors(overrides: dict[str, list[str]], code: str) -> None:
    """Unknown transitions or roles in the configuration are ConfigError with a code."""
    with pytest.raises(ConfigError) as ei:
        RolePolicy(overrides)
    assert ei.value.code == code


def test_from_yaml_with_grants_and_justice_bureaus(tmp_path: Path) -> None:
    """A YAML policy sets grants and the justice bureaus whose reviewers publish (R-011)."""
    path = tmp_path / "roles.yaml"
    path.write_text(
        "# 角色策略\ngrants:\n  case.accept: [INSPECTOR]\n  entry.publish: [JUSTICE_REVIEWER]\n"
        f"justice_bureaus: ['{JUSTICE}']\n",
        encoding="utf-8",
    )
    policy = RolePolicy.from_yaml(path)
    assert policy.roles_for("case.accept") == {R.INSPECTOR}
    policy.check(_actor(R.JUSTICE_REVIEWER, JUSTICE), "entry.publish", None)
    with pytest.raises(PermissionDeniedError) as ei:
        policy.check(_actor(R.JUSTICE_REVIEWER, POLICE), "entry.publish", None)
    assert ei.value.code == "GZ-AU-003"


def test_from_yaml_empty_file_is_default(tmp_path: Path) -> None:
    """An empty YAML file is the default policy."""
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    policy = RolePolicy.from_yaml(path)
    assert policy.roles_for("case.accept") == RolePolicy().roles_for("case.accept")
    policy.check(_actor(R.JUSTICE_REVIEWER, POLICE), "entry.publish", None)  # no bureau list


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("grants: {case.accept: [WIZARD]}\n", "GZ-CF-011"),
        ("grants: {case.nothing: [INSPECTOR]}\n", "GZ-CF-010"),
        ("- just\n- a list\n", "GZ-CF-012"),
        ("grants: [unclosed\n", "GZ-CF-012"),
    ],
)
def test_from_yaml_errors(tmp_path: Path, text: str, code: str) -> None:
    """Unknown roles/transitions, a non-mapping and broken YAML are coded ConfigErrors."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        RolePolicy.from_yaml(path)
    assert ei.value.code == code


def test_from_yaml_missing_file(tmp_path: Path) -> None:
    """An unreadable file is GZ-CF-012."""
    with pytest.raises(ConfigError) as ei:
        RolePolicy.from_yaml(tmp_path / "absent.yaml")
    assert ei.value.code == "GZ-CF-012"
