"""Revocation from CRLs / OCSP responses carried in the bundle, at the best signature time."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from gaozhi_sdk.esign import (
    AnchorPurpose,
    Bundle,
    CheckStatus,
    EcdsaP256Signer,
    Indication,
    Revocation,
    RevocationFetcher,
    SubIndication,
    TrustStore,
    sign,
    validate,
)
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing import TestPKI
from gaozhi_sdk.testing.tsa import LocalTSA

from .conftest import PLEDGOR_LABEL, pledgor_signer

T_SIGNED = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)
BEFORE = datetime(2020, 3, 1, tzinfo=UTC)
AFTER = datetime(2020, 9, 1, tzinfo=UTC)


class CA:
    """The test PKI plus its root key (reloaded from TestPKI.save)."""

    def __init__(self, folder: Path) -> None:
        self.pki = TestPKI.create(name="撤销测试根 CA", not_before=datetime(2019, 1, 1, tzinfo=UTC))
        self.pki.save(folder)
        key = serialization.load_pem_private_key((folder / "root.key.pem").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self.key = key
        self.root = self.pki.root_certificate
        self.tsa = LocalTSA.create(
            not_before=datetime(2019, 1, 1, tzinfo=UTC), clock=lambda: T_SIGNED
        )
        # The pledgor's certificate: the strict signer policy lets only them sign pledges.
        self.seal: EcdsaP256Signer = pledgor_signer(
            self.pki,
            not_before=datetime(2020, 1, 1, tzinfo=UTC),
            not_after=datetime(2035, 1, 1, tzinfo=UTC),
        )

    @property
    def leaf(self) -> x509.Certificate:
        return self.seal.certificate_chain[0]

    def trust(self) -> TrustStore:
        t = self.pki.trust_store()
        t.add_root(self.tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
        return t

    def crl(
        self,
        revoked: Sequence[tuple[int, datetime]] = (),
        *,
        last: datetime = datetime(2020, 10, 1, tzinfo=UTC),
        nxt: datetime = datetime(2020, 11, 1, tzinfo=UTC),
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> bytes:
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(last)
            .next_update(nxt)
        )
        for serial, when in revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return b.sign(key or self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp(
        self,
        status: ocsp.OCSPCertStatus,
        *,
        revoked_at: datetime | None = None,
        this: datetime = datetime(2020, 10, 1, tzinfo=UTC),
        nxt: datetime | None = datetime(2020, 10, 8, tzinfo=UTC),
    ) -> bytes:
        b = ocsp.OCSPResponseBuilder().add_response(
            cert=self.leaf,
            issuer=self.root,
            algorithm=hashes.SHA256(),
            cert_status=status,
            this_update=this,
            next_update=nxt,
            revocation_time=revoked_at,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        )
        b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, self.root)
        return b.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    return CA(tmp_path_factory.mktemp("rev-ca"))


def _bundle(
    ca: CA, pledge: Pledge, rev: Revocation | None, *, tsa: bool = True, tsa_status: bool = True
) -> bytes:
    """A pledge bundle carrying ``rev``; time-stamped by ``ca.tsa`` unless ``tsa=False``,
    and then (unless ``tsa_status=False``) also carrying a current CRL of the TSA's CA —
    the TSA chain's revocation status is needed too under ``require_revocation``."""
    b = sign(pledge, ca.seal, tsa=ca.tsa if tsa else None)
    if tsa and tsa_status:
        tsa_crl = ca.tsa.crl(
            this_update=datetime(2020, 10, 1, tzinfo=UTC),
            next_update=datetime(2040, 1, 1, tzinfo=UTC),
        )
        rev = Revocation(
            crls=(*(rev.crls or ()), tsa_crl) if rev else (tsa_crl,),
            ocsp_responses=rev.ocsp_responses if rev else None,
        )
    vm = b.verification_material.model_copy(update={"revocation": rev})
    return b.model_copy(update={"verification_material": vm}).to_json()


def _rev(report: Any) -> Any:
    return next(c for c in report.signatures[0].checks if c.name == "revocation")


def test_fresh_crl_without_the_serial_passes(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, Revocation(crls=(ca.crl(),)))
    assert Bundle.from_json(data).to_json() == data
    report = validate(data, ca.trust(), require_revocation=True)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert _rev(report).status is CheckStatus.PASSED
    assert report.policy_options == {"require_revocation": True}


def test_revoked_before_the_timestamp_is_total_failed_revoked(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, Revocation(crls=(ca.crl([(ca.leaf.serial_number, BEFORE)]),)))
    report = validate(data, ca.trust())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.REVOKED
    check = _rev(report)
    fp = ca.leaf.fingerprint(hashes.SHA256()).hex()
    assert fp in check.message and fp in check.message_en
    assert check.expected and check.found and check.remedy and check.remedy_en


def test_revoked_after_the_timestamp_still_passes_with_the_check_recorded(
    ca: CA, pledge: Pledge
) -> None:
    data = _bundle(ca, pledge, Revocation(crls=(ca.crl([(ca.leaf.serial_number, AFTER)]),)))
    report = validate(data, ca.trust(), require_revocation=True)
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    check = _rev(report)
    assert check.status is CheckStatus.PASSED and "撤销" in (check.message or "")
    assert any("撤销" in w for w in report.warnings)  # warnings show on TOTAL_PASSED
    assert "撤销" in report.summary_zh()

    # Without the time-stamp the validation time is now: revoked before it.
    bare = _bundle(
        ca, pledge, Revocation(crls=(ca.crl([(ca.leaf.serial_number, AFTER)]),)), tsa=False
    )
    assert validate(bare, ca.trust()).sub_indication is SubIndication.REVOKED


def test_missing_revocation_data_is_indeterminate_when_required(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None)
    report = validate(data, ca.trust(), require_revocation=True)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.TRY_LATER
    check = _rev(report)
    assert ca.leaf.fingerprint(hashes.SHA256()).hex() in check.message
    assert "CRL" in check.message and "OCSP" in check.message
    assert PLEDGOR_LABEL in check.message

    lenient = validate(data, ca.trust())
    assert lenient.indication is Indication.TOTAL_PASSED
    assert _rev(lenient).status is CheckStatus.SKIPPED
    assert any("revocation not checked" in w for w in lenient.warnings)


def test_crl_signed_by_another_key_or_stale_does_not_count(ca: CA, pledge: Pledge) -> None:
    forged = ca.crl(key=ec.generate_private_key(ec.SECP256R1()))
    report = validate(
        _bundle(ca, pledge, Revocation(crls=(forged,))), ca.trust(), require_revocation=True
    )
    assert report.sub_indication is SubIndication.TRY_LATER

    stale = ca.crl(last=datetime(2020, 1, 1, tzinfo=UTC), nxt=datetime(2020, 2, 1, tzinfo=UTC))
    report = validate(
        _bundle(ca, pledge, Revocation(crls=(stale,))), ca.trust(), require_revocation=True
    )
    assert report.sub_indication is SubIndication.TRY_LATER
    assert "不够新" in _rev(report).message


def test_ocsp_responses(ca: CA, pledge: Pledge) -> None:
    good = ca.ocsp(ocsp.OCSPCertStatus.GOOD)
    report = validate(
        _bundle(ca, pledge, Revocation(ocsp_responses=(good,))), ca.trust(), require_revocation=True
    )
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()

    before = ca.ocsp(ocsp.OCSPCertStatus.REVOKED, revoked_at=BEFORE)
    report = validate(_bundle(ca, pledge, Revocation(ocsp_responses=(before,))), ca.trust())
    assert report.sub_indication is SubIndication.REVOKED
    assert "OCSP" in _rev(report).message

    after = ca.ocsp(ocsp.OCSPCertStatus.REVOKED, revoked_at=AFTER)
    report = validate(_bundle(ca, pledge, Revocation(ocsp_responses=(after,))), ca.trust())
    assert report.indication is Indication.TOTAL_PASSED

    old = ca.ocsp(
        ocsp.OCSPCertStatus.GOOD,
        this=datetime(2020, 1, 1, tzinfo=UTC),
        nxt=datetime(2020, 1, 8, tzinfo=UTC),
    )
    report = validate(
        _bundle(ca, pledge, Revocation(ocsp_responses=(old,))), ca.trust(), require_revocation=True
    )
    assert report.sub_indication is SubIndication.TRY_LATER


def test_unreadable_revocation_blob_is_format_failure(ca: CA, pledge: Pledge) -> None:
    report = validate(_bundle(ca, pledge, Revocation(crls=(b"\x30\x03\x02\x01\x00",))), ca.trust())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert any(c.name == "revocation_data" for c in report.checks)


def test_offline_validation_opens_no_socket(
    ca: CA, pledge: Pledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _bundle(ca, pledge, None)
    calls: list[Any] = []

    def refuse(self: socket.socket, *args: Any) -> None:
        calls.append(args)
        raise OSError("offline test: no sockets")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    report = validate(data, ca.trust(), require_revocation=True)
    assert report.sub_indication is SubIndication.TRY_LATER  # missing, not fetched
    assert calls == []


def test_fetcher_seam_is_used_only_when_given(ca: CA, pledge: Pledge) -> None:
    seen: list[str] = []

    class Fetcher:
        def fetch(
            self, certificate: x509.Certificate, issuer: x509.Certificate
        ) -> tuple[Sequence[bytes], Sequence[bytes]]:
            seen.append(certificate.subject.rfc4514_string())
            return [ca.crl()], []

    fetcher = Fetcher()
    assert isinstance(fetcher, RevocationFetcher)
    data = _bundle(ca, pledge, None)
    report = validate(data, ca.trust(), require_revocation=True, revocation_fetcher=fetcher)
    assert report.indication is Indication.TOTAL_PASSED
    assert len(seen) == 1
    assert validate(data, ca.trust(), require_revocation=True).sub_indication is (
        SubIndication.TRY_LATER
    )
