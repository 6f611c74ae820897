# ruff: noqa: S608 - SQL is assembled from literal fragments only; every value is bound
"""查询 — the queries a province needs, answered by the database (DESIGN §6a).

Cases by applicant (identifier digest), organ, state and acceptance time, due
verifications, the records of one case, and the counts behind the statistics for a
period — every one is an indexed SQL query over the derived columns of
:mod:`gaozhi_sdk.store.keys`, with **keyset pagination**: results are ordered by
``(at, id)`` and a page starts after the record whose id is given as ``after`` (the id of
the last record of the previous page — a stable cursor: it names a record, not an
offset, so inserts elsewhere never shift or repeat a page). Nothing here loads every
record into Python.

The SQL is built here once for both stores; :class:`Dialect` holds the few differences
(placeholder and JSON functions).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gaozhi_sdk.store.entries import invalid

__all__ = [
    "MAX_LIMIT",
    "POSTGRES",
    "SQLITE",
    "Dialect",
    "RecordQuery",
    "StatisticsCounts",
    "StatisticsQuery",
]

_FIELD = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: The largest page a query returns.
MAX_LIMIT = 1000

_COLUMNS = "kind, id, version, state, doc, updated_at"


@dataclass(frozen=True)
class Dialect:
    """What differs between the engines: the placeholder and how a JSON field is read."""

    name: str
    param: str
    #: SQL of a JSON text field of ``{alias}.doc``: ``json_field.format(alias, name)``
    json_field: str
    #: the stored false of a boolean column (``outbox.dead``)
    false: str
    #: appended to a read that must hold its row until commit (SQLite: the whole
    #: database is already locked by ``BEGIN IMMEDIATE``)
    for_update: str = ""


SQLITE = Dialect(name="sqlite", param="?", json_field="json_extract({0}.doc, '$.{1}')", false="0")
POSTGRES = Dialect(
    name="postgresql",
    param="%s",
    json_field="({0}.doc::jsonb ->> '{1}')",
    false="false",
    for_update=" FOR UPDATE",
)


def _check_period(at_from: str | None, at_to: str | None) -> None:
    if at_from is not None and at_to is not None and at_to < at_from:
        invalid("GZ-ST-010", "期间的终点早于起点", "the period ends before it starts")


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        invalid("GZ-ST-010", f"{what} 须为非空文本", f"{what} must be non-empty text")
    return value


@dataclass(frozen=True)
class RecordQuery:
    """One page of records of ``kind`` matching every given filter, ordered by
    ``(at, id)``.

    ``states``: any of these states; ``organ``, ``ref``: equal; ``subjects``: any of these
    identifier digests; ``fields``: (top-level document field, text value) pairs that must
    be equal (not indexed: combine them with an indexed filter); ``at_from`` (inclusive) /
    ``at_to`` (exclusive): bounds on the derived time
    (:func:`~gaozhi_sdk.store.keys.sortable_time` text); ``after``: id of the last record
    of the previous page; ``limit``: 1 … ``MAX_LIMIT`` (1000).
    """

    kind: str
    states: tuple[str, ...] = ()
    organ: str | None = None
    subjects: tuple[str, ...] = ()
    ref: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    at_from: str | None = None
    at_to: str | None = None
    after: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        _check_text(self.kind, "kind")
        for s in (*self.states, *self.subjects, *(v for _, v in self.fields)):
            _check_text(s, "过滤条件")
        for name, _ in self.fields:
            if not isinstance(name, str) or not _FIELD.fullmatch(name):
                invalid("GZ-ST-010", "文档字段名不合法", "invalid document field name")
        for v in (self.organ, self.ref, self.at_from, self.at_to, self.after):
            if v is not None:
                _check_text(v, "过滤条件")
        _check_period(self.at_from, self.at_to)
        if (
            not isinstance(self.limit, int)
            or isinstance(self.limit, bool)
            or not 1 <= self.limit <= MAX_LIMIT
        ):
            invalid(
                "GZ-ST-010",
                f"每页条数 limit 须为 1 至 {MAX_LIMIT} 的整数",
                f"limit must be an integer from 1 to {MAX_LIMIT}",
            )

    def sql(self, d: Dialect, after_at: str | None) -> tuple[str, tuple[Any, ...]]:
        """The SELECT and its parameters (``after_at``: the cursor record's ``at``)."""
        p = d.param
        where = [f"kind = {p}", "at IS NOT NULL"]
        params: list[Any] = [self.kind]
        if self.states:
            where.append(f"state IN ({', '.join([p] * len(self.states))})")
            params += self.states
        if self.organ is not None:
            where.append(f"organ = {p}")
            params.append(self.organ)
        if self.subjects:
            where.append(f"subject IN ({', '.join([p] * len(self.subjects))})")
            params += self.subjects
        if self.ref is not None:
            where.append(f"ref = {p}")
            params.append(self.ref)
        for name, value in self.fields:
            where.append(f"{d.json_field.format('records', name)} = {p}")
            params.append(value)
        if self.at_from is not None:
            where.append(f"at >= {p}")
            params.append(self.at_from)
        if self.at_to is not None:
            where.append(f"at < {p}")
            params.append(self.at_to)
        if self.after is not None:
            where.append(f"(at, id) > ({p}, {p})")
            params += [after_at, self.after]
        sql = (
            f"SELECT {_COLUMNS} FROM records WHERE {' AND '.join(where)} ORDER BY at, id LIMIT {p}"
        )
        return sql, (*params, self.limit)

    def cursor_sql(self, d: Dialect) -> tuple[str, tuple[Any, ...]]:
        """The ``at`` of the cursor record (it must be a ``kind`` record)."""
        return (
            f"SELECT at FROM records WHERE kind = {d.param} AND id = {d.param}",
            (self.kind, self.after),
        )


def unknown_cursor(after: str) -> None:
    """GZ-ST-010: the cursor names no record of the queried kind."""
    invalid(
        "GZ-ST-010",
        f"分页游标 after={after!r} 不是该类记录的编号 (应为上一页最后一条记录的编号)",
        f"cursor after={after!r} names no record of this kind (use the last id of the "
        "previous page)",
    )


@dataclass(frozen=True)
class StatisticsCounts:
    """Grouped counts behind the statistics (folded by
    :func:`gaozhi_sdk.rules.statistics_from_counts`).

    ``entries``: (organ, entry, case state, pledged?, chosen?, n) per case × entry;
    ``statuses``: (case state, n); ``verifications``: (organ, entry, method, result or
    None, state, n); ``dispositions``: (action, n); ``credit``: (severity, status, n);
    ``complaints``: (status, n); ``limitation_refusals``: n; ``signing_methods``:
    (signing method, n) of the cohort's pledges, a pledge without a recorded method
    (stored before methods were recorded) counted as ``CERTIFICATE`` (DESIGN §4a).
    """

    entries: tuple[tuple[str, str, str, bool, bool, int], ...] = ()
    statuses: tuple[tuple[str, int], ...] = ()
    verifications: tuple[tuple[str, str, str, str | None, str, int], ...] = ()
    dispositions: tuple[tuple[str, int], ...] = ()
    credit: tuple[tuple[str, str, int], ...] = ()
    complaints: tuple[tuple[str, int], ...] = ()
    limitation_refusals: int = 0
    signing_methods: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class StatisticsQuery:
    """The cases accepted in ``[at_from, at_to)`` (derived ``at`` of the case: its
    acceptance), optionally of one organ, and what happened to them; complaints received
    in the same period (about that organ's cases when ``organ`` is given)."""

    at_from: str | None = None
    at_to: str | None = None
    organ: str | None = None

    def __post_init__(self) -> None:
        for v in (self.at_from, self.at_to, self.organ):
            if v is not None:
                _check_text(v, "统计条件")
        _check_period(self.at_from, self.at_to)

    def _cohort(self, d: Dialect, alias: str) -> tuple[str, tuple[Any, ...]]:
        p = d.param
        where = [f"{alias}.kind = 'case'", f"{alias}.at IS NOT NULL"]
        params: list[Any] = []
        if self.at_from is not None:
            where.append(f"{alias}.at >= {p}")
            params.append(self.at_from)
        if self.at_to is not None:
            where.append(f"{alias}.at < {p}")
            params.append(self.at_to)
        if self.organ is not None:
            where.append(f"{alias}.organ = {p}")
            params.append(self.organ)
        return " AND ".join(where), tuple(params)

    def statements(self, d: Dialect) -> dict[str, tuple[str, tuple[Any, ...]]]:
        """Every grouped SELECT by name; rows are grouped by the derived ``facts`` column
        (:mod:`gaozhi_sdk.store.keys`), never by reading documents."""
        cohort, params = self._cohort(d, "c")

        p = d.param
        where = ["m.kind = 'complaint'", "m.at IS NOT NULL"]
        cparams: list[Any] = []
        if self.at_from is not None:
            where.append(f"m.at >= {p}")
            cparams.append(self.at_from)
        if self.at_to is not None:
            where.append(f"m.at < {p}")
            cparams.append(self.at_to)
        if self.organ is not None:
            where.append(
                f"m.ref IN (SELECT o.id FROM records o WHERE o.kind = 'case' AND o.organ = {p})"
            )
            cparams.append(self.organ)
        return {
            "cases": (
                f"SELECT c.organ, c.state, c.facts, count(*) FROM records c WHERE {cohort} "
                "GROUP BY c.organ, c.state, c.facts",
                params,
            ),
            # what belongs to the cohort's cases, in one join (one index range per case).
            # Pledges are counted too: every signing-method record is written in the
            # transaction of its pledge (same id, same case), so the pledges without one —
            # stored before signing methods were recorded, counted as CERTIFICATE — are
            # the pledges less the signing-method records (no anti-join per pledge).
            "children": (
                "SELECT c.organ, x.kind, x.state, x.facts, count(*) FROM records c "
                "JOIN records x ON x.ref = c.id AND x.kind IN ('verification', 'disposition', "
                "'credit_record', 'limitation_refusal', 'pledge_signing_method', 'pledge') "
                f"WHERE {cohort} "
                "GROUP BY c.organ, x.kind, x.state, x.facts",
                params,
            ),
            "complaints": (
                f"SELECT m.state, count(*) FROM records m WHERE {' AND '.join(where)} "
                "GROUP BY m.state",
                tuple(cparams),
            ),
        }

    @staticmethod
    def counts(rows: dict[str, Sequence[Sequence[Any]]]) -> StatisticsCounts:
        """Typed counts from the grouped rows of :meth:`statements` (each distinct group's
        ``facts`` expanded; the number of groups does not grow with the cases)."""
        entries: Counter[tuple[str, str, str, bool, bool]] = Counter()
        statuses: Counter[str] = Counter()
        for organ, state, facts, n in rows["cases"]:
            statuses[str(state)] += int(n)
            for entry, pledged, chosen in _json(facts, []):
                entries[(str(organ), str(entry), str(state), bool(pledged), bool(chosen))] += int(n)
        checks: Counter[tuple[str, str, str, str | None, str]] = Counter()
        actions: Counter[str] = Counter()
        credit: Counter[tuple[str, str]] = Counter()
        refusals = 0
        methods: Counter[str] = Counter()
        pledges = recorded = 0
        for organ, kind, state, facts, n in rows["children"]:
            if kind == "verification":
                entry, method, result = _json(facts, [None, None, None])
                key = (str(organ), str(entry), str(method), None if result is None else str(result))
                checks[(*key, str(state))] += int(n)
            elif kind == "disposition":
                for action in _json(facts, []):
                    actions[str(action)] += int(n)
            elif kind == "credit_record":
                severity, status = _json(facts, [None, None])
                credit[(str(severity), str(status))] += int(n)
            elif kind == "pledge_signing_method":
                methods[str(state)] += int(n)
                recorded += int(n)
            elif kind == "pledge":
                pledges += int(n)
            else:
                refusals += int(n)
        methods["CERTIFICATE"] += max(0, pledges - recorded)
        return StatisticsCounts(
            entries=tuple((*k, n) for k, n in sorted(entries.items())),
            statuses=tuple(sorted(statuses.items())),
            verifications=tuple((*k, n) for k, n in sorted(checks.items(), key=str)),
            dispositions=tuple(sorted(actions.items())),
            credit=tuple((*k, n) for k, n in sorted(credit.items())),
            complaints=tuple(sorted((str(s), int(n)) for s, n in rows["complaints"])),
            limitation_refusals=refusals,
            signing_methods=tuple(sorted((m, n) for m, n in methods.items() if n)),
        )


def _json(text: Any, default: Any) -> Any:
    return default if text is None else json.loads(text)
