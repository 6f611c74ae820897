"""Backend-neutral checks shared by every store (DESIGN §6).

A store backend only decides *where* the journal head is and *how* rows are written. What
a journal entry may contain, how it is hashed and which personal data it must never hold
is decided here, once, for SQLite and PostgreSQL alike:

* :func:`prepare_entry` validates the fields of an entry and scans them for full personal
  identifiers (GZ-ST-011 / GZ-ST-012) — before the backend takes any lock;
* :meth:`PendingEntry.seal` links the entry to the chain head (``seq``, ``prev_hash``) and
  computes its hash — the only part that must run while the append is serialised;
* :func:`check_name` / :func:`dump_json` validate record arguments (GZ-ST-010).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from gaozhi_sdk.canonical import sha256_hex
from gaozhi_sdk.errors import GaozhiError, StoreError
from gaozhi_sdk.ids import scan_pii
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.store.base import JournalEntry
from gaozhi_sdk.store.journal import ACTOR_KEYS, OUTCOMES, entry_body_bytes

__all__ = [
    "MAX_ERROR_TEXT",
    "PendingEntry",
    "check_claim_args",
    "check_name",
    "dump_json",
    "invalid",
    "personal_data_kind",
    "prepare_entry",
]

#: Longest ``last_error`` kept on an outbox message.
MAX_ERROR_TEXT = 2000

_HEX64 = re.compile(r"[0-9a-f]{64}")
_PII_LABELS = {"resident_id": "居民身份证号码", "mobile": "手机号码"}


def invalid(code: str, message: str, message_en: str) -> NoReturn:
    """Raise a :class:`StoreError` with ``code`` (Chinese message, English twin)."""
    raise StoreError(code, message, message_en=message_en)


def check_name(value: object, what: str) -> str:
    """``value`` if it is a non-empty string, else GZ-ST-010."""
    if not isinstance(value, str) or not value:
        invalid("GZ-ST-010", f"{what} 必须是非空字符串", f"{what} must be a non-empty string")
    if "\x00" in value:  # no database text type holds NUL the same way
        invalid("GZ-ST-010", f"{what} 不能包含 NUL 字符", f"{what} must not contain NUL")
    return value


def check_claim_args(limit: object, lease_s: object) -> tuple[int, float]:
    """Validate ``claim_outbox`` arguments (GZ-ST-010)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        invalid("GZ-ST-010", "limit 必须是非负整数", "limit must be a non-negative integer")
    if not isinstance(lease_s, int | float) or isinstance(lease_s, bool) or not lease_s > 0:
        invalid("GZ-ST-010", "lease_s 必须是正秒数", "lease_s must be a positive number")
    return limit, float(lease_s)


def dump_json(value: object, what: str) -> str:
    """Compact, key-sorted JSON text of a mapping (GZ-ST-010 if it is not one)."""
    if not isinstance(value, Mapping):
        invalid("GZ-ST-010", f"{what} 必须是 JSON 对象 (Mapping)", f"{what} must be a mapping")
    try:
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise StoreError(
            "GZ-ST-010",
            f"{what} 不能序列化为 JSON: {type(exc).__name__}",
            message_en=f"{what} is not JSON-serialisable: {exc}",
        ) from exc


def personal_data_kind(text: str) -> str | None:
    """Which kind of full personal identifier ``text`` contains, if any (DESIGN §6)."""
    for finding in scan_pii(text, ("resident_id", "mobile")):
        return _PII_LABELS[finding.kind]
    return None


def _is_tz_aware_iso(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


@dataclass(frozen=True)
class PendingEntry:
    """A validated journal entry not yet linked to the chain (no ``seq``/``prev_hash``)."""

    at: str
    event: str
    aggregate_type: str
    aggregate_id: str
    actor: dict[str, str]
    payload_digest: str
    outcome: str
    detail: dict[str, Any]

    def seal(self, seq: int, prev_hash: str) -> JournalEntry:
        """Link the entry after ``(seq - 1, prev_hash)`` and compute its hash.

        Raises:
            StoreError: GZ-ST-011 if the entry cannot be canonicalised (RFC 8785).
        """
        fields: dict[str, Any] = {
            "seq": seq,
            "at": self.at,
            "event": self.event,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "actor": self.actor,
            "payload_digest": self.payload_digest,
            "outcome": self.outcome,
            "detail": self.detail,
            "prev_hash": prev_hash,
        }
        try:
            body = entry_body_bytes(fields)
        except GaozhiError as exc:
            raise StoreError(
                "GZ-ST-011",
                f"日志条目不能规范化为 JCS: {exc.message}",
                message_en="journal entry cannot be canonicalised",
            ) from exc
        return JournalEntry(hash=sha256_hex(body), **fields)


def prepare_entry(
    *,
    event: str,
    aggregate_type: str,
    aggregate_id: str,
    actor: Mapping[str, str],
    payload_digest: str,
    outcome: str = "APPLIED",
    detail: Mapping[str, Any] | None = None,
    at: str | None = None,
) -> PendingEntry:
    """Validate an entry for :meth:`Transaction.append_journal` (any backend).

    Raises:
        StoreError: GZ-ST-011 on invalid fields, GZ-ST-012 if the entry would contain a
            full resident ID or mobile number (use ``mask_identifier`` /
            ``digest_identifier``).
    """
    for name, value in (
        ("event", event),
        ("aggregate_type", aggregate_type),
        ("aggregate_id", aggregate_id),
    ):
        if not isinstance(value, str) or not value or "\x00" in value:
            invalid("GZ-ST-011", f"{name} 必须是非空字符串", f"{name} must be non-empty")
    if not isinstance(actor, Mapping) or not set(actor) <= ACTOR_KEYS:
        invalid(
            "GZ-ST-011",
            "actor 只能包含 role、ref、organ 三个字段",
            "actor may hold only role, ref and organ",
        )
    if not all(isinstance(v, str) for v in actor.values()):
        invalid("GZ-ST-011", "actor 的值必须是字符串", "actor values must be strings")
    if not isinstance(payload_digest, str) or not _HEX64.fullmatch(payload_digest):
        invalid(
            "GZ-ST-011",
            "payload_digest 必须是 64 位小写十六进制 SHA-256 值",
            "payload_digest must be a lower-hex SHA-256",
        )
    if outcome not in OUTCOMES:
        invalid("GZ-ST-011", "outcome 必须是 APPLIED 或 REFUSED", "bad outcome")
    if detail is not None and not isinstance(detail, Mapping):
        invalid("GZ-ST-011", "detail 必须是 JSON 对象", "detail must be a mapping")
    if at is None:
        at = now_cst().isoformat()
    elif not isinstance(at, str) or not _is_tz_aware_iso(at):
        invalid(
            "GZ-ST-011",
            "at 必须是带时区的 ISO-8601 时间",
            "at must be an ISO-8601 time with offset",
        )
    pending = PendingEntry(
        at=at,
        event=event,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        actor=dict(actor),
        payload_digest=payload_digest,
        outcome=outcome,
        detail=dict(detail or {}),
    )
    # Canonicalisable at all? (Checked before any lock; seal() repeats it with the link.)
    pending.seal(1, "0" * 64)
    # actor.role and actor.organ (an organ's USCC) are not personal data and are not
    # scanned: an organisation code could coincidentally pass the ID checksum.
    try:
        scanned = json.dumps(
            [event, aggregate_type, aggregate_id, pending.actor.get("ref", ""), pending.detail],
            ensure_ascii=False,
        )
    except (TypeError, ValueError) as exc:  # pragma: no cover - seal() refused it first
        raise StoreError(
            "GZ-ST-011", "日志条目不能序列化", message_en="journal entry is not JSON"
        ) from exc
    found = personal_data_kind(scanned)
    if found is not None:
        raise StoreError(
            "GZ-ST-012",
            f"日志条目含有完整的{found}; 日志中只能出现掩码或加盐摘要 "
            "(mask_identifier / digest_identifier)",
            message_en="journal entry contains a full personal identifier",
            details={"event": event, "aggregate_type": aggregate_type},
        )
    return pending
