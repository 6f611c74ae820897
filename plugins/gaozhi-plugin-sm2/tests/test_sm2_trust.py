"""SM2 revocation data and SM2 time-stamps verify through the plugin's registered key
verifier (issue 9): a revoked SM2 seal comes out REVOKED (by CRL or OCSP), an SM2 TSA's
token proves time. The SM2 PKI is the SDK's own test PKI (``TestPKI.create(algorithm=
"sm2")``, issue 11), signing through this plugin's registered key generator."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gaozhi_sdk import esign
from gaozhi_sdk.esign import AnchorPurpose, Indication, Revocation, SubIndication, TrustStore
from gaozhi_sdk.esign.timestamps import TimestampInfo, TimestampProblem, verify_timestamp
from gaozhi_sdk.testing import TestPKI
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
def pki() -> TestPKI:
    return TestPKI.create(algorithm="sm2", not_before=NOW - timedelta(days=400))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    esign.clear_chain_cache()


def _seal(pki: TestPKI) -> esign.Signer:
    return pki.organ_seal("某市公安局", USCC, not_before=NOW - timedelta(days=300))


def test_sm2_crl_revoking_an_sm2_seal_is_revoked(pki: TestPKI) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    crl = pki.crl(
        [(leaf, NOW - timedelta(days=10))],
        this_update=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=6),
    )
    assert x509.load_der_x509_crl(crl).signature_algorithm_oid.dotted_string == SM2_WITH_SM3
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


def test_sm2_crl_saying_good_satisfies_require_revocation(pki: TestPKI) -> None:
    seal = _seal(pki)
    crl = pki.crl(this_update=NOW - timedelta(days=1), next_update=NOW + timedelta(days=6))
    bundle = esign.sign(BODY, seal, PTYPE)
    strict = _validate(bundle, pki.trust_store(), require_revocation=True)
    assert strict.sub_indication is SubIndication.TRY_LATER
    report = _validate(
        bundle, pki.trust_store(), require_revocation=True, revocation=Revocation(crls=(crl,))
    )
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()


def test_sm2_crl_signed_by_another_key_under_the_root_name_is_ignored(pki: TestPKI) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    # another SM2 CA with the same name: its CRL names our root as issuer, signed by another key
    impostor = TestPKI.create(algorithm="sm2", not_before=NOW - timedelta(days=400))
    assert impostor.root_certificate.subject == pki.root_certificate.subject
    forged = impostor.crl(
        [(leaf, NOW - timedelta(days=10))],
        this_update=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=6),
    )
    bundle = esign.sign(BODY, seal, PTYPE)
    report = _validate(bundle, pki.trust_store(), revocation=Revocation(crls=(forged,)))
    assert report.indication is Indication.TOTAL_PASSED
    assert any("ignored" in w for w in report.warnings)


def test_sm2_ocsp_response_revoking_an_sm2_seal_is_revoked(pki: TestPKI) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    revoked = pki.ocsp_response(
        leaf,
        revoked_at=NOW - timedelta(days=10),
        this_update=NOW - timedelta(days=1),
        next_update=NOW + timedelta(days=6),
    )
    bundle = esign.sign(BODY, seal, PTYPE)
    report = _validate(bundle, pki.trust_store(), revocation=Revocation(ocsp_responses=(revoked,)))
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.REVOKED
    good = pki.ocsp_response(
        leaf, this_update=NOW - timedelta(days=1), next_update=NOW + timedelta(days=6)
    )
    fine = _validate(
        bundle,
        pki.trust_store(),
        require_revocation=True,
        revocation=Revocation(ocsp_responses=(good,)),
    )
    assert fine.indication is Indication.TOTAL_PASSED, fine.summary_en()


def test_sm2_ocsp_response_from_an_impostor_or_with_a_bad_signature_revokes_nothing(
    pki: TestPKI,
) -> None:
    seal = _seal(pki)
    leaf = seal.certificate_chain[0]
    bundle = esign.sign(BODY, seal, PTYPE)
    # another SM2 CA of the same name: its response names another issuer key (not ours)
    impostor = TestPKI.create(algorithm="sm2", not_before=NOW - timedelta(days=400))
    forged = impostor.ocsp_response(
        leaf, revoked_at=NOW - timedelta(days=10), this_update=NOW - timedelta(days=1)
    )
    report = _validate(bundle, pki.trust_store(), revocation=Revocation(ocsp_responses=(forged,)))
    assert report.indication is Indication.TOTAL_PASSED
    # our CA's own "revoked" answer with one bit of its SM2 signature (s, the last byte) flipped
    genuine = bytearray(
        pki.ocsp_response(
            leaf, revoked_at=NOW - timedelta(days=10), this_update=NOW - timedelta(days=1)
        )
    )
    genuine[-1] ^= 0x01
    report = _validate(
        bundle, pki.trust_store(), revocation=Revocation(ocsp_responses=(bytes(genuine),))
    )
    assert report.indication is Indication.TOTAL_PASSED
    assert any("ignored" in w for w in report.warnings)


def test_sm2_pki_saved_and_loaded_keeps_its_seals_and_revokes(pki: TestPKI, tmp_path: Path) -> None:
    """An SM2 test PKI round-trips through save/load (keys as PKCS#8 PEM, read back by this
    plugin's signer loader): the same seal, a CRL the original's trust store accepts."""
    seal = pki.organ_seal("某市公安局", USCC)
    pki.save(tmp_path / "pki")
    again = TestPKI.load(tmp_path / "pki")
    assert again.algorithm == "sm2" and again.root_pem() == pki.root_pem()
    same = again.organ_seal("某市公安局", USCC)
    assert same.keyid == seal.keyid
    bundle = esign.sign(BODY, same, PTYPE)
    assert _validate(bundle, pki.trust_store()).indication is Indication.TOTAL_PASSED
    crl = again.crl([(same.certificate_chain[0], NOW - timedelta(days=1))])
    report = _validate(bundle, pki.trust_store(), revocation=Revocation(crls=(crl,)))
    assert report.sub_indication is SubIndication.REVOKED


def _sm2_tsa(pki: TestPKI) -> esign.Signer:
    key = esign.generate_key("sm2")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "SM2 时间戳服务"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gaozhi-sdk test"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        ]
    )
    cert = pki.issue_certificate(
        key.spki_der,
        name,
        not_before=NOW - timedelta(days=300),
        non_repudiation=False,
        extended_key_usage=(ExtendedKeyUsageOID.TIME_STAMPING,),
        critical_eku=True,
    )
    return key.signer(pki.chain_for(cert))


def test_sm2_signed_tsa_token_verifies_through_the_plugin(pki: TestPKI) -> None:
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
