"""审计日志哈希链 (journal hash chain) — DESIGN §6.

Every journal entry carries ``prev_hash`` (the ``hash`` of the entry before it, or
:data:`~gaozhi_sdk.store.base.GENESIS_HASH` for the first) and ``hash`` = SHA-256 over the
RFC 8785 (JCS) bytes of all its other fields (exactly the keys of
:meth:`~gaozhi_sdk.store.base.JournalEntry.to_json_dict` minus ``"hash"``). Changing, removing,
reordering or inserting an entry therefore breaks the chain; truncation and forged appends at
the end are caught by comparing the head with a trusted ``expected_head`` /
``expected_count`` (for example from a signed checkpoint or archive manifest).

:func:`verify_chain` never raises on bad data: it returns a :class:`ChainReport` listing
every problem with the sequence number where it was found.
:func:`verify_chain_or_raise` raises :class:`~gaozhi_sdk.errors.IntegrityError` instead.

Problem codes (GZ-JR-*):

==========  ==============================================================
GZ-JR-001   malformed entry: not JSON, not canonical JSON, missing/extra
            field or wrong type
GZ-JR-002   ``hash`` does not match the entry's content
GZ-JR-003   ``prev_hash`` does not link to the previous entry
GZ-JR-004   ``seq`` gap or reordering (``seq`` must run 1, 2, 3, …)
GZ-JR-005   journal shorter than expected or head differs (truncation)
GZ-JR-006   entries beyond the expected head/count (appended)
==========  ==============================================================

``journal.jsonl`` holds one canonical JSON object per line (UTF-8, ``\\n`` separated);
see :func:`write_jsonl` and :func:`read_jsonl`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from gaozhi_sdk._chain import LinkIssue, walk_chain
from gaozhi_sdk.canonical import canonical_bytes, sha256_hex
from gaozhi_sdk.errors import GaozhiError, IntegrityError
from gaozhi_sdk.store.base import GENESIS_HASH, JournalEntry

__all__ = [
    "ACTOR_KEYS",
    "ENTRY_FIELDS",
    "OUTCOMES",
    "ChainProblem",
    "ChainReport",
    "MalformedLine",
    "entry_body_bytes",
    "entry_hash",
    "read_jsonl",
    "verify_chain",
    "verify_chain_or_raise",
    "write_jsonl",
]

#: Keys of one journal entry, as in :meth:`~gaozhi_sdk.store.base.JournalEntry.to_json_dict`.
ENTRY_FIELDS: frozenset[str] = frozenset(
    {
        "seq",
        "at",
        "event",
        "aggregate_type",
        "aggregate_id",
        "actor",
        "payload_digest",
        "outcome",
        "detail",
        "prev_hash",
        "hash",
    }
)

#: Allowed ``outcome`` values (refused attempts are journaled too).
OUTCOMES: frozenset[str] = frozenset({"APPLIED", "REFUSED"})

#: Allowed ``actor`` keys — never a full personal identifier (DESIGN §6).
ACTOR_KEYS: frozenset[str] = frozenset({"role", "ref", "organ"})

_HEX64 = re.compile(r"[0-9a-f]{64}")
_STR_FIELDS = ("at", "event", "aggregate_type", "aggregate_id", "payload_digest", "outcome")


def _plain(value: Any) -> Any:
    """Mappings → dict and sequences → list, recursively (JCS input)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of the JCS bytes of every entry field except ``"hash"``.

    Args:
        fields: the entry as in :meth:`~gaozhi_sdk.store.base.JournalEntry.to_json_dict`
            (``hash`` may be present; it is ignored). ``prev_hash`` is included in the digest.

    Raises:
        ModelValidationError: GZ-MD-010 if a value cannot be canonicalised.
    """
    return sha256_hex(entry_body_bytes(fields))


def entry_body_bytes(fields: Mapping[str, Any]) -> bytes:
    """The JCS bytes that :func:`entry_hash` digests (all fields except ``"hash"``)."""
    return canonical_bytes({k: _plain(v) for k, v in fields.items() if k != "hash"})


class ChainProblem(NamedTuple):
    """One finding: where (``seq``), what (``code``) and a Chinese message."""

    seq: int
    code: str
    message_zh: str


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`.

    Attributes:
        ok: no problem was found.
        count: number of entries (lines) read, malformed ones included.
        head_hash: ``hash`` of the last well-formed entry (``GENESIS_HASH`` if none).
        head_seq: ``seq`` of that entry (0 if none).
        problems: every finding, in reading order. ``seq`` is the sequence number the
            chain expected at the place of the problem (for a deleted entry, the missing
            number; for a truncated tail, the first missing number).
    """

    ok: bool
    count: int
    head_hash: str
    head_seq: int
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def first_bad_seq(self) -> int | None:
        """Sequence number of the first problem, or ``None`` if the chain is intact."""
        return self.problems[0].seq if self.problems else None


class MalformedLine(dict[str, Any]):
    """Placeholder yielded by :func:`read_jsonl` for a line that is not a canonical JSON
    object; :func:`verify_chain` reports it as GZ-JR-001."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__()
        self.line_no = line_no
        self.reason = reason

    def __repr__(self) -> str:
        return f"MalformedLine(line_no={self.line_no!r}, reason={self.reason!r})"


def _check_shape(entry: Any) -> str | None:
    """Why ``entry`` is not a well-formed journal entry, or ``None`` if it is."""
    if isinstance(entry, MalformedLine):
        return f"第 {entry.line_no} 行无法解析: {entry.reason}"
    if not isinstance(entry, Mapping):
        return f"条目不是 JSON 对象 ({type(entry).__name__})"
    keys = set(entry.keys())
    missing = ENTRY_FIELDS - keys
    extra = keys - ENTRY_FIELDS
    if missing:
        return f"缺少字段: {', '.join(sorted(missing))}"
    if extra:
        return f"多余字段: {', '.join(sorted(str(k) for k in extra))}"
    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "seq 必须是正整数"
    for name in _STR_FIELDS:
        if not isinstance(entry[name], str) or not entry[name]:
            return f"{name} 必须是非空字符串"
    for name in ("prev_hash", "hash", "payload_digest"):
        value = entry[name]
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            return f"{name} 必须是 64 位小写十六进制 SHA-256 值"
    if entry["outcome"] not in OUTCOMES:
        return "outcome 必须是 APPLIED 或 REFUSED"
    try:
        at = datetime.fromisoformat(entry["at"])
    except ValueError:
        return "at 不是 ISO-8601 时间"
    if at.tzinfo is None:
        return "at 缺少时区"
    actor = entry["actor"]
    if not isinstance(actor, Mapping):
        return "actor 必须是 JSON 对象"
    if not set(actor.keys()) <= ACTOR_KEYS:
        return "actor 只能包含 role、ref、organ"
    if not all(isinstance(v, str) for v in actor.values()):
        return "actor 的值必须是字符串"
    if not isinstance(entry["detail"], Mapping):
        return "detail 必须是 JSON 对象"
    return None


def verify_chain(
    entries: Iterable[Mapping[str, Any]],
    *,
    expected_head: str | None = None,
    expected_count: int | None = None,
) -> ChainReport:
    """Check a journal hash chain; never raises on bad data.

    Detects a wrong ``hash`` (GZ-JR-002), a broken ``prev_hash`` link (GZ-JR-003), ``seq``
    gaps and reordering (GZ-JR-004), malformed entries (GZ-JR-001), and — given a trusted
    ``expected_head`` (hash of the last entry) and/or ``expected_count`` — truncation
    (GZ-JR-005) and appended entries (GZ-JR-006).

    Args:
        entries: entries in file/storage order (dicts from :func:`read_jsonl` or
            :meth:`~gaozhi_sdk.store.base.JournalEntry.to_json_dict`).
        expected_head: the trusted head hash, e.g. from a signed checkpoint.
        expected_count: the trusted number of entries.

    Returns:
        A :class:`ChainReport`.
    """
    # only the trusted head's seq is kept on the way, so memory stays flat in the length
    walk = walk_chain(
        entries, entry_hash, shape=_check_shape, genesis=GENESIS_HASH, watch=expected_head
    )
    problems = [_problem(issue) for issue in walk.issues]
    count, head_hash, head_seq, seen = walk.count, walk.head_hash, walk.head_seq, walk.verified

    if expected_count is not None and count != expected_count:
        if count < expected_count:
            problems.append(
                ChainProblem(
                    count + 1,
                    "GZ-JR-005",
                    f"日志被截断: 应有 {expected_count} 条, 实际只有 {count} 条 "
                    f"(自第 {count + 1} 条起缺失)",
                )
            )
        else:
            problems.append(
                ChainProblem(
                    expected_count + 1,
                    "GZ-JR-006",
                    f"日志多出条目: 应有 {expected_count} 条, 实际有 {count} 条 "
                    f"(自第 {expected_count + 1} 条起为多出)",
                )
            )
    if expected_head is not None and expected_head != head_hash:
        if expected_head in seen and seen[expected_head] < head_seq:
            at_seq = seen[expected_head] + 1
            problems.append(
                ChainProblem(
                    at_seq,
                    "GZ-JR-006",
                    f"日志在可信链头之后多出条目 (自第 {at_seq} 条起)",
                )
            )
        else:
            problems.append(
                ChainProblem(
                    head_seq + 1,
                    "GZ-JR-005",
                    f"日志链头与可信链头不符: 日志可能被截断或替换 (最后一条为第 {head_seq} 条)",
                )
            )

    return ChainReport(
        ok=not problems,
        count=count,
        head_hash=head_hash,
        head_seq=head_seq,
        problems=problems,
    )


def _problem(issue: LinkIssue) -> ChainProblem:
    """A link issue of the shared walker as a journal finding (code, Chinese message)."""
    where = issue.at
    if issue.kind == "shape":
        return ChainProblem(where, "GZ-JR-001", f"第 {where} 条日志格式错误: {issue.detail}")
    if issue.kind == "digest_error":
        return ChainProblem(where, "GZ-JR-001", f"第 {where} 条日志无法规范化: {issue.detail}")
    if issue.kind == "hash":
        return ChainProblem(where, "GZ-JR-002", f"第 {where} 条日志的哈希值与内容不符 (内容被改动)")
    if issue.kind == "seq":
        found = issue.found_seq or 0
        kind = "缺失" if found > where else "顺序错乱"
        return ChainProblem(
            where,
            "GZ-JR-004",
            f"日志序号不连续 ({kind}): 此处应为第 {where} 条, 实际为第 {found} 条",
        )
    return ChainProblem(
        where, "GZ-JR-003", f"第 {where} 条日志的 prev_hash 与前一条日志的哈希不衔接"
    )


def verify_chain_or_raise(
    entries: Iterable[Mapping[str, Any]],
    *,
    expected_head: str | None = None,
    expected_count: int | None = None,
) -> ChainReport:
    """Like :func:`verify_chain`, but raise on the first problem.

    Raises:
        IntegrityError: with the code of the first problem (GZ-JR-001 … GZ-JR-006), a
            Chinese message naming its ``seq``, and ``details`` ``{"seq", "problems"}``.
    """
    report = verify_chain(entries, expected_head=expected_head, expected_count=expected_count)
    if report.ok:
        return report
    first = report.problems[0]
    raise IntegrityError(
        first.code,
        f"审计日志校验失败 (第 {first.seq} 条): {first.message_zh}",
        message_en=f"journal chain does not verify at seq {first.seq}",
        details={
            "seq": first.seq,
            "problem_count": len(report.problems),
            "problems": [p._asdict() for p in report.problems[:50]],
        },
    )


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Read ``journal.jsonl`` lazily, one dict per line.

    A line that is not UTF-8, not JSON, not an object or not in canonical (RFC 8785) form
    is yielded as a :class:`MalformedLine` (an empty dict) so that :func:`verify_chain`
    reports it instead of crashing. An empty last line (after the final ``\\n``) is
    ignored; any other empty line is malformed.

    Raises:
        OSError: if the file cannot be opened or read.
    """
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            yield _parse_line(line, line_no)


def _parse_line(line: bytes, line_no: int) -> dict[str, Any]:
    if not line:
        return MalformedLine(line_no, "空行")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return MalformedLine(line_no, "不是有效的 UTF-8")
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return MalformedLine(line_no, "不是有效的 JSON")
    if not isinstance(obj, dict):
        return MalformedLine(line_no, "不是 JSON 对象")
    try:
        canonical = canonical_bytes(obj)
    except GaozhiError:
        return MalformedLine(line_no, "含有不能规范化的值")
    if canonical != line:
        return MalformedLine(line_no, "不是规范 JSON (RFC 8785)")
    return obj


def _fsync_dir(directory: str) -> None:
    """Persist a rename (best effort; not supported on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_jsonl(
    entries: Iterable[JournalEntry | Mapping[str, Any]], path: str | os.PathLike[str]
) -> int:
    """Write entries to ``path`` as canonical JSON lines; returns the number written.

    The file is written to a temporary name, flushed to disk and renamed, so a crash never
    leaves a half-written ``journal.jsonl`` behind.
    """
    target = os.fspath(path)
    tmp = f"{target}.tmp-{os.getpid()}"
    n = 0
    try:
        with open(tmp, "wb") as fh:
            for entry in entries:
                data = entry.to_json_dict() if isinstance(entry, JournalEntry) else entry
                fh.write(canonical_bytes(_plain(data)))
                fh.write(b"\n")
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(os.path.dirname(os.path.abspath(target)))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n
