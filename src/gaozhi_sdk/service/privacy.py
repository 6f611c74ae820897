"""不予公开的标记与个人信息保护影响评估 — the service side (R-073, R-094, R-090).

* ``svc.disclosure.mark_confidential``: the applicant (or its proxy) or an official of
  the organ marks part of a signed pledge as a trade secret or a third party's private
  information; ``svc.disclosure.override_confidentiality`` records the consent or the
  overriding public interest (with its reason) that publishes it after all (R-073).
* ``svc.disclosure.record_impact_assessment``: the organ's 个人信息保护影响评估 for
  publishing the pledges of one entry (R-094); ``svc.disclosure.impact_assessment_for``
  finds the one in force. ``publish_disclosure`` requires it for natural persons.

Each is one transaction with its journal entry (the payload only as a digest: reasons are
free text); refusals are journaled too.
"""

from __future__ import annotations

from datetime import date, datetime

from gaozhi_sdk.canonical import digest_json
from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models import GaozhiModel
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.models.privacy import ConfidentialityMark, DisclosureOverride, ImpactAssessment
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.cases import CasesMixin

__all__ = ["MARK_KIND", "PIA_KIND", "PrivacyMixin"]

MARK_KIND = "confidential_mark"
PIA_KIND = "impact_assessment"
_OFFICIALS = frozenset({ActorRole.WINDOW_CLERK, ActorRole.LIST_OFFICER})


class PrivacyMixin(CasesMixin):
    """不予公开的标记 (R-073) 与个人信息保护影响评估 (R-094)."""

    def _put_journaled(
        self,
        kind: str,
        agg_id: str,
        model: GaozhiModel,
        expected_version: int | None,
        event: str,
        actor: Actor,
        now: datetime,
        detail: dict[str, str],
    ) -> None:
        """Store ``model`` (state = ``detail["to"]``) and its journal entry in one
        transaction; the journal gets the payload's digest only (reasons are free text)."""
        with self.store.transaction() as tx:
            doc = model.model_dump(mode="json")
            tx.put(kind, agg_id, doc, state=detail["to"], expected_version=expected_version)
            tx.append_journal(
                event=event,
                aggregate_type=kind,
                aggregate_id=agg_id,
                actor=self.actor_ref(actor),
                payload_digest=digest_json(model),
                detail=detail,
                at=now.isoformat(),
            )

    # -- R-073 -------------------------------------------------------------------------------
    def _confidential_marks(self, pledge_id: str) -> list[ConfidentialityMark]:
        """The marks on one pledge, in id order."""
        return [
            m
            for m in (self._model_of(r, ConfidentialityMark) for r in self.store.list(MARK_KIND))
            if m.pledge_id == pledge_id
        ]

    def _check_marker(self, pledge_id: str, actor: Actor, *, officials_only: bool) -> str:
        """The case's organ, after checking who may mark (R-073) and that nothing is public."""
        pledge = self._pledge(pledge_id)
        case = self._case(pledge.case_no)
        party = {pledge.pledgor.id_number} | (
            {pledge.proxy.party.id_number} if pledge.proxy is not None else set()
        )
        if actor.role in _OFFICIALS:
            if actor.organ_uscc != case.organ_uscc:
                raise PermissionDeniedError(
                    "GZ-AU-002",
                    f"只能处理本机关的承诺书 (事项属于 {mask_identifier(case.organ_uscc)})",
                    message_en="officials may act only on their own organ's pledges",
                    details={"action": "disclosure.mark", "role": actor.role.value},
                )
        elif officials_only or not (
            actor.role in (ActorRole.APPLICANT, ActorRole.PROXY) and actor.actor_id in party
        ):
            raise PermissionDeniedError(
                "GZ-AU-001",
                f"角色 {actor.role.value} 无权执行此操作 (R-073)",
                message_en=f"role {actor.role.value} may not do this",
                details={"action": "disclosure.mark", "role": actor.role.value},
            )
        if self.store.get("disclosure", f"DSC-{pledge_id}") is not None:
            raise RuleViolationError(
                "GZ-RL-504",
                "该承诺书已经公开, 不能再标记或改变不予公开的内容",
                message_en="the pledge is already disclosed",
            )
        return case.organ_uscc

    @refusals_journaled("disclosure.mark", "pledge", "pledge_id")
    def _mark_confidential(
        self,
        pledge_id: str,
        mark: ConfidentialityMark | dict[str, object],
        actor: Actor,
    ) -> ConfidentialityMark:
        """Mark part of a pledge as a trade secret or third-party private information (R-073).

        The applicant, its proxy or an official (窗口、清单人员) of the organ may mark; the
        public copy then shows the legal ground in place of the content.

        Raises:
            PermissionDeniedError: GZ-AU-001/002 (who may mark).
            RuleViolationError: GZ-RL-503 when the item or clause is not in the pledge,
                GZ-RL-504 when the pledge is already disclosed.
        """
        m = self._parse(ConfidentialityMark, mark, "不予公开标记")
        if m.pledge_id != pledge_id or m.override is not None:
            raise RuleViolationError(
                "GZ-RL-503",
                "标记须针对本承诺书, 且仍予公开的决定须另行记录",
                message_en="mark another pledge or carries an override",
            )
        organ = self._check_marker(pledge_id, actor, officials_only=False)
        pledge = self._pledge(pledge_id)
        item = next((i for i in pledge.items if i.entry_id == m.entry_id), None)
        if item is None or (m.clause_index is not None and m.clause_index >= len(item.clauses)):
            raise RuleViolationError(
                "GZ-RL-503",
                f"承诺书中没有所标记的事项或条款: {m.entry_id}",
                message_en="no such item or clause in the pledge",
            )
        now = self.now()
        m = m.model_copy(update={"marked_by": actor.role, "marked_at": now})
        detail = {
            "to": "WITHHELD",
            "pledge_id": pledge_id,
            "ground": m.ground.value,
            "organ": organ,
        }
        self._put_journaled(MARK_KIND, m.mark_id, m, None, "disclosure.mark", actor, now, detail)
        return m

    @refusals_journaled("disclosure.override", "confidential_mark", "mark_id")
    def _override_confidentiality(
        self,
        mark_id: str,
        override: DisclosureOverride | dict[str, object],
        actor: Actor,
    ) -> ConfidentialityMark:
        """Publish marked content after all: the third party consented, or not publishing
        would gravely affect the public interest — with the reason (R-073).

        Raises:
            PermissionDeniedError: only officials of the organ decide.
            RuleViolationError: GZ-RL-504 when the pledge is already disclosed.
        """
        m = self._load(MARK_KIND, mark_id, ConfidentialityMark)
        o = self._parse(DisclosureOverride, override, "仍予公开的决定")
        self._check_marker(m.pledge_id, actor, officials_only=True)
        rec = self._load_record(MARK_KIND, mark_id)
        new = m.model_copy(update={"override": o})
        now = self.now()
        detail = {"from": "WITHHELD", "to": "PUBLISHABLE", "basis": o.basis.value}
        self._put_journaled(
            MARK_KIND, mark_id, new, rec.version, "disclosure.override", actor, now, detail
        )
        return new

    # -- R-094 -------------------------------------------------------------------------------
    def _impact_assessments(self) -> list[ImpactAssessment]:
        """Every recorded impact assessment (kept at least three years, R-094)."""
        return [self._model_of(r, ImpactAssessment) for r in self.store.list(PIA_KIND)]

    def _impact_assessment_for(
        self, organ_uscc: str, entry_id: str, on: date
    ) -> ImpactAssessment | None:
        """The latest assessment of ``organ_uscc`` for disclosing ``entry_id``'s pledges
        made on or before ``on`` (None if there is none)."""
        found = [
            a
            for a in self._impact_assessments()
            if a.organ_uscc == organ_uscc and a.entry_id == entry_id and a.assessed_on <= on
        ]
        return max(found, key=lambda a: (a.assessed_on, a.assessment_id)) if found else None

    @refusals_journaled("privacy.assess", "impact_assessment", "-")
    def _record_impact_assessment(
        self, assessment: ImpactAssessment | dict[str, object], actor: Actor
    ) -> ImpactAssessment:
        """Record a 个人信息保护影响评估 before publishing personal information (R-094).

        Only a list officer of the assessing organ (or the system) records it; it is never
        overwritten — a new assessment gets a new id.
        """
        a = self._parse(ImpactAssessment, assessment, "个人信息保护影响评估")
        if actor.role is not ActorRole.SYSTEM and (
            actor.role is not ActorRole.LIST_OFFICER or actor.organ_uscc != a.organ_uscc
        ):
            raise PermissionDeniedError(
                "GZ-AU-001",
                f"角色 {actor.role.value} 无权记录该机关的个人信息保护影响评估 (R-094)",
                message_en="only the organ's list officer records impact assessments",
                details={"action": "privacy.assess", "role": actor.role.value},
            )
        now = self.now()
        detail = {
            "to": "RECORDED",
            "entry_id": a.entry_id,
            "organ": a.organ_uscc,
            "retain_until": a.retain_until.isoformat(),
        }
        self._put_journaled(
            PIA_KIND, a.assessment_id, a, None, "privacy.assess", actor, now, detail
        )
        return a
