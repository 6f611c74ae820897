"""Bundle format version 1 (DESIGN §4): strict parsing, deterministic output."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gaozhi_sdk.errors import BundleFormatError
from gaozhi_sdk.esign import BUNDLE_MEDIA_TYPE, Bundle, pae, sign
from gaozhi_sdk.esign.bundle import b64decode_strict
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC


@pytest.fixture
def bundle_json(pki: TestPKI, pledge: Pledge) -> bytes:
    return sign(pledge, pki.organ_seal(ORGAN_NAME, ORGAN_USCC)).to_json()


def _obj(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(data)
    return out


def _code(data: bytes | str) -> str:
    with pytest.raises(BundleFormatError) as ei:
        Bundle.from_json(data)
    assert ei.value.message  # Chinese message present
    return ei.value.code


def test_round_trip_is_byte_exact(bundle_json: bytes) -> None:
    b = Bundle.from_json(bundle_json)
    assert b.to_json() == bundle_json
    assert Bundle.from_json(bundle_json.decode()).to_json() == bundle_json


def test_to_json_sorted_keys_and_absent_fields_omitted(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    assert list(obj) == sorted(obj)
    signer = obj["verificationMaterial"]["signers"][0]
    assert set(signer) == {"keyid", "x509CertificateChain"}  # no publicKey/sm2SignerId/timestamps
    assert "revocation" not in obj["verificationMaterial"]
    assert obj["mediaType"] == BUNDLE_MEDIA_TYPE


def test_payload_and_pae_properties(bundle_json: bytes, pledge: Pledge) -> None:
    b = Bundle.from_json(bundle_json)
    obj = _obj(bundle_json)
    assert b.payload == base64.b64decode(obj["dsseEnvelope"]["payload"])
    assert Pledge.model_validate_json(b.payload) == pledge
    assert b.pae == pae(obj["dsseEnvelope"]["payloadType"], b.payload)


def test_signed_bundle_equals_its_validated_form(pki: TestPKI, pledge: Pledge) -> None:
    # sign() builds its models without re-validation (hot path); they must equal what
    # full validation gives for the same values.
    built = sign(pledge, pki.organ_seal(ORGAN_NAME, ORGAN_USCC))
    assert Bundle.model_validate(built.model_dump()) == built
    assert Bundle.from_json(built.to_json()) == built


def test_indented_output_parses_back(bundle_json: bytes) -> None:
    b = Bundle.from_json(bundle_json)
    assert Bundle.from_json(b.to_json(indent=2)).to_json() == bundle_json


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "GZ-SG-101"),
        (b"{", "GZ-SG-101"),
        (b"\xff\xfe{}", "GZ-SG-101"),
        (b'{"mediaType": NaN}', "GZ-SG-101"),
        (b"[]", "GZ-SG-103"),
        (b"{}", "GZ-SG-103"),
        (b'{"mediaType": "application/json"}', "GZ-SG-103"),
        (b'{"mediaType": "application/vnd.gaozhi.bundle+json"}', "GZ-SG-104"),
    ],
)
def test_malformed_inputs_have_codes(data: bytes, code: str) -> None:
    assert _code(data) == code


def test_truncated_json_is_rejected(bundle_json: bytes) -> None:
    for cut in (1, len(bundle_json) // 2, len(bundle_json) - 1):
        assert _code(bundle_json[:cut]) == "GZ-SG-101"


def test_future_media_type_version_names_the_version(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    obj["mediaType"] = "application/vnd.gaozhi.bundle+json;version=2"
    with pytest.raises(BundleFormatError) as ei:
        Bundle.from_json(json.dumps(obj))
    assert ei.value.code == "GZ-SG-104"
    assert "版本 2" in ei.value.message
    assert ei.value.details["required_version"] == "2"


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("dsseEnvelope",),
        ("dsseEnvelope", "signatures", 0),
        ("verificationMaterial",),
        ("verificationMaterial", "signers", 0),
    ],
)
def test_unknown_fields_are_rejected_at_every_level(
    bundle_json: bytes, path: tuple[Any, ...]
) -> None:
    obj = _obj(bundle_json)
    target: Any = obj
    for p in path:
        target = target[p]
    target["alg"] = "none"
    with pytest.raises(BundleFormatError) as ei:
        Bundle.from_json(json.dumps(obj))
    assert ei.value.code == "GZ-SG-105"
    assert "未知字段" in ei.value.message


def test_duplicate_keys_are_rejected(bundle_json: bytes) -> None:
    text = bundle_json.decode()
    # Duplicate payloadType inside the envelope: a second, different value appended.
    dup = text.replace(
        '"payloadType":', '"payloadType":"application/octet-stream","payloadType":', 1
    )
    with pytest.raises(BundleFormatError) as ei:
        Bundle.from_json(dup)
    assert ei.value.code == "GZ-SG-102"
    assert "payloadType" in ei.value.message


@pytest.mark.parametrize("bad", ["not base64!", "QUI", "QUJ=", "QR==", "QU I=", "-_8="])
def test_non_canonical_base64_is_rejected(bundle_json: bytes, bad: str) -> None:
    obj = _obj(bundle_json)
    obj["dsseEnvelope"]["signatures"][0]["sig"] = bad
    assert _code(json.dumps(obj)) == "GZ-SG-106"


def test_chain_and_public_key_together_are_rejected(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    obj["verificationMaterial"]["signers"][0]["publicKey"] = "QUI="
    assert _code(json.dumps(obj)) == "GZ-SG-107"


def test_neither_chain_nor_public_key_is_rejected(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    del obj["verificationMaterial"]["signers"][0]["x509CertificateChain"]
    assert _code(json.dumps(obj)) == "GZ-SG-107"


def test_duplicate_signature_keyids_are_rejected(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    sigs = obj["dsseEnvelope"]["signatures"]
    sigs.append(dict(sigs[0]))
    assert _code(json.dumps(obj)) == "GZ-SG-107"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keyid", "ABC"),
        ("keyid", 5),
        ("payloadType", "no slash"),
        ("payloadType", ""),
    ],
)
def test_wrongly_typed_fields_are_rejected(bundle_json: bytes, field: str, value: object) -> None:
    obj = _obj(bundle_json)
    if field == "keyid":
        obj["dsseEnvelope"]["signatures"][0]["keyid"] = value
    else:
        obj["dsseEnvelope"][field] = value
    assert _code(json.dumps(obj)) == "GZ-SG-105"


def test_empty_signatures_are_rejected(bundle_json: bytes) -> None:
    obj = _obj(bundle_json)
    obj["dsseEnvelope"]["signatures"] = []
    assert _code(json.dumps(obj)) == "GZ-SG-105"


@given(st.binary(max_size=64))
def test_strict_base64_accepts_exactly_the_canonical_encoding(raw: bytes) -> None:
    text = base64.b64encode(raw).decode()
    assert b64decode_strict(text) == raw


@given(st.text(alphabet="ABCDQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=12))
def test_strict_base64_never_accepts_two_spellings(text: str) -> None:
    try:
        raw = b64decode_strict(text)
    except BundleFormatError as exc:
        assert exc.code == "GZ-SG-106"
    else:
        assert base64.b64encode(raw).decode() == text
