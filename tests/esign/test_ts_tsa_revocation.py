"""The time-stamping authority's own revocation status (issue 9).

A TSA whose certificate is revoked — before the token's genTime, or for key compromise
at any time (the compromised key can make tokens with any earlier genTime) — proves no
time: with the auditor's CRL or OCSP data covering the TSA certificate, its token is not
used as the best signature time, and the signature falls back to the verifier's clock as
without a token. ``require_revocation`` demands revocation data for the TSA chain too.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import (
    CheckStatus,
    EcdsaP256Signer,
    Indication,
    Revocation,
    SubIndication,
    ValidationTimeSource,
    sign,
    validate,
)
from gaozhi_sdk.models import Pledge

from .conftest import pledgor_signer
from .test_rev_revocation import AFTER, BEFORE, CA, _bundle

KEY_COMPROMISE = x509.ReasonFlags.key_compromise


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    return CA(tmp_path_factory.mktemp("tsa-rev-ca"))


def _ts_check(report: object) -> object:
    return next(c for c in report.signatures[0].checks if c.name == "timestamp")  # type: ignore[attr-defined]


def _tsa_crl(ca: CA, *revoked: tuple[datetime, x509.ReasonFlags | None]) -> bytes:
    # issued after the revocation, long after the token: complete for genTime
    return ca.tsa.crl(
        revoked,
        this_update=datetime(2020, 10, 1, tzinfo=UTC),
        next_update=datetime(2040, 1, 1, tzinfo=UTC),
    )


def test_a_good_tsa_crl_keeps_the_token(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None)
    report = validate(data, ca.trust(), revocation=Revocation(crls=(_tsa_crl(ca),)))
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert report.validation_time_source is ValidationTimeSource.TIMESTAMP


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (BEFORE, None),  # revoked before genTime: the token proves nothing
        (BEFORE, x509.ReasonFlags.superseded),  # before genTime, whatever the reason
        (AFTER, KEY_COMPROMISE),  # after genTime, but the key was compromised
        (AFTER, None),  # after genTime, no reason stated: treated as a compromise
    ],
)
def test_a_revoked_tsa_proves_no_time(
    ca: CA, pledge: Pledge, when: datetime, reason: x509.ReasonFlags | None
) -> None:
    data = _bundle(ca, pledge, None)
    report = validate(data, ca.trust(), revocation=Revocation(crls=(_tsa_crl(ca, (when, reason)),)))
    ts = _ts_check(report)
    assert ts.status is CheckStatus.INDETERMINATE  # type: ignore[attr-defined]
    assert ts.sub_indication is SubIndication.REVOKED_NO_POE  # type: ignore[attr-defined]
    assert "时间戳单位的证书" in ts.message and "TSA" not in ts.message  # type: ignore[attr-defined]
    assert "time-stamping authority" in ts.message_en  # type: ignore[attr-defined]
    assert report.indication is Indication.INDETERMINATE
    # the token no longer sets the signature time: the verifier's clock does
    assert report.validation_time_source is ValidationTimeSource.SYSTEM_CLOCK
    assert report.signatures[0].best_signature_time is None


def test_a_tsa_revoked_after_the_token_for_a_benign_reason_keeps_it(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None)
    crl = _tsa_crl(ca, (AFTER, x509.ReasonFlags.superseded))
    report = validate(data, ca.trust(), revocation=Revocation(crls=(crl,)))
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert report.validation_time_source is ValidationTimeSource.TIMESTAMP


def test_an_expired_signer_with_a_revoked_tsa_token_is_not_passed(ca: CA, pledge: Pledge) -> None:
    """The attack: an expired certificate back-dated by a token of a TSA whose key leaked.
    With the token it is TOTAL_PASSED; with the auditor's CRL revoking the TSA it is not."""
    expired: EcdsaP256Signer = pledgor_signer(
        ca.pki,
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
    )
    data = sign(pledge, expired, tsa=ca.tsa).to_json()
    assert validate(data, ca.trust()).indication is Indication.TOTAL_PASSED
    crl = _tsa_crl(ca, (AFTER, KEY_COMPROMISE))
    report = validate(data, ca.trust(), revocation=Revocation(crls=(crl,)))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication in (
        SubIndication.OUT_OF_BOUNDS_NO_POE,
        SubIndication.REVOKED_NO_POE,
    ), report.summary_en()
    chain = next(c for c in report.signatures[0].checks if c.name == "certificate_chain")
    assert chain.status is not CheckStatus.PASSED  # validated now: after the expiry


def test_a_tsa_revoked_by_ocsp_proves_no_time(ca: CA, pledge: Pledge) -> None:
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=ca.tsa.certificate,
        issuer=ca.tsa.root_certificate,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus.REVOKED,
        this_update=datetime(2020, 10, 1, tzinfo=UTC),
        next_update=datetime(2040, 1, 1, tzinfo=UTC),
        revocation_time=BEFORE,
        revocation_reason=KEY_COMPROMISE,
    )
    b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.tsa.root_certificate)
    resp = b.sign(ca.tsa._root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    report = validate(
        _bundle(ca, pledge, None), ca.trust(), revocation=Revocation(ocsp_responses=(resp,))
    )
    assert _ts_check(report).sub_indication is SubIndication.REVOKED_NO_POE  # type: ignore[attr-defined]


def test_require_revocation_demands_data_for_the_tsa_chain(ca: CA, pledge: Pledge) -> None:
    data = _bundle(ca, pledge, None, tsa_status=False)
    signer_crl = ca.crl(
        last=datetime(2020, 10, 1, tzinfo=UTC), nxt=datetime(2040, 1, 1, tzinfo=UTC)
    )
    only_signer = validate(
        data, ca.trust(), require_revocation=True, revocation=Revocation(crls=(signer_crl,))
    )
    ts = _ts_check(only_signer)
    assert ts.sub_indication is SubIndication.TRY_LATER, only_signer.summary_en()  # type: ignore[attr-defined]
    assert "时间戳单位证书链" in ts.message and "--crl" in ts.message  # type: ignore[attr-defined]
    assert only_signer.indication is Indication.INDETERMINATE
    both = validate(
        data,
        ca.trust(),
        require_revocation=True,
        revocation=Revocation(crls=(signer_crl, _tsa_crl(ca))),
    )
    assert both.indication is Indication.TOTAL_PASSED, both.summary_en()
    assert both.validation_time_source is ValidationTimeSource.TIMESTAMP


def test_cli_verify_with_the_auditors_tsa_crl(
    ca: CA, pledge: Pledge, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "pledge.bundle.json"
    bundle.write_bytes(_bundle(ca, pledge, None))
    (tmp_path / "root.pem").write_bytes(ca.pki.root_pem())
    (tmp_path / "tsa-root.pem").write_bytes(ca.tsa.root_pem())
    (tmp_path / "tsa-good.crl").write_bytes(_tsa_crl(ca))
    (tmp_path / "tsa-revoked.crl").write_bytes(_tsa_crl(ca, (BEFORE, KEY_COMPROMISE)))
    args = ["verify", str(bundle), "--trust", str(tmp_path / "root.pem")]
    args += ["--tsa-trust", str(tmp_path / "tsa-root.pem")]
    capsys.readouterr()
    assert main([*args, "--crl", str(tmp_path / "tsa-good.crl")]) == 0
    assert main([*args, "--crl", str(tmp_path / "tsa-revoked.crl")]) == 2
    out = capsys.readouterr().out
    assert "REVOKED_NO_POE" in out and "时间戳单位的证书" in out


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI missing")
def test_an_openssl_made_crl_revoking_the_tsa(ca: CA, pledge: Pledge, tmp_path: Path) -> None:
    """The TSA's CA revokes it with ``openssl ca -revoke … -crl_reason keyCompromise`` and
    publishes ``openssl ca -gencrl``: the token proves no time."""
    d = tmp_path
    (d / "ca.key").write_bytes(
        ca.tsa._root_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (d / "ca.pem").write_bytes(ca.tsa.root_pem())
    (d / "tsa.pem").write_bytes(ca.tsa.certificate.public_bytes(serialization.Encoding.PEM))
    (d / "index.txt").write_text("")
    (d / "crlnumber").write_text("01\n")
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = tsaca\n[tsaca]\ndir = .\ndatabase = index.txt\n"
        "crlnumber = crlnumber\ncertificate = ca.pem\nprivate_key = ca.key\n"
        "default_md = sha256\ndefault_crl_days = 30\npolicy = p\n[p]\n"
    )

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    run("ca", "-config", "ca.cnf", "-revoke", "tsa.pem", "-crl_reason", "keyCompromise")
    run("ca", "-config", "ca.cnf", "-gencrl", "-out", "tsa.crl.pem")
    run("crl", "-in", "tsa.crl.pem", "-outform", "DER", "-out", "tsa.crl")
    crl = (d / "tsa.crl").read_bytes()
    assert x509.load_der_x509_crl(crl).get_revoked_certificate_by_serial_number(
        ca.tsa.certificate.serial_number
    )
    report = validate(_bundle(ca, pledge, None), ca.trust(), revocation=Revocation(crls=(crl,)))
    assert _ts_check(report).sub_indication is SubIndication.REVOKED_NO_POE  # type: ignore[attr-defined]
    assert report.validation_time_source is ValidationTimeSource.SYSTEM_CLOCK
