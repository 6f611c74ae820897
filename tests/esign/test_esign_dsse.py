"""DSSE PAE (DESIGN §4): byte-exact with the DSSE v1 specification."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gaozhi_sdk.esign import pae


def test_pae_matches_dsse_spec_example() -> None:
    # DSSE protocol.md test vector ("hello world" of type http://example.com/HelloWorld).
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_empty_type_and_body() -> None:
    assert pae("", b"") == b"DSSEv1 0  0 "


def test_pae_lengths_are_bytes_not_characters() -> None:
    # A non-ASCII body: 3 characters, 9 UTF-8 bytes.
    body = "承诺书".encode()
    assert pae("application/vnd.gaozhi.pledge+json;version=1", body) == (
        b"DSSEv1 44 application/vnd.gaozhi.pledge+json;version=1 9 " + body
    )


@given(st.text(max_size=40), st.binary(max_size=300))
def test_pae_is_the_securesystemslib_formula(payload_type: str, body: bytes) -> None:
    # securesystemslib computes b"DSSEv1 %d %b %d %b" over the UTF-8 type and the body.
    t = payload_type.encode("utf-8")
    expected = b"".join(
        [b"DSSEv1", b" ", str(len(t)).encode(), b" ", t, b" ", str(len(body)).encode(), b" ", body]
    )
    assert pae(payload_type, body) == expected


@given(st.binary(max_size=50), st.binary(max_size=50))
def test_pae_is_injective_in_the_body(a: bytes, b: bytes) -> None:
    t = "application/octet-stream"
    assert (pae(t, a) == pae(t, b)) == (a == b)
