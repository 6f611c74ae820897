"""Revocation the auditor controls (issue 9): auditor-supplied data, incomplete CRLs,
delegated OCSP responders, unverifiable data ignored with a warning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk.esign import Indication, Revocation, SubIndication, validate
from gaozhi_sdk.models import Pledge

from .test_rev_revocation import AFTER, CA, _bundle

NOW_CRL = {"last": datetime(2026, 1, 1, tzinfo=UTC), "nxt": datetime(2036, 1, 1, tzinfo=UTC)}


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    return CA(tmp_path_factory.mktemp("rev-auditor-ca"))


def _crl(
    ca: CA,
    *,
    ext: x509.ExtensionType | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
    revoked: bool = False,
) -> bytes:
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.root.subject)
        .last_update(NOW_CRL["last"])
        .next_update(NOW_CRL["nxt"])
    )
    if revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(ca.leaf.serial_number)
            .revocation_date(AFTER)
            .build()
        )
    if ext is not None:
        b = b.add_extension(ext, critical=True)
    return b.sign(key or ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_auditor_supplied_crl_is_used_beside_the_bundle(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None, tsa=False)  # validated now: after the revocation
    assert validate(data, ca.trust()).indication is Indication.TOTAL_PASSED
    report = validate(data, ca.trust(), revocation=Revocation(crls=(_crl(ca, revoked=True),)))
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.REVOKED
    good = validate(
        data, ca.trust(), require_revocation=True, revocation=Revocation(crls=(_crl(ca),))
    )
    assert good.indication is Indication.TOTAL_PASSED


@pytest.mark.parametrize(
    "ext",
    [
        x509.DeltaCRLIndicator(1),
        x509.IssuingDistributionPoint(None, None, True, False, None, False, False),
        x509.IssuingDistributionPoint(
            None, None, False, False, frozenset({x509.ReasonFlags.key_compromise}), False, False
        ),
        x509.IssuingDistributionPoint(
            [x509.UniformResourceIdentifier("http://crl.example/part1.crl")],
            None,
            False,
            False,
            None,
            False,
            False,
        ),
    ],
    ids=["delta", "only-user-certs", "only-some-reasons", "distribution-point"],
)
def test_delta_and_partitioned_crls_never_count_as_complete(
    ca: CA, pledge: Pledge, ext: x509.ExtensionType
) -> None:
    data = _bundle(ca, pledge, None, tsa=False)
    report = validate(
        data, ca.trust(), require_revocation=True, revocation=Revocation(crls=(_crl(ca, ext=ext),))
    )
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.TRY_LATER
    assert any("CRL" in w for w in report.warnings)
    # A revocation listed in such a CRL still counts.
    revoked = validate(
        data, ca.trust(), revocation=Revocation(crls=(_crl(ca, ext=ext, revoked=True),))
    )
    assert revoked.sub_indication is SubIndication.REVOKED


def test_crl_signed_by_another_key_with_the_right_issuer_name_is_ignored(
    ca: CA, pledge: Pledge
) -> None:
    data = _bundle(ca, pledge, None, tsa=False)
    other = ec.generate_private_key(ec.SECP256R1())
    forged = _crl(ca, key=other, revoked=True)
    report = validate(data, ca.trust(), revocation=Revocation(crls=(forged,)))
    assert report.indication is Indication.TOTAL_PASSED  # its presence changes nothing
    assert any("CRL" in w and "ignored" in w for w in report.warnings)
