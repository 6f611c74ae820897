"""Keyset pagination of every list endpoint (issue 13; DESIGN §6a, §10): ``after`` +
``limit`` in, ``{"items": [...], "next": cursor | null}`` out, a maximum page size, all
in the OpenAPI document; pages are disjoint and together give exactly what the caller may
see (scoped lists are filtered while paging, never after); bad cursors and sizes are 422.
"""

from __future__ import annotations

from typing import Any

import pytest

from gaozhi_sdk.server.paging import DEFAULT_PAGE, MAX_PAGE
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OTHER_USCC, OWNER_USCC, ServedService, SignedClient

from .conftest import as_applicant, open_case

LISTS = (
    "/v1/cases",
    "/v1/cases/{case_no}/verifications",
    "/v1/verifications",
    "/v1/dispositions",
    "/v1/credit-records",
    "/v1/disclosures",
    "/v1/complaints",
    "/v1/events/dead",
)


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory, server_pki: TestPKI) -> Any:
    s = ServedService(tmp_path_factory.mktemp("paged"), server_pki).start()
    try:
        yield s
    finally:
        s.stop()


def _all(client: SignedClient, path: str, limit: int, **params: str) -> list[dict[str, Any]]:
    """Every item, page by page; checks the page shape on the way."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(100):
        q = {**params, "limit": str(limit), **({"after": after} if after else {})}
        r = client.get(path, params=q)
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"items", "next"} and len(page["items"]) <= limit
        items += page["items"]
        after = page["next"]
        if after is None:
            return items
    raise AssertionError("no last page")


def test_every_list_endpoint_documents_after_limit_and_next(paged: ServedService) -> None:
    spec = paged.client("clerk").get("/v1/openapi.json").json()
    for path in LISTS:
        op = spec["paths"][path]["get"]
        params = {p["name"]: p for p in op["parameters"]}
        assert params["after"]["in"] == "query" and not params["after"].get("required")
        limit = params["limit"]["schema"]
        assert limit["maximum"] == MAX_PAGE and limit["minimum"] == 1, path
        assert limit["default"] == DEFAULT_PAGE
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"items", "next"}, path
        assert set(page["required"]) == {"items", "next"}


def test_case_pages_are_disjoint_complete_and_scoped(paged: ServedService) -> None:
    opened = [open_case(paged, 61_000 + i) for i in range(7)]
    mine = {c for c, _ in opened}
    clerk = paged.client("clerk")
    listed = _all(clerk, "/v1/cases", 3)
    numbers = [c["case_no"] for c in listed]
    assert len(numbers) == len(set(numbers))  # no page repeats another's item
    assert mine <= set(numbers) and {c["organ_uscc"] for c in listed} == {OWNER_USCC}
    # the same list in one page, in the same order
    one = clerk.get("/v1/cases", params={"limit": str(MAX_PAGE)}).json()
    assert [c["case_no"] for c in one["items"]] == numbers and one["next"] is None
    # another organ's official sees none of them; asking for them is refused, journaled
    assert not mine & {c["case_no"] for c in _all(paged.client("clerk-other"), "/v1/cases", 2)}
    store = SqliteStore(paged.workdir / "gaozhi.db")
    try:
        head = store.journal_head()
        r = paged.client("clerk-other").get("/v1/cases", params={"organ_uscc": OWNER_USCC})
        assert r.status_code == 403 and r.json()["code"] == "GZ-AU-020"
        refused = [e for e in store.journal(after_seq=head.seq if head else 0)]
        assert [e.outcome for e in refused if e.event.endswith("case.list")] == ["REFUSED"]
    finally:
        store.close()
    # oversight sees every organ and may filter; an applicant sees exactly their own case
    audit = _all(paged.client("auditor"), "/v1/cases", 4, organ_uscc=OWNER_USCC)
    assert [c["case_no"] for c in audit] == numbers
    assert _all(paged.client("auditor"), "/v1/cases", 4, organ_uscc=OTHER_USCC) == []
    case_no, app = opened[3]
    own = _all(as_applicant(paged, app), "/v1/cases", 2)
    assert [c["case_no"] for c in own] == [case_no]
    # filters go to the store's query: status
    notified = _all(clerk, "/v1/cases", 5, status="NOTICE_ISSUED")
    assert {c["status"] for c in notified} <= {"NOTICE_ISSUED"} and mine <= {
        c["case_no"] for c in notified
    }


def test_filtered_lists_page_through_what_the_caller_may_see(paged: ServedService) -> None:
    from gaozhi_sdk.testing.server import http_intake

    cases = {http_intake(paged, 62_000 + i) for i in range(3)}  # accepted: verifications
    everything = _all(paged.client("auditor"), "/v1/verifications", MAX_PAGE)
    owner_side = _all(paged.client("inspector"), "/v1/verifications", 1)  # one per page
    ids = [v["verification_id"] for v in owner_side]
    assert len(ids) == len(set(ids)) == len(everything) >= 3
    assert cases <= {v["case_no"] for v in owner_side}
    assert _all(paged.client("inspector-other"), "/v1/verifications", 1) == []
    case_no = sorted(cases)[0]
    per_case = _all(paged.client("clerk"), f"/v1/cases/{case_no}/verifications", 1)
    assert per_case and {v["case_no"] for v in per_case} == {case_no}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/cases", {"limit": str(MAX_PAGE + 1)}),
        ("/v1/cases", {"limit": "0"}),
        ("/v1/cases", {"after": "no-such-case"}),
        ("/v1/verifications", {"after": ""}),
        ("/v1/credit-records", {"limit": "-1"}),
        ("/v1/complaints", {"after": "x" * 201}),
    ],
)
def test_bad_cursors_and_sizes_are_422(
    paged: ServedService, path: str, params: dict[str, str]
) -> None:
    r = paged.client("auditor").get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_dead_letter_cursor_is_a_message_number(paged: ServedService) -> None:
    system = paged.client("system")
    assert system.get("/v1/events/dead").json() == {"items": [], "next": None}
    r = system.get("/v1/events/dead", params={"after": "not-a-number"})
    assert r.status_code == 422 and r.json()["code"] == "GZ-HT-422"
