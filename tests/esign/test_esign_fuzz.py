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
