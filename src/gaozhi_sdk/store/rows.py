"""Rows → store records, shared by every backend (same column order, JSON kept as text).

Both stores keep documents, actors, details and payloads as compact JSON *text* (never a
database JSON type that would renumber or reorder values), so a row reads back exactly as
it was written and journal hashes re-verify byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from gaozhi_sdk.errors import IntegrityError
from gaozhi_sdk.store.base import BlobRecord, JournalEntry, OutboxMessage, Record

__all__ = ["blob_from_row", "journal_from_row", "outbox_from_row", "record_from_row"]


def record_from_row(row: Sequence[Any]) -> Record:
    return Record(
        kind=row[0],
        id=row[1],
        version=row[2],
        state=row[3],
        doc=json.loads(row[4]),
        updated_at=row[5],
    )


def journal_from_row(row: Sequence[Any]) -> JournalEntry:
    return JournalEntry(
        seq=row[0],
        at=row[1],
        event=row[2],
        aggregate_type=row[3],
        aggregate_id=row[4],
        actor=json.loads(row[5]),
        payload_digest=row[6],
        outcome=row[7],
        detail=json.loads(row[8]),
        prev_hash=row[9],
        hash=row[10],
    )


def outbox_from_row(row: Sequence[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row[0],
        topic=row[1],
        idempotency_key=row[2],
        payload=json.loads(row[3]),
        created_at=row[4],
        attempts=row[5],
        delivered_at=row[6],
        last_error=row[7],
        dead=bool(row[8]),
    )


def blob_from_row(row: Sequence[Any]) -> BlobRecord:
    data = bytes(row[3])
    if hashlib.sha256(data).hexdigest() != row[4]:
        raise IntegrityError(
            "GZ-JR-010",
            f"存储的文件内容与其 SHA-256 摘要不符 (blob {row[0]!r}): 内容被改动或损坏",
            message_en=f"stored blob {row[0]!r} does not match its SHA-256",
            details={"blob_id": row[0]},
        )
    return BlobRecord(id=row[0], kind=row[1], media_type=row[2], data=data, sha256=row[4])
