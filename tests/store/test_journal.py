"""Journal hash chain: tamper detection on an exported ``journal.jsonl`` (DESIGN §6, §9
"tampering with any … journal entry: always detected")."""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaozhi_sdk.errors import IntegrityError
from gaozhi_sdk.store import (
    GENESIS_HASH,
    ChainReport,
    JournalEntry,
    MalformedLine,
    SqliteStore,
    entry_hash,
    read_jsonl,
    verify_chain,
    verify_chain_or_raise,
    write_jsonl,
)

N = 12


def _build_entries() -> list[JournalEntry]:
    store = SqliteStore(None)
    try:
        for n in range(1, N + 1):
            with store.transaction() as tx:
                tx.append_journal(
                    event=f"case.step{n % 4}",
                    aggregate_type="case",
                    aggregate_id=f"C-{n % 3}",
                    actor={"role": "OFFICER", "ref": f"o-{n}", "organ": "某区行政审批局"},
                    payload_digest=hashlib.sha256(str(n).encode()).hexdigest(),
                    outcome="REFUSED" if n % 5 == 0 else "APPLIED",
                    detail={"n": n, "原因": "材料齐全", "flags": [True, None, n * 1000]},
                )
        return list(store.journal())
    finally:
        store.close()


ENTRIES = _build_entries()
DICTS = [e.to_json_dict() for e in ENTRIES]
HEAD = ENTRIES[-1].hash
JSONL = b"".join(rfc8785.dumps(d) + b"\n" for d in DICTS)


APPEND_ARGS = (
    "event",
    "aggregate_type",
    "aggregate_id",
    "actor",
    "payload_digest",
    "outcome",
    "detail",
    "at",
)


def _replay(store: SqliteStore) -> None:
    """Append the reference entries (same content and times) to ``store``."""
    with store.transaction() as tx:
        for d in DICTS:
            tx.append_journal(**{k: d[k] for k in APPEND_ARGS})


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "journal.jsonl"
    assert write_jsonl(ENTRIES, path) == N
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _write_lines(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(rfc8785.dumps(d) + b"\n" for d in lines))


def _verify(path: Path, **anchors: Any) -> ChainReport:
    return verify_chain(read_jsonl(path), **anchors)


def _tweak(value: Any) -> Any:
    """A different value of the same JSON type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            return ("1" if value[0] == "0" else "0") + value[1:]
        return value + "x"
    if isinstance(value, dict):
        return {**value, "injected": "1"} if "role" not in value else {**value, "role": "ADMIN"}
    raise AssertionError(type(value))


# --------------------------------------------------------------------------- basics


def test_export_is_canonical_jsonl(jsonl: Path) -> None:
    assert jsonl.read_bytes() == JSONL
    assert list(read_jsonl(jsonl)) == DICTS
    report = _verify(jsonl, expected_head=HEAD, expected_count=N)
    assert report == ChainReport(ok=True, count=N, head_hash=HEAD, head_seq=N, problems=[])
    assert report.first_bad_seq is None


def test_entry_hash_is_sha256_of_jcs_without_hash() -> None:
    for d in DICTS:
        body = {k: v for k, v in d.items() if k != "hash"}
        assert entry_hash(d) == hashlib.sha256(rfc8785.dumps(body)).hexdigest() == d["hash"]
    assert DICTS[0]["prev_hash"] == GENESIS_HASH
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(DICTS))


def test_store_export_and_verify_journal(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "g.db")
    _replay(store)
    assert store.export_journal(tmp_path / "journal.jsonl") == N
    # Same content and times → the very same chain as the reference entries.
    assert (tmp_path / "journal.jsonl").read_bytes() == JSONL
    assert store.verify_journal(expected_head=HEAD, expected_count=N).ok
    store.close()


def test_empty_journal_verifies() -> None:
    report = verify_chain([])
    assert report.ok and report.count == 0
    assert (report.head_hash, report.head_seq) == (GENESIS_HASH, 0)
    short = verify_chain([], expected_count=1)
    assert not short.ok and short.problems[0][:2] == (1, "GZ-JR-005")


# --------------------------------------------------------------------------- tampering


@pytest.mark.parametrize("index", range(N))
@pytest.mark.parametrize("field", sorted(DICTS[0]))
def test_modified_field_reported_at_its_seq(jsonl: Path, index: int, field: str) -> None:
    lines = _lines(jsonl)
    lines[index][field] = _tweak(lines[index][field])
    _write_lines(jsonl, lines)
    report = _verify(jsonl)
    assert not report.ok
    assert report.first_bad_seq == index + 1, report.problems


@pytest.mark.parametrize("index", range(N))
def test_modified_entry_with_recomputed_hash_breaks_next_link(jsonl: Path, index: int) -> None:
    lines = _lines(jsonl)
    lines[index]["detail"] = {"n": 0, "原因": "伪造"}
    lines[index]["hash"] = entry_hash(lines[index])
    _write_lines(jsonl, lines)
    report = _verify(jsonl, expected_head=HEAD)
    assert not report.ok
    assert report.first_bad_seq == index + 2
    codes = {p.code for p in report.problems}
    assert codes == ({"GZ-JR-003"} if index < N - 1 else {"GZ-JR-005"})


@pytest.mark.parametrize("index", range(N - 1))
def test_deleted_line_reported_at_missing_seq(jsonl: Path, index: int) -> None:
    lines = _lines(jsonl)
    del lines[index]
    _write_lines(jsonl, lines)
    report = _verify(jsonl)
    assert not report.ok
    assert report.first_bad_seq == index + 1
    assert {p.code for p in report.problems} == {"GZ-JR-003", "GZ-JR-004"}


def test_deleted_last_line_needs_the_trusted_head(jsonl: Path) -> None:
    lines = _lines(jsonl)[:-1]
    _write_lines(jsonl, lines)
    assert _verify(jsonl).ok  # a shorter chain is still a chain …
    for anchors in ({"expected_head": HEAD}, {"expected_count": N}):
        report = _verify(jsonl, **anchors)  # … but not the one that was anchored
        assert not report.ok
        assert report.problems[0][:2] == (N, "GZ-JR-005")


@pytest.mark.parametrize("index", range(N - 1))
def test_swapped_lines_reported_at_first_position(jsonl: Path, index: int) -> None:
    lines = _lines(jsonl)
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    _write_lines(jsonl, lines)
    report = _verify(jsonl, expected_head=HEAD, expected_count=N)
    assert not report.ok
    assert report.first_bad_seq == index + 1
    assert "GZ-JR-004" in {p.code for p in report.problems}


@pytest.mark.parametrize("keep", range(N))
def test_truncation_detected_against_anchors(jsonl: Path, keep: int) -> None:
    _write_lines(jsonl, _lines(jsonl)[:keep])
    report = _verify(jsonl, expected_head=HEAD, expected_count=N)
    assert not report.ok
    assert report.count == keep
    assert report.problems[0][:2] == (keep + 1, "GZ-JR-005")


def test_truncation_inside_a_line_is_malformed(jsonl: Path) -> None:
    data = jsonl.read_bytes()
    jsonl.write_bytes(data[: len(data) - 40])
    report = _verify(jsonl)
    assert report.problems[0][:2] == (N, "GZ-JR-001")


def test_appended_forged_line_with_bad_hash(jsonl: Path) -> None:
    forged = {**DICTS[-1], "seq": N + 1, "prev_hash": HEAD, "event": "credit.erased"}
    _write_lines(jsonl, [*_lines(jsonl), forged])
    report = _verify(jsonl)
    assert report.problems[0][:2] == (N + 1, "GZ-JR-002")


def test_appended_well_chained_forgery_detected_by_anchors(jsonl: Path) -> None:
    forged = {**DICTS[-1], "seq": N + 1, "prev_hash": HEAD, "event": "credit.erased"}
    forged["hash"] = entry_hash(forged)
    _write_lines(jsonl, [*_lines(jsonl), forged])
    assert _verify(jsonl).ok  # internally consistent …
    for anchors in ({"expected_head": HEAD}, {"expected_count": N}):
        report = _verify(jsonl, **anchors)  # … but beyond the trusted head
        assert report.problems[0][:2] == (N + 1, "GZ-JR-006")


def test_inserted_line_detected(jsonl: Path) -> None:
    lines = _lines(jsonl)
    lines.insert(3, dict(lines[3]))  # a duplicated entry
    _write_lines(jsonl, lines)
    report = _verify(jsonl)
    assert report.first_bad_seq == 5


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"not json", 1),
        (b"[1, 2]", 1),
        (b"", 1),  # empty line in the middle
        (b"\xff\xfe{}", 1),
        (b"{}", 1),
    ],
)
def test_unreadable_line_reported_as_malformed(jsonl: Path, raw: bytes, where: int) -> None:
    lines = jsonl.read_bytes().splitlines()
    lines.insert(where, raw)
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    report = _verify(jsonl)
    assert report.problems[0][:2] == (where + 1, "GZ-JR-001")
    assert report.count == N + 1


def test_non_canonical_line_is_malformed(jsonl: Path) -> None:
    lines = jsonl.read_bytes().splitlines()
    lines[4] = json.dumps(json.loads(lines[4]), indent=1).replace("\n", "").encode()
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_jsonl(jsonl))
    assert isinstance(items[4], MalformedLine) and items[4].line_no == 5
    assert _verify(jsonl).problems[0][:2] == (5, "GZ-JR-001")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"seq": "3"}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": 0}, "seq"),
        ({"actor": "OFFICER"}, "actor"),
        ({"actor": {"role": "R", "id_number": "x"}}, "actor"),
        ({"detail": []}, "detail"),
        ({"outcome": "MAYBE"}, "outcome"),
        ({"prev_hash": "0" * 63}, "prev_hash"),
        ({"at": "2024-01-01T00:00:00"}, "at"),
        ({"extra": 1}, "多余"),
        ({"hash": None}, "hash"),
    ],
)
def test_wrong_types_and_fields_are_malformed(change: dict[str, Any], reason: str) -> None:
    entries = [dict(d) for d in DICTS]
    entries[2].update(change)
    report = verify_chain(entries)
    assert report.problems[0][:2] == (3, "GZ-JR-001")
    assert reason in report.problems[0].message_zh
    missing = [dict(d) for d in DICTS]
    del missing[2]["payload_digest"]
    assert verify_chain(missing).problems[0][:2] == (3, "GZ-JR-001")


def test_non_mapping_items_do_not_crash() -> None:
    report = verify_chain([DICTS[0], None, 42, "x", DICTS[3]])  # type: ignore[list-item]
    assert [p[:2] for p in report.problems[:3]] == [
        (2, "GZ-JR-001"),
        (3, "GZ-JR-001"),
        (4, "GZ-JR-001"),
    ]


def test_verify_or_raise_names_first_bad_seq(jsonl: Path) -> None:
    assert verify_chain_or_raise(read_jsonl(jsonl), expected_head=HEAD).ok
    lines = _lines(jsonl)
    lines[6]["aggregate_id"] = "C-999"
    _write_lines(jsonl, lines)
    with pytest.raises(IntegrityError) as err:
        verify_chain_or_raise(read_jsonl(jsonl))
    assert err.value.code == "GZ-JR-002"
    assert err.value.details["seq"] == 7
    assert "第 7 条" in err.value.message


def test_tampered_database_journal_detected(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "g.db"
    store = SqliteStore(db)
    _replay(store)
    store.close()
    raw = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError):  # append-only trigger
        raw.execute("UPDATE journal SET event = 'x' WHERE seq = 5")
    raw.execute("DROP TRIGGER journal_no_update")
    raw.execute("UPDATE journal SET event = 'x' WHERE seq = 5")
    raw.execute("UPDATE journal SET actor = 'not json' WHERE seq = 9")
    raw.commit()
    raw.close()
    store = SqliteStore(db)
    report = store.verify_journal()
    assert [p[:2] for p in report.problems] == [(5, "GZ-JR-002"), (9, "GZ-JR-001")]
    store.close()


# --------------------------------------------------------------------------- byte flips


def _read_bytes(data: bytes) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.jsonl"
        path.write_bytes(data)
        yield from read_jsonl(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(JSONL) - 1), st.integers(1, 255)),
        min_size=1,
        max_size=4,
        unique_by=lambda f: f[0],
    ),
    anchored=st.booleans(),
)
def test_random_byte_flips_always_detected(flips: list[tuple[int, int]], anchored: bool) -> None:
    data = bytearray(JSONL)
    for pos, mask in flips:
        data[pos] ^= mask
    anchors: dict[str, Any] = {"expected_head": HEAD, "expected_count": N} if anchored else {}
    report = verify_chain(_read_bytes(bytes(data)), **anchors)  # never raises
    assert not report.ok
    assert all(p.code.startswith("GZ-JR-") and p.message_zh for p in report.problems)
