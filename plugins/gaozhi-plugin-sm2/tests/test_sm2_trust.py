"""SM2 revocation data and SM2 time-stamps verify through the plugin's registered key
verifier (issue 9): a revoked SM2 seal comes out REVOKED, an SM2 TSA's token proves time."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto.x509 import Name
from cryptography.x509.oid import ExtendedKeyUsageOID
from gaozhi_plugin_sm2.keys import generate_private_key
from gaozhi_plugin_sm2.testing import Sm2TestPKI

from gaozhi_sdk import esign
from gaozhi_sdk.esign import AnchorPurpose, Indication, Revocation, SubIndication, TrustStore
from gaozhi_sdk.esign.timestamps import TimestampInfo, TimestampProblem, verify_timestamp
from gaozhi_sdk.testing.tsa import build_token

PTYPE = "application/vnd.gaozhi-test+json;version=1"
#: The test payload type is no gaozhi document: the verifier states explicitly that any
#: trusted signer may sign it (the strict default signer policy refuses types without a rule).
POLICY = esign.DEFAULT_POLICY.with_rules({PTYPE: esign.UnsafeAnySigner()})
_validate = functools.partial(esign.validate, policy=POLICY)
_verify = functools.partial(esign.verify, policy=POLICY)
BODY = '{"告知":"不实承诺将被记入信用记录"}'.encode()
USCC = "11411222005123018X"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def pki() -> Sm2TestPKI:
    return Sm2TestPKI.create(not_before=NOW - timedelta(days=400))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    esign.clear_chain_cache()


def _seal(pki: Sm2TestPKI) -> esign.Signer:
    return pki.organ_seal("某市公安局", USCC, not_before=NOW - timedelta(days=300))


def test_sm2_crl_revoking_an_sm2_seal_is_revoked(pki: Sm2TestPKI) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    crl = pki.crl(
        [(leaf.serial_number, NOW - timedelta(days=10))],
        this_update=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=6),
    )
    bundle = esign.sign(BODY, seal, PTYPE)
    carried = bundle.model_copy(
        update={
            "verification_material": bundle.verification_material.model_copy(
                update={"revocation": Revocation(crls=(crl,))}
            )
        }
    )
    report = _validate(carried, pki.trust_store())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.REVOKED
    # The auditor's own copy of the CRL does the same to a bundle that carries none.
    brought = _validate(bundle, pki.trust_store(), revocation=Revocation(crls=(crl,)))
    assert brought.sub_indication is SubIndication.REVOKED


def test_sm2_crl_saying_good_satisfies_require_revocation(pki: Sm2TestPKI) -> None:
    seal = _seal(pki)
    crl = pki.crl(this_update=NOW - timedelta(days=1), next_update=NOW + timedelta(days=6))
    bundle = esign.sign(BODY, seal, PTYPE)
    strict = _validate(bundle, pki.trust_store(), require_revocation=True)
    assert strict.sub_indication is SubIndication.TRY_LATER
    report = _validate(
        bundle, pki.trust_store(), require_revocation=True, revocation=Revocation(crls=(crl,))
    )
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()


def test_sm2_crl_signed_by_another_key_under_the_root_name_is_ignored(pki: Sm2TestPKI) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    forged = pki.crl(
        [(leaf.serial_number, NOW - timedelta(days=10))],
        this_update=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=6),
        key=generate_private_key(),
    )
    bundle = esign.sign(BODY, seal, PTYPE)
    report = _validate(bundle, pki.trust_store(), revocation=Revocation(crls=(forged,)))
    assert report.indication is Indication.TOTAL_PASSED
    assert any("ignored" in w for w in report.warnings)


def _sm2_tsa(pki: Sm2TestPKI) -> esign.Signer:
    name = Name.build(
        {
            "common_name": "SM2 时间戳服务",
            "organization_name": "gaozhi-sdk test",
            "country_name": "CN",
        },
        use_printable=False,
    )
    return pki.issue(
        name,
        not_before=NOW - timedelta(days=300),
        extended_key_usage=(ExtendedKeyUsageOID.TIME_STAMPING.dotted_string,),
        key_usage=frozenset({"digital_signature"}),
        critical_eku=True,
    )


def test_sm2_signed_tsa_token_verifies_through_the_plugin(pki: Sm2TestPKI) -> None:
    tsa = _sm2_tsa(pki)
    seal = _seal(pki)
    bundle = esign.sign(BODY, seal, PTYPE)
    sig = bundle.dsse_envelope.signatures[0].sig
    gen_time = NOW - timedelta(days=2)
    token = build_token(
        signer_certificate=tsa.certificate_chain[0],
        sign=tsa.sign,
        imprint=hashlib.sha256(sig).digest(),
        gen_time=gen_time,
        digest="sm3",
        signature_algorithm=SM2_WITH_SM3,
    )
    anchors = TrustStore(pki.trust_store().roots, tsa_roots=[pki.root_certificate])
    info = verify_timestamp(token, sig, anchors)
    assert isinstance(info, TimestampInfo), info
    assert info.gen_time == gen_time
    stamped = bundle.model_copy(
        update={
            "verification_material": bundle.verification_material.model_copy(
                update={
                    "signers": (
                        bundle.verification_material.signers[0].model_copy(
                            update={"timestamps": (token,)}
                        ),
                    )
                }
            )
        }
    )
    report = _validate(stamped, anchors)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert report.signatures[0].best_signature_time == gen_time
    # The SM2 root trusted for documents only does not vouch for the SM2 TSA.
    signing_only = verify_timestamp(token, sig, pki.trust_store())
    assert isinstance(signing_only, TimestampProblem)
    assert signing_only.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    # A token signed by another SM2 key in the TSA certificate's name: crypto failure.
    forged = build_token(
        signer_certificate=tsa.certificate_chain[0],
        sign=_sm2_tsa(pki).sign,
        imprint=hashlib.sha256(sig).digest(),
        gen_time=gen_time,
        digest="sm3",
        signature_algorithm=SM2_WITH_SM3,
    )
    bad = verify_timestamp(forged, sig, anchors)
    assert isinstance(bad, TimestampProblem)
    assert bad.sub_indication is SubIndication.SIG_CRYPTO_FAILURE
    # Purpose set explicitly for both: the same SM2 root may vouch for both.
    both = TrustStore()
    both.add_root(
        pki.root_certificate,
        purposes={AnchorPurpose.DOCUMENT_SIGNING, AnchorPurpose.TIME_STAMPING},
    )
    assert isinstance(verify_timestamp(token, sig, both), TimestampInfo)
