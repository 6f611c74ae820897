"""``gaozhi serve`` end to end: health, contract, authentication, three-step signing over HTTP."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService

from .conftest import ONLINE_ENTRY, as_applicant, pledge_chosen


def _journal(served: ServedService) -> list:  # type: ignore[type-arg]
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        return list(store.journal())
    finally:
        store.close()


def test_health_ready_openapi_and_offline_api_page(served: ServedService) -> None:
    base = served.base_url
    assert requests.get(base + "/v1/health", timeout=5).json()["status"] == "ok"
    ready = requests.get(base + "/v1/ready", timeout=5).json()
    assert ready == {
        "status": "ready",
        "database": True,
        "schema_current": True,
        "schema_version": ready["schema_version"],
    }
    spec = requests.get(base + "/v1/openapi.json", timeout=5).json()
    assert spec["openapi"].startswith("3.1")
    assert "/v1/cases/{case_no}/pledge/data-to-sign" in spec["paths"]
    page = requests.get(base + "/v1/docs", timeout=5)
    assert page.headers["content-type"].startswith("text/html")
    assert "data-to-sign" in page.text
    assert "<script" not in page.text and "http" not in page.text.split("/v1/openapi.json")[0]


def test_unauthenticated_forged_stale_and_replayed_requests_are_401(served: ServedService) -> None:
    base = served.base_url
    r = requests.get(base + "/v1/verifications", timeout=5)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["code"] == "GZ-HT-401" and p["status"] == 401 and p["instance"] == "/v1/verifications"
    assert p["type"] == "urn:gaozhi:error:GZ-HT-401"
    wrong = ReferenceProfile("ak-clerk").sign(
        "GET", "/v1/verifications", {}, b"", "rid", secret="not-the-secret"
    )
    assert requests.get(base + "/v1/verifications", headers=wrong, timeout=5).status_code == 401
    secret = served.secrets["clerk"]
    stale = ReferenceProfile("ak-clerk").sign(
        "GET", "/v1/verifications", {}, b"", "rid", secret=secret,
        timestamp_ms=int(time.time() * 1000) - 3_600_000,
    )  # fmt: skip
    r = requests.get(base + "/v1/verifications", headers=stale, timeout=5)
    assert r.status_code == 401 and "window" in r.json()["detail"]
    good = ReferenceProfile("ak-clerk").sign(
        "GET", "/v1/verifications", {}, b"", "rid", secret=secret
    )
    assert requests.get(base + "/v1/verifications", headers=good, timeout=5).status_code == 200
    replay = requests.get(base + "/v1/verifications", headers=good, timeout=5)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]
    # bearer tokens are refused outside --dev
    r = requests.get(
        base + "/v1/verifications", headers={"Authorization": "Bearer x" * 4}, timeout=5
    )
    assert r.status_code == 401


def test_r035_three_step_signing_over_http_and_offline_verify(served: ServedService) -> None:
    case_no, app = pledge_chosen(served, 11)
    applicant = as_applicant(served, app)
    signer = served.pki.applicant("申请人 #http", app.id_number)
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]
    r = applicant.post(f"/v1/cases/{case_no}/pledge/data-to-sign", {"certificate_chain": chain})
    assert r.status_code == 200, r.text
    dts = r.json()
    pae = base64.b64decode(dts["pae"])
    der = signer.private_key.sign(pae, ec.ECDSA(hashes.SHA256()))
    rr, ss = decode_dss_signature(der)
    raw = rr.to_bytes(32, "big") + ss.to_bytes(32, "big")
    # a signature over other bytes is refused with the library's code, nothing stored
    bad = signer.private_key.sign(pae + b"x", ec.ECDSA(hashes.SHA256()))
    r = applicant.post(
        f"/v1/cases/{case_no}/pledge/signature",
        {"session_id": dts["session_id"], "signature": base64.b64encode(bad).decode()},
    )
    assert r.status_code == 422 and r.json()["code"] == "GZ-SG-020", r.text
    r = applicant.post(
        f"/v1/cases/{case_no}/pledge/signature",
        {
            "session_id": dts["session_id"],
            "signature": base64.b64encode(raw).decode(),
            "signature_format": "raw",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["pledge_id"] == dts["pledge_id"]
    clerk = served.client("clerk")
    r = clerk.post(f"/v1/cases/{case_no}/accept")
    assert r.status_code == 200 and r.json()[0]["entry_id"] == ONLINE_ENTRY, r.text
    bundle = clerk.get(f"/v1/cases/{case_no}/pledge/bundle")
    assert bundle.status_code == 200
    path = served.workdir / f"{case_no}.bundle.json"
    path.write_bytes(bundle.content)
    out = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "verify", str(path),
         "--trust", str(served.workdir / "trust")],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    report = clerk.post("/v1/verify", json.loads(bundle.content))
    assert report.status_code == 200 and report.json()["indication"] == "TOTAL_PASSED"
    # the on-behalf assertion is journaled, the applicant's identifier never in clear
    entries = [e for e in _journal(served) if e.event == "api.on_behalf"]
    assert entries and all(app.id_number not in json.dumps(e.to_json_dict()) for e in entries)
    assert {e.detail["auth_method"] for e in entries} == {"FACE"}


def test_other_organ_clerk_cannot_read_or_accept_and_is_journaled(served: ServedService) -> None:
    case_no, _app = pledge_chosen(served, 12)
    other = served.client("clerk-other")
    r = other.get(f"/v1/cases/{case_no}")
    assert r.status_code == 403 and r.json()["code"] == "GZ-AU-020"
    r = other.post(f"/v1/cases/{case_no}/accept")
    assert r.status_code in (403, 409)
    refused = [e for e in _journal(served) if e.outcome == "REFUSED" and e.aggregate_id == case_no]
    assert {e.detail["code"] for e in refused} >= {"GZ-AU-020"}


def test_bad_input_is_4xx_problem_never_500(served: ServedService) -> None:
    clerk = served.client("clerk")
    for path, body in [
        ("/v1/notices", {"list_id": "x"}),
        ("/v1/notices", {"list_id": "NOPE", "entry_ids": ["a"], "applicant": {"name": 1}}),
        ("/v1/cases/NOPE/accept", {}),
    ]:
        r = clerk.post(path, body)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert set(r.json()) >= {"type", "title", "status", "detail", "code", "instance"}
    r = clerk.post("/v1/verify", {"mediaType": "nonsense"})
    assert r.status_code == 200  # a report, not an error: the bundle is malformed
    assert (r.json()["indication"], r.json()["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    r = clerk.request(
        "POST", "/v1/notices", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    big = clerk.request("POST", "/v1/verify", data=b"x" * 300_000)
    assert big.status_code == 413 and big.json()["code"] == "GZ-HT-413"


def test_idempotency_key_returns_the_first_response_and_changes_nothing(
    served: ServedService,
) -> None:
    clerk = served.client("clerk")
    from .conftest import LIST_ID, new_applicant

    app = new_applicant(99)
    body = {
        "list_id": LIST_ID,
        "entry_ids": [ONLINE_ENTRY],
        "applicant": app.model_dump(mode="json"),
    }
    key = uuid.uuid4().hex
    first = clerk.post("/v1/notices", body, idempotency_key=key)
    assert first.status_code == 201
    again = clerk.post("/v1/notices", body, idempotency_key=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = clerk.post("/v1/notices", {**body, "channel": "ONLINE"}, idempotency_key=key)
    assert other.status_code == 422 and other.json()["code"] == "GZ-HT-423"
    notices = [
        e
        for e in _journal(served)
        if e.event == "case.issue_notice" and e.aggregate_id == first.json()["case_no"]
    ]
    assert len(notices) == 1


def test_a_client_that_drops_the_connection_after_sending_gets_the_first_response_on_retry(
    served: ServedService,
) -> None:
    import socket

    from .conftest import LIST_ID, new_applicant

    app = new_applicant(4711)
    body = json.dumps(
        {"list_id": LIST_ID, "entry_ids": [ONLINE_ENTRY], "applicant": app.model_dump(mode="json")}
    ).encode()
    key = uuid.uuid4().hex
    headers = ReferenceProfile("ak-clerk").sign(
        "POST", "/v1/notices", {}, body, "rid-drop", secret=served.secrets["clerk"],
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )  # fmt: skip
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = (
        f"POST /v1/notices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nIdempotency-Key: {key}\r\n{head}\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(raw)
        time.sleep(1.0)  # the server works on it; the client never reads a response byte
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    # (SO_LINGER 0: the close is a reset, as when a client crashes)
    clerk = served.client("clerk")
    for _ in range(50):  # the first request may still be running: 409 until it is stored
        retry = clerk.request(
            "POST",
            "/v1/notices",
            data=body,
            headers={"Content-Type": "application/json"},
            idempotency_key=key,
        )
        if retry.status_code != 409:
            break
        time.sleep(0.1)
    assert retry.status_code == 201, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    case_no = retry.json()["case_no"]
    issued = [
        e for e in _journal(served) if e.event == "case.issue_notice" and e.outcome == "APPLIED"
    ]
    mine = [e for e in issued if e.aggregate_id == case_no]
    assert len(mine) == 1
    # nothing else was created for this applicant by the dropped request
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        cases = [r for r in store.list("case") if r.doc["applicant"]["id_number"] == app.id_number]
    finally:
        store.close()
    assert [c.id for c in cases] == [case_no]


def test_serve_refuses_bad_configuration_and_dev_on_public_host(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "service.yaml"
    bad.write_text(
        "credentials:\n  - id: x\n    method: hmac\n    actor: {role: NOPE, actor_id: a}\n"
    )
    cmd = [sys.executable, "-m", "gaozhi_sdk.cli", "serve", "--db", f"sqlite:///{tmp_path}/x.db"]
    out = subprocess.run(
        [*cmd, "--config", str(bad)], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 64 and "GZ-CF-060" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run(
        [*cmd, "--config", str(bad), "--dev", "--host", "0.0.0.0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 64 and "GZ-CLI-022" in out.stderr


def test_an_idempotency_key_reused_for_another_applicant_is_not_a_replay(
    served: ServedService,
) -> None:
    case_no, app = pledge_chosen(served, 31)
    key = uuid.uuid4().hex
    me = as_applicant(served, app)
    first = me.get(f"/v1/cases/{case_no}")
    assert first.status_code == 200
    body = {"certificate_chain": ["AAAA"]}
    r1 = me.post(f"/v1/cases/{case_no}/pledge/data-to-sign", body, idempotency_key=key)
    from .conftest import new_applicant

    other = served.client("platform").acting_for(new_applicant(32).id_number)
    r2 = other.post(f"/v1/cases/{case_no}/pledge/data-to-sign", body, idempotency_key=key)
    assert r1.status_code == 422  # not a certificate
    assert r2.status_code == 422 and r2.json()["code"] == "GZ-HT-423"


def test_serve_refuses_more_worker_threads_than_the_postgresql_pool_carries(
    tmp_path: Path, server_pki: TestPKI, pg_cluster: Any
) -> None:
    """A worker thread may hold two pool connections (its transaction and a read beside
    it): more than half the pool in threads would time out under load — refused at start
    (exit 64, GZ-CF-068), and accepted at exactly half."""
    import yaml

    db = pg_cluster.url(pg_cluster.new_database("gzthreads"), schema=f"t_{uuid.uuid4().hex[:8]}")
    served = ServedService(tmp_path / "svc", server_pki, db=db)
    config = served.prepare()
    doc = yaml.safe_load(config.read_text("utf-8"))
    doc["worker_threads"] = 5
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    cmd = [sys.executable, "-m", "gaozhi_sdk.cli", "serve", "--db", db, "--config", str(config)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 64, out.stderr
    assert "GZ-CF-068" in out.stderr and "Traceback" not in out.stderr
    doc["worker_threads"] = 4
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    served.start()
    try:
        assert served.client("clerk").get("/v1/cases").status_code == 200
    finally:
        served.stop()
