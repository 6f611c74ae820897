"""Keyset pagination of the list endpoints (DESIGN §6a, §10).

Every list endpoint takes ``after`` (the cursor: the id of the last item of the previous
page, as returned in ``next``) and ``limit`` (1 … :data:`MAX_PAGE`, default
:data:`DEFAULT_PAGE`) and answers a :class:`Page`: ``items`` and ``next`` — the cursor of
the following page, ``null`` at the end. Pages come from the area services' keyset
queries (``after=``, ``limit=``), so a page never loads every record and inserts elsewhere
never shift or repeat one.

Lists a caller sees only part of (another organ's records are not shown) are filtered
while the store is read page by page; a page may then hold fewer than ``limit`` items —
scanning stops after :data:`MAX_SCAN` records and ``next`` continues from there. A client
reads until ``next`` is ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from gaozhi_sdk.service import PledgeService

__all__ = [
    "DEFAULT_PAGE",
    "MAX_PAGE",
    "MAX_SCAN",
    "After",
    "Limit",
    "OrganOf",
    "Page",
    "paginate",
]

T = TypeVar("T")

#: the largest page an endpoint returns
MAX_PAGE = 500
#: the page size when ``limit`` is not given
DEFAULT_PAGE = 100
#: records examined at most for one page of a filtered list
MAX_SCAN = 5000

After = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="游标: 上一页响应中的 next (上一页最后一项的编号); 缺省为第一页",
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE, description=f"每页条数, 1 至 {MAX_PAGE}, 缺省 {DEFAULT_PAGE}"),
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T] = Field(description="本页各项")
    next: str | None = Field(
        description="下一页的游标 (作为 after 传回); null 表示已到末尾",
    )


def paginate(
    fetch: Callable[[str | None, int], Sequence[T]],
    key: Callable[[T], str],
    *,
    after: str | None,
    limit: int,
    visible: Callable[[T], bool] | None = None,
) -> Page[T]:
    """One page: ``fetch(after, n)`` reads up to ``n`` records after the cursor in the
    list's order; ``visible`` drops what the caller may not see (see the module)."""
    if visible is None:
        rows = list(fetch(after, limit + 1))
        page = rows[:limit]
        return Page[T](items=page, next=key(page[-1]) if len(rows) > limit else None)
    items: list[T] = []
    cursor = after
    scanned = 0
    batch_size = min(1000, max(limit + 1, 100))
    while True:
        batch = list(fetch(cursor, batch_size))
        for row in batch:
            if visible(row):
                if len(items) == limit:  # one more visible item: there is a next page
                    return Page[T](items=items, next=key(items[-1]))
                items.append(row)
            cursor = key(row)
            scanned += 1
        if len(batch) < batch_size:
            return Page[T](items=items, next=None)
        if scanned >= MAX_SCAN:
            return Page[T](items=items, next=cursor)


class OrganOf:
    """A case's organ (受理机关), read once per case for one request's visibility checks."""

    def __init__(self, svc: PledgeService) -> None:
        self._svc = svc
        self._organs: dict[str, str] = {}

    def __call__(self, case_no: str) -> str:
        if case_no not in self._organs:
            self._organs[case_no] = self._svc.cases.get(case_no).organ_uscc
        return self._organs[case_no]
