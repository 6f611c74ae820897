"""索引键 — the columns a store derives from a record so the database can answer queries.

Both stores keep every aggregate as a JSON document; the queries a province needs (cases
by applicant, organ, status and acceptance time, due verifications, statistics for a
period — DESIGN §6a) must be answered by the database with indexes, never by loading
every document into Python. So a store derives four indexed columns from the document
of a few kinds when it writes the record (and migration 3 derived them once for the
records written before):

=================  =========================================================
``organ``          the organ's USCC (case: 受理机关; credit record: 认定机关)
``subject``        keyed digest of the applicant's identifier under the store's current
                   deployment secret (``k…:<hex>``, :func:`gaozhi_sdk.ids.keyed_digest`);
                   never the identifier itself
``at``             a sortable UTC time (:func:`sortable_time`): case — acceptance
                   (告知/受理, ``created_at``); verification — ``due_at`` (``""`` when it
                   has none); complaint — ``received_at``; ``""`` for the other keyed
                   kinds (their pages are then ordered by id); NULL for unkeyed kinds
``ref``            the case the record belongs to (``case_no``; complaint: ``subject_ref``)
``facts``          what the statistics group by, as compact JSON (R-079): case — per
                   entry ``[entry, pledged?, chosen?]``; verification — ``[entry,
                   method, result]``; disposition — its actions; credit record —
                   ``[severity, status]``. The database groups and counts records by
                   it; only the distinct groups reach Python
=================  =========================================================

One function, :func:`record_keys`, decides them for every backend.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from gaozhi_sdk.ids import keyed_digest
from gaozhi_sdk.store.base import DeploymentSecret

__all__ = ["KEYED_KINDS", "RecordKeys", "period_bounds", "record_keys", "sortable_time"]

#: China Standard Time: a period given as dates runs from 00:00 CST of the first day.
_CST = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class RecordKeys:
    """The derived columns of one record (None / ``at=None``: not indexed)."""

    organ: str | None = None
    subject: str | None = None
    at: str | None = None
    ref: str | None = None
    facts: str | None = None


def sortable_time(value: str | datetime) -> str:
    """An ISO time as fixed-width UTC text (``2026-01-05T02:12:00.000000Z``): ordering the
    text orders the instants, whatever offset the document used. Naive values are refused."""
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    if t.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def period_bounds(
    start: date | datetime | None, end: date | datetime | None
) -> tuple[str | None, str | None]:
    """``[start, end)`` as :func:`sortable_time` bounds. A :class:`datetime.date` is a whole day in
    China Standard Time: ``start`` from its 00:00, ``end`` *including* that day."""

    def bound(v: date | datetime | None, *, upper: bool) -> str | None:
        if v is None:
            return None
        if isinstance(v, datetime):
            return sortable_time(v)
        day = v + timedelta(days=1) if upper else v
        return sortable_time(datetime.combine(day, time(0), _CST))

    return bound(start, upper=False), bound(end, upper=True)


def _time(doc: Mapping[str, Any], field: str) -> str:
    value = doc.get(field)
    if not isinstance(value, str) or not value:
        return ""
    try:
        return sortable_time(value)
    except ValueError:
        return ""


def _str(doc: Mapping[str, Any], field: str) -> str | None:
    value = doc.get(field)
    return value if isinstance(value, str) and value else None


def _facts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _strs(doc: Mapping[str, Any], field: str) -> list[str]:
    value = doc.get(field)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _case_facts(doc: Mapping[str, Any]) -> str:
    pledged = set(_strs(doc, "pledged_entry_ids"))
    choices = doc.get("choices")
    chosen = {
        c.get("entry_id")
        for c in (choices if isinstance(choices, list) else [])
        if isinstance(c, Mapping)
    }
    return _facts([[e, e in pledged, e in chosen] for e in _strs(doc, "entry_ids")])


def _case(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    applicant = doc.get("applicant")
    number = applicant.get("id_number") if isinstance(applicant, Mapping) else None
    subject = (
        keyed_digest(number, secret.key, secret.key_id)
        if isinstance(number, str) and number
        else None
    )
    return RecordKeys(
        organ=_str(doc, "organ_uscc"),
        subject=subject,
        at=_time(doc, "created_at"),
        facts=_case_facts(doc),
    )


def _of_case(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    return RecordKeys(ref=_str(doc, "case_no"), at="")


def _verification(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    facts = [_str(doc, "entry_id"), _str(doc, "method"), _str(doc, "result")]
    return RecordKeys(ref=_str(doc, "case_no"), at=_time(doc, "due_at"), facts=_facts(facts))


def _disposition(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    return RecordKeys(ref=_str(doc, "case_no"), at="", facts=_facts(_strs(doc, "actions")))


def _credit_record(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    return RecordKeys(
        organ=_str(doc, "organ_uscc"),
        subject=_str(doc, "subject_digest"),
        ref=_str(doc, "case_no"),
        at="",
        facts=_facts([_str(doc, "severity"), _str(doc, "status")]),
    )


def _complaint(doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    return RecordKeys(ref=_str(doc, "subject_ref"), at=_time(doc, "received_at"))


_DERIVE = {
    "case": _case,
    "verification": _verification,
    "complaint": _complaint,
    "credit_record": _credit_record,
    "disposition": _disposition,
    "notice": _of_case,
    "pledge": _of_case,
    "disclosure": _of_case,
    "limitation_refusal": _of_case,
    "pledge_signing_method": _of_case,
}

#: The kinds whose records carry derived keys.
KEYED_KINDS = frozenset(_DERIVE)


def record_keys(kind: str, doc: Mapping[str, Any], secret: DeploymentSecret) -> RecordKeys:
    """The derived columns of a ``kind`` record with document ``doc`` (all None for kinds
    that are not queried)."""
    derive = _DERIVE.get(kind)
    return RecordKeys() if derive is None else derive(doc, secret)
