"""Role policy: who may perform which transition for which organ.

The default policy grants each transition to the roles listed on it in
:mod:`gaozhi_sdk.workflow.machines`. Officials (窗口、核查、信用、清单人员) act only for
their own organ. A deployment overrides grants per ``machine.transition`` (from YAML or a
mapping) and may restrict a grant to named organs. Refused attempts are journaled by the
service before :class:`~gaozhi_sdk.errors.PermissionDeniedError` is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gaozhi_sdk.errors import ConfigError, PermissionDeniedError
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.workflow.machines import MACHINES, ORGAN_SCOPED_ROLES

__all__ = ["RolePolicy"]


class RolePolicy:
    """Decides whether an actor may perform ``machine.transition`` for an organ.

    Args:
        overrides: ``{"case.accept": ["WINDOW_CLERK", "INSPECTOR"], …}`` replacing the
            default roles of those transitions.
        organ_scoped: roles that must belong to the owning organ (default: officials).
        justice_bureaus: if given, the USCCs of the justice bureaus whose reviewers may
            review lists (R-009, R-011); otherwise any reviewer may.
    """

    def __init__(
        self,
        overrides: Mapping[str, list[str] | tuple[str, ...]] | None = None,
        *,
        organ_scoped: frozenset[ActorRole] = ORGAN_SCOPED_ROLES,
        justice_bureaus: frozenset[str] | None = None,
    ) -> None:
        self._grants: dict[str, frozenset[ActorRole]] = {}
        for m in MACHINES.values():
            for t in m.transitions.values():
                self._grants[f"{m.name}.{t.name}"] = t.roles
        for key, roles in (overrides or {}).items():
            if key not in self._grants:
                raise ConfigError(
                    "GZ-CF-010",
                    f"角色策略中的操作 {key} 不存在 (格式: 状态机.操作, 如 case.accept)",
                    message_en=f"unknown transition {key!r} in role policy",
                )
            try:
                self._grants[key] = frozenset(ActorRole(r) for r in roles)
            except ValueError as exc:
                raise ConfigError(
                    "GZ-CF-011",
                    f"角色策略 {key} 中有未知角色: {exc}",
                    message_en=f"unknown role in policy for {key!r}",
                ) from exc
        self._organ_scoped = organ_scoped
        self._justice = justice_bureaus

    @classmethod
    def from_yaml(cls, path: str | Path) -> RolePolicy:
        """Load ``grants:`` (mapping) and optional ``justice_bureaus:`` (list) from YAML."""
        try:
            data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(
                "GZ-CF-012", f"无法读取角色策略文件: {exc}", message_en="cannot read role policy"
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(
                "GZ-CF-012", "角色策略文件须为映射", message_en="policy must be a map"
            )
        jb = data.get("justice_bureaus")
        return cls(
            data.get("grants") or {},
            justice_bureaus=frozenset(jb) if jb else None,
        )

    def roles_for(self, action: str) -> frozenset[ActorRole]:
        """Roles granted ``machine.transition``."""
        return self._grants.get(action, frozenset())

    def check(self, actor: Actor, action: str, organ_uscc: str | None) -> None:
        """Raise PermissionDeniedError unless ``actor`` may perform ``action`` for the organ.

        Codes: GZ-AU-001 role not granted; GZ-AU-002 official of another organ;
        GZ-AU-003 reviewer not of a configured justice bureau.
        """
        roles = self.roles_for(action)
        if actor.role not in roles:
            allowed = "、".join(sorted(r.value for r in roles)) or "无"
            raise PermissionDeniedError(
                "GZ-AU-001",
                f"角色 {actor.role.value} 无权执行 {action} (允许: {allowed})",
                message_en=f"role {actor.role.value} may not perform {action}",
                details={"action": action, "role": actor.role.value},
            )
        if actor.role in self._organ_scoped and organ_uscc and actor.organ_uscc != organ_uscc:
            raise PermissionDeniedError(
                "GZ-AU-002",
                f"{actor.role.value} 人员只能办理本机关事项 "
                f"(人员所属 {mask_identifier(actor.organ_uscc or '')}, "
                f"事项属于 {mask_identifier(organ_uscc)})",
                message_en="officials may act only for their own organ",
                details={"action": action, "role": actor.role.value},
            )
        if (
            actor.role is ActorRole.JUSTICE_REVIEWER
            and self._justice is not None
            and actor.organ_uscc not in self._justice
        ):
            raise PermissionDeniedError(
                "GZ-AU-003",
                "审核人员不属于配置的司法行政部门",
                message_en="reviewer is not from a configured justice bureau",
            )
