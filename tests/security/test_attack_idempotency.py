"""Exactly once under ``Idempotency-Key``, attacked (issue 13, DESIGN §10).

A POST with ``Idempotency-Key`` is done once; a repeat returns the first response
unchanged. The attacks race the key: the same signed intake fired by many connections at
once over two worker processes, a connection dropped right after the request was sent and
then retried, and one platform credential reusing one key for two applicants at the same
moment. Each must leave exactly one case and never hand one caller's stored response to a
different request. Real ``gaozhi serve`` processes on 127.0.0.1 over a real SQLite file.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

LIST_ID = "SZ-411222-GZCN-2025"
ENTRY = "SZ-GA-HJ-001"
_RACERS = 8


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedService]:
    s = ServedService(tmp_path_factory.mktemp("attack-idem"), TestPKI.create(), workers=2)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def _intake(seed: int) -> tuple[bytes, str]:
    app = synthetic_applicant(random.Random(seed))
    body = {"list_id": LIST_ID, "entry_ids": [ENTRY], "applicant": app.model_dump(mode="json")}
    return json.dumps(body).encode(), app.id_number


def _headers(
    served: ServedService,
    cid: str,
    path: str,
    body: bytes,
    key: str,
    behalf: dict[str, str] | None = None,
) -> dict[str, str]:
    """A freshly signed attempt (new nonce) of one request under ``key``."""
    covered = {"Content-Type": "application/json", "Idempotency-Key": key, **(behalf or {})}
    signed = ReferenceProfile(f"ak-{cid}").sign(
        "POST", path, {}, body, uuid.uuid4().hex, secret=served.secrets[cid], headers=covered
    )
    return {**covered, **signed}


def _cases_of(served: ServedService, id_number: str) -> list[str]:
    store = open_store(f"sqlite:///{served.workdir / 'gaozhi.db'}")
    try:
        return [
            r.doc["case_no"]
            for r in store.list("case")
            if r.doc["applicant"]["id_number"] == id_number
        ]
    finally:
        store.close()


def _race(served: ServedService, attempts: list[tuple[str, bytes, dict[str, str]]]) -> list[Any]:
    """Fire the attempts at once, each on a fresh connection (spread over the workers)."""
    gate = threading.Barrier(len(attempts))

    def fire(a: tuple[str, bytes, dict[str, str]]) -> requests.Response:
        path, body, headers = a
        with requests.Session() as fresh:
            gate.wait()
            return fresh.post(served.base_url + path, data=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(fire, attempts))


def _settle(served: ServedService, path: str, body: bytes, key: str) -> requests.Response:
    """Retry (new nonce, same key) until the first attempt has finished."""
    for _ in range(100):
        r = requests.post(
            served.base_url + path,
            data=body,
            headers=_headers(served, "clerk", path, body, key),
            timeout=30,
        )
        if r.status_code != 409:
            return r
        time.sleep(0.1)
    raise AssertionError("the first attempt never finished")


def test_one_key_fired_at_once_over_two_workers_makes_one_case(two_workers: ServedService) -> None:
    body, app = _intake(7101)
    key = uuid.uuid4().hex
    attempts = [
        ("/v1/notices", body, _headers(two_workers, "clerk", "/v1/notices", body, key))
        for _ in range(_RACERS)
    ]
    answers = _race(two_workers, attempts)
    statuses = [r.status_code for r in answers]
    assert all(s in (201, 409) for s in statuses), [(r.status_code, r.text) for r in answers]
    made = {r.content for r in answers if r.status_code == 201}
    assert len(made) == 1, statuses  # every 201 is the one first response, byte for byte
    for r in answers:
        if r.status_code == 409:
            assert r.json()["code"] == "GZ-ST-409", r.text
    cases = _cases_of(two_workers, app)
    assert len(cases) == 1, cases
    again = _settle(two_workers, "/v1/notices", body, key)
    assert (again.status_code, again.content) == (201, next(iter(made)))
    assert again.headers.get("idempotent-replayed") == "true"


def test_a_dropped_connection_then_a_retry_does_it_once(two_workers: ServedService) -> None:
    body, app = _intake(7102)
    key = uuid.uuid4().hex
    headers = _headers(two_workers, "clerk", "/v1/notices", body, key)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = (
        f"POST /v1/notices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", two_workers.port), timeout=10) as sock:
        sock.sendall(raw)  # the client gives up before any answer
    r = _settle(two_workers, "/v1/notices", body, key)
    assert r.status_code == 201, r.text
    assert r.json()["case_no"] in _cases_of(two_workers, app)
    assert len(_cases_of(two_workers, app)) == 1
    # once more: the stored first response, nothing new
    r2 = _settle(two_workers, "/v1/notices", body, key)
    assert (r2.status_code, r2.content) == (201, r.content)
    assert len(_cases_of(two_workers, app)) == 1


def test_the_same_key_raced_for_two_applicants_never_crosses(two_workers: ServedService) -> None:
    """One platform credential, one key, two applicants at the same moment: at most one
    runs; the other is refused — it never receives the first applicant's answer."""
    clerk = two_workers.client("clerk")
    cases: dict[str, str] = {}
    for seed in (7103, 7104):
        body, app = _intake(seed)
        r = clerk.request(
            "POST", "/v1/notices", data=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 201, r.text
        cases[app] = r.json()["case_no"]
    key = uuid.uuid4().hex
    choice = json.dumps({"choices": [{"entry_id": ENTRY, "mode": "PLEDGE"}]}).encode()
    attempts = []
    for app, case_no in cases.items():
        behalf = {
            "X-Gaozhi-On-Behalf-Of": app,
            "X-Gaozhi-On-Behalf-Role": "APPLICANT",
            "X-Gaozhi-Identity-Assertion": f"method=FACE;provider=test;txn={uuid.uuid4().hex}",
        }
        path = f"/v1/cases/{case_no}/choices"
        for _ in range(_RACERS // 2):
            attempts.append(
                (path, choice, _headers(two_workers, "platform", path, choice, key, behalf))
            )
    answers = _race(two_workers, attempts)
    ok = [(a, r) for a, r in zip(attempts, answers, strict=True) if r.status_code == 200]
    assert all(r.status_code in (200, 409, 422) for r in answers), [
        (r.status_code, r.text) for r in answers
    ]
    assert len({a[0] for a, _ in ok}) <= 1, "the key ran for two applicants"
    for (path, _, _), r in ok:
        assert r.json()["case_no"] == path.split("/")[3]  # the answer is for its own case
    for r in answers:
        if r.status_code == 422:
            assert r.json()["code"] == "GZ-HT-423", r.text
    chosen = [c for c in cases.values() if clerk.get(f"/v1/cases/{c}").json().get("choices")]
    assert len(chosen) <= 1, chosen


def test_a_captured_request_replayed_at_once_on_two_workers_runs_once(
    two_workers: ServedService,
) -> None:
    """The same signed request (same nonce) delivered by many connections at the same
    moment — no idempotency key, so only the nonce stands between it and a second case.
    One is carried out; every replay is refused (401) and sees nothing."""
    body, app = _intake(7105)
    signed = ReferenceProfile("ak-clerk").sign(
        "POST",
        "/v1/notices",
        {},
        body,
        uuid.uuid4().hex,
        secret=two_workers.secrets["clerk"],
        headers={"Content-Type": "application/json"},
    )
    headers = {"Content-Type": "application/json", **signed}
    answers = _race(two_workers, [("/v1/notices", body, headers)] * _RACERS)
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [401] * (_RACERS - 1), [(r.status_code, r.text) for r in answers]
    assert all(r.json()["code"] == "GZ-HT-401" for r in answers if r.status_code == 401)
    assert len(_cases_of(two_workers, app)) == 1


def test_a_captured_read_replayed_at_once_answers_once(two_workers: ServedService) -> None:
    """A read carries personal data: a replay racing the original must not get it too."""
    body, app = _intake(7106)
    r = two_workers.client("clerk").request(
        "POST", "/v1/notices", data=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    path = f"/v1/cases/{r.json()['case_no']}"
    headers = ReferenceProfile("ak-clerk").sign(
        "GET", path, {}, b"", uuid.uuid4().hex, secret=two_workers.secrets["clerk"]
    )
    gate = threading.Barrier(_RACERS)

    def fire(_: int) -> requests.Response:
        with requests.Session() as fresh:
            gate.wait()
            return fresh.get(two_workers.base_url + path, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=_RACERS) as pool:
        answers = list(pool.map(fire, range(_RACERS)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [401] * (_RACERS - 1), statuses
    refused = [a for a in answers if a.status_code == 401]
    assert all(a.json()["code"] == "GZ-HT-401" and app not in a.text for a in refused)
