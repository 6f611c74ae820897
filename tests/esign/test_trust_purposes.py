"""Anchors by purpose (DESIGN §4, issue 9): an anchor vouches only for its purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import AnchorPurpose, Indication, SubIndication, TrustStore, sign, validate
from gaozhi_sdk.esign.trust import trust_folder_files
from gaozhi_sdk.models import Notice, Pledge
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.tsa import LocalTSA

from .conftest import ORGAN_NAME, ORGAN_USCC, pledgor_signer


def test_a_tsa_root_cannot_vouch_for_a_document_signer(pki: TestPKI, notice: Notice) -> None:
    # The attacker's CA is trusted only for time-stamps; it issues a seal named after the organ.
    tsa_ca = TestPKI.create(name="某时间戳服务根 CA")
    forged = sign(notice, tsa_ca.organ_seal(ORGAN_NAME, ORGAN_USCC))
    trust = TrustStore([pki.root_certificate], tsa_roots=[tsa_ca.root_certificate])
    report = validate(forged.to_json(), trust)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    # Trusted for document signing explicitly, the same CA does vouch for it.
    trust.add_root(tsa_ca.root_certificate, purposes=AnchorPurpose.DOCUMENT_SIGNING)
    assert validate(forged.to_json(), trust).indication is Indication.TOTAL_PASSED


def test_a_signing_root_cannot_vouch_for_a_tsa(pki: TestPKI, pledge: Pledge) -> None:
    tsa = LocalTSA.create()
    bundle = sign(pledge, pledgor_signer(pki), tsa=tsa)
    as_signing = TrustStore([pki.root_certificate, tsa.root_certificate])
    report = validate(bundle.to_json(), as_signing)
    assert report.indication is Indication.INDETERMINATE
    ts = next(c for c in report.signatures[0].checks if c.name == "timestamp")
    assert ts.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    explicit = TrustStore([pki.root_certificate], tsa_roots=[tsa.root_certificate])
    assert validate(bundle.to_json(), explicit).indication is Indication.TOTAL_PASSED
    both = TrustStore([pki.root_certificate])
    both.add_root(
        tsa.root_certificate,
        purposes={AnchorPurpose.DOCUMENT_SIGNING, AnchorPurpose.TIME_STAMPING},
    )
    assert validate(bundle.to_json(), both).indication is Indication.TOTAL_PASSED


def test_digest_covers_purposes_and_stays_for_signing_only_stores(pki: TestPKI) -> None:
    tsa = LocalTSA.create()
    signing = TrustStore([pki.root_certificate, tsa.root_certificate])
    split = TrustStore([pki.root_certificate], tsa_roots=[tsa.root_certificate])
    assert signing.digest() != split.digest()
    assert split.digest() == TrustStore(split.roots, tsa_roots=split.tsa_roots).digest()
    assert len(split) == 2 and split.purposes_of(tsa.root_certificate) == {
        AnchorPurpose.TIME_STAMPING
    }
    responder = TrustStore(ocsp_responders=[tsa.certificate])
    assert responder.ocsp_responders == (tsa.certificate,) and not responder.roots


def test_trust_folder_layout_round_trips(pki: TestPKI, tmp_path: Path) -> None:
    tsa = LocalTSA.create()
    files = trust_folder_files([pki.root_pem()], [tsa.root_pem()])
    assert sorted(files) == ["trust/anchor-1.pem", "trust/tsa/anchor-1.pem"]
    store = TrustStore.from_folder_files(files)
    assert store.roots == (pki.root_certificate,)
    assert store.tsa_roots == (tsa.root_certificate,)
    for rel, pem in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(pem)
    assert TrustStore.from_dir(tmp_path / "trust").digest() == store.digest()
    tsa_only = TrustStore.from_pem_files(
        [tmp_path / "trust" / "tsa" / "anchor-1.pem"], AnchorPurpose.TIME_STAMPING
    )
    assert tsa_only.tsa_roots == (tsa.root_certificate,) and not tsa_only.roots


def test_unknown_purpose_is_a_coded_error(pki: TestPKI) -> None:
    with pytest.raises(SignatureError) as err:
        TrustStore().add_root(pki.root_certificate, purposes="code_signing")
    assert err.value.code == "GZ-SG-020"
