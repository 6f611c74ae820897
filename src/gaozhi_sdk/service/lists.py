"""Commitment lists and entries (machine A, DOMAIN §3.1).

Rules: R-004, R-006, R-008, R-009, R-011, R-029, R-041.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gaozhi_sdk.errors import ListValidationError, NotFoundError, RuleViolationError
from gaozhi_sdk.models.documents import PledgeTemplate
from gaozhi_sdk.models.enums import EntryStatus, VerificationMethod
from gaozhi_sdk.models.lists import CommitmentList, CommitmentListEntry, ReviewRecord
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.rules import lint_template, validate_list
from gaozhi_sdk.service._core import ServiceCore, refusals_journaled

__all__ = ["ListsMixin", "default_template"]

_METHOD_ZH = {
    VerificationMethod.ONLINE: "通过数据共享在线核查",
    VerificationMethod.ON_SITE: "现场核查",
    VerificationMethod.ASSISTED: "请求有关机关协助核查",
    VerificationMethod.EXEMPT: "免予逐件核查, 纳入双随机、一公开等日常监管",
}


#: Keys of a stored entry record that are not fields of the entry model.
IN_FORCE_FROM, IN_FORCE_TO = "in_force_from", "in_force_to"
_STORE_ONLY = frozenset({"list_id", "list_version", IN_FORCE_FROM, IN_FORCE_TO})


def list_key(list_id: str, version: int) -> str:
    """Store id of one list version."""
    return f"{list_id}@{version}"


def entry_key(list_id: str, version: int, entry_id: str) -> str:
    """Store id of one entry of one list version."""
    return f"{list_id}@{version}/{entry_id}"


def default_template(entry: CommitmentListEntry) -> PledgeTemplate:
    """The 告知承诺书格式文本 derived from a list entry (R-028, R-032, R-033).

    Organs may register their own template (``svc.lists.register_template``); the
    derived one states each told item in plain, checkable words (R-029).
    """
    v = entry.verification
    window = ""
    if v.window is not None:
        unit = {"WORKING_DAYS": "个工作日", "CALENDAR_DAYS": "日", "MONTHS": "个月"}[v.window.unit]
        anchor = "受理" if v.window.anchor == "ACCEPTED" else "作出决定"
        window = f", 自{anchor}之日起 {v.window.amount} {unit}内完成"
    disclosure = (
        "本承诺书将在去除个人隐私、商业秘密后向社会公开, 接受社会监督。"
        if entry.pledge_disclosure.value == "PUBLIC_REDACTED"
        else "本承诺书不向社会公开。"
    )
    return PledgeTemplate(
        template_id=f"TPL-{entry.entry_id}",
        entry_id=entry.entry_id,
        entry_version=entry.version,
        proof_obligation=f"申请人办理「{entry.matter_name}」须具备「{entry.proof_name}」所证明的条件。",
        proof_content=entry.proof_content,
        liability=entry.liability_text,
        verification_power=(
            f"{entry.implementing_organ}有权对承诺内容进行核查: {_METHOD_ZH[v.method]}{window}。"
        ),
        cooperation_duty="申请人应当如实配合核查, 按要求提供核查所需的信息。",
        credit_consequence=(
            "承诺不实的, 依法终止办理、责令限期整改、撤销行政决定或予以行政处罚, 并纳入信用记录。"
        ),
        disclosure_notice=disclosure,
    )


class ListsMixin(ServiceCore):
    """清单: draft → review → publish → supersede/retire."""

    @refusals_journaled("entry.draft", "list_version", "actor")
    def _draft_list(
        self, clist: CommitmentList | Mapping[str, Any], actor: Actor
    ) -> CommitmentList:
        """Store a new list version as DRAFT after validation and lint (R-004, R-006, R-029, R-041).

        Raises ListValidationError (GZ-LS-*) with every finding if the lint finds errors.
        """
        cl = self._parse(CommitmentList, clist, "清单")
        validate_list(cl)
        key = list_key(cl.list_id, cl.version)
        with self._run(
            actor, "entry", "draft", "list_version", key, organ_uscc=cl.owner_uscc, creating=True
        ) as step:
            cl = cl.model_copy(
                update={
                    "entries": tuple(
                        e.model_copy(update={"status": EntryStatus.DRAFT}) for e in cl.entries
                    )
                }
            )
            self._put_model(step, "list_version", key, cl, EntryStatus.DRAFT, create=True)
            for e in cl.entries:
                doc = e.model_dump(mode="json")
                step.tx.put(
                    "entry",
                    entry_key(cl.list_id, cl.version, e.entry_id),
                    {**doc, "list_id": cl.list_id, "list_version": cl.version},
                    state=EntryStatus.DRAFT,
                    expected_version=None,
                )
            step.payload = cl.model_dump(mode="json")
            step.detail["entries"] = len(cl.entries)
        return cl

    def _move_list(
        self, list_id: str, version: int, transition: str, actor: Actor, **update: Any
    ) -> CommitmentList:
        key = list_key(list_id, version)
        rec = self._load_record("list_version", key)
        owner = rec.doc.get("owner_uscc")
        with self._run(
            actor,
            "entry",
            transition,
            "list_version",
            key,
            organ_uscc=owner if transition != "publish" else None,
        ) as step:
            cl = CommitmentList.model_validate(rec.doc)
            status = EntryStatus(step.target)
            entries = tuple(e.model_copy(update={"status": status}) for e in cl.entries)
            cl = cl.model_copy(update={**update, "entries": entries})
            self._put_model(step, "list_version", key, cl, status)
            for e in entries:
                ek = entry_key(list_id, version, e.entry_id)
                erec = step.tx.get("entry", ek)
                if erec is not None and erec.state == EntryStatus.RETIRED:
                    continue
                doc = {**e.model_dump(mode="json"), "list_id": list_id, "list_version": version}
                if status is EntryStatus.PUBLISHED:  # in force from now (DOMAIN §2.3, R-008)
                    doc[IN_FORCE_FROM] = step.now.isoformat()
                step.tx.put(
                    "entry",
                    ek,
                    doc,
                    state=status,
                    expected_version=erec.version if erec else None,
                )
            if status is EntryStatus.PUBLISHED:
                superseded = self._supersede_older(step.tx, list_id, version, step.now)
                step.detail["superseded"] = superseded
                for old in superseded:
                    step.also(
                        "entry.supersede",
                        "list_version",
                        list_key(list_id, old),
                        {"list_id": list_id, "version": old, "by": version},
                        {"from": EntryStatus.PUBLISHED.value, "to": EntryStatus.SUPERSEDED.value},
                    )
                step.emit("list.published", {"list_id": list_id, "version": version})
            step.payload = cl.model_dump(mode="json")
        return cl

    def _supersede_older(self, tx: Any, list_id: str, version: int, now: datetime) -> list[int]:
        out: list[int] = []
        for rec in self.store.list("list_version", state=EntryStatus.PUBLISHED):
            if rec.doc.get("list_id") != list_id or rec.doc.get("version") == version:
                continue
            old = CommitmentList.model_validate(rec.doc)
            entries = tuple(
                e.model_copy(update={"status": EntryStatus.SUPERSEDED}) for e in old.entries
            )
            tx.put(
                "list_version",
                rec.id,
                old.model_copy(update={"entries": entries}).model_dump(mode="json"),
                state=EntryStatus.SUPERSEDED,
                expected_version=rec.version,
            )
            for e in entries:
                ek = entry_key(list_id, old.version, e.entry_id)
                erec = tx.get("entry", ek)
                if erec is not None and erec.state == EntryStatus.PUBLISHED:
                    tx.put(
                        "entry",
                        ek,
                        {
                            **erec.doc,
                            "status": EntryStatus.SUPERSEDED,
                            IN_FORCE_TO: now.isoformat(),
                        },
                        state=EntryStatus.SUPERSEDED,
                        expected_version=erec.version,
                    )
            out.append(old.version)
        return out

    @refusals_journaled("entry.submit_for_review", "list_version", "list_id")
    def _submit_list(self, list_id: str, version: int, actor: Actor) -> CommitmentList:
        """Submit a deliberated draft (党委会议研究论证, R-009) to the justice bureau."""
        rec = self._load_record("list_version", list_key(list_id, version))
        if not str(rec.doc.get("deliberation_ref") or "").strip():
            raise RuleViolationError(
                "GZ-RL-201",
                "清单报送前须载明党委会议研究论证记录 (R-009)",
                message_en="deliberation record required before submission (R-009)",
            )
        return self._move_list(list_id, version, "submit_for_review", actor)

    def _publish_list(
        self, list_id: str, version: int, review: ReviewRecord, actor: Actor
    ) -> CommitmentList:
        """Justice-bureau review passes; the version is published and older ones superseded."""
        return self._move_list(list_id, version, "publish", actor, review_record=review)

    def _reject_list(self, list_id: str, version: int, actor: Actor) -> CommitmentList:
        """Justice-bureau review sends the version back to DRAFT."""
        return self._move_list(list_id, version, "reject_review", actor)

    def _retire_entry(self, list_id: str, entry_id: str, reason: str, actor: Actor) -> None:
        """Stop using one published entry (risk found, no longer suitable)."""
        cl = self._published_list(list_id)
        ek = entry_key(list_id, cl.version, entry_id)
        with self._run(actor, "entry", "retire", "entry", ek, organ_uscc=cl.owner_uscc) as step:
            assert step.current is not None
            doc = {
                **step.current.doc,
                "status": EntryStatus.RETIRED,
                IN_FORCE_TO: step.now.isoformat(),
            }
            step.tx.put("entry", ek, doc, state=step.target, expected_version=step.current.version)
            step.payload = {"entry": ek, "reason": reason}
            step.detail["reason"] = reason

    def _published_list(self, list_id: str) -> CommitmentList:
        """The published version of a list (GZ-ST-404 if none is published)."""
        for rec in self.store.list("list_version", state=EntryStatus.PUBLISHED):
            if rec.doc.get("list_id") == list_id:
                return self._model_of(rec, CommitmentList)
        raise NotFoundError(
            "GZ-ST-404", f"清单 {list_id} 没有已公布的版本", message_en="no published version"
        )

    def _commitment_list(self, list_id: str, version: int) -> CommitmentList:
        """One stored version of a list, whatever its state (GZ-ST-404 if unknown); a case
        names the version it was handled under (``case.list_id``, ``case.list_version``)."""
        return self._load("list_version", list_key(list_id, version), CommitmentList)

    def _entry(self, list_id: str, version: int, entry_id: str) -> tuple[CommitmentListEntry, str]:
        """An entry of a list version and its current state."""
        rec = self._load_record("entry", entry_key(list_id, version, entry_id))
        key = ("entry", rec.id, rec.version, CommitmentListEntry)
        hit = self._models.get(key)
        if not isinstance(hit, CommitmentListEntry):
            doc = {k: v for k, v in rec.doc.items() if k not in _STORE_ONLY}
            hit = CommitmentListEntry.model_validate(doc)
            self._models[key] = hit
        return hit, rec.state

    def _entry_in_force(self, list_id: str, version: int, entry_id: str, at: datetime) -> bool:
        """Was this entry version in force at ``at`` (published, not yet superseded/retired)?

        DOMAIN §2.3 / R-008: a pledge relies on the entry version in force when it was
        signed, not on the one in force when it reaches the organ. Entries stored before the
        in-force times were recorded count as in force while PUBLISHED.
        """
        rec = self._load_record("entry", entry_key(list_id, version, entry_id))
        start, end = rec.doc.get(IN_FORCE_FROM), rec.doc.get(IN_FORCE_TO)
        if start is None:
            return rec.state == EntryStatus.PUBLISHED
        if at < datetime.fromisoformat(start):
            return False
        return end is None or at < datetime.fromisoformat(end)

    def _register_template(self, template: PledgeTemplate, actor: Actor) -> None:
        """Register an organ's own 告知承诺书格式文本 after the wording lint (R-028, R-029)."""
        lowered = self._wording_exceptions_for(template.entry_id, template.entry_version)
        findings = [f for f in lint_template(template, lowered=lowered) if f.level == "ERROR"]
        if findings:
            raise ListValidationError(
                "GZ-LS-029",
                f"格式文本含模糊表述或兜底条款 (R-029): {findings[0].message_zh}",
                findings=findings,
                message_en="template wording failed the R-029 lint",
            )
        key = f"{template.entry_id}@{template.entry_version}"
        with self.store.transaction() as tx:
            rec = tx.get("template", key)
            tx.put(
                "template",
                key,
                template.model_dump(mode="json"),
                state="ACTIVE",
                expected_version=rec.version if rec else None,
            )
            tx.append_journal(
                event="template.register",
                aggregate_type="template",
                aggregate_id=key,
                actor=self.actor_ref(actor),
                payload_digest=_digest(template),
                at=self.now().isoformat(),
            )

    def _wording_exceptions_for(self, entry_id: str, entry_version: int) -> dict[str, str]:
        """Vague terms lowered (R-029) by the list that holds this entry version."""
        for rec in self.store.list("list_version"):
            for e in rec.doc.get("entries", ()):
                if e.get("entry_id") == entry_id and e.get("version") == entry_version:
                    return {w["term"]: w["reason"] for w in rec.doc.get("wording_exceptions", ())}
        return {}

    def _template_for(self, entry: CommitmentListEntry) -> PledgeTemplate:
        """The registered template of the entry version, or the derived default."""
        rec = self.store.get("template", f"{entry.entry_id}@{entry.version}")
        return PledgeTemplate.model_validate(rec.doc) if rec else default_template(entry)


def _digest(model: PledgeTemplate) -> str:
    from gaozhi_sdk.canonical import digest_json

    return digest_json(model)
