"""Canonical payload tricks (issue 9 item 6, DESIGN §4): the payload must be exactly the
JCS (RFC 8785) bytes of the document. A signer (or a tool) that emits another form makes
one signature readable as different documents by different JSON readers."""

from __future__ import annotations

import base64
import json

import pytest

from gaozhi_sdk.canonical import is_canonical_json
from gaozhi_sdk.esign import Indication, SubIndication, pae, sign, validate
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC

CHECKPOINT = "application/vnd.gaozhi.journal-checkpoint+json;version=1"
_HASH = "a" * 64


def _checkpoint(seq: str) -> bytes:
    # keys in JCS order; only the seq token varies
    return (
        '{"at":"2026-02-01T09:00:00+08:00","hash":"'
        + _HASH
        + '","organ_uscc":"'
        + ORGAN_USCC
        + '","seq":'
        + seq
        + "}"
    ).encode()


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create()


def test_the_jcs_form_verifies(pki: TestPKI) -> None:
    data = sign(_checkpoint("7"), pki.organ_seal(ORGAN_NAME, ORGAN_USCC), CHECKPOINT).to_json()
    assert validate(data, pki.trust_store()).indication is Indication.TOTAL_PASSED


@pytest.mark.parametrize(
    "seq",
    [
        "9007199254740993",  # beyond 2^53: JavaScript/Java-double readers see ...992
        "-9007199254740993",
        "7.0",  # JCS writes 7
        "7e0",
        "0x7",
        "07",
        "\t7",
    ],
)
def test_other_number_forms_are_format_failures(pki: TestPKI, seq: str) -> None:
    payload = _checkpoint(seq)
    assert not is_canonical_json(payload)
    report = validate(_sealed(payload, pki), pki.trust_store())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_key_order_has_one_canonical_form() -> None:
    """JCS orders keys by UTF-16 code units: U+1F600 (D83D…) before U+FF01."""
    jcs = '{"\U0001f600":2,"\uff01":1}'.encode()
    code_point_order = '{"\uff01":1,"\U0001f600":2}'.encode()
    assert is_canonical_json(jcs)
    assert not is_canonical_json(code_point_order)


def _sealed(payload: bytes, pki: TestPKI) -> bytes:
    """The organ's seal over ``payload`` as another tool would emit it (``sign()`` itself
    refuses bytes that do not parse into the model): DSSE PAE signed with the seal key."""
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    raw = json.loads(sign(_checkpoint("7"), seal, CHECKPOINT).to_json())
    raw["dsseEnvelope"]["payload"] = base64.b64encode(payload).decode()
    sig = seal.sign(pae(CHECKPOINT, payload))
    raw["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(sig).decode()
    return json.dumps(raw).encode()
