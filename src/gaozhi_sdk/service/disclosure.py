"""承诺书公开 (R-071–R-074, R-092…R-094): the service side of public disclosure.

``svc.disclosure.publish`` builds the redacted public copy of a signed
pledge (only items whose entry says ``PUBLIC_REDACTED`` and carries no sensitive data;
content marked confidential replaced by its legal ground, R-073), requires a personal
information impact assessment for each disclosed entry when the pledgor is a natural
person (R-094), seals the copy with the organ's seal, stores it and journals
``disclosure.publish`` — with the bundle digest, the assessments and the marks applied, the
processing record R-094 asks to keep — in the same transaction, then emits
``disclosure.published``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from gaozhi_sdk.canonical import digest_json
from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError, WorkflowError
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.disclosure import DisclosedPledge
from gaozhi_sdk.models.documents import Pledge
from gaozhi_sdk.models.enums import ActorRole, CaseStatus
from gaozhi_sdk.models.lists import CommitmentList, CommitmentListEntry
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.rules.disclosure import build_disclosure, redaction_profile
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.lists import list_key
from gaozhi_sdk.service.privacy import PrivacyMixin

__all__ = ["DISCLOSURE_ROLES", "DisclosureMixin"]

#: Roles that may publish a pledge (officials of the owning organ, or the system).
DISCLOSURE_ROLES = frozenset({ActorRole.WINDOW_CLERK, ActorRole.LIST_OFFICER, ActorRole.SYSTEM})
_ORGAN_SCOPED = frozenset({ActorRole.WINDOW_CLERK, ActorRole.LIST_OFFICER})
#: A pledge is disclosed only once signed and not withdrawn.
_DISCLOSABLE = frozenset(
    {
        CaseStatus.PLEDGED,
        CaseStatus.ACCEPTED,
        CaseStatus.DECIDED,
        CaseStatus.CLOSED_TRUE,
        CaseStatus.RECTIFYING,
        CaseStatus.CLOSED_RECTIFIED,
        CaseStatus.REVOKED,
        CaseStatus.TERMINATED,
    }
)


class DisclosureMixin(PrivacyMixin):
    """承诺书公开."""

    def _disclosure(self, disclosure_id: str) -> DisclosedPledge:
        """A published disclosure copy."""
        return self._load("disclosure", disclosure_id, DisclosedPledge)

    def _disclosures(self) -> list[DisclosedPledge]:
        """Every published disclosure copy, in id order."""
        return [self._model_of(r, DisclosedPledge) for r in self.store.list("disclosure")]

    @staticmethod
    def _check_disclosure_role(actor: Actor, organ_uscc: str) -> None:
        if actor.role not in DISCLOSURE_ROLES:
            raise PermissionDeniedError(
                "GZ-AU-001",
                f"角色 {actor.role.value} 无权执行 disclosure.publish "
                f"(允许: {'、'.join(sorted(r.value for r in DISCLOSURE_ROLES))})",
                message_en=f"role {actor.role.value} may not publish disclosures",
                details={"action": "disclosure.publish", "role": actor.role.value},
            )
        if actor.role in _ORGAN_SCOPED and actor.organ_uscc != organ_uscc:
            raise PermissionDeniedError(
                "GZ-AU-002",
                f"{actor.role.value} 人员只能公开本机关的承诺书 "
                f"(事项属于 {mask_identifier(organ_uscc)})",
                message_en="officials may publish only their own organ's pledges",
                details={"action": "disclosure.publish", "role": actor.role.value},
            )

    @refusals_journaled("disclosure.publish", "disclosure", "pledge_id")
    def _publish_disclosure(self, pledge_id: str, actor: Actor) -> DisclosedPledge:
        """Publish the redacted copy of a signed pledge (R-071…R-074, R-092…R-094).

        Idempotent: a pledge already disclosed returns the stored copy.

        Raises:
            PermissionDeniedError: GZ-AU-001/002 (role or organ).
            WorkflowError: GZ-WF-501 when the case is withdrawn or has no signed pledge.
            RuleViolationError: GZ-RL-501 when no item of the pledge may be disclosed;
                GZ-RL-502 when the pledgor is a natural person and a disclosed entry has
                no personal information impact assessment (R-094).
        """
        pledge = self._pledge(pledge_id)
        case = self._case(pledge.case_no)
        self._check_disclosure_role(actor, case.organ_uscc)
        disclosure_id = f"DSC-{pledge_id}"
        existing = self.store.get("disclosure", disclosure_id)
        if existing is not None:
            return self._model_of(existing, DisclosedPledge)
        if case.status not in _DISCLOSABLE:
            raise WorkflowError(
                "GZ-WF-501",
                f"办件状态为 {case.status.value}, 不能公开承诺书 (须已签署且未撤回)",
                message_en="only signed, not withdrawn pledges are disclosed",
            )
        entries = {e.entry_id: self._entry_at(case, e.entry_id) for e in pledge.items}
        clist = self._load(
            "list_version", list_key(case.list_id, case.list_version), CommitmentList
        )
        now = self.now()
        assessments = self._assessments_for(case.organ_uscc, pledge, entries, now.date())
        marks = self._confidential_marks(pledge_id)
        copy = build_disclosure(
            pledge,
            entries,
            disclosure_id=disclosure_id,
            organ_name=clist.owner_organ,
            published_at=now,
            marks=marks,
        )
        with self.store.transaction() as tx:
            detail = self.sealer.seal(tx, copy, case.organ_uscc, f"disclosure/{disclosure_id}", now)
            tx.put(
                "disclosure",
                disclosure_id,
                copy.model_dump(mode="json"),
                state="PUBLISHED",
                expected_version=None,
            )
            entry = tx.append_journal(
                event="disclosure.publish",
                aggregate_type="disclosure",
                aggregate_id=disclosure_id,
                actor=self.actor_ref(actor),
                payload_digest=digest_json(copy),
                detail={
                    **detail,
                    "from": "",
                    "to": "PUBLISHED",
                    "pledge_id": pledge_id,
                    "items": [i.entry_id for i in copy.items],
                    "impact_assessments": assessments,
                    "withheld_marks": [m.mark_id for m in marks if m.withheld],
                    "overridden_marks": [m.mark_id for m in marks if not m.withheld],
                },
                at=now.isoformat(),
            )
            tx.enqueue(
                "disclosure.published",
                {
                    "disclosure_id": disclosure_id,
                    "pledge_id": pledge_id,
                    "case_no": case.case_no,
                    "organ_uscc": case.organ_uscc,
                    "matter_code": case.matter_code,
                    "journal_seq": entry.seq,
                    "at": entry.at,
                },
                idempotency_key=f"disclosure.published:{disclosure_id}:{entry.seq}",
            )
        return copy

    def _assessments_for(
        self, organ_uscc: str, pledge: Pledge, entries: Mapping[str, CommitmentListEntry], on: date
    ) -> list[str]:
        """Ids of the impact assessments covering this disclosure (R-094): required for
        every disclosed entry when the pledgor is a natural person."""
        if not pledge.pledgor.is_natural_person:
            return []
        found: list[str] = []
        for entry_id, entry in entries.items():
            if not redaction_profile(entry).publish:
                continue
            pia = self._impact_assessment_for(organ_uscc, entry_id, on)
            if pia is None:
                raise RuleViolationError(
                    "GZ-RL-502",
                    f"公开自然人的承诺书前须对条目 {entry_id} 的公开进行个人信息保护影响评估 "
                    "(个人信息保护法第五十五条, R-094)",
                    message_en=(
                        f"no personal information impact assessment for disclosing {entry_id}"
                    ),
                    details={"entry_id": entry_id},
                )
            found.append(pia.assessment_id)
        return found
