"""The Store contract (DESIGN §6).

Every state change is **one transaction** that writes the new state of one or more
records, appends journal entries (a hash chain) and enqueues outbox messages. Either all
of it is committed or none of it is.

Implementations: :mod:`gaozhi_sdk.store.sqlite` (embedded default). A server store
(PostgreSQL) must pass the same contract tests (``tests/store/test_contract.py``).
"""

from __future__ import annotations

import builtins
import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gaozhi_sdk.store.queries import RecordQuery, StatisticsCounts, StatisticsQuery

__all__ = [
    "EPHEMERAL_KINDS",
    "GENESIS_HASH",
    "BlobRecord",
    "DeploymentSecret",
    "JournalEntry",
    "OutboxMessage",
    "Record",
    "Store",
    "Transaction",
    "new_deployment_secret",
    "secret_key_id",
]

#: ``prev_hash`` of the first journal entry.
GENESIS_HASH = "0" * 64

#: The only record kinds :meth:`Store.prune_expired` deletes: caches with a retention
#: (HTTP request nonces, remembered ``Idempotency-Key`` responses, the browser pages'
#: sessions and login-assertion nonces), never domain records.
EPHEMERAL_KINDS = frozenset({"http_nonce", "http_idempotency", "web_session", "web_login_nonce"})


def check_ephemeral(kind: str, updated_before: datetime, limit: int) -> str:
    """The cut-off as the stores write ``updated_at`` (CST, whole seconds), or GZ-ST-010."""
    from gaozhi_sdk.errors import StoreError
    from gaozhi_sdk.models import CST

    if kind not in EPHEMERAL_KINDS:
        raise StoreError(
            "GZ-ST-010",
            f"只能清理有保留期的缓存记录, 不能删除 {kind} 记录",
            message_en=f"only ephemeral kinds can be pruned, not {kind!r}",
            details={"kind": kind},
        )
    if updated_before.tzinfo is None or isinstance(limit, bool) or not 0 < limit <= 100_000:
        raise StoreError(
            "GZ-ST-010",
            "清理参数无效: 截止时间须带时区, 数量须为 1 至 100000",
            message_en="prune needs an aware cut-off time and 1 <= limit <= 100000",
        )
    return updated_before.astimezone(CST).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Record:
    """One stored aggregate: ``kind`` (e.g. ``"case"``), ``id``, optimistic ``version``,
    a short ``state`` (the state-machine status, indexed) and the JSON document."""

    kind: str
    id: str
    version: int
    state: str
    doc: Mapping[str, Any]
    updated_at: str


@dataclass(frozen=True)
class JournalEntry:
    """One journal line. ``hash`` = SHA-256 over the JCS bytes of every other field.

    ``actor`` holds only ``role``, a masked or digested ``ref`` and ``organ`` — never a
    full personal identifier. ``payload_digest`` is the SHA-256 of the JCS bytes of the
    event payload; the payload itself is not in the journal.
    ``outcome`` is ``"APPLIED"`` or ``"REFUSED"`` (refused attempts are journaled too).
    """

    seq: int
    at: str
    event: str
    aggregate_type: str
    aggregate_id: str
    actor: Mapping[str, str]
    payload_digest: str
    outcome: str
    prev_hash: str
    hash: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The entry as the JSON object written to ``journal.jsonl``."""
        return {
            "seq": self.seq,
            "at": self.at,
            "event": self.event,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "actor": dict(self.actor),
            "payload_digest": self.payload_digest,
            "outcome": self.outcome,
            "detail": dict(self.detail),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class OutboxMessage:
    """A message to deliver after commit, at least once, keyed by ``idempotency_key``."""

    id: int
    topic: str
    idempotency_key: str
    payload: Mapping[str, Any]
    created_at: str
    attempts: int
    delivered_at: str | None
    last_error: str | None
    dead: bool


@dataclass(frozen=True)
class BlobRecord:
    """Stored bytes (signed bundles, rendered documents) with their SHA-256."""

    id: str
    kind: str
    media_type: str
    data: bytes
    sha256: str


def secret_key_id(key: bytes) -> str:
    """The public id of a deployment secret: ``k`` + 8 hex of a domain-separated SHA-256.

    Recorded beside every identifier digest (``k1a2b3c4d:…``) so that digests made before
    a rotation stay verifiable; it reveals nothing usable about the 32-byte key.
    """
    return "k" + hashlib.sha256(b"gaozhi-sdk/deployment-secret-id\x00" + key).hexdigest()[:8]


@dataclass(frozen=True, repr=False)
class DeploymentSecret:
    """The per-deployment secret that keys every identifier digest (HMAC key, 32 bytes).

    Made with :func:`os.urandom` when a store is created (never a constant or a public
    default); it lives only in the store, is never logged, exported or shown in a repr.
    """

    key_id: str
    key: bytes = field(compare=False)

    def __repr__(self) -> str:
        return f"DeploymentSecret(key_id={self.key_id!r}, key=<hidden>)"

    __str__ = __repr__


def new_deployment_secret() -> DeploymentSecret:
    """A fresh secret from :func:`os.urandom` (for store creation and rotation)."""
    key = os.urandom(32)
    return DeploymentSecret(secret_key_id(key), key)


class Transaction(Protocol):
    """Operations inside one atomic transaction."""

    def get(self, kind: str, id: str) -> Record | None:
        """Read a record (sees this transaction's own writes)."""

    def put(
        self,
        kind: str,
        id: str,
        doc: Mapping[str, Any],
        *,
        state: str,
        expected_version: int | None,
    ) -> int:
        """Insert (``expected_version=None``) or update (must equal the stored version);
        returns the new version. A mismatch raises ``StoreError`` GZ-ST-409."""

    def append_journal(
        self,
        *,
        event: str,
        aggregate_type: str,
        aggregate_id: str,
        actor: Mapping[str, str],
        payload_digest: str,
        outcome: str = "APPLIED",
        detail: Mapping[str, Any] | None = None,
        at: str | None = None,
    ) -> JournalEntry:
        """Append one entry to the hash chain and return it."""

    def enqueue(self, topic: str, payload: Mapping[str, Any], *, idempotency_key: str) -> None:
        """Add an outbox message (a duplicate idempotency key is ignored)."""

    def put_blob(self, id: str, *, kind: str, media_type: str, data: bytes) -> str:
        """Store bytes under ``id`` (write-once: same bytes ok, different bytes GZ-ST-410);
        returns the SHA-256 hex."""


@runtime_checkable
class Store(Protocol):
    """A transactional store with a hash-chained journal and an outbox."""

    def transaction(self, *, durable: bool = True) -> AbstractContextManager[Transaction]:
        """Begin an exclusive write transaction; commit on exit, roll back on exception.

        ``durable=False`` is for records whose loss is tolerated (``gaozhi serve``'s stored
        responses: a lost one is answered GZ-HT-410): the commit is atomic and ordered
        like every other, but may be lost on power failure or an operating-system (or, on
        PostgreSQL, a database-server) crash — SQLite commits it without ``fsync``
        (``synchronous=NORMAL`` in WAL mode), PostgreSQL with ``synchronous_commit=off``.
        Nothing committed durably before it can be lost with it."""

    def get(self, kind: str, id: str) -> Record | None:
        """Read a committed record."""

    def list(self, kind: str, *, state: str | None = None) -> Iterator[Record]:
        """Committed records of a kind (optionally in one state), ordered by id."""

    def count(self, kind: str, *, state: str | None = None) -> int:
        """Number of committed records of a kind (optionally in one state)."""

    def find(self, query: RecordQuery) -> builtins.list[Record]:
        """One page of committed records matching ``query`` (indexed filters on the derived
        keys of :mod:`gaozhi_sdk.store.keys`), ordered by ``(at, id)``; the next page starts
        after the id of this page's last record (DESIGN §6a)."""

    def statistics_counts(self, query: StatisticsQuery) -> StatisticsCounts:
        """The grouped counts behind the statistics for a period, by SQL aggregation."""

    def get_blob(self, id: str) -> BlobRecord | None:
        """Read stored bytes."""

    def list_blobs(self, kind: str | None = None) -> Iterator[BlobRecord]:
        """Stored blobs, ordered by id."""

    def journal(self, *, after_seq: int = 0) -> Iterator[JournalEntry]:
        """Journal entries with ``seq > after_seq`` in order."""

    def journal_head(self) -> JournalEntry | None:
        """The last journal entry."""

    def pending_outbox(self, *, limit: int = 100) -> builtins.list[OutboxMessage]:
        """Undelivered, not dead messages, oldest first."""

    def claim_outbox(
        self, worker_id: str, limit: int = 100, lease_s: float = 60.0
    ) -> builtins.list[OutboxMessage]:
        """Claim up to ``limit`` deliverable messages for ``worker_id`` for ``lease_s``
        seconds, oldest first (DESIGN §6a). A message is in at most one live worker's
        hands: it is claimable only while unclaimed or after its lease expired (a crashed
        worker's claims return). :meth:`mark_delivered` / :meth:`mark_failed` release it."""

    def mark_delivered(self, message_id: int) -> None:
        """Record a successful delivery."""

    def mark_failed(self, message_id: int, error: str, *, max_attempts: int) -> None:
        """Record a failed attempt; after ``max_attempts`` the message is dead-lettered."""

    def meta(self, key: str) -> str | None:
        """A store-level setting (e.g. ``schema_version``); never a deployment secret."""

    def deployment_secret(self) -> DeploymentSecret:
        """The current per-deployment secret keying identifier digests (DESIGN §6).

        Created with ``os.urandom(32)`` in the same transaction that creates the store."""

    def deployment_secrets(self) -> builtins.list[DeploymentSecret]:
        """Every secret this store has used, the current one first (older digests stay
        verifiable by the key id recorded beside them)."""

    def rotate_deployment_secret(self) -> DeploymentSecret:
        """Make a new current secret (``os.urandom(32)``); earlier ones are kept, so old
        digests still verify. New digests use the new secret. Returns the new secret."""

    def prune_expired(self, kind: str, *, updated_before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` records of an ``EPHEMERAL_KINDS`` kind last written
        before ``updated_before`` (one short transaction); returns how many went. Any other
        kind is refused (GZ-ST-010): domain records are never deleted."""

    def close(self) -> None:
        """Release connections."""
