"""What both SQL stores share: writing a record with its derived keys, the province
queries and re-deriving keys in a migration.

:class:`~gaozhi_sdk.store.sqlite.SqliteStore` and
:class:`~gaozhi_sdk.store.postgres.PostgresStore` differ in connections, locking and
error translation; the SQL they run for these operations is written once here and
adapted by a :class:`~gaozhi_sdk.store.queries.Dialect` (placeholder, JSON functions).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gaozhi_sdk.errors import StoreError
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.store.base import DeploymentSecret, Record
from gaozhi_sdk.store.entries import check_name, dump_json, invalid
from gaozhi_sdk.store.keys import KEYED_KINDS, record_keys
from gaozhi_sdk.store.queries import (
    Dialect,
    RecordQuery,
    StatisticsCounts,
    StatisticsQuery,
    unknown_cursor,
)
from gaozhi_sdk.store.rows import record_from_row

__all__ = ["SqlReads", "SqlWrites", "reindex_records"]

_INSERT = (
    "INSERT INTO records (kind, id, version, state, doc, updated_at, organ, subject, at, ref) "
    "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING"
)
_UPDATE = (
    "UPDATE records SET version = version + 1, state = ?, doc = ?, updated_at = ?, "
    "organ = ?, subject = ?, at = ?, ref = ? WHERE kind = ? AND id = ? AND version = ?"
)
_VERSION = "SELECT version FROM records WHERE kind = ? AND id = ?"
_REINDEX_PAGE = 1000


def _sql(d: Dialect, text: str) -> str:
    return text if d.param == "?" else text.replace("?", d.param)


def _conflict(kind: str, id: str, expected: int | None, found: int | None) -> StoreError:
    if expected is None:
        return StoreError(
            "GZ-ST-409",
            f"记录已存在, 不能按新建写入 ({kind}/{id}); 请读取最新版本后重试",
            message_en=f"record {kind}/{id} already exists",
            details={"kind": kind, "id": id, "expected_version": None},
        )
    return StoreError(
        "GZ-ST-409",
        f"记录版本冲突 ({kind}/{id}): 期望版本 {expected}, "
        f"当前{'不存在' if found is None else f'版本 {found}'}; 请读取最新版本后重试",
        message_en=f"version conflict on {kind}/{id}",
        details={"kind": kind, "id": id, "expected_version": expected, "actual_version": found},
    )


class SqlWrites:
    """``put`` of a transaction: one INSERT or version-checked UPDATE with the derived keys
    (:mod:`gaozhi_sdk.store.keys`). Subclasses give ``_exec`` (returns a cursor with
    ``rowcount`` and ``fetchone``), ``_dialect`` and ``_secret``."""

    _dialect: Dialect

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        raise NotImplementedError

    def _secret(self) -> DeploymentSecret:
        raise NotImplementedError

    def put(
        self,
        kind: str,
        id: str,
        doc: Mapping[str, Any],
        *,
        state: str,
        expected_version: int | None,
    ) -> int:
        """Insert (``expected_version=None``) or update (version must match).

        Returns:
            The new version (1 for an insert).

        Raises:
            StoreError: GZ-ST-409 on a version conflict, GZ-ST-010 on bad arguments.
        """
        check_name(kind, "kind")
        check_name(id, "id")
        check_name(state, "state")
        text = dump_json(doc, "doc")
        now = now_cst().isoformat()
        if expected_version is not None and (
            not isinstance(expected_version, int)
            or isinstance(expected_version, bool)
            or expected_version < 1
        ):
            invalid(
                "GZ-ST-010",
                "expected_version 必须是正整数或 None",
                "expected_version must be a positive integer or None",
            )
        k = record_keys(kind, doc, self._secret()) if kind in KEYED_KINDS else None
        keys = (None, None, None, None) if k is None else (k.organ, k.subject, k.at, k.ref)
        d = self._dialect
        if expected_version is None:
            cur = self._exec(_sql(d, _INSERT), (kind, id, state, text, now, *keys))
            if cur.rowcount != 1:
                raise _conflict(kind, id, None, None)
            return 1
        cur = self._exec(_sql(d, _UPDATE), (state, text, now, *keys, kind, id, expected_version))
        if cur.rowcount != 1:
            row = self._exec(_sql(d, _VERSION), (kind, id)).fetchone()
            raise _conflict(kind, id, expected_version, None if row is None else int(row[0]))
        return expected_version + 1


class SqlReads:
    """The province queries of a store (:mod:`gaozhi_sdk.store.queries`). Subclasses give
    ``_fetch`` (committed reads) and ``_dialect``."""

    _dialect: Dialect

    def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        raise NotImplementedError

    def find(self, query: RecordQuery) -> builtins.list[Record]:
        """One page of committed records matching ``query``, ordered by ``(at, id)``.

        Raises:
            StoreError: GZ-ST-010 if ``query.after`` names no record of ``query.kind``.
        """
        after_at: str | None = None
        if query.after is not None:
            rows = self._fetch(*query.cursor_sql(self._dialect))
            if not rows or rows[0][0] is None:
                unknown_cursor(query.after)
            after_at = str(rows[0][0])
        return [record_from_row(r) for r in self._fetch(*query.sql(self._dialect, after_at))]

    def statistics_counts(self, query: StatisticsQuery) -> StatisticsCounts:
        """The grouped counts behind the statistics for a period, by SQL aggregation."""
        return query.counts(
            {
                name: self._fetch(sql, params)
                for name, (sql, params) in query.statements(self._dialect).items()
            }
        )


def reindex_records(
    d: Dialect,
    fetch: Callable[[str, tuple[Any, ...]], Sequence[Sequence[Any]]],
    execute: Callable[[str, tuple[Any, ...]], object],
    secret: DeploymentSecret,
) -> int:
    """Derive the keys of every stored record of a keyed kind (migration 3, inside the
    migration's transaction); returns how many records were updated."""
    kinds = sorted(KEYED_KINDS)
    select = _sql(
        d,
        f"SELECT kind, id, doc FROM records WHERE kind IN ({', '.join(['?'] * len(kinds))}) "  # noqa: S608 - placeholders only
        "AND (kind, id) > (?, ?) ORDER BY kind, id LIMIT ?",
    )
    update = _sql(
        d, "UPDATE records SET organ = ?, subject = ?, at = ?, ref = ? WHERE kind = ? AND id = ?"
    )
    last = ("", "")
    done = 0
    while True:
        rows = fetch(select, (*kinds, *last, _REINDEX_PAGE))
        for kind, id, doc in rows:
            k = record_keys(str(kind), _loads(doc), secret)
            execute(update, (k.organ, k.subject, k.at, k.ref, kind, id))
        done += len(rows)
        if len(rows) < _REINDEX_PAGE:
            return done
        last = (str(rows[-1][0]), str(rows[-1][1]))


def _loads(text: Any) -> Mapping[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, Mapping) else {}
