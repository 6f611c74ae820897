"""Request signatures cover what a call does and for whom (DESIGN §7, §10; issue 13).

``gaozhi-hmac-sm3-v1`` signs method, path, query, key id, timestamp, nonce, request id
and the body's SM3. ``X-Signed-Headers`` extends the string to sign (backwards
compatible: absent, the string is the plain eight lines), and ``gaozhi serve`` requires
the signature to cover ``Content-Type``, ``Idempotency-Key`` and the applicant-assertion
headers whenever a request carries them. A party on the path — a gateway, a proxy, an
attacker who captured a signed request before it arrived — that sends it with another
idempotency key or for another applicant is refused (401) and nothing happens.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from gaozhi_sdk.server.auth import MUST_SIGN
from gaozhi_sdk.sharing.signing import (
    NonceCache,
    ReferenceProfile,
    signed_header_names,
    string_to_sign,
    verify_reference_request,
)
from gaozhi_sdk.testing.server import ServedService

from .conftest import ONLINE_ENTRY, new_applicant, open_case

_CHOICE = {"choices": [{"entry_id": ONLINE_ENTRY, "mode": "PLEDGE"}]}


def _captured(
    served: ServedService, path: str, body: Any, covered: dict[str, str]
) -> dict[str, str]:
    """The platform's signed request headers (as a party on the path would see them)."""
    raw = json.dumps(body).encode()
    signed = ReferenceProfile("ak-platform").sign(
        "POST", path, {}, raw, uuid.uuid4().hex, secret=served.secrets["platform"], headers=covered
    )
    return {**covered, **signed}


def _send(
    served: ServedService, path: str, body: Any, headers: dict[str, str]
) -> requests.Response:
    return requests.post(
        served.base_url + path, data=json.dumps(body).encode(), headers=headers, timeout=30
    )


def _behalf(app_id: str, txn: str = "t-1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Idempotency-Key": uuid.uuid4().hex,
        "X-Gaozhi-On-Behalf-Of": app_id,
        "X-Gaozhi-On-Behalf-Role": "APPLICANT",
        "X-Gaozhi-Identity-Assertion": f"method=FACE;provider=test;txn={txn}",
    }


def test_string_to_sign_without_signed_headers_is_the_plain_v1_string() -> None:
    plain = string_to_sign("post", "/p", "", "ak", "1", "n", "r", "c")
    assert plain == b"POST\n/p\n\nak\n1\nn\nr\nc"
    extended = string_to_sign("POST", "/p", "", "ak", "1", "n", "r", "c", [("a-b", " x ")])
    assert extended == plain + b"\na-b\na-b:x"
    assert signed_header_names("content-type;idempotency-key") == [
        "content-type",
        "idempotency-key",
    ]
    for bad in ("", "Content-Type", "a;a", "a;;b", "a b"):
        assert signed_header_names(bad) is None, bad


def test_a_listed_header_that_is_missing_or_altered_breaks_the_signature() -> None:
    secret = {"ak": "s3cret"}
    hdrs = {"Idempotency-Key": "k1"}
    signed = ReferenceProfile("ak").sign(
        "POST", "/p", {}, b"{}", "r", secret="s3cret", headers=hdrs
    )
    assert signed["X-Signed-Headers"] == "idempotency-key"

    def check(headers: dict[str, str]) -> str:
        return verify_reference_request(
            "POST", "/p", {}, headers, b"{}", secret_of=secret,
            now_ms=int(signed["X-Timestamp"]), nonces=NonceCache(),
        )  # fmt: skip

    assert check({**signed, **hdrs}) == "00"
    assert check({**signed, "Idempotency-Key": "k2"}) == "SIGN_INVALID"
    assert check(signed) == "SIGN_INVALID"  # listed but not sent


def test_captured_request_with_another_idempotency_key_or_applicant_is_refused(
    served: ServedService,
) -> None:
    case_no, app = open_case(served, 8801)
    other = new_applicant(8802)
    path = f"/v1/cases/{case_no}/choices"
    covered = _behalf(app.id_number)
    captured = _captured(served, path, _CHOICE, covered)
    # the party on the path sends it for another applicant, another assertion, another key
    for name, value in (
        ("X-Gaozhi-On-Behalf-Of", other.id_number),
        ("X-Gaozhi-Identity-Assertion", "method=FACE;provider=test;txn=forged"),
        ("X-Gaozhi-On-Behalf-Role", "PROXY"),
        ("Idempotency-Key", uuid.uuid4().hex),
        ("Content-Type", "application/merge-patch+json"),
    ):
        r = _send(served, path, _CHOICE, {**captured, name: value})
        assert r.status_code == 401, (name, r.text)
        assert r.json()["code"] == "GZ-HT-401"
    # or drops a covered header from the list (the signature then covers less)
    fewer = {k: v for k, v in captured.items() if k != "X-Signed-Headers"}
    r = _send(served, path, _CHOICE, fewer)
    assert r.status_code == 401 and r.json()["code"] == "GZ-HT-401"
    # nothing happened to the case; the untouched request goes through (once)
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    assert not case.get("choices")
    assert _send(served, path, _CHOICE, captured).status_code == 200
    assert served.client("clerk").get(f"/v1/cases/{case_no}").json()["choices"]
    assert _send(served, path, _CHOICE, captured).status_code == 401  # nonce spent


def test_a_signature_that_leaves_a_must_sign_header_bare_is_refused(
    served: ServedService,
) -> None:
    case_no, app = open_case(served, 8803)
    path = f"/v1/cases/{case_no}/choices"
    for bare in ("Idempotency-Key", "X-Gaozhi-On-Behalf-Of", "Content-Type"):
        headers = _behalf(app.id_number)
        covered = {k: v for k, v in headers.items() if k != bare}
        signed = _captured(served, path, _CHOICE, covered)
        r = _send(served, path, _CHOICE, {**signed, bare: headers[bare]})
        assert r.status_code == 401, (bare, r.text)
        assert bare.lower() in r.json()["detail"] and "not covered" in r.json()["detail"]
    assert set(MUST_SIGN) == {
        "content-type",
        "idempotency-key",
        "x-gaozhi-on-behalf-of",
        "x-gaozhi-on-behalf-role",
        "x-gaozhi-identity-assertion",
    }
