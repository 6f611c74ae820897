"""Regenerate the golden bundles and reports of bundle format version 1 (run by hand).

    .venv/bin/python tests/esign/golden/make_golden.py [--reports-only]

Keys are fixed: the test PKI in ``pki/`` is created once (long validity, 2025–2065) and
reused; only when ``pki/`` is missing is a new one made. The TSA's root is kept in
``tsa-root.pem`` (its key is not needed: the tokens are inside the bundles). Reports are
produced at fixed times, so regenerating gives the same verdicts. Never regenerate to make
a failing golden test pass — a changed verdict is a compatibility break.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The esign fixtures, loaded by path: a bare "conftest" module name is ambiguous in a suite
# with several conftest.py files.
_spec = importlib.util.spec_from_file_location(
    "_gaozhi_esign_fixtures", HERE.parent / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
ORGAN_NAME, ORGAN_USCC = _fixtures.ORGAN_NAME, _fixtures.ORGAN_USCC
PLEDGOR_NAME = _fixtures.pledgor_name()
make_notice, make_pledge = _fixtures.make_notice, _fixtures.make_pledge
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from gaozhi_sdk.esign import (  # noqa: E402
    AnchorPurpose,
    EcdsaP256Signer,
    Revocation,
    TrustStore,
    sign,
    validate,
)
from gaozhi_sdk.testing import TestPKI  # noqa: E402
from gaozhi_sdk.testing.tsa import LocalTSA  # noqa: E402

_NOTICE_TYPE = "application/vnd.gaozhi.notice+json;version=1"
NB = datetime(2025, 1, 1, tzinfo=UTC)
NA = datetime(2065, 1, 1, tzinfo=UTC)
SEAL_NA = datetime(2055, 1, 1, tzinfo=UTC)
GEN_TIME = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
#: The fixed validation time of the golden reports that have no time-stamp.
AT = datetime(2030, 1, 1, tzinfo=UTC)

#: name -> (at or None, expected indication, expected sub-indication)
CASES: dict[str, tuple[datetime | None, str, str | None]] = {
    "pledge-timestamped": (None, "TOTAL_PASSED", None),
    "notice-plain": (AT, "TOTAL_PASSED", None),
    "notice-tampered": (AT, "TOTAL_FAILED", "SIG_CRYPTO_FAILURE"),
    "pledge-revoked": (None, "TOTAL_FAILED", "REVOKED"),
    "pledge-revoked-later": (None, "TOTAL_PASSED", None),
    "future-version": (AT, "TOTAL_FAILED", "FORMAT_FAILURE"),
    # issue 9: the organ's seal may not sign a pledge; a payload with a duplicate key is
    # not its JCS form (two readers could see two different documents).
    "pledge-seal-signed": (AT, "TOTAL_FAILED", "SIGNER_NOT_AUTHORISED"),
    "notice-duplicate-key": (AT, "TOTAL_FAILED", "FORMAT_FAILURE"),
}


def trust() -> TrustStore:
    """The golden trust store: the PKI root and the TSA root."""
    t = TrustStore()
    t.add_pem((HERE / "pki" / "root.pem").read_bytes())
    t.add_pem((HERE / "tsa-root.pem").read_bytes(), purposes=AnchorPurpose.TIME_STAMPING)
    return t


def _fixed_signer(pki: TestPKI, pki_dir: Path, stem: str, subject: x509.Name | None) -> Any:
    """A signer whose key and certificate are kept in ``pki/<stem>.*`` (made once)."""
    key_path = pki_dir / f"{stem}.key.pem"
    if not key_path.is_file():
        assert subject is not None, f"{stem} must exist"
        key = ec.generate_private_key(ec.SECP256R1())
        cert = pki.issue_certificate(key.public_key(), subject, not_before=NB, not_after=SEAL_NA)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (pki_dir / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    loaded = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return EcdsaP256Signer(
        loaded, (x509.load_pem_x509_certificate((pki_dir / f"{stem}.pem").read_bytes()),)
    )


def main() -> None:
    pki_dir = HERE / "pki"
    if (pki_dir / "pki.json").is_file():
        pki = TestPKI.load(pki_dir)
    else:
        pki = TestPKI.create(name="gaozhi golden 根 CA", not_before=NB, not_after=NA)
        pki.save(pki_dir)
    seal_key_path = pki_dir / "seal.key.pem"
    if not seal_key_path.is_file():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = pki.issue_certificate(
            key.public_key(),
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, ORGAN_NAME),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ORGAN_USCC),
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                ]
            ),
            not_before=NB,
            not_after=SEAL_NA,
        )
        seal_key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (pki_dir / "seal.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    seal = _fixed_signer(pki, pki_dir, "seal", None)
    # Pledges are signed by the pledgor's own certificate (strict signer policy, DESIGN §4).
    pledgor = _fixed_signer(pki, pki_dir, "pledgor", PLEDGOR_NAME)
    root_key = serialization.load_pem_private_key((pki_dir / "root.key.pem").read_bytes(), None)
    tsa = LocalTSA.create(not_before=NB, not_after=NA, clock=lambda: GEN_TIME)

    bundles: dict[str, bytes] = {}
    pledge = make_pledge()
    bundles["pledge-timestamped"] = sign(pledge, pledgor, tsa=tsa).to_json()
    bundles["notice-plain"] = sign(make_notice(), seal).to_json()
    obj = json.loads(bundles["notice-plain"])
    body = json.loads(base64.b64decode(obj["dsseEnvelope"]["payload"]))
    body["organ_name"] = "另一个机关"
    obj["dsseEnvelope"]["payload"] = base64.b64encode(
        json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).decode()
    bundles["notice-tampered"] = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()

    assert isinstance(root_key, ec.EllipticCurvePrivateKey)
    leaf = pledgor.certificate_chain[0]
    for name, when in (
        ("pledge-revoked", datetime(2025, 12, 1, tzinfo=UTC)),
        ("pledge-revoked-later", datetime(2026, 3, 1, tzinfo=UTC)),
    ):
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(pki.root_certificate.subject)
            .last_update(datetime(2026, 4, 1, tzinfo=UTC))
            .next_update(datetime(2026, 5, 1, tzinfo=UTC))
            .add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(leaf.serial_number)
                .revocation_date(when)
                .build()
            )
            .sign(root_key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
        b = sign(pledge, pledgor, tsa=tsa)
        vm = b.verification_material.model_copy(update={"revocation": Revocation(crls=(crl,))})
        bundles[name] = b.model_copy(update={"verification_material": vm}).to_json()
    bundles["pledge-seal-signed"] = sign(pledge, seal).to_json()
    plain = make_notice().model_dump_json().encode()
    canonical = json.dumps(
        json.loads(plain), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    doubled = canonical.replace('"organ_name":', '"organ_name":"伪造机关","organ_name":', 1)
    bundles["notice-duplicate-key"] = sign(
        doubled.encode(), seal, payload_type=_NOTICE_TYPE
    ).to_json()
    future = json.loads(bundles["notice-plain"])
    future["mediaType"] = "application/vnd.gaozhi.bundle+json;version=2"
    bundles["future-version"] = json.dumps(future, sort_keys=True, separators=(",", ":")).encode()

    (HERE / "tsa-root.pem").write_bytes(tsa.root_pem())
    for name, data in bundles.items():
        (HERE / f"{name}.bundle.json").write_bytes(data)
    write_reports()


def write_reports() -> None:
    """Validate the stored golden bundles and write their reports (``--reports-only``:
    when the report model or the trust-store digest changes, the bundles stay as they are)."""
    t = trust()
    bundles = {name: (HERE / f"{name}.bundle.json").read_bytes() for name in CASES}
    for name, data in bundles.items():
        at, indication, sub = CASES[name]
        report = validate(data, t, at=at)
        got = (
            report.indication.value,
            report.sub_indication.value if report.sub_indication else None,
        )
        if got != (indication, sub):
            raise SystemExit(f"{name}: expected {(indication, sub)}, got {got}")
        dumped = json.loads(report.model_dump_json())
        dumped.pop("tool")
        (HERE / f"{name}.report.json").write_text(
            json.dumps(dumped, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
        )
    print(f"wrote {len(bundles)} golden reports to {HERE}")


if __name__ == "__main__":
    import sys

    if "--reports-only" in sys.argv[1:]:
        write_reports()
    else:
        main()
