"""申请人诚信档案 (R-055): the per-subject index behind eligibility and R-064.

The archive is keyed by the keyed digest of the subject's identifier, never by the
identifier itself. It lists the subject's credit records and pledge withdrawals. New
entries go under the digest of the current deployment secret; reads merge the archives
under every secret the store has had (after a rotation, nothing earlier is lost).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gaozhi_sdk.models.case import Case
from gaozhi_sdk.models.credit import CreditRecord
from gaozhi_sdk.models.parties import Applicant, CreditSnapshot, CreditSnapshotItem
from gaozhi_sdk.rules import PriorWithdrawal
from gaozhi_sdk.service._core import ServiceCore
from gaozhi_sdk.store.base import Transaction

__all__ = ["CreditArchiveMixin"]


class CreditArchiveMixin(ServiceCore):
    """诚信档案 and credit snapshots."""

    def _subject_doc(self, tx: Transaction, digest: str) -> tuple[dict[str, Any], int | None]:
        rec = tx.get("subject", digest)
        if rec is None:
            return {"credit_records": [], "withdrawals": []}, None
        return {k: list(v) for k, v in rec.doc.items()}, rec.version

    def _put_subject(
        self, tx: Transaction, digest: str, doc: dict[str, Any], version: int | None
    ) -> None:
        tx.put("subject", digest, doc, state="AUX", expected_version=version)

    def _note_withdrawal(self, tx: Transaction, case: Case, on: date) -> None:
        """Remember a withdrawal for the post-withdrawal restriction (R-064)."""
        digest = self.subject_digest(case.applicant.id_number)
        doc, version = self._subject_doc(tx, digest)
        doc["withdrawals"].append(
            {"matter_code": case.matter_code, "on": on.isoformat(), "case_no": case.case_no}
        )
        self._put_subject(tx, digest, doc, version)

    def _note_credit_record(self, tx: Transaction, record: CreditRecord) -> None:
        """Add a credit record to the subject's archive (R-055, R-056)."""
        doc, version = self._subject_doc(tx, record.subject_digest)
        doc["credit_records"].append(record.record_id)
        self._put_subject(tx, record.subject_digest, doc, version)

    def _archive(self, applicant: Applicant, key: str) -> list[Any]:
        """One list of the subject's archive, merged over every deployment secret."""
        out: list[Any] = []
        for digest in self.subject_digests(applicant.id_number):
            rec = self.store.get("subject", digest)
            if rec is not None:
                out.extend(x for x in rec.doc.get(key, []) if x not in out)
        return out

    def _prior_withdrawals(self, applicant: Applicant) -> list[PriorWithdrawal]:
        """Earlier withdrawals of this applicant (for R-064)."""
        return [
            PriorWithdrawal(matter_code=w["matter_code"], withdrawn_on=date.fromisoformat(w["on"]))
            for w in self._archive(applicant, "withdrawals")
        ]

    def _credit_records_of(self, applicant: Applicant) -> list[CreditRecord]:
        """The subject's credit records in this store."""
        ids = self._archive(applicant, "credit_records")
        out = []
        for rid in ids:
            r = self.store.get("credit_record", rid)
            if r is not None:
                out.append(CreditRecord.model_validate(r.doc))
        return out

    def _credit_snapshot(self, applicant: Applicant) -> CreditSnapshot:
        """Local 诚信档案 merged with the external credit source, if any (R-020, R-075)."""
        digest = self.subject_digest(applicant.id_number)
        items = [
            CreditSnapshotItem(
                record_id=r.record_id,
                conduct=r.conduct.value,
                severity=r.severity,
                status=r.status.value,
                recorded_on=r.recorded_on,
            )
            for r in self._credit_records_of(applicant)
        ]
        sources = ["本地诚信档案"]
        if self.credit_source is not None:
            ext = self.credit_source.credit_snapshot(applicant, digest)
            if ext is not None:
                known = {i.record_id for i in items}
                items.extend(i for i in ext.items if i.record_id not in known)
                sources.append(ext.source)
        return CreditSnapshot(
            subject_digest=digest,
            taken_at=self.now().date(),
            source="+".join(sources),
            items=tuple(items),
        )
