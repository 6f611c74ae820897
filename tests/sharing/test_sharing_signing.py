"""Signing profiles (DESIGN §7 ``gaozhi-hmac-sm3-v1``; TRANSPORT §5.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.sharing import make_profile
from gaozhi_sdk.sharing.signing import (
    HmacSha256HeaderProfile,
    Md5KeySecretTimeProfile,
    NonceCache,
    ReferenceProfile,
    canonical_query,
    hmac_sm3,
    sm3_hex,
    verify_reference_request,
)


def test_sm3_standard_vector() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_hmac_sm3_agrees_with_openssl_hmac() -> None:
    try:
        expected = hmac.new(b"key", b"message", "sm3").digest()
    except ValueError:  # pragma: no cover - build without SM3 in hashlib
        pytest.skip("hashlib has no sm3")
    assert hmac_sm3(b"key", b"message") == expected


def test_reference_signature_is_exactly_design_section_7() -> None:
    p = ReferenceProfile("app-1")
    body = b'{"a":1}'
    h = p.sign(
        "post",
        "/licence/verify/",
        {"b": "2", "a": "x y"},
        body,
        "REQ-1",
        secret="s3cret",
        timestamp_ms=1700000000000,
        nonce="ab" * 16,
    )
    content = sm3_hex(body)
    sts = "\n".join(
        [
            "POST",
            "/licence/verify",
            "a=x%20y&b=2",
            "app-1",
            "1700000000000",
            "ab" * 16,
            "REQ-1",
            content,
        ]
    ).encode()
    assert h["X-Signature"] == base64.b64encode(hmac_sm3(b"s3cret", sts)).decode()
    assert h["X-Content-SM3"] == content and h["X-Sign-Method"] == "HMAC-SM3"
    assert set(h) == {
        "X-App-Key",
        "X-Timestamp",
        "X-Nonce",
        "X-Request-Id",
        "X-Content-SM3",
        "X-Sign-Method",
        "X-Signature",
    }


def test_each_attempt_gets_fresh_nonce_and_same_request_id() -> None:
    p = ReferenceProfile("app-1")
    a = p.sign("POST", "/x", None, b"", "REQ-9", secret="s")
    b = p.sign("POST", "/x", None, b"", "REQ-9", secret="s")
    assert a["X-Nonce"] != b["X-Nonce"] and a["X-Request-Id"] == b["X-Request-Id"] == "REQ-9"


def _verify(h: dict[str, str], body: bytes, now: int, nonces: NonceCache, path: str = "/x") -> str:
    return verify_reference_request(
        "POST", path, None, h, body, secret_of={"k": "s"}, now_ms=now, nonces=nonces
    )


@pytest.mark.parametrize("method", ["HMAC-SM3", "HMAC-SHA256"])
def test_server_rules_sign_invalid_ts_expired_nonce_replay(method: str) -> None:
    p = ReferenceProfile("k", method=method)  # type: ignore[arg-type]
    nonces = NonceCache()
    h = p.sign("POST", "/x", None, b"{}", "R", secret="s", timestamp_ms=1_000_000)
    assert _verify(h, b"{}", 1_000_000, nonces) == "00"
    assert _verify(h, b"{}", 1_000_000, nonces) == "NONCE_REPLAY"
    h2 = p.sign("POST", "/x", None, b"{}", "R", secret="s", timestamp_ms=1_000_000)
    assert _verify(h2, b'{"tampered":1}', 1_000_000, nonces) == "SIGN_INVALID"
    assert _verify(h2, b"{}", 1_000_000, nonces, path="/y") == "SIGN_INVALID"
    assert _verify(h2, b"{}", 1_000_000 + 301_000, nonces) == "TS_EXPIRED"
    bad = p.sign("POST", "/x", None, b"{}", "R", secret="wrong", timestamp_ms=1_000_000)
    assert _verify(bad, b"{}", 1_000_000, nonces) == "SIGN_INVALID"


def test_md5_profile_is_md5_of_key_secret_time() -> None:
    h = Md5KeySecretTimeProfile("AK").sign(
        "POST", "/g", None, b"x", "R", secret="RS", timestamp_ms=123
    )
    assert h["sign"] == hashlib.md5(b"AKRS123").hexdigest()


def test_sha256_header_profile() -> None:
    h = HmacSha256HeaderProfile("CID").sign(
        "GET", "/g", None, b"", "R", secret="S", timestamp_ms=5, nonce="n"
    )
    want = base64.b64encode(hmac.new(b"S", b"CID5n", hashlib.sha256).digest()).decode()
    assert h["X-Signature"] == want


@pytest.mark.parametrize(
    "name", ["gaozhi-hmac-sm3-v1", "gaozhi-hmac-sha256-v1", "sd-hmac-sha256", "zj-irs-md5"]
)
def test_every_profile_documents_what_it_does_not_protect(name: str) -> None:
    p = make_profile(name, "k")
    assert p.name == name and p.does_not_protect


def test_unknown_profile_is_a_coded_error() -> None:
    with pytest.raises(GaozhiError) as e:
        make_profile("nope", "k")
    assert e.value.code == "GZ-SH-002"


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=5))
def test_canonical_query_ignores_insertion_order(q: dict[str, str]) -> None:
    assert canonical_query(q) == canonical_query(dict(reversed(list(q.items()))))


@given(
    st.integers(min_value=100, max_value=599),
    st.sampled_from(["application/json", "text/html", "", "application/json; charset=gbk"]),
    st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
    st.one_of(st.none(), st.text(max_size=12)),
)
def test_classifier_never_raises_on_fuzzed_answers(
    status: int, ctype: str, body: bytes, retry_after: str | None
) -> None:
    from gaozhi_sdk.sharing import Kind, classify_reference

    headers = {"Content-Type": ctype}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    c = classify_reference(status, headers, body)
    assert isinstance(c.kind, Kind) and c.code
    if c.kind is Kind.OK:
        assert status < 400
