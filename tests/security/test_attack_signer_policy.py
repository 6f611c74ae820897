"""Attacks on the signer policy (issue 9, DESIGN §4): who may sign which payload type.

The attacker holds an ordinary certificate under the verifier's trusted root (an
applicant's, another organ's seal) and tries to get a document accepted that only
someone else may sign.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gaozhi_sdk.canonical import model_bytes
from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    CheckStatus,
    Indication,
    OrganSeal,
    SignerContext,
    SignerDecision,
    SubIndication,
    SubjectIdentity,
    sign,
    validate,
)
from gaozhi_sdk.ids import uscc_check_char
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC, make_finding

_OTHER_BODY = "11100000000099999"
OTHER_USCC = _OTHER_BODY + uscc_check_char(_OTHER_BODY)

PERMIT = "application/vnd.example.permit+json;version=1"


def _permit(issuer: str, number: str) -> bytes:
    return json.dumps(
        {"issuer_uscc": issuer, "permit_no": number}, separators=(",", ":"), sort_keys=True
    ).encode()


def test_a_cached_decision_is_not_reused_for_another_organ_of_a_custom_rule() -> None:
    """A verifier's rule reads the organ code from another field (``OrganSeal(field=…)``,
    which the policy offers). Organ X's seal signs a permit of X (correctly PASSED), then
    a permit claiming to be issued by organ Y: it must not pass on X's cached decision."""
    pki = TestPKI.create()
    trust = pki.trust_store()
    policy = DEFAULT_POLICY.with_rules({PERMIT: OrganSeal(field="issuer_uscc")})
    seal_x = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    own = validate(sign(_permit(ORGAN_USCC, "P-1"), seal_x, PERMIT).to_json(), trust, policy=policy)
    assert own.indication is Indication.TOTAL_PASSED, own.summary_en()
    forged = sign(_permit(OTHER_USCC, "P-2"), seal_x, PERMIT).to_json()
    report = validate(forged, trust, policy=policy)
    assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    # and with a fresh policy object (no cache) the same forgery fails the same way
    fresh = DEFAULT_POLICY.with_rules({PERMIT: OrganSeal(field="issuer_uscc")})
    assert validate(forged, trust, policy=fresh).sub_indication is (
        SubIndication.SIGNER_NOT_AUTHORISED
    )


def test_a_custom_rule_s_decision_is_never_reused_for_another_document() -> None:
    """A verifier's own rule (any SignerRule) may read any field: its PASSED for one
    permit must not be served from the cache for a permit it would refuse."""

    class IssuerMustBe:
        name = "issuer-must-be"

        def __init__(self, allowed: str) -> None:
            self.allowed = allowed

        def decide(
            self, payload: Any, subject: SubjectIdentity, ctx: SignerContext
        ) -> SignerDecision:
            ok = isinstance(payload, dict) and payload.get("permit_no") == self.allowed
            return SignerDecision(
                CheckStatus.PASSED if ok else CheckStatus.FAILED, "ok" if ok else "no", "-"
            )

    pki = TestPKI.create()
    trust = pki.trust_store()
    policy = DEFAULT_POLICY.with_rules({PERMIT: IssuerMustBe("P-1")})
    seal_x = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    first = sign(_permit(ORGAN_USCC, "P-1"), seal_x, PERMIT).to_json()
    assert validate(first, trust, policy=policy).indication is Indication.TOTAL_PASSED
    second = sign(_permit(ORGAN_USCC, "P-2"), seal_x, PERMIT).to_json()
    report = validate(second, trust, policy=policy)
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED, report.summary_en()


@pytest.mark.parametrize(
    "payload_type",
    [
        "application/vnd.gaozhi.verification+json;version=2",  # unregistered version
        "application/vnd.gaozhi.note+json;version=1",  # unregistered gaozhi type
        "application/vnd.example.verification+json;version=1",  # a plugin-style type
    ],
)
def test_an_organ_record_relabelled_with_a_type_without_rule_is_refused(
    payload_type: str,
) -> None:
    """The applicant signs a verification record (result TRUE) but labels it with a payload
    type the policy has no rule for, hoping the weaker (absent) rule lets it through."""
    pki = TestPKI.create()
    applicant = pki.applicant("赵* 攻击者")
    body = model_bytes(make_finding())
    report = validate(sign(body, applicant, payload_type).to_json(), pki.trust_store())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    policy_check = next(c for c in report.signatures[0].checks if c.name == "signer_policy")
    assert payload_type in (policy_check.message_en or "")
