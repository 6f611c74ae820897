"""Mutations of a real SM2 bundle never pass and never crash the validator (issue 3 §6)."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from gaozhi_sdk import esign
from gaozhi_sdk.testing import TestPKI

PTYPE = "application/vnd.gaozhi-test+json;version=1"
#: The test payload type is no gaozhi document: the verifier states explicitly that any
#: trusted signer may sign it (the strict default signer policy refuses types without a rule).
POLICY = esign.DEFAULT_POLICY.with_rules({PTYPE: esign.UnsafeAnySigner()})
_validate = functools.partial(esign.validate, policy=POLICY)
_verify = functools.partial(esign.verify, policy=POLICY)
BODY = '{"承诺":"本人承诺所填信息真实","事项":"E-001"}'.encode()


@pytest.fixture(scope="module")
def setup() -> tuple[bytes, esign.TrustStore]:
    pki = TestPKI.create(algorithm="sm2")
    seal = pki.organ_seal("某市市场监督管理局", "11411222005123018X")
    data = esign.sign(BODY, seal, PTYPE).to_json()
    assert _validate(data, pki.trust_store()).indication == "TOTAL_PASSED"
    return data, pki.trust_store()


def _never_passes(data: bytes, trust: esign.TrustStore) -> None:
    report = _validate(data, trust)
    assert report.indication in ("TOTAL_FAILED", "INDETERMINATE")
    assert report.sub_indication != "POLICY_PROCESSING_ERROR", report.model_dump_json()


def test_every_flipped_byte_fails(setup: tuple[bytes, esign.TrustStore]) -> None:
    data, trust = setup
    esign.clear_chain_cache()
    for pos in range(0, len(data), 3):
        mutated = bytearray(data)
        mutated[pos] ^= 0x01
        _never_passes(bytes(mutated), trust)


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def test_every_string_field_changed_fails(setup: tuple[bytes, esign.TrustStore]) -> None:
    data, trust = setup
    doc = json.loads(data)
    for path in _leaves(doc):
        mutated = json.loads(data)
        target = mutated
        for key in path[:-1]:
            target = target[key]
        value = target[path[-1]]
        if path[-1] == "sm2SignerId":
            target[path[-1]] = "1234567812345679"
        elif isinstance(value, str) and len(value) > 4:
            # change one base64/text character in the middle, keeping the length
            mid = len(value) // 2
            target[path[-1]] = value[:mid] + ("A" if value[mid] != "A" else "B") + value[mid + 1 :]
        else:
            continue
        _never_passes(json.dumps(mutated).encode(), trust)
