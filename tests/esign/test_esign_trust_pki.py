"""TrustStore and the test PKI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519

from gaozhi_sdk.errors import InvalidIdentifierError, SignatureError
from gaozhi_sdk.esign import ID_KP_DOCUMENT_SIGNING, TrustStore, sign, validate
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC, RESIDENT_ID, pledgor_signer


def test_trust_digest_is_order_independent_and_changes_with_content() -> None:
    a, b = TestPKI.create(), TestPKI.create()
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    t1 = TrustStore([a.root_certificate, b.root_certificate], pins=[key])
    t2 = TrustStore([b.root_certificate, a.root_certificate])
    t2.pin(key)
    assert t1.digest() == t2.digest()
    assert len(t1.digest()) == 64
    t3 = TrustStore([a.root_certificate])
    assert t3.digest() != t1.digest()
    before = t3.digest()
    t3.pin(key)
    assert t3.digest() != before


def test_trust_from_dir(tmp_path: Path, pki: TestPKI) -> None:
    folder = pki.write_trust(tmp_path / "archive")
    assert folder == tmp_path / "archive" / "trust"
    assert list(folder.glob("*.pem"))
    store = TrustStore.from_dir(folder)
    assert store.roots == (pki.root_certificate,)
    assert store.digest() == pki.trust_store().digest()


def test_trust_from_dir_errors(tmp_path: Path) -> None:
    with pytest.raises(SignatureError) as missing:
        TrustStore.from_dir(tmp_path / "nope")
    assert missing.value.code == "GZ-SG-020"
    (tmp_path / "empty").mkdir()
    with pytest.raises(SignatureError):
        TrustStore.from_dir(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.pem").write_text("garbage")
    with pytest.raises(SignatureError) as bad:
        TrustStore.from_dir(tmp_path / "bad")
    assert bad.value.code == "GZ-SG-020"


def test_organ_seal_certificate_profile(pki: TestPKI) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    leaf = seal.certificate_chain[0]
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ID_KP_DOCUMENT_SIGNING in eku
    subject = leaf.subject
    assert subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == ORGAN_NAME
    assert subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value == ORGAN_USCC
    assert pki.organ_seal(ORGAN_NAME, ORGAN_USCC) is seal  # issued once, reused
    with pytest.raises(InvalidIdentifierError):
        pki.organ_seal(ORGAN_NAME, "91350100M000100Y40")


def test_r091_applicant_certificate_never_carries_a_full_resident_id(pki: TestPKI) -> None:
    with pytest.raises(SignatureError) as ei:
        pki.applicant(f"张三 {RESIDENT_ID}")
    assert ei.value.code == "GZ-SG-040"
    assert RESIDENT_ID not in ei.value.message
    signer = pki.applicant(f"张* {mask_identifier(RESIDENT_ID)}")
    assert RESIDENT_ID not in signer.certificate_chain[0].subject.rfc4514_string()


def test_intermediate_chain(pki_inter: TestPKI, pledge: Pledge) -> None:
    seal = pki_inter.organ_seal(ORGAN_NAME, ORGAN_USCC)
    assert len(seal.certificate_chain) == 2
    assert seal.certificate_chain[1] == pki_inter.intermediate_certificate
    report = validate(sign(pledge, pledgor_signer(pki_inter)), pki_inter.trust_store())
    assert report.passed
    assert len(report.signatures[0].chain) == 3  # leaf → intermediate → root


def test_save_and_load_reuses_the_same_pki(tmp_path: Path, pledge: Pledge) -> None:
    pki = TestPKI.create(intermediate=True)
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    applicant = pledgor_signer(pki)
    bundle = sign(pledge, applicant)
    pki.save(tmp_path / "pki")
    again = TestPKI.load(tmp_path / "pki")
    assert again.root_pem() == pki.root_pem()
    assert again.organ_seal(ORGAN_NAME, ORGAN_USCC).keyid == seal.keyid
    assert pledgor_signer(again).keyid == applicant.keyid
    assert validate(bundle, again.trust_store()).passed
    assert validate(sign(pledge, pledgor_signer(again)), pki.trust_store()).passed
    with pytest.raises(SignatureError) as ei:
        TestPKI.load(tmp_path / "missing")
    assert ei.value.code == "GZ-SG-041"


def test_validity_is_configurable(pki: TestPKI) -> None:
    nb = datetime(2020, 1, 1, tzinfo=UTC)
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC, not_before=nb, not_after=nb + timedelta(days=30))
    leaf = seal.certificate_chain[0]
    assert leaf.not_valid_before_utc == nb
    assert leaf.not_valid_after_utc == nb + timedelta(days=30)
    assert pki.organ_seal(ORGAN_NAME, ORGAN_USCC) is not seal  # custom validity → fresh cert


def test_ocsp_response_of_the_test_pki_revokes_or_vouches_and_names_its_issuer(
    pledge: Pledge,
) -> None:
    """``TestPKI.ocsp_response`` (one implementation for P-256 and SM2, issue 11): RFC 6960
    CertID by SHA-256 of the issuer's name and key, responder byKey, producedAt and
    thisUpdate at the PKI clock's time; a REVOKED answer revokes, a GOOD one satisfies
    ``require_revocation``."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    from gaozhi_sdk.esign import Indication, Revocation, SubIndication

    now = datetime.now(UTC).replace(microsecond=0)
    pki = TestPKI.create(clock=lambda: now)
    signer = pledgor_signer(pki)
    (leaf,), issuer = signer.certificate_chain, pki.root_certificate
    bundle = sign(pledge, signer)
    good = pki.ocsp_response(leaf)
    parsed = ocsp.load_der_ocsp_response(good)
    key_bits = issuer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert parsed.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert parsed.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert parsed.serial_number == leaf.serial_number
    assert isinstance(parsed.hash_algorithm, hashes.SHA256)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(key_bits)
    assert parsed.issuer_key_hash == digest.finalize()
    assert parsed.produced_at_utc == parsed.this_update_utc == now
    assert parsed.next_update_utc == now + timedelta(days=7)
    trust = pki.trust_store()
    strict = validate(bundle, trust, require_revocation=True)
    assert strict.sub_indication is SubIndication.TRY_LATER
    vouched = validate(
        bundle, trust, require_revocation=True, revocation=Revocation(ocsp_responses=(good,))
    )
    assert vouched.indication is Indication.TOTAL_PASSED, vouched.summary_en()
    revoked = pki.ocsp_response(leaf, revoked_at=now - timedelta(days=1))
    assert ocsp.load_der_ocsp_response(revoked).revocation_time_utc == now - timedelta(days=1)
    report = validate(bundle, trust, revocation=Revocation(ocsp_responses=(revoked,)))
    assert report.sub_indication is SubIndication.REVOKED
    # another CA's answer about a certificate of the same serial names another issuer key
    other = TestPKI.create(clock=lambda: now).ocsp_response(
        leaf, revoked_at=now - timedelta(days=1)
    )
    assert validate(bundle, trust, revocation=Revocation(ocsp_responses=(other,))).passed
