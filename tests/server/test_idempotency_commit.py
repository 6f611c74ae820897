"""An Idempotency-Key's claim commits with the operation it guards (issue 13, DESIGN §10).

The gateway writes nothing on admission: the nonce, the applicant assertion and the key's
claim ride along with the operation's own transaction (``gaozhi_sdk.store.ride``), so the
claim exists exactly when the operation committed. The response is stored in one more
transaction before it is sent. These tests prove what that buys:

* a server killed (SIGKILL) while keyed requests are in flight: after a restart every
  retry either gets the first response, or is told the request is still running / was
  carried out (409) — never is the operation done twice (one case per applicant);
* a claim left COMMITTED by a process that died after the operation (its response not
  stored) is never run again: after the lease a retry gets GZ-HT-410 (409);
* two attempts with one key at the same time: one runs, the other is 409 or replays it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from gaozhi_sdk.server.gateway import RUNNING_LEASE_S
from gaozhi_sdk.server.retention import IDEMPOTENCY_KIND
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService

from .conftest import LIST_ID, ONLINE_ENTRY, new_applicant


def _notice(app: Any) -> dict[str, Any]:
    return {
        "list_id": LIST_ID,
        "entry_ids": [ONLINE_ENTRY],
        "applicant": app.model_dump(mode="json"),
    }


def _cases_of(served: ServedService, id_number: str) -> list[str]:
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        return [r.id for r in store.list("case") if r.doc["applicant"]["id_number"] == id_number]
    finally:
        store.close()


def test_sigkill_with_keyed_requests_in_flight_never_does_one_twice(
    tmp_path: Any, server_pki: TestPKI
) -> None:
    served = ServedService(tmp_path / "srv", server_pki).start()
    apps = [new_applicant(70_000 + i) for i in range(48)]
    keys = [uuid.uuid4().hex for _ in apps]
    try:
        clerk = served.client("clerk")

        def send(i: int) -> int:
            try:
                r = clerk.post("/v1/notices", _notice(apps[i]), idempotency_key=keys[i])
            except requests.RequestException:
                return -1  # the server died under it
            return r.status_code

        first: list[int] = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(send, i) for i in range(len(apps))]
            deadline = time.monotonic() + 60
            while sum(f.done() for f in futures) < 6 and time.monotonic() < deadline:
                time.sleep(0.005)  # some done, the next ones in flight
            assert served.process is not None
            os.kill(served.process.pid, signal.SIGKILL)
            first = [f.result() for f in futures]
        served.process.wait(timeout=10)
        served.process = None
        assert -1 in first and 201 in first  # killed with requests in flight
        served.start()
        clerk = served.client("clerk")
        for i, app in enumerate(apps):
            r = clerk.post("/v1/notices", _notice(app), idempotency_key=keys[i])
            cases = _cases_of(served, app.id_number)
            assert len(cases) <= 1, (i, cases)  # never twice
            if r.status_code == 201:
                assert cases == [r.json()["case_no"]]
                if first[i] == 201:
                    assert r.headers.get("idempotent-replayed") == "true"
            else:  # carried out by the killed process, its response not stored yet
                assert r.status_code == 409, r.text
                assert r.json()["code"] == "GZ-ST-409" and cases
    finally:
        served.stop()


def test_a_claim_committed_with_its_operation_is_never_run_again(
    tmp_path: Any, server_pki: TestPKI
) -> None:
    """The state a SIGKILL between the operation and the response save leaves: the claim
    COMMITTED (written with the operation), no response."""
    served = ServedService(tmp_path / "srv", server_pki).start()
    try:
        app = new_applicant(70_500)
        body = json.dumps(_notice(app), ensure_ascii=False).encode("utf-8")
        key = uuid.uuid4().hex
        rid = hashlib.sha256(f"clerk\n{key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\n".join([b"POST", b"/v1/notices", b"", b"\n", body])
        ).hexdigest()
        store = SqliteStore(served.workdir / "gaozhi.db")
        try:
            with store.transaction() as tx:
                tx.put(
                    IDEMPOTENCY_KIND,
                    rid,
                    {"request": fingerprint, "since": int(time.time()) - RUNNING_LEASE_S - 5},
                    state="COMMITTED",
                    expected_version=None,
                )
        finally:
            store.close()
        r = served.client("clerk").request(
            "POST",
            "/v1/notices",
            data=body,
            headers={"Content-Type": "application/json"},
            idempotency_key=key,
        )
        assert r.status_code == 409 and r.json()["code"] == "GZ-HT-410", r.text
        assert _cases_of(served, app.id_number) == []  # not run again
        # a fresh key is a new request and runs
        r = served.client("clerk").post("/v1/notices", _notice(app), idempotency_key="k2" + key)
        assert r.status_code == 201
    finally:
        served.stop()


@pytest.mark.parametrize("attempts", [4])
def test_attempts_racing_with_one_key_run_once(served: ServedService, attempts: int) -> None:
    app = new_applicant(70_900)
    key = uuid.uuid4().hex
    go = threading.Barrier(attempts)

    def attempt(_: int) -> requests.Response:
        client = served.client("clerk")
        go.wait()
        return client.post("/v1/notices", _notice(app), idempotency_key=key)

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(attempt, range(attempts)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    made = {r.json()["case_no"] for r in results if r.status_code == 201}
    assert len(made) == 1 and _cases_of(served, app.id_number) == sorted(made)


def test_a_store_that_cannot_commit_the_admission_answers_a_coded_problem(
    tmp_path: Any, server_pki: TestPKI
) -> None:
    """The admission writes (here a signed read's nonce) commit after the route ran; when
    the store cannot commit them — another process holds the SQLite write lock past the
    busy timeout — the caller gets the store's coded problem (GZ-ST-501, 503,
    application/problem+json), never a plain-text 500; the next request succeeds once
    the lock is gone."""
    import sqlite3

    served = ServedService(tmp_path / "srv", server_pki).start()
    try:
        reader = served.client("auditor")
        assert reader.get("/v1/statistics").status_code == 200  # warm: schema, caches
        blocker = sqlite3.connect(served.workdir / "gaozhi.db", timeout=1, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # the write lock, held by another process
        try:
            r = reader.get("/v1/statistics")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert r.status_code == 503, (r.status_code, r.headers.get("content-type"), r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "GZ-ST-501", r.text
        assert reader.get("/v1/statistics").status_code == 200
    finally:
        served.stop()


def test_only_the_stored_response_skips_the_disk_wait(tmp_path: Any, server_pki: TestPKI) -> None:
    """The operation (with the key's claim riding along) commits durably; the successful
    response stored after it is the one transaction committed without waiting for the
    disk (lost on power failure it is answered GZ-HT-410). A request whose operation
    committed nothing has its admission writes committed durably, and so is a stored
    refusal."""
    from starlette.testclient import TestClient

    from gaozhi_sdk.server.app import create_app
    from gaozhi_sdk.server.config import load_config
    from gaozhi_sdk.sharing.signing import MUST_SIGN, ReferenceProfile

    served = ServedService(tmp_path / "svc", server_pki)
    served.prepare()
    app = create_app(served.db_url, load_config(served.workdir / "service.yaml"))
    store = app.store
    flags: list[bool] = []
    original = store.transaction

    def spy(*, durable: bool = True) -> Any:
        flags.append(durable)
        return original(durable=durable)

    store.transaction = spy

    def call(cid: str, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        if key is not None:
            hdrs["Idempotency-Key"] = key
        hdrs.update(
            ReferenceProfile(f"ak-{cid}").sign(
                method,
                path,
                {},
                raw,
                uuid.uuid4().hex,
                secret=served.secrets[cid],
                headers={k: v for k, v in hdrs.items() if k.lower() in MUST_SIGN},
            )
        )
        return client.request(method, path, content=raw, headers=hdrs)

    with TestClient(app) as client:
        r = call("clerk", "POST", "/v1/notices", _notice(new_applicant(71_000)), uuid.uuid4().hex)
        assert r.status_code == 201
        assert flags == [True, False]  # the operation with its claim; the response
        flags.clear()
        r = call("clerk", "GET", f"/v1/cases/{r.json()['case_no']}")
        assert r.status_code == 200 and flags == [True]  # only the nonce: durable
        flags.clear()
        r = call("inspector-other", "GET", "/v1/cases/" + "CASE-nonexistent0")
        assert r.status_code == 404 and flags == [True]
        flags.clear()
        refused = call("reviewer", "POST", "/v1/notices", _notice(new_applicant(71_001)), "k-r")
        assert refused.status_code == 403
        # the refusal is journaled (durably, with the nonce and claim riding along); the
        # stored 403 stays durable too: lost, a retry would be told it was carried out
        assert flags == [True, True]
