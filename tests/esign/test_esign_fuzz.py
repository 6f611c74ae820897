"""Fuzzing: Bundle.from_json raises only SDK errors; validate() never raises, never passes junk."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaozhi_sdk.errors import BundleFormatError
from gaozhi_sdk.esign import Bundle, Indication, SubIndication, TrustStore, sign, validate
from gaozhi_sdk.testing import TestPKI

from .conftest import make_pledge, pledgor_signer

_PKI = TestPKI.create()
_TRUST = _PKI.trust_store()
_GOOD = sign(make_pledge(), pledgor_signer(_PKI)).to_json()
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _assert_safe_report(data: bytes | str) -> None:
    report = validate(data, _TRUST)
    assert report.indication is not Indication.TOTAL_PASSED
    assert report.sub_indication is not SubIndication.POLICY_PROCESSING_ERROR
    report.model_dump_json()
    report.summary_zh()


def test_good_bundle_passes() -> None:
    assert validate(_GOOD, _TRUST).passed


@_SETTINGS
@given(st.binary(max_size=600))
def test_from_json_random_bytes_raises_only_format_errors(data: bytes) -> None:
    try:
        Bundle.from_json(data)
    except BundleFormatError as exc:
        assert exc.code.startswith("GZ-SG-1")


@_SETTINGS
@given(json_values)
def test_validate_random_json_never_raises(value: Any) -> None:
    _assert_safe_report(json.dumps(value))


@_SETTINGS
@given(st.integers(min_value=0, max_value=len(_GOOD) - 1), st.integers(min_value=1, max_value=255))
def test_any_flipped_byte_never_passes(pos: int, xor: int) -> None:
    data = bytearray(_GOOD)
    data[pos] ^= xor
    _assert_safe_report(bytes(data))


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


_GOOD_OBJ = json.loads(_GOOD)
_PATHS = [p for p in _paths(_GOOD_OBJ) if p]


@_SETTINGS
@given(st.sampled_from(_PATHS), json_values, st.booleans())
def test_replacing_or_deleting_any_field_never_passes(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    obj = json.loads(_GOOD)
    target = obj
    for p in path[:-1]:
        target = target[p]
    original = target[path[-1]]
    if delete:
        del target[path[-1]]
    else:
        if value == original:
            return
        target[path[-1]] = value
    _assert_safe_report(json.dumps(obj))


@pytest.mark.parametrize("bad_trust", [TrustStore(), TestPKI.create().trust_store()])
def test_good_bundle_with_wrong_trust_is_indeterminate(bad_trust: TrustStore) -> None:
    report = validate(_GOOD, bad_trust)
    assert report.indication is Indication.INDETERMINATE


def test_a_certificate_name_cryptography_rejects_with_typeerror_is_a_format_failure() -> None:
    """Found by the SM2 mutation test in CI: one changed base64 character turned a name
    attribute's value into a BIT STRING under an attribute type other than
    x500UniqueIdentifier, and ``cryptography`` raises *TypeError* (not ValueError) when
    the name is read — the validator reported an internal error (POLICY_PROCESSING_ERROR)
    instead of a damaged bundle. Now: FORMAT_FAILURE, and ``parse_chain`` raises
    ValueError as documented."""
    import base64
    import json
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.name import _ASN1Type
    from cryptography.x509.oid import NameOID

    from gaozhi_sdk import esign
    from gaozhi_sdk.esign.chain import parse_chain
    from gaozhi_sdk.testing import TestPKI

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "某局"),
            x509.NameAttribute(NameOID.X500_UNIQUE_IDENTIFIER, b"\x01\x02", _ASN1Type.BitString),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    unique_id, organisation = b"\x06\x03\x55\x04\x2d", b"\x06\x03\x55\x04\x0a"
    assert der.count(unique_id) == 2  # subject and issuer
    bad = der.replace(unique_id, organisation)  # a BIT STRING "organizationName"
    with pytest.raises(ValueError, match="malformed certificate"):
        parse_chain((bad,))

    pki = TestPKI.create()
    ptype = "application/vnd.gaozhi-test+json;version=1"
    doc = json.loads(
        esign.sign(b'{"a":"b"}', pki.organ_seal("某局", "11411222005123018X"), ptype).to_json()
    )
    doc["verificationMaterial"]["signers"][0]["x509CertificateChain"] = [
        base64.b64encode(bad).decode()
    ]
    policy = esign.DEFAULT_POLICY.with_rules({ptype: esign.UnsafeAnySigner()})
    report = esign.validate(json.dumps(doc).encode(), pki.trust_store(), policy=policy)
    assert report.indication == "TOTAL_FAILED", report.to_text()
    assert report.sub_indication == "FORMAT_FAILURE", report.to_text()
