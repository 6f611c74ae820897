"""The one hash-chain helper: append a link, walk a chain (issue 11 item 6).

Two chains use it — the store's journal (SHA-256 over the RFC 8785 bytes of the entry,
DESIGN §6) and the data-sharing evidence log (SM3, TRANSPORT §5.1). Each keeps its own
digest (their files are contracts); what they share is the linking rule: record *n* has
``seq == n`` and ``prev_hash`` equal to the ``hash`` of record *n − 1* (``GENESIS`` for
the first), and ``hash`` is the digest of the record without ``hash``.

:func:`walk_chain` never raises on bad data; it reports every broken link and
resynchronises after a deleted or reordered record (the record's own ``seq`` is trusted
only when its hash verifies), so one bad record gives one finding, not a cascade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gaozhi_sdk.errors import GaozhiError

__all__ = ["GENESIS", "ChainWalk", "LinkIssue", "append_link", "walk_chain"]

#: ``prev_hash`` of the first record.
GENESIS = "0" * 64

Digest = Callable[[Mapping[str, Any]], str]
IssueKind = Literal["shape", "digest_error", "hash", "seq", "prev"]


@dataclass(frozen=True)
class LinkIssue:
    """One broken link: at which position (1-based, the seq the chain expected there)."""

    at: int
    kind: IssueKind
    #: the reason (``shape``, ``digest_error``) or the seq found (``seq``).
    detail: str = ""
    found_seq: int | None = None


@dataclass
class ChainWalk:
    """What :func:`walk_chain` found."""

    count: int = 0
    head_hash: str = GENESIS
    head_seq: int = 0
    issues: list[LinkIssue] = field(default_factory=list)
    #: hash → seq of the verified record whose hash is the ``watch`` given to
    #: :func:`walk_chain` (to place a trusted head), if met on the way.
    verified: dict[str, int] = field(default_factory=dict)


def append_link(
    body: Mapping[str, Any], prev_hash: str, seq: int, digest: Digest
) -> dict[str, Any]:
    """``body`` linked after ``prev_hash`` as record ``seq``, with its ``hash``."""
    record = {**body, "seq": seq, "prev_hash": prev_hash}
    record["hash"] = digest(record)
    return record


def _basic_shape(record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return f"not an object ({type(record).__name__})"
    seq = record.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "seq must be a positive integer"
    for name in ("prev_hash", "hash"):
        if not isinstance(record.get(name), str):
            return f"{name} must be a string"
    return None


def walk_chain(
    records: Iterable[Any],
    digest: Digest,
    *,
    shape: Callable[[Any], str | None] = _basic_shape,
    genesis: str = GENESIS,
    watch: str | None = None,
) -> ChainWalk:
    """Check every link of ``records`` (in stored order); see the module docstring.

    Args:
        digest: the chain's digest of a record without its ``hash`` (may raise
            :class:`~gaozhi_sdk.GaozhiError`, ``ValueError`` or ``TypeError`` for a record it
            cannot digest: a ``digest_error`` issue).
        shape: why a record is malformed, or None (default: seq, prev_hash, hash present).
        watch: a hash (e.g. a trusted head) whose verified record's seq is kept in
            ``verified``; nothing else is kept, so memory stays flat in the chain's length.
    """
    walk = ChainWalk(head_hash=genesis)
    expected_seq = 1
    expected_prev: str | None = genesis
    for record in records:
        walk.count += 1
        where = expected_seq
        problem = shape(record)
        if problem is not None:
            walk.issues.append(LinkIssue(where, "shape", problem))
            expected_prev = None  # the next link cannot be checked against this record
            expected_seq += 1
            continue
        seq: int = record["seq"]
        stored: str = record["hash"]
        try:
            computed: str | None = digest({k: v for k, v in record.items() if k != "hash"})
        except (GaozhiError, ValueError, TypeError) as exc:
            computed = None
            detail = exc.message if isinstance(exc, GaozhiError) else str(exc)
            walk.issues.append(LinkIssue(where, "digest_error", detail))
        hash_ok = computed == stored
        if computed is not None and not hash_ok:
            walk.issues.append(LinkIssue(where, "hash"))
        if seq != expected_seq:
            walk.issues.append(LinkIssue(where, "seq", found_seq=seq))
        if expected_prev is not None and record["prev_hash"] != expected_prev:
            walk.issues.append(LinkIssue(where, "prev"))
        expected_seq = seq + 1 if hash_ok else expected_seq + 1
        expected_prev = stored
        walk.head_hash = stored
        walk.head_seq = seq if hash_ok else where
        if hash_ok and stored == watch:
            walk.verified.setdefault(stored, seq)
    return walk
