"""Bulk loader of bench/scale.py: N cases with the rows the lifecycle writes, fast enough
for N = 1,000,000 on SQLite and PostgreSQL in bounded memory.

What is written (documented on docs/performance.md): a few real intakes run through
:class:`PledgeService` on a scratch file (``scale.capture_templates``), and every row they
wrote — records (notice, case, case index, credit snapshot, pledge, signing method,
verification), journal entries and outbox messages (and, with ``blobs``, the signed bundles)
— becomes a *template*. Each clone gets new ids (``<old id>-<n>``), a new applicant (a
valid synthetic resident ID, and with it the applicant's keyed digest under the target
store's deployment secret, the journal's ``hmac:`` actor reference and the masked
identifier), one of 20 organs and an acceptance time spread over ten years (the due date of
its verification 28 days later); names, addresses and signed bundle bytes stay the
template's.

How it is fast: each template text is compiled once into a ``str.format`` pattern whose
fields are the per-case values, so a clone is a handful of ``format_map`` calls. The
derived query columns are still computed by the store's own :func:`record_keys` on the
parsed clone, so the indexes hold exactly what the lifecycle would put there. Journal
entries are hashed from a compiled pattern of their JCS body (the chain: ``seq`` gap-free,
each ``prev_hash`` the previous entry's hash, continuing the store's head); for the first
cases and every 5,000th the loader re-derives the row with the store's
``prepare_entry(...).seal`` and the document with ``dump_json`` and stops if a single byte
differs, and ``--smoke`` verifies the whole chain with ``verify_journal``.

Only the sink differs per engine: SQLite — ``executemany`` in one transaction per chunk
with load-only pragmas (no rollback journal, ``synchronous=OFF``, exclusive lock, a 64 MB
cache), the journal mode restored to WAL afterwards; PostgreSQL — ``COPY … FROM STDIN``
per table and chunk with ``synchronous_commit=off``. On both, the secondary indexes are
dropped before the load and re-created from their own catalogue definitions afterwards
(the same indexes the migrations made; primary keys and unique constraints stay in place
throughout), then ``ANALYZE``. Rows are generated and written in chunks of ``chunk``
cases, so memory does not grow with N.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from gaozhi_sdk.ids import keyed_digest, mask_beside_digest
from gaozhi_sdk.store.base import DeploymentSecret
from gaozhi_sdk.store.entries import PendingEntry, dump_json, prepare_entry
from gaozhi_sdk.store.journal import entry_body_bytes
from gaozhi_sdk.store.keys import KEYED_KINDS, record_keys
from gaozhi_sdk.testing.synthetic import synthetic_resident_id, synthetic_uscc

CST = timezone(timedelta(hours=8))
EPOCH = datetime(2017, 1, 1, 8, 0, tzinfo=CST)
SPAN_DAYS = 3650
ORGANS = 20
#: Stands for ``seq`` in a compiled journal body (an integer no template reaches).
_SEQ = 900719925474
#: Re-check every this many cases against the store's own row code (plus the first 20).
CHECK_EVERY = 5000

# the tables' columns in the order of the INSERTs in gaozhi_sdk.store.sqlbase
_RECORD = "kind id version state doc updated_at organ subject at ref facts"
_JOURNAL = "seq at event aggregate_type aggregate_id actor payload_digest outcome detail " + (
    "prev_hash hash"
)
RECORD_COLUMNS = tuple(_RECORD.split())
JOURNAL_COLUMNS = tuple(_JOURNAL.split())
OUTBOX_COLUMNS = ("topic", "idempotency_key", "payload", "created_at")
BLOB_COLUMNS = ("id", "kind", "media_type", "data", "sha256")
TABLES = {
    "records": RECORD_COLUMNS,
    "journal": JOURNAL_COLUMNS,
    "outbox": OUTBOX_COLUMNS,
    "blobs": BLOB_COLUMNS,
}


def _mark(name: str) -> str:
    return f"\u27e6{name}\u27e7"  # ⟦name⟧: never in a template, never escaped by JSON/JCS


def _pattern(text: str, tokens: list[tuple[str, str]]) -> str:
    """``text`` as a ``str.format`` pattern: each token's literal becomes ``{name}``."""
    for literal, name in tokens:  # longest literal first (a digest prefix is a token too)
        text = text.replace(literal, _mark(name))
    text = text.replace("{", "{{").replace("}", "}}")
    return re.sub("\u27e6(\\w+)\u27e7", r"{\1}", text)


@dataclass
class _Entry:
    """One journal entry of a template, compiled."""

    event: str
    aggregate_type: str
    aggregate_id: str  # pattern
    actor: str  # pattern of the stored JSON text
    payload_digest: str
    outcome: str
    detail: str  # pattern of the stored JSON text
    body: str  # pattern of the JCS body that is hashed ({seq}, {prev})
    raw: tuple[Any, ...]  # captured row, for the checks


@dataclass
class CaseTemplate:
    """The rows of one real intake, compiled into patterns over the per-case values."""

    ids: list[str]
    case_no: str
    records: list[tuple[str, str, int, str, str]]  # kind, id pattern, version, state, doc
    journal: list[_Entry]
    outbox: list[tuple[str, str, str]]  # topic, key pattern, payload pattern
    blobs: list[tuple[str, str, str, bytes, str]]


def compile_template(t: dict[str, Any]) -> CaseTemplate:
    """Compile the rows captured by ``scale.capture_templates`` for one intake."""
    case_doc = next(json.loads(r[4]) for r in t["records"] if r[0] == "case")
    verification = next((json.loads(r[4]) for r in t["records"] if r[0] == "verification"), {})
    notice = next((json.loads(r[4]) for r in t["records"] if r[0] == "notice"), {})
    digest = notice.get("applicant_digest", "")
    key_id, _, hexd = digest.partition(":")
    tokens = [(old, f"id{k}") for k, old in enumerate(t["ids"])]
    tokens += [
        (t["id_number"], "app"),
        (case_doc["created_at"], "t"),
        (case_doc["organ_uscc"], "organ"),
    ]
    if verification.get("due_at"):
        tokens.append((verification["due_at"], "due"))
    if digest:
        tokens += [
            (digest, "dig"),
            (f"{key_id}:{hexd[:32]}", "dig32"),
            (mask_beside_digest(t["id_number"]), "mask"),
        ]
    tokens.sort(key=lambda tok: -len(tok[0]))
    records = [
        (kind, _pattern(rid, tokens), version, state, _pattern(doc, tokens))
        for kind, rid, version, state, doc in t["records"]
    ]
    journal = []
    for row in t["journal"]:
        _at, event, agg_type, agg_id, actor, digest_, outcome, detail = row
        actor_d, detail_d = json.loads(actor), json.loads(detail)
        fields = {
            "seq": _SEQ,
            "at": _mark("t"),
            "event": event,
            "aggregate_type": agg_type,
            "aggregate_id": agg_id,
            "actor": actor_d,
            "payload_digest": digest_,
            "outcome": outcome,
            "detail": detail_d,
            "prev_hash": _mark("prev"),
        }
        body = entry_body_bytes(fields).decode()
        assert body.count(str(_SEQ)) == 1, "seq sentinel is ambiguous"
        body = body.replace(str(_SEQ), _mark("seq"))
        journal.append(
            _Entry(
                event=event,
                aggregate_type=agg_type,
                aggregate_id=_pattern(agg_id, tokens),
                actor=_pattern(dump_json(actor_d, "actor"), tokens),
                payload_digest=digest_,
                outcome=outcome,
                detail=_pattern(dump_json(detail_d, "detail"), tokens),
                body=_pattern(body, tokens),
                raw=row,
            )
        )
    # An outbox message names the journal entry it was written with: journal_seq k of
    # the template becomes the clone's {j<k>} (its position in the case's entries).
    seq_of = {s: k for k, s in enumerate(t.get("journal_seqs", []))}
    outbox = []
    for topic, key_text, payload_text in t["outbox"]:
        key, payload = key_text, payload_text
        for s, k in seq_of.items():
            key = re.sub(f":{s}$", f":{_mark(f'j{k}')}", key)
            payload = payload.replace(f'"journal_seq":{s},', f'"journal_seq":{_mark(f"j{k}")},')
        outbox.append((topic, _pattern(key, tokens), _pattern(payload, tokens)))
    blobs = [
        (_pattern(bid, tokens), kind, media, data, hashlib.sha256(data).hexdigest())
        for bid, kind, media, data in t["blobs"]
    ]
    return CaseTemplate(
        ids=t["ids"],
        case_no=t["case_no"],
        records=records,
        journal=journal,
        outbox=outbox,
        blobs=blobs,
    )


@dataclass
class Chunk:
    """Rows of a run of cases, per table, in column order (:data:`TABLES`)."""

    records: list[tuple[Any, ...]] = field(default_factory=list)
    journal: list[tuple[Any, ...]] = field(default_factory=list)
    outbox: list[tuple[Any, ...]] = field(default_factory=list)
    blobs: list[tuple[Any, ...]] = field(default_factory=list)
    cases: int = 0


class Generator:
    """Yields :class:`Chunk` s of ``n`` cloned cases for a store with ``secret`` whose
    journal head is ``(seq, head_hash)``; ``sample`` collects what the queries look up."""

    def __init__(
        self,
        templates: list[CaseTemplate],
        n: int,
        secret: DeploymentSecret,
        head: tuple[int, str],
        *,
        blobs: bool = False,
        seed: int = 1,
        chunk: int = 2000,
    ) -> None:
        self.templates, self.n, self.secret = templates, n, secret
        self.seq, self.prev = head
        self.blobs, self.seed, self.chunk = blobs, seed, chunk
        self.sample: dict[str, Any] = {"cases": [], "applicants": [], "organs": []}
        self.checked = 0

    def __iter__(self) -> Iterator[Chunk]:
        rng = random.Random(self.seed)
        organs = [synthetic_uscc(rng) for _ in range(ORGANS)]
        self.sample["organs"] = organs
        now = datetime.now(CST).isoformat()
        every = max(1, self.n // 300)
        out = Chunk()
        for i in range(self.n):
            t = self.templates[i % len(self.templates)]
            applicant = synthetic_resident_id(rng)
            accepted = EPOCH + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
            dig = keyed_digest(applicant, self.secret.key, self.secret.key_id)
            key_id, _, hexd = dig.partition(":")
            v: dict[str, Any] = {f"id{k}": f"{old}-{i:07d}" for k, old in enumerate(t.ids)}
            v.update(
                app=applicant,
                t=accepted.isoformat(),
                organ=organs[i % ORGANS],
                due=(accepted + timedelta(days=28)).isoformat(),
                dig=dig,
                dig32=f"{key_id}:{hexd[:32]}",
                mask=mask_beside_digest(applicant),
            )
            check = i < 20 or i % CHECK_EVERY == 0
            self._records(t, v, now, out, check)
            self._journal(t, v, out, check)
            for topic, key, payload in t.outbox:
                out.outbox.append((topic, key.format_map(v), payload.format_map(v), now))
            if self.blobs:
                for bid, kind, media, data, sha in t.blobs:
                    out.blobs.append((bid.format_map(v), kind, media, data, sha))
            if i % every == 0 and len(self.sample["cases"]) < 300:
                self.sample["cases"].append(v[_id_slot(t)])
                self.sample["applicants"].append(applicant)
            out.cases += 1
            if out.cases == self.chunk:
                yield out
                out = Chunk()
        if out.cases:
            yield out

    def _records(
        self, t: CaseTemplate, v: dict[str, Any], now: str, out: Chunk, check: bool
    ) -> None:
        for kind, rid, version, state, doc_p in t.records:
            doc_text = doc_p.format_map(v)
            if kind in KEYED_KINDS:
                doc = json.loads(doc_text)
                if check and dump_json(doc, "doc") != doc_text:
                    raise AssertionError(f"bulk clone of a {kind} is not its canonical text")
                k = record_keys(kind, doc, self.secret)
                keys: tuple[Any, ...] = (k.organ, k.subject, k.at, k.ref, k.facts)
            else:
                keys = (None, None, None, None, None)
            out.records.append((kind, rid.format_map(v), version, state, doc_text, now, *keys))

    def _journal(self, t: CaseTemplate, v: dict[str, Any], out: Chunk, check: bool) -> None:
        for k, e in enumerate(t.journal):
            self.seq += 1
            v["seq"], v["prev"], v[f"j{k}"] = self.seq, self.prev, self.seq
            digest = hashlib.sha256(e.body.format_map(v).encode()).hexdigest()
            row = (
                self.seq,
                v["t"],
                e.event,
                e.aggregate_type,
                e.aggregate_id.format_map(v),
                e.actor.format_map(v),
                e.payload_digest,
                e.outcome,
                e.detail.format_map(v),
                self.prev,
                digest,
            )
            if check:
                self._check_entry(row)
            out.journal.append(row)
            self.prev = digest

    def _check_entry(self, row: tuple[Any, ...]) -> None:
        """The row the store's own code makes of the same entry, byte for byte."""
        seq, at, event, agg_type, agg_id, actor, digest, outcome, detail, prev, _h = row
        pending: PendingEntry = prepare_entry(
            event=event,
            aggregate_type=agg_type,
            aggregate_id=agg_id,
            actor=json.loads(actor),
            payload_digest=digest,
            outcome=outcome,
            detail=json.loads(detail),
            at=at,
        )
        entry = pending.seal(seq, prev)
        made = (
            *(entry.seq, entry.at, entry.event, entry.aggregate_type, entry.aggregate_id),
            *(dump_json(entry.actor, "actor"), entry.payload_digest, entry.outcome),
            *(dump_json(entry.detail, "detail"), entry.prev_hash, entry.hash),
        )
        if made != row:
            raise AssertionError(f"bulk journal entry {seq} differs from the store's own")
        self.checked += 1


def _id_slot(t: CaseTemplate) -> str:
    return f"id{t.ids.index(t.case_no)}"


# ----------------------------------------------------------------------------- sinks


class SqliteSink:
    """Writes chunks into a SQLite store file (the store itself closed meanwhile)."""

    def __init__(self, path: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "locking_mode = EXCLUSIVE",
            "cache_size = -65536",
        ):
            self.con.execute(f"PRAGMA {pragma}")
        self.indexes = [
            (name, sql)
            for name, sql in self.con.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('records', 'journal', 'outbox', 'blobs')"
            )
        ]
        for name, _ in self.indexes:
            self.con.execute(f'DROP INDEX "{name}"')
        self.sql = {
            table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for table, cols in TABLES.items()
        }

    def write(self, chunk: Chunk) -> None:
        self.con.execute("BEGIN")
        for table in TABLES:
            rows = getattr(chunk, table)
            if rows:
                self.con.executemany(self.sql[table], rows)
        self.con.execute("COMMIT")

    def finish(self, seq: int, head: str) -> None:
        for _, sql in self.indexes:
            self.con.execute(sql)
        self.con.execute("ANALYZE")
        self.con.execute("PRAGMA locking_mode = NORMAL")
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.close()


class PostgresSink:
    """Writes chunks into a PostgreSQL store with ``COPY`` (a plain psycopg connection)."""

    def __init__(self, con: Any) -> None:
        self.con = con
        con.autocommit = True
        con.execute(b"SET synchronous_commit = off")
        con.execute(b"SET maintenance_work_mem = '256MB'")
        self.indexes = con.execute(
            b"SELECT i.indexname, i.indexdef FROM pg_indexes i "
            b"WHERE i.schemaname = current_schema() "
            b"AND i.tablename IN ('records', 'journal', 'outbox', 'blobs') "
            b"AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _ in self.indexes:
            con.execute(f'DROP INDEX "{name}"'.encode())
        self.copy = {
            table: f"COPY {table} ({', '.join(cols)}) FROM STDIN".encode()
            for table, cols in TABLES.items()
        }

    def write(self, chunk: Chunk) -> None:
        with self.con.transaction(), self.con.cursor() as cur:
            for table in TABLES:
                rows = getattr(chunk, table)
                if rows:
                    with cur.copy(self.copy[table]) as copy:
                        for row in rows:
                            copy.write_row(row)

    def finish(self, seq: int, head: str) -> None:
        for _, sql in self.indexes:
            self.con.execute(sql.encode())
        self.con.execute(b"UPDATE journal_head SET seq = %s, hash = %s", (seq, head))
        self.con.execute(b"ANALYZE")
        self.con.close()


def load(gen: Generator, sink: SqliteSink | PostgresSink) -> None:
    """Stream every chunk of ``gen`` into ``sink`` and close it with the chain head."""
    for chunk in gen:
        sink.write(chunk)
    sink.finish(gen.seq, gen.prev)
