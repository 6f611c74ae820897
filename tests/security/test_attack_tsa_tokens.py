"""Attacks on time-stamp tokens (issue 9, DESIGN §4): a token proves time only when a
*time-stamping* anchor vouches for a certificate entitled to stamp, and only for the
signature whose digest it carries."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gaozhi_sdk.esign import (
    AnchorPurpose,
    Check,
    CheckStatus,
    Indication,
    SubIndication,
    TrustStore,
    VerificationReport,
    sign,
    validate,
)
from gaozhi_sdk.testing import TestPKI
from gaozhi_sdk.testing.tsa import LocalTSA, build_token

from .conftest import ORGAN_NAME, ORGAN_USCC, make_finding

# The seal's certificate was valid 2020-2021; a token is the attacker's way to claim the
# document was sealed in 2020 (validated today, the certificate has long expired).
_NB = datetime(2020, 1, 1, tzinfo=UTC)
_NA = datetime(2021, 1, 1, tzinfo=UTC)
_CLAIMED = datetime(2020, 6, 1, tzinfo=UTC)


def _with_tokens(bundle_json: bytes, *tokens: bytes) -> bytes:
    obj = json.loads(bundle_json)
    obj["verificationMaterial"]["signers"][0]["timestamps"] = [
        base64.b64encode(t).decode() for t in tokens
    ]
    return json.dumps(obj).encode()


def _check(report: VerificationReport, name: str) -> Check:
    return next(c for c in report.signatures[0].checks if c.name == name)


def _sig_digest(bundle_json: bytes) -> bytes:
    sig = json.loads(bundle_json)["dsseEnvelope"]["signatures"][0]["sig"]
    return hashlib.sha256(base64.b64decode(sig)).digest()


def _expired_seal_bundle(pki: TestPKI) -> bytes:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC, not_before=_NB, not_after=_NA)
    return sign(make_finding(), seal).to_json()


def test_a_genuine_token_of_another_signature_does_not_date_this_one() -> None:
    """A token the trusted TSA really issued in 2020 — for a different signature."""
    pki = TestPKI.create(not_before=datetime(2019, 1, 1, tzinfo=UTC))
    tsa = LocalTSA.create(not_before=datetime(2019, 1, 1, tzinfo=UTC), clock=lambda: _CLAIMED)
    trust = pki.trust_store()
    trust.add_root(tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    other = sign(make_finding(), pki.organ_seal(ORGAN_NAME, ORGAN_USCC))
    bundle = _expired_seal_bundle(pki)
    token = tsa.timestamp(_sig_digest(other.to_json()))
    report = validate(_with_tokens(bundle, token), trust)
    assert report.indication is not Indication.TOTAL_PASSED
    ts = _check(report, "timestamp")
    assert ts.status is CheckStatus.FAILED
    assert ts.sub_indication is SubIndication.HASH_FAILURE
    assert report.signatures[0].best_signature_time is None
    assert _check(report, "certificate_chain").sub_indication is (
        SubIndication.OUT_OF_BOUNDS_NO_POE
    )


def test_a_seal_certificate_cannot_stamp_time_even_under_a_dual_purpose_root() -> None:
    """The root is trusted for both purposes; the organ's own *seal* (no timeStamping
    EKU) signs a token back-dating its own expired signature."""
    pki = TestPKI.create(not_before=datetime(2019, 1, 1, tzinfo=UTC))
    trust = TrustStore()
    trust.add_root(
        pki.root_certificate,
        purposes=(AnchorPurpose.DOCUMENT_SIGNING, AnchorPurpose.TIME_STAMPING),
    )
    key = ec.generate_private_key(ec.SECP256R1())  # a seal profile: document-signing EKU
    cert = pki.issue_certificate(
        key.public_key(),
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "盖章即盖时间")]),
        not_before=datetime(2019, 6, 1, tzinfo=UTC),
    )
    bundle = _expired_seal_bundle(pki)
    token = build_token(
        signer_certificate=cert,
        sign=lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())),
        imprint=_sig_digest(bundle),
        gen_time=_CLAIMED,
    )
    report = validate(_with_tokens(bundle, token), trust)
    assert report.indication is Indication.INDETERMINATE
    ts = _check(report, "timestamp")
    assert ts.status is CheckStatus.INDETERMINATE
    assert ts.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "timeStamping" in (ts.message_en or "")
    assert report.signatures[0].best_signature_time is None
    assert _check(report, "certificate_chain").sub_indication is (
        SubIndication.OUT_OF_BOUNDS_NO_POE
    )
    # control: with no token the same bundle is INDETERMINATE for the same reason
    assert validate(bundle, trust).indication is Indication.INDETERMINATE
