"""Revocation the auditor controls (issue 9): auditor-supplied data, incomplete CRLs,
delegated OCSP responders, unverifiable data ignored with a warning."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import AnchorPurpose, Indication, Revocation, SubIndication, validate
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


def _responder(
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    eku: bool = True,
    not_after: datetime = datetime(2040, 1, 1, tzinfo=UTC),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "OCSP 响应者")]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2019, 1, 1, tzinfo=UTC))
        .not_valid_after(not_after)
    )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage([x509.OID_OCSP_SIGNING]), critical=False)
    return b.sign(issuer_key, hashes.SHA256()), key


def _ocsp(
    ca: CA,
    signer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    revoked: bool = True,
    cert: x509.Certificate | None = None,
    this: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    nxt: datetime | None = datetime(2036, 1, 1, tzinfo=UTC),
) -> bytes:
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=cert or ca.leaf,
        issuer=ca.root,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=this,
        next_update=nxt,
        revocation_time=AFTER if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    )
    if signer is None:  # the CA itself
        return (
            b.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.root)
            .sign(ca.key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
    cert_, key = signer
    return (
        b.responder_id(ocsp.OCSPResponderEncoding.HASH, cert_)
        .certificates([cert_])
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )


def test_delegated_responder_certified_by_the_ca_is_accepted(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None, tsa=False)
    ok = _ocsp(ca, _responder(ca.root.subject, ca.key))
    report = validate(data, ca.trust(), revocation=Revocation(ocsp_responses=(ok,)))
    assert report.sub_indication is SubIndication.REVOKED


@pytest.mark.parametrize("case", ["expired", "no-eku", "other-ca-same-name"])
def test_delegated_responder_not_entitled_is_ignored_with_a_warning(
    ca: CA, pledge: Pledge, case: str
) -> None:
    if case == "expired":  # expired before producedAt (now)
        responder = _responder(ca.root.subject, ca.key, not_after=datetime(2025, 1, 1, tzinfo=UTC))
    elif case == "no-eku":
        responder = _responder(ca.root.subject, ca.key, eku=False)
    else:  # another CA's key, under the right issuer name
        responder = _responder(ca.root.subject, ec.generate_private_key(ec.SECP256R1()))
    data = _bundle(ca, pledge, None, tsa=False)
    report = validate(
        data, ca.trust(), revocation=Revocation(ocsp_responses=(_ocsp(ca, responder),))
    )
    assert report.indication is Indication.TOTAL_PASSED  # "revoked" from it is not believed
    assert any("OCSP" in w and "ignored" in w for w in report.warnings)


def test_pinned_responder_is_trusted_for_any_certificate(ca: CA, pledge: Pledge) -> None:
    own = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "审计方信任的 OCSP")])
    pinned, key = _responder(name, own)
    data = _bundle(ca, pledge, None, tsa=False)
    resp = Revocation(ocsp_responses=(_ocsp(ca, (pinned, key)),))
    assert validate(data, ca.trust(), revocation=resp).indication is Indication.TOTAL_PASSED
    trust = ca.trust()
    trust.add_root(pinned, purposes=AnchorPurpose.OCSP_SIGNING)
    assert validate(data, trust, revocation=resp).sub_indication is SubIndication.REVOKED


def test_ocsp_for_another_serial_or_stale_does_not_count(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None, tsa=False)
    other = ca.pki.organ_seal("另一机关", "11100000000013127D").certificate_chain[0]
    for der in (
        _ocsp(ca, None, revoked=False, cert=other),
        _ocsp(
            ca,
            None,
            revoked=False,
            this=datetime(2020, 10, 1, tzinfo=UTC),
            nxt=datetime(2020, 10, 8, tzinfo=UTC),
        ),
    ):
        report = validate(
            data, ca.trust(), require_revocation=True, revocation=Revocation(ocsp_responses=(der,))
        )
        assert report.indication is Indication.INDETERMINATE
        assert report.sub_indication is SubIndication.TRY_LATER
    fresh = _ocsp(ca, None, revoked=False)
    good = validate(
        data, ca.trust(), require_revocation=True, revocation=Revocation(ocsp_responses=(fresh,))
    )
    assert good.indication is Indication.TOTAL_PASSED


def test_unreadable_auditor_data_is_ignored_with_a_warning(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None, tsa=False)
    report = validate(data, ca.trust(), revocation=Revocation(crls=(b"not a CRL",)))
    assert report.indication is Indication.TOTAL_PASSED
    assert any("ignored" in w for w in report.warnings)


def test_cli_takes_the_auditors_revocation_files(
    ca: CA, pledge: Pledge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.json").write_bytes(_bundle(ca, pledge, None, tsa=False))
    (tmp_path / "root.pem").write_bytes(ca.pki.root_pem())
    (tmp_path / "revoked.ocsp").write_bytes(_ocsp(ca, None))
    crl = x509.load_der_x509_crl(_crl(ca, revoked=True))
    (tmp_path / "revoked.crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "junk").write_bytes(b"not revocation data")
    base = ["verify", str(tmp_path / "b.json"), "--trust", str(tmp_path / "root.pem")]
    assert main(base) == 0
    assert main([*base, "--require-revocation"]) == 2
    assert main([*base, "--ocsp", str(tmp_path / "revoked.ocsp")]) == 1
    assert main([*base, "--crl", str(tmp_path / "revoked.crl.pem")]) == 1  # PEM CRLs too
    capsys.readouterr()
    for flag in ("--crl", "--ocsp"):
        assert main([*base, flag, str(tmp_path / "junk")]) == 64
        assert "GZ-CLI-012" in capsys.readouterr().err
    assert main([*base, "--crl", str(tmp_path / "missing.crl")]) == 64
