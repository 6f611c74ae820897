"""The request-signing nonce, attacked (issue 13, DESIGN §7, §10).

Every accepted nonce is recorded in the service's store (shared by workers and
instances), keyed by the nonce itself. Its shape was not bounded: a caller with a valid
credential could sign a nonce of kilobytes, which PostgreSQL cannot index (a btree entry
is at most ~2.7 kB) — the store failed and the service answered 500 instead of a coded
4xx. A nonce is now 1–128 printable ASCII characters (the Python and Java clients send 32
hex digits); anything else is an invalid signature (401) and nothing is stored.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
import requests

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.sharing.signing import NonceCache, ReferenceProfile, verify_reference_request
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.postgres import PostgresCluster
from gaozhi_sdk.testing.server import ServedService

_BAD = (secrets.token_hex(2500), "n" * 129, "nonce with space", "nonce\x7f", "nönce")


@pytest.fixture(scope="module")
def on_postgres(
    tmp_path_factory: pytest.TempPathFactory, pg_cluster: PostgresCluster
) -> Iterator[ServedService]:
    url = pg_cluster.url(pg_cluster.new_database("gznonce"), schema=f"n_{uuid.uuid4().hex[:8]}")
    s = ServedService(tmp_path_factory.mktemp("attack-nonce"), TestPKI.create(), db=url).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.mark.parametrize("nonce", _BAD, ids=["5000", "129", "space", "del", "non-ascii"])
def test_a_nonce_of_any_other_shape_is_refused_401(on_postgres: ServedService, nonce: str) -> None:
    h = ReferenceProfile("ak-auditor").sign(
        "GET", "/v1/statistics", {}, b"", uuid.uuid4().hex,
        secret=on_postgres.secrets["auditor"], nonce=nonce,
    )  # fmt: skip
    r = requests.get(
        on_postgres.base_url + "/v1/statistics",
        headers={k: v.encode("latin-1", "replace").decode("latin-1") for k, v in h.items()},
        timeout=30,
    )
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.json()["code"] == "GZ-HT-401"


def test_the_clients_nonces_still_pass(on_postgres: ServedService) -> None:
    assert on_postgres.client("auditor").get("/v1/statistics").status_code == 200


def test_verify_reference_request_bounds_the_nonce() -> None:
    for nonce in (*_BAD, ""):
        h = ReferenceProfile("ak").sign("GET", "/p", {}, b"", "r", secret="s", nonce=nonce or "x")
        h["X-Nonce"] = nonce
        code = verify_reference_request(
            "GET", "/p", {}, h, b"", secret_of={"ak": "s"},
            now_ms=int(h["X-Timestamp"]), nonces=NonceCache(),
        )  # fmt: skip
        assert code == "SIGN_INVALID", repr(nonce)
