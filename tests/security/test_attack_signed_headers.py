"""A party on the path against ``X-Signed-Headers`` (issue 13, DESIGN §7, §10).

``gaozhi-hmac-sm3-v1`` with ``X-Signed-Headers`` covers the headers that decide what a
call does and for whom. The attacker sits between the platform and ``gaozhi serve`` (a
gateway, a proxy): it sees a signed request before it arrives and tries to deliver it
with a covered header's *value* changed in a way the signature does not see, to drop or
repeat the list, or to pass a covered header under another spelling of its name.

Finding (fixed with this test): the string to sign took each covered value through
Python's ``str.strip()``, which removes far more than the white space HTTP strips (space
and tab): NO-BREAK SPACE (0xA0) and NEXT LINE (0x85) are legal header bytes (obs-text),
so ``X-Gaozhi-Identity-Assertion: <signed value>\\xa0`` verified under the platform's
signature while the service journaled the digest of the *altered* assertion — the
evidence of which authentication backed the call was no longer the platform's.
"""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.sharing.signing import (
    NonceCache,
    ReferenceProfile,
    string_to_sign,
    verify_reference_request,
)
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

LIST_ID = "SZ-411222-GZCN-2025"
ENTRY = "SZ-GA-HJ-001"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedService]:
    s = ServedService(tmp_path_factory.mktemp("attack-signed-headers"), TestPKI.create()).start()
    try:
        yield s
    finally:
        s.stop()


def _case(served: ServedService, seed: int) -> tuple[str, str]:
    app = synthetic_applicant(random.Random(seed))
    r = served.client("clerk").post(
        "/v1/notices",
        {"list_id": LIST_ID, "entry_ids": [ENTRY], "applicant": app.model_dump(mode="json")},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"]), app.id_number


def _send(
    served: ServedService, method: str, path: str, headers: list[tuple[str, str]]
) -> tuple[int, dict[str, object]]:
    """Exactly these header lines; values go on the wire as latin-1 bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v.encode("latin-1"))
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def _signed(served: ServedService, path: str, covered: dict[str, str]) -> list[tuple[str, str]]:
    """The platform's signed GET for an applicant, as the party on the path sees it."""
    sig = ReferenceProfile("ak-platform").sign(
        "GET", path, {}, b"", uuid.uuid4().hex, secret=served.secrets["platform"], headers=covered
    )
    return [*covered.items(), *sig.items()]


def _assertion_digests(served: ServedService) -> list[str]:
    db = sqlite3.connect(served.workdir / "gaozhi.db")
    try:
        rows = db.execute("SELECT detail FROM journal").fetchall()
    finally:
        db.close()
    return [json.loads(d)["assertion_sha256"] for (d,) in rows if '"assertion_sha256"' in d]


@pytest.mark.parametrize("pad", ["\xa0", "\x85"])
def test_a_covered_value_padded_with_non_http_white_space_is_refused(
    served: ServedService, pad: str
) -> None:
    """The signature covers the value the service uses, byte for byte (apart from the
    spaces and tabs HTTP itself strips)."""
    case_no, app = _case(served, 9101 + ord(pad))
    path = f"/v1/cases/{case_no}"
    assertion = f"method=FACE;provider=test;txn={uuid.uuid4().hex}"
    covered = {
        "X-Gaozhi-On-Behalf-Of": app,
        "X-Gaozhi-On-Behalf-Role": "APPLICANT",
        "X-Gaozhi-Identity-Assertion": assertion,
    }
    before = set(_assertion_digests(served))
    captured = _signed(served, path, covered)
    forged = [(k, v + pad if k == "X-Gaozhi-Identity-Assertion" else v) for k, v in captured]
    status, doc = _send(served, "GET", path, forged)
    assert status == 401, (status, doc)
    assert doc["code"] == "GZ-HT-401"
    assert set(_assertion_digests(served)) == before  # nothing journaled for the forgery
    # the platform's own request (a fresh signature) goes through and is journaled
    status, doc = _send(served, "GET", path, _signed(served, path, covered))
    assert status == 200 and doc["case_no"] == case_no, doc


def test_string_to_sign_strips_only_what_http_strips() -> None:
    base = ("GET", "/p", "", "ak", "1", "n", "r", "c")
    plain = string_to_sign(*base, [("x-a", " v\t")])
    assert plain == string_to_sign(*base, [("x-a", "v")])
    for pad in ("\xa0", "\x85", "\x0b", "\x1f"):
        assert string_to_sign(*base, [("x-a", "v" + pad)]) != plain, repr(pad)


def test_header_names_in_the_list_are_exact_and_the_list_cannot_be_empty() -> None:
    """Upper-case, repeated or empty names in ``X-Signed-Headers`` break the signature
    (one list, one reading); a header listed but absent, too."""
    secret = {"ak": "s3cret"}
    covered = {"Idempotency-Key": "k1", "Content-Type": "application/json"}
    sig = ReferenceProfile("ak").sign(
        "POST", "/p", {}, b"{}", "r", secret="s3cret", headers=covered
    )
    assert sig["X-Signed-Headers"] == "content-type;idempotency-key"

    def check(extra: dict[str, str]) -> str:
        return verify_reference_request(
            "POST", "/p", {}, {**covered, **sig, **extra}, b"{}", secret_of=secret,
            now_ms=int(sig["X-Timestamp"]), nonces=NonceCache(),
        )  # fmt: skip

    assert check({}) == "00"
    for listed in (
        "",
        ";",
        "Content-Type;idempotency-key",
        "content-type;idempotency-key;content-type",
        "idempotency-key;content-type",  # another order: another string to sign
        "content-type;idempotency-key;x-absent",
        "content-type",  # fewer: the string to sign changes
    ):
        assert check({"X-Signed-Headers": listed}) == "SIGN_INVALID", listed
