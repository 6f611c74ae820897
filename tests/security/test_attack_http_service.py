"""An outside attacker against ``gaozhi serve`` (issue 13, DESIGN §10 and §7).

Every attack is a real request to a real ``gaozhi serve`` subprocess on 127.0.0.1. The
attacker holds one credential of its own (or none) and tries to: reach operations without
a signature, move a signature to another request, replay one, confuse the layers with
repeated headers or query parameters, read another organ's or applicant's data, get
another caller's stored idempotent response, have ``POST /v1/verify`` trust a bundle from
its own PKI, and make the service answer with something other than a coded problem.
Attacks that once worked carry the finding in their docstring; the others keep failing.
"""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.esign import sign
from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import (
    OTHER_USCC,
    OWNER_USCC,
    ServedService,
    SignedClient,
)
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import make_finding

LIST_ID = "SZ-411222-GZCN-2025"
ENTRY = "SZ-GA-HJ-001"
PUBLIC = {"/v1/health", "/v1/ready", "/v1/openapi.json", "/v1/docs"}
_CHOICE = {"choices": [{"entry_id": ENTRY, "mode": "PLEDGE"}]}


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServedService]:
    s = ServedService(tmp_path_factory.mktemp("attack-http"), pki).start()
    try:
        yield s
    finally:
        s.stop()


def _case(served: ServedService, seed: int) -> tuple[str, str]:
    """A case of the owner organ; returns (case_no, applicant id)."""
    app = synthetic_applicant(random.Random(seed))
    r = served.client("clerk").post(
        "/v1/notices",
        {"list_id": LIST_ID, "entry_ids": [ENTRY], "applicant": app.model_dump(mode="json")},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"]), app.id_number


def _signed_headers(
    served: ServedService,
    cid: str,
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    body: bytes = b"",
    **kw: Any,
) -> dict[str, str]:
    return ReferenceProfile(f"ak-{cid}").sign(
        method, path, query or {}, body, uuid.uuid4().hex, secret=served.secrets[cid], **kw
    )


def _raw(
    served: ServedService, method: str, path: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these header lines (repeats allowed)."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _is_problem(r: requests.Response, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json", r.headers
    doc = r.json()
    assert doc["code"] == code and doc["status"] == status, doc
    assert set(doc) >= {"type", "title", "status", "detail", "code", "instance"}
    assert "Traceback" not in r.text and 'File "' not in r.text


# -- authentication ---------------------------------------------------------------------------
def test_every_operation_refuses_a_caller_without_credential(served: ServedService) -> None:
    """Deny by default: every path of the OpenAPI document except the public four, and
    spellings of them that try to step around the ``/v1/`` prefix check."""
    spec = requests.get(served.base_url + "/v1/openapi.json", timeout=10).json()
    checked = 0
    for path, ops in spec["paths"].items():
        for method in ops:
            url = served.base_url + path.replace("{", "X").replace("}", "")
            r = requests.request(method.upper(), url, json={}, timeout=10)
            if path in PUBLIC:
                assert r.status_code in (200, 503), (path, r.status_code)
                continue
            _is_problem(r, 401, "GZ-HT-401")
            assert "www-authenticate" in r.headers
            checked += 1
    assert checked >= 40
    for trick in ("/v1//statistics", "/v1/./statistics", "/v1/%73tatistics",
                  "/v1/health/../statistics", "/v1/statistics/", "/v1/docs/"):  # fmt: skip
        r = requests.get(served.base_url + trick, timeout=10)
        assert r.status_code == 401, (trick, r.status_code, r.text)
    for outside in ("//v1/statistics", "/V1/statistics", "/statistics", "/docs"):
        r = requests.get(served.base_url + outside, timeout=10)  # no route out there
        _is_problem(r, 404, "GZ-HT-404")


def test_a_signature_does_not_move_to_another_request(served: ServedService) -> None:
    """Method, path, query, body and key id are all covered by gaozhi-hmac-sm3-v1."""
    base = served.base_url
    case_no, _ = _case(served, 101)
    ok = _signed_headers(served, "auditor", "GET", f"/v1/cases/{case_no}")
    assert requests.get(f"{base}/v1/cases/{case_no}", headers=ok, timeout=10).status_code == 200

    def refused(method: str, url: str, h: dict[str, str], data: bytes = b"") -> None:
        r = requests.request(method, url, headers=h, data=data, timeout=10)
        _is_problem(r, 401, "GZ-HT-401")

    h = _signed_headers(served, "auditor", "GET", "/v1/statistics")
    refused("GET", f"{base}/v1/verifications", h)  # another path
    h = _signed_headers(served, "auditor", "GET", "/v1/verifications")
    refused("GET", f"{base}/v1/verifications?status=CONCLUDED", h)  # a query added
    h = _signed_headers(served, "auditor", "GET", "/v1/verifications", {"status": "SCHEDULED"})
    refused("GET", f"{base}/v1/verifications?status=CONCLUDED", h)  # the query changed
    h = _signed_headers(served, "auditor", "GET", f"/v1/cases/{case_no}")
    refused("GET", f"{base}/v1/cases/{case_no.lower()}", h)  # the case of the path
    h = _signed_headers(served, "auditor", "POST", "/v1/verify")
    refused("GET", f"{base}/v1/verify", h)  # another method
    body = json.dumps({"mediaType": "a"}).encode()
    h = _signed_headers(served, "clerk", "POST", "/v1/verify", body=body)
    h["Content-Type"] = "application/json"
    refused("POST", f"{base}/v1/verify", h, json.dumps({"mediaType": "b"}).encode())  # body
    h = _signed_headers(served, "auditor", "GET", "/v1/statistics")
    h["X-App-Key"] = "ak-clerk"  # another credential's key id, the auditor's signature
    refused("GET", f"{base}/v1/statistics", h)
    h = _signed_headers(served, "auditor", "GET", "/v1/statistics")
    h["X-Sign-Method"] = "HMAC-MD5"
    refused("GET", f"{base}/v1/statistics", h)


def test_repeated_query_parameter_cannot_ride_on_a_signature(served: ServedService) -> None:
    """Finding: the service canonicalised the query with ``dict(parse_qsl(…))``, keeping
    the last value of a repeated parameter, so ``?status=CONCLUDED&status=SCHEDULED`` was
    accepted under a signature made for ``?status=SCHEDULED`` — values the signature never
    covered reached the routes (a list parameter would take both). A repeated parameter
    has no canonical form in the profile: the request is refused."""
    h = _signed_headers(served, "auditor", "GET", "/v1/verifications", {"status": "SCHEDULED"})
    r = requests.get(
        served.base_url + "/v1/verifications?status=CONCLUDED&status=SCHEDULED",
        headers=h,
        timeout=10,
    )
    _is_problem(r, 401, "GZ-HT-401")
    assert "repeated query parameter" in r.json()["detail"]
    h = _signed_headers(served, "auditor", "GET", "/v1/verifications", {"status": "SCHEDULED"})
    r = requests.get(served.base_url + "/v1/verifications?status=SCHEDULED", headers=h, timeout=10)
    assert r.status_code == 200, r.text  # the signed query itself is fine


def test_replayed_stale_and_future_requests_are_refused(served: ServedService) -> None:
    base = served.base_url + "/v1/statistics"
    h = _signed_headers(served, "auditor", "GET", "/v1/statistics")
    assert requests.get(base, headers=h, timeout=10).status_code == 200
    for _ in range(3):
        r = requests.get(base, headers=h, timeout=10)
        _is_problem(r, 401, "GZ-HT-401")
        assert "nonce replayed" in r.json()["detail"]
    now = int(time.time() * 1000)
    for skew in (-301_000, 301_000):  # the default window is 300 s either way
        h = _signed_headers(served, "auditor", "GET", "/v1/statistics", timestamp_ms=now + skew)
        r = requests.get(base, headers=h, timeout=10)
        _is_problem(r, 401, "GZ-HT-401")
        assert "timestamp" in r.json()["detail"]
    # a nonce that failed the signature check is not burnt for its owner
    nonce = uuid.uuid4().hex
    h = _signed_headers(served, "auditor", "GET", "/v1/statistics", nonce=nonce)
    bad = dict(h, **{"X-Signature": "AAAA" + h["X-Signature"][4:]})
    assert requests.get(base, headers=bad, timeout=10).status_code == 401
    assert requests.get(base, headers=h, timeout=10).status_code == 200


def test_a_nonce_is_accepted_once_across_two_workers(tmp_path: Path, pki: TestPKI) -> None:
    """``--workers 2``: the nonce cache is the shared store, not each process's memory."""
    s = ServedService(tmp_path / "two", pki, workers=2).start()
    try:
        h = _signed_headers(s, "auditor", "GET", "/v1/statistics")
        codes = []
        for _ in range(12):  # fresh connections: the kernel spreads them over the workers
            with requests.Session() as fresh:
                codes.append(fresh.get(s.base_url + "/v1/statistics", headers=h, timeout=10))
        assert [r.status_code for r in codes] == [200] + [401] * 11
        assert all("nonce replayed" in r.json()["detail"] for r in codes[1:])
    finally:
        s.stop()


def test_repeated_identity_headers_are_refused_not_replayed(served: ServedService) -> None:
    """Finding: the gateway read a repeated header's last value (idempotency fingerprint),
    the routes its first (who the caller acts for). Sending ``X-Gaozhi-On-Behalf-Of: A``
    then ``… : B`` with B's earlier Idempotency-Key replayed B's stored response — B's
    personal data — to a call the journal would attribute to A. Every header that decides
    who calls, for whom or what is replayed may now appear once (400 GZ-HT-400)."""
    case_b, app_b = _case(served, 202)
    _, app_a = _case(served, 203)
    key = uuid.uuid4().hex
    first = (
        served.client("platform")
        .acting_for(app_b)
        .post(f"/v1/cases/{case_b}/choices", _CHOICE, idempotency_key=key)
    )
    assert first.status_code == 200, first.text
    body = json.dumps(_CHOICE, ensure_ascii=False).encode()
    signed = _signed_headers(served, "platform", "POST", f"/v1/cases/{case_b}/choices", body=body)
    lines = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", key),
        ("X-Gaozhi-On-Behalf-Of", app_a),
        ("X-Gaozhi-On-Behalf-Of", app_b),
        ("X-Gaozhi-Identity-Assertion", "method=FACE;txn=1"),
        *signed.items(),
    ]
    status, headers, data = _raw(served, "POST", f"/v1/cases/{case_b}/choices", lines, body)
    assert "idempotent-replayed" not in headers
    assert app_b.encode() not in data
    assert status == 400 and json.loads(data)["code"] == "GZ-HT-400", data
    assert b"x-gaozhi-on-behalf-of" in data
    for name in ("X-App-Key", "Idempotency-Key", "Authorization", "X-Signature"):
        signed = _signed_headers(served, "auditor", "GET", "/v1/statistics")
        extra = [(name, signed[name])] if name in signed else [(name, "x"), (name, "y")]
        lines = [*signed.items(), *extra]
        status, _, data = _raw(served, "GET", "/v1/statistics", lines, b"")
        assert status == 400 and json.loads(data)["code"] == "GZ-HT-400", (name, data)


# -- authorisation ----------------------------------------------------------------------------
def test_the_applicant_assertion_is_the_platforms_and_is_journaled_masked(
    served: ServedService,
) -> None:
    """Only a credential configured ``may_act_for_applicants`` may assert an applicant; it
    reaches only that applicant's cases; the journal keeps the assertion masked."""
    case_no, app = _case(served, 301)
    stranger = synthetic_applicant(random.Random(302)).id_number
    r = served.client("clerk").acting_for(app).get(f"/v1/cases/{case_no}")
    _is_problem(r, 403, "GZ-AU-010")
    r = served.client("platform").acting_for(stranger).get(f"/v1/cases/{case_no}")
    _is_problem(r, 403, "GZ-AU-020")
    c = served.client("platform")
    no_assertion = c.get(f"/v1/cases/{case_no}", headers={"X-Gaozhi-On-Behalf-Of": app})
    _is_problem(no_assertion, 422, "GZ-HT-422")
    r = c.acting_for(app).get(f"/v1/cases/{case_no}")
    assert r.status_code == 200 and r.json()["case_no"] == case_no
    db = sqlite3.connect(served.workdir / "gaozhi.db")
    try:
        rows = db.execute("SELECT detail, actor FROM journal").fetchall()
    finally:
        db.close()
    behalf = [json.loads(d) for d, _ in rows if '"on_behalf"' in d]
    assert any(d["call"] == f"GET /v1/cases/{case_no}" for d in behalf)
    assert all(app not in d + a and stranger not in d + a for d, a in rows)


def test_complaints_are_scoped_to_their_organ(served: ServedService) -> None:
    """Finding: a complaint had no organ. Any official of any organ (another organ's clerk,
    a list officer, a justice reviewer) listed every complaint with the reporter's phone
    number, and another organ's clerk and inspector assigned, handled and closed it. A
    complaint now belongs to the receiving organ; lists and steps are scoped to it."""
    r = served.client("clerk").post(
        "/v1/complaints",
        {
            "channel": "12345",
            "subject_ref": "CASE-x",
            "content": "举报内容",
            "reporter_contact": "13800138000",
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["complaint_id"]
    assert r.json()["organ_uscc"] == OWNER_USCC
    for outsider in ("clerk-other", "inspector-other", "reviewer"):
        listed = served.client(outsider).get("/v1/complaints")
        assert listed.status_code == 200, listed.text
        assert cid not in listed.text and "13800138000" not in listed.text, outsider
    for cred, step in (("clerk-other", "assign"), ("inspector-other", "assign")):
        r = served.client(cred).post(f"/v1/complaints/{cid}/{step}", {"text": "IN0007"})
        _is_problem(r, 403, "GZ-AU-002")
    r = served.client("clerk-other").post(
        "/v1/complaints", {"channel": "x", "subject_ref": "y", "content": "z",
                           "organ_uscc": OWNER_USCC},
    )  # fmt: skip
    _is_problem(r, 403, "GZ-AU-002")  # nor file one in another organ's name
    for insider in ("clerk", "auditor"):
        assert cid in served.client(insider).get("/v1/complaints").text, insider
    r = served.client("clerk").post(f"/v1/complaints/{cid}/assign", {"text": "IN0007"})
    assert r.status_code == 200, r.text
    r = served.client("inspector").post(f"/v1/complaints/{cid}/handle", {"text": "已核实"})
    assert r.status_code == 200, r.text


def test_other_organs_cases_notices_and_evidence_are_refused(served: ServedService) -> None:
    case_no, _ = _case(served, 401)
    other = served.client("clerk-other")
    for path in (
        f"/v1/cases/{case_no}",
        f"/v1/cases/{case_no}/verifications",
        f"/v1/cases/{case_no}/evidence",
        f"/v1/cases/{case_no}/pledge/bundle",
    ):
        _is_problem(other.get(path), 403, "GZ-AU-020")
    for path, body in (
        (f"/v1/cases/{case_no}/choices", _CHOICE),
        (f"/v1/cases/{case_no}/eligibility", {}),
        (f"/v1/cases/{case_no}/accept", {}),
    ):
        _is_problem(other.post(path, body), 403, "GZ-AU-002")
    r = other.post("/v1/journal/checkpoint", {"organ_uscc": OWNER_USCC})
    assert r.status_code == 403
    for listing in ("/v1/verifications", "/v1/dispositions", "/v1/credit-records"):
        r = other.get(listing)
        assert r.status_code == 200 and case_no not in r.text and OWNER_USCC not in r.text


def test_verify_uses_the_services_anchors_never_the_bundles(
    served: ServedService, pki: TestPKI
) -> None:
    """A bundle sealed by a look-alike organ seal from the attacker's own CA (same name,
    same USCC, chain shipped in the bundle) is not valid for the service's auditors."""
    finding = make_finding()
    genuine = sign(finding, pki.organ_seal("某市市场监督管理局", finding.organ_uscc))
    forged = sign(finding, TestPKI.create().organ_seal("某市市场监督管理局", finding.organ_uscc))
    auditor = served.client("auditor")
    ok = auditor.post("/v1/verify", json.loads(genuine.to_json()))
    assert ok.status_code == 200 and ok.json()["indication"] == "TOTAL_PASSED", ok.text
    bad = auditor.post("/v1/verify", json.loads(forged.to_json()))
    assert bad.status_code == 200 and bad.json()["indication"] != "TOTAL_PASSED", bad.text
    # an anchor offered by the request is not a parameter of the operation
    r = auditor.post("/v1/verify", json.loads(forged.to_json()), params={"trust": "a.pem"})
    assert r.json()["indication"] != "TOTAL_PASSED"


# -- idempotency ------------------------------------------------------------------------------
def test_an_idempotency_key_is_scoped_to_its_caller_and_request(served: ServedService) -> None:
    case_no, _ = _case(served, 501)
    key = uuid.uuid4().hex
    clerk = served.client("clerk")
    first = clerk.post(f"/v1/cases/{case_no}/eligibility", idempotency_key=key)
    again = clerk.post(f"/v1/cases/{case_no}/eligibility", idempotency_key=key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers.get("idempotent-replayed") == "true"
    # another credential with the same key gets its own answer, never the clerk's
    other = served.client("clerk-other").post(
        f"/v1/cases/{case_no}/eligibility", idempotency_key=key
    )
    assert "idempotent-replayed" not in other.headers
    _is_problem(other, 403, "GZ-AU-002")
    # the same caller with the key on another path or body: refused with a code
    r = clerk.post(f"/v1/cases/{case_no}/choices", _CHOICE, idempotency_key=key)
    _is_problem(r, 422, "GZ-HT-423")
    r = clerk.post(f"/v1/cases/{case_no}/eligibility", {"x": 1}, idempotency_key=key)
    _is_problem(r, 422, "GZ-HT-423")


# -- input ------------------------------------------------------------------------------------
def test_unknown_paths_wrong_methods_and_unparsable_bodies_are_problems(
    served: ServedService,
) -> None:
    """Finding: an unknown path, a wrong method and a body the framework could not parse
    (JSON nested 100,000 deep, bytes that are not UTF-8) were answered with FastAPI's
    ``{"detail": …}`` as ``application/json`` and no GZ code, not RFC 9457 problems."""
    clerk = served.client("clerk")
    _is_problem(clerk.get("/v1/no-such-thing"), 404, "GZ-HT-404")
    r = clerk.request("DELETE", "/v1/statistics")
    _is_problem(r, 405, "GZ-HT-405")
    assert "GET" in r.headers.get("allow", "")
    json_type = {"Content-Type": "application/json"}
    for body in (b"[" * 100_000, b'{"list_id": "\xff\xfe"}', b"\xef\xbb\xbf{" + b"\x00" * 10):
        r = clerk.request("POST", "/v1/notices", data=body, headers=json_type)
        assert r.status_code in (400, 422), (body[:20], r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json", r.text
        assert r.json()["code"] in ("GZ-HT-400", "GZ-HT-422")


def test_bodies_above_the_limit_are_refused_declared_or_streamed(served: ServedService) -> None:
    for data in (b" " * 300_000, iter([b" " * 10_000] * 40)):
        r = requests.post(served.base_url + "/v1/notices", data=data, timeout=30)
        _is_problem(r, 413, "GZ-HT-413")


def test_odd_headers_and_paths_are_4xx_never_500(served: ServedService) -> None:
    clerk: SignedClient = served.client("clerk")
    cases = [
        ("GET", "/v1/cases/" + "x" * 3000, {}),
        ("GET", "/v1/cases/%00%ff", {}),
        ("GET", "/v1/notices/..%2F..%2Fetc", {}),
        ("GET", f"/v1/cases/{OTHER_USCC}", {"X-Gaozhi-On-Behalf-Of": "1" * 64}),
        ("POST", "/v1/lists/lint", {"Idempotency-Key": "k" * 201}),
        ("POST", "/v1/lists/lint", {"Content-Type": "application/xml"}),
    ]
    for method, path, extra in cases:
        r = clerk.request(method, path, headers=extra, data=b"{}")
        assert 400 <= r.status_code < 500, (path[:40], r.status_code, r.text[:200])
        assert r.headers["content-type"] == "application/problem+json", (path[:40], r.text)
    for name, value in (("X-Timestamp", "9" * 5000), ("X-Nonce", "n" * 8000)):
        h = _signed_headers(served, "auditor", "GET", "/v1/statistics")
        h[name] = value
        r = requests.get(served.base_url + "/v1/statistics", headers=h, timeout=10)
        _is_problem(r, 401, "GZ-HT-401")


def test_a_proxy_chooses_only_with_the_applicants_special_authorisation(
    served: ServedService,
) -> None:
    """Finding: the platform asserting a person as ``PROXY`` could record the choices of
    ANY applicant's case — the library let a proxy through when no proxy was named yet.
    A proxy now presents its special authorisation from this case's applicant (R-024)."""
    from datetime import date, datetime, timedelta

    from gaozhi_sdk.models import AuthorizationGrant

    case_no, app_id = _case(served, 601)
    matter = served.client("clerk").get(f"/v1/cases/{case_no}").json()["matter_code"]
    party = synthetic_applicant(random.Random(602))
    as_proxy = served.client("platform").acting_for(party.id_number, role="PROXY")

    def proxy(grantor: str) -> dict[str, Any]:
        start = date.today() - timedelta(days=1)
        return {
            "party": party.model_dump(mode="json"),
            "authorization": {
                "authorization_id": "SQ-0601",
                "grantor_id_number": grantor,
                "matter_code": matter,
                "entry_ids": [ENTRY],
                "valid_from": start.isoformat(),
                "valid_to": (start + timedelta(days=30)).isoformat(),
                "express_pledge_authority": True,
                "document_ref": "特别授权委托书",
            },
        }

    r = as_proxy.post(f"/v1/cases/{case_no}/choices", _CHOICE)
    _is_problem(r, 403, "GZ-AU-011")
    stranger = synthetic_applicant(random.Random(603)).id_number
    r = as_proxy.post(f"/v1/cases/{case_no}/choices", {**_CHOICE, "proxy": proxy(stranger)})
    assert r.status_code in (403, 422) and r.json()["code"].startswith(("GZ-AU", "GZ-RL")), r.text
    impostor = dict(
        proxy(app_id), party=synthetic_applicant(random.Random(604)).model_dump(mode="json")
    )
    r = as_proxy.post(f"/v1/cases/{case_no}/choices", {**_CHOICE, "proxy": impostor})
    _is_problem(r, 403, "GZ-AU-011")  # someone else's authorisation
    r = served.client("clerk").get(f"/v1/cases/{case_no}")
    assert r.json()["status"] == "NOTICE_ISSUED" and not r.json()["choices"]
    # The proxy's own word — terms naming the applicant, typed in — is not authority
    # (R-024; tests/security/test_attack_proxy_grant.py): refused, nothing recorded.
    r = as_proxy.post(f"/v1/cases/{case_no}/choices", {**_CHOICE, "proxy": proxy(app_id)})
    _is_problem(r, 403, "GZ-AU-011")
    # The grant signed by the proxy itself instead of the applicant: refused too.
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    grantor = synthetic_applicant(random.Random(601))
    assert grantor.id_number == app_id

    def signed(by: Any) -> dict[str, Any]:
        terms = proxy(app_id)
        auth = terms["authorization"]
        grant = AuthorizationGrant(
            authorization_id=auth["authorization_id"],
            grantor=grantor,
            proxy=party,
            case_no=case_no,
            notice_id=case["notice_id"],
            matter_code=matter,
            entry_ids=(ENTRY,),
            valid_from=date.fromisoformat(auth["valid_from"]),
            valid_to=date.fromisoformat(auth["valid_to"]),
            express_pledge_authority=True,
            granted_at=datetime.fromisoformat(case["created_at"]),  # the service's clock
        )
        auth["signed_grant"] = sign(grant, by).to_json().decode("utf-8")
        return terms

    self_signed = signed(served.pki.applicant("代为承诺人", party.id_number))
    r = as_proxy.post(f"/v1/cases/{case_no}/choices", {**_CHOICE, "proxy": self_signed})
    _is_problem(r, 403, "GZ-AU-011")
    assert "signed by the pledgor" in r.json()["detail"], r.text  # the signer, not a term
    assert served.client("clerk").get(f"/v1/cases/{case_no}").json()["status"] == "NOTICE_ISSUED"
    # The special authorisation the applicant signed: the proxy may choose.
    granted = signed(served.pki.applicant("申请人", app_id))
    r = as_proxy.post(f"/v1/cases/{case_no}/choices", {**_CHOICE, "proxy": granted})
    assert r.status_code == 200, r.text


def test_a_signature_covers_the_path_as_sent_not_its_decoded_form(served: ServedService) -> None:
    """Finding: the service signed the percent-*decoded* path re-encoded with ``%`` kept,
    so a signature for ``/v1/cases/X%20Y`` (case "X Y") also passed for
    ``/v1/cases/X%2520Y`` (case "X%20Y"): one signature, two resources. The canonical path
    is now taken from the path as sent."""
    h = _signed_headers(served, "auditor", "GET", "/v1/cases/X Y")
    r = requests.get(served.base_url + "/v1/cases/X%2520Y", headers=h, timeout=10)
    _is_problem(r, 401, "GZ-HT-401")
    h = _signed_headers(served, "auditor", "GET", "/v1/cases/X Y")
    r = requests.get(served.base_url + "/v1/cases/X%20Y", headers=h, timeout=10)
    assert r.status_code == 404 and r.json()["code"] != "GZ-HT-401", r.text  # authenticated
    case_no, _ = _case(served, 701)
    spelled = case_no.replace("-", "%2D")  # another spelling of the same resource, signed
    h = _signed_headers(served, "auditor", "GET", f"/v1/cases/{spelled}")
    r = requests.get(f"{served.base_url}/v1/cases/{spelled}", headers=h, timeout=10)
    assert r.status_code == 200 and r.json()["case_no"] == case_no, r.text


def test_a_signed_body_with_a_repeated_key_is_refused(served: ServedService) -> None:
    """Finding: ``{"reason": "A", "reason": "B"}`` — signed byte for byte, read as "B" by
    the service and as "A" by anything that keeps the first value (a platform's gateway, a
    reviewer reading the logged request). One body, two readings: refused (422)."""
    case_no, _ = _case(served, 801)
    body = b'{"choices": [{"entry_id": "%s", "mode": "DOCUMENT", "mode": "PLEDGE"}]}' % (
        ENTRY.encode()
    )
    r = served.client("clerk").request(
        "POST",
        f"/v1/cases/{case_no}/choices",
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    _is_problem(r, 422, "GZ-HT-422")
    assert "duplicate key" in r.json()["detail"] and "mode" in r.json()["detail"]
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    assert not case["choices"]
    r = served.client("clerk").request(  # the same keys in different objects are fine
        "POST",
        f"/v1/cases/{case_no}/choices",
        data=b'{"choices": [{"entry_id": "%s", "mode": "PLEDGE"}]}' % ENTRY.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text


def test_the_platform_cannot_sign_for_the_applicant_it_asserts(
    served: ServedService, pki: TestPKI
) -> None:
    """Asserting an applicant lets the platform act *as* that person, not sign as them: the
    pledge must be signed with a certificate naming the pledgor, chained to the service's
    anchors. The platform's own (trusted) certificate and a self-made one naming the
    applicant are both refused at step 1 of three-step signing, and nothing is pledged."""
    import base64

    from cryptography.hazmat.primitives import serialization

    case_no, app_id = _case(served, 901)
    me = served.client("platform").acting_for(app_id)
    assert me.post(f"/v1/cases/{case_no}/choices", _CHOICE).status_code == 200
    assert served.client("clerk").post(f"/v1/cases/{case_no}/eligibility").status_code == 200

    def chain(signer: Any) -> list[str]:
        return [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in signer.certificate_chain
        ]

    someone = pki.applicant("平台操作员", synthetic_applicant(random.Random(902)).id_number)
    forged = TestPKI.create().applicant("申请人", app_id)
    for signer, code in ((someone, "GZ-SG-050"), (forged, "GZ-SG-071")):
        r = me.post(
            f"/v1/cases/{case_no}/pledge/data-to-sign", {"certificate_chain": chain(signer)}
        )
        assert 400 <= r.status_code < 500 and r.json()["code"] == code, r.text
    genuine = pki.applicant("申请人", app_id)
    r = me.post(f"/v1/cases/{case_no}/pledge/data-to-sign", {"certificate_chain": chain(genuine)})
    assert r.status_code == 200, r.text  # control: the pledgor's own certificate is taken
    assert served.client("clerk").get(f"/v1/cases/{case_no}").json()["status"] == "NOTICE_ISSUED"
