"""Retention of request nonces and Idempotency-Key responses (issue 13; DESIGN §7, §10),
with a simulated clock: the service in process (ASGI, the same Gateway as ``gaozhi
serve``) over a real SQLite file; two app instances on one store stand for two servers.

* a nonce is kept for ``2 × window + margin``: a replay is refused by another instance
  while it is kept, and once pruned the request is out of its window — including a replay
  that passed the first time check and found the record pruned (the re-check after the
  write refuses it);
* idempotency records are kept ``idempotency_retention_s``; pruning keeps both caches
  bounded and never touches domain records.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gaozhi_sdk.models import CST
from gaozhi_sdk.server.app import create_app
from gaozhi_sdk.server.config import load_config
from gaozhi_sdk.server.retention import IDEMPOTENCY_KIND, NONCE_KIND, NONCE_MARGIN_S
from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService

from .conftest import LIST_ID, ONLINE_ENTRY, new_applicant

WINDOW = 300  # hmac_max_skew_s of the prepared service.yaml (the default)


class SimClock:
    """Seconds since the epoch, moved by the test; ``script`` answers the next reads."""

    def __init__(self) -> None:
        self.now = time.time()
        self.script: list[float] = []

    def __call__(self) -> float:
        return self.script.pop(0) if self.script else self.now


@pytest.fixture
def prepared(tmp_path: Path, server_pki: TestPKI) -> ServedService:
    s = ServedService(tmp_path / "svc", server_pki)
    s.prepare()
    return s


def _app(served: ServedService, clock: SimClock) -> Any:
    return create_app(served.db_url, load_config(served.workdir / "service.yaml"), clock=clock)


def _signed(
    served: ServedService,
    cid: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    at: float,
    nonce: str | None = None,
    key: str | None = None,
) -> tuple[str, dict[str, str], bytes]:
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    covered = {}  # what the call does: covered by the signature (X-Signed-Headers)
    if body is not None:
        covered["Content-Type"] = "application/json"
    if key is not None:
        covered["Idempotency-Key"] = key
    headers = ReferenceProfile(f"ak-{cid}").sign(
        method,
        path,
        {},
        raw,
        uuid.uuid4().hex,
        secret=served.secrets[cid],
        timestamp_ms=int(at * 1000),
        nonce=nonce or uuid.uuid4().hex,
        headers=covered,
    )
    headers.update(covered)
    return path, headers, raw


def _count(served: ServedService, kind: str) -> int:
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        return store.count(kind)
    finally:
        store.close()


def test_nonce_kept_for_its_window_then_pruned_and_never_accepted_twice(
    prepared: ServedService,
) -> None:
    clock = SimClock()
    a, b = _app(prepared, clock), _app(prepared, clock)  # two instances, one store
    clock.now = t0 = time.time()  # the stores write updated_at with the real clock
    # stamped at the future edge of the window: the longest a replay can stay fresh
    path, headers, _ = _signed(prepared, "clerk", "GET", "/v1/verifications", at=t0 + WINDOW)
    with TestClient(a) as ca, TestClient(b) as cb:
        assert ca.get(path, headers=headers).status_code == 200
        r = cb.get(path, headers=headers)  # the other instance: found in the store
        assert r.status_code == 401 and "replayed" in r.json()["detail"]
        # just inside the retention: pruning keeps it, a replay is still refused
        clock.now = t0 + 2 * WINDOW + NONCE_MARGIN_S - 2
        assert a.retention.prune()[NONCE_KIND] == 0
        assert _count(prepared, NONCE_KIND) == 1
        assert cb.get(path, headers=headers).status_code == 401
        # past the retention: pruned — and the request is long out of its window
        clock.now = t0 + 2 * WINDOW + NONCE_MARGIN_S + 2
        assert a.retention.prune()[NONCE_KIND] == 1
        assert _count(prepared, NONCE_KIND) == 0
        r = cb.get(path, headers=headers)
        assert r.status_code == 401 and "window" in r.json()["detail"]
    # a replay that passed the first time check *before* the prune and wrote its nonce
    # after it (a slow worker): the record is gone, the re-check after the write refuses
    fresh = _app(prepared, clock)  # no nonce in its memory either
    with TestClient(fresh) as cf:
        clock.script = [t0 + 2 * WINDOW - 1]  # |now - ts| < window at the first check
        r = cf.get(path, headers=headers)
        assert r.status_code == 401 and "window" in r.json()["detail"]
    assert _count(prepared, NONCE_KIND) == 0  # the refused attempt recorded nothing


def test_nonce_cache_stays_bounded_under_traffic(prepared: ServedService) -> None:
    clock = SimClock()
    app = _app(prepared, clock)
    clock.now = time.time()
    with TestClient(app) as c:
        for _minute in range(4):
            clock.now += 60
            for _ in range(5):
                path, headers, _ = _signed(
                    prepared, "clerk", "GET", "/v1/verifications", at=clock.now
                )
                assert c.get(path, headers=headers).status_code == 200
        assert _count(prepared, NONCE_KIND) == 20
        clock.now += 2 * WINDOW + NONCE_MARGIN_S + 1
        app.retention.prune()
        assert _count(prepared, NONCE_KIND) == 0


def test_pruning_runs_by_itself_once_per_interval(prepared: ServedService) -> None:
    clock = SimClock()
    app = _app(prepared, clock)
    clock.now = time.time()
    assert app.retention.interval_s == 60  # prune_interval_s default
    with TestClient(app) as c:
        path, headers, _ = _signed(prepared, "clerk", "GET", "/v1/verifications", at=clock.now)
        assert c.get(path, headers=headers).status_code == 200
        clock.now += 30  # within the interval: no pruning yet
        path, headers, _ = _signed(prepared, "clerk", "GET", "/v1/verifications", at=clock.now)
        assert c.get(path, headers=headers).status_code == 200
        assert _count(prepared, NONCE_KIND) == 2
        # much later a request arrives: after answering it, the worker prunes by itself
        # (the simulated clock has moved, the stores' updated_at has not: all are "old")
        clock.now += 2 * WINDOW + NONCE_MARGIN_S + 1
        path, headers, _ = _signed(prepared, "clerk", "GET", "/v1/verifications", at=clock.now)
        assert c.get(path, headers=headers).status_code == 200
    assert _count(prepared, NONCE_KIND) == 0


def test_idempotency_key_remembered_for_its_retention_then_pruned(
    prepared: ServedService,
) -> None:
    clock = SimClock()
    app = _app(prepared, clock)
    clock.now = t0 = time.time()
    body = {
        "list_id": LIST_ID,
        "entry_ids": [ONLINE_ENTRY],
        "applicant": new_applicant(4242).model_dump(mode="json"),
    }
    key = uuid.uuid4().hex

    def notice(at: float) -> Any:
        path, headers, raw = _signed(prepared, "clerk", "POST", "/v1/notices", body, at=at, key=key)
        return c.post(path, headers=headers, content=raw)

    with TestClient(app) as c:
        first = notice(t0)
        assert first.status_code == 201
        case_no = first.json()["case_no"]
        clock.now = t0 + 86_400 - 120  # a day later, just inside the default retention
        app.retention.prune()
        again = notice(clock.now)
        assert again.status_code == 201 and again.json()["case_no"] == case_no
        assert again.headers["idempotent-replayed"] == "true"
        assert _count(prepared, IDEMPOTENCY_KIND) == 1
        clock.now = t0 + 86_400 + 120  # past it: forgotten
        removed = app.retention.prune()
        assert removed[IDEMPOTENCY_KIND] == 1
        assert _count(prepared, IDEMPOTENCY_KIND) == 0
        assert _count(prepared, "case") == 1  # domain records untouched
        later = notice(clock.now)  # documented: after the retention a key is a new request
        assert later.status_code == 201 and "idempotent-replayed" not in later.headers
        assert later.json()["case_no"] != case_no


def test_retention_is_configurable_but_never_shorter_than_a_running_lease(
    prepared: ServedService,
) -> None:
    cfg = prepared.workdir / "service.yaml"
    text = cfg.read_text("utf-8")
    cfg.write_text(text + "idempotency_retention_s: 3600\nprune_interval_s: 5\n", "utf-8")
    app = create_app(prepared.db_url, load_config(cfg))
    assert app.retention.keep[IDEMPOTENCY_KIND] == 3600 and app.retention.interval_s == 5
    assert app.retention.keep[NONCE_KIND] == 2 * WINDOW + NONCE_MARGIN_S
    cfg.write_text(text + "idempotency_retention_s: 60\n", "utf-8")
    from gaozhi_sdk.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert info.value.code == "GZ-CF-060" and "idempotency_retention_s" in str(info.value)
    assert datetime.now(CST)  # the cut-off is computed in CST like the stores' updated_at
