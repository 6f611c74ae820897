"""Shared pieces of the attack tests: an organ record to forge, and a fresh chain cache."""

from __future__ import annotations

from datetime import datetime

import pytest

from gaozhi_sdk.esign import clear_chain_cache
from gaozhi_sdk.ids import uscc_check_char
from gaozhi_sdk.models import CST, VerificationFinding, VerificationMethod, VerificationResult

_USCC_BODY = "11100000000013127"
ORGAN_USCC = _USCC_BODY + uscc_check_char(_USCC_BODY)
ORGAN_NAME = "某市市场监督管理局"


def make_finding(result: VerificationResult = VerificationResult.TRUE) -> VerificationFinding:
    """A verification record of the organ: the document an attacker wants to forge."""
    return VerificationFinding(
        verification_id="V-ATTACK-1",
        case_no="CASE-2026-0001",
        entry_id="E-000",
        method=VerificationMethod.ONLINE,
        result=result,
        concluded_at=datetime(2026, 2, 1, 9, 0, tzinfo=CST),
        inspector="EMP***01",
        organ_uscc=ORGAN_USCC,
    )


@pytest.fixture(autouse=True)
def _fresh_chain_cache() -> None:
    clear_chain_cache()
