"""Issue 9 reproductions against archives and evidence packages, through the API and the CLI.

Each attack an ordinary certificate holder (or someone who can hand an auditor a file)
could try must be rejected with a message that names why:

* an applicant's own certificate re-signs a verification record FALSE→TRUE, and with the
  journal, checkpoints and manifest re-signed the same way, ``gaozhi audit --trust`` fails;
* an attacker's complete archive made with another PKI (its own ``trust/``) never passes;
* an evidence zip with duplicate member names, too many members or a zip bomb is refused
  with a coded error;
* without the auditor's anchors the verdict is at best INDETERMINATE (exit 2).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.archive import ArchiveManifest, JournalCheckpoint, audit_archive
from gaozhi_sdk.canonical import sha256_hex
from gaozhi_sdk.cli import main
from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.errors import ArchiveError
from gaozhi_sdk.esign import Bundle, EcdsaP256Signer, Signer, load_signer, sign
from gaozhi_sdk.evidence import audit_evidence
from gaozhi_sdk.models import VerificationFinding, VerificationResult
from gaozhi_sdk.store.journal import entry_hash, read_jsonl, write_jsonl
from gaozhi_sdk.testing import TestPKI


def _demo(work: Path, seed: int, n: int) -> Path:
    old = os.environ.get("GAOZHI_DEMO_EMULATOR")
    os.environ["GAOZHI_DEMO_EMULATOR"] = "0"
    try:
        run_demo(work, applications=n, seed=seed)
    finally:
        if old is None:
            os.environ.pop("GAOZHI_DEMO_EMULATOR", None)
        else:
            os.environ["GAOZHI_DEMO_EMULATOR"] = old
    return work


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield _demo(tmp_path_factory.mktemp("trust-demo") / "demo", 11, 24)


#: the demo's organ (the sample list's owner): the auditor names whose archive it is
DEMO_ORGAN = "11411222005123018X"


def _anchors(demo: Path) -> list[str]:
    """The auditor's anchors: the demo's root certificates and its TSA root, explicitly,
    and the organ whose archive it is (--organ)."""
    pki = demo / "pki"
    roots = [str(p) for p in sorted(pki.glob("*root.pem"))]
    return [*(x for r in roots for x in ("--trust", r)), "--tsa-trust", str(pki / "tsa")]


def _audit_args(demo: Path) -> list[str]:
    """``_anchors`` and the organ whose archive the auditor expects (``--organ``)."""
    return [*_anchors(demo), "--organ", DEMO_ORGAN]


def _pems(demo: Path) -> dict[str, list[bytes]]:
    pki = demo / "pki"
    return {
        "trust_pems": [p.read_bytes() for p in sorted(pki.glob("*root.pem"))],
        "tsa_trust_pems": [p.read_bytes() for p in (pki / "tsa").glob("*.pem")],
        "organ_uscc": [DEMO_ORGAN],
    }


def _applicant_signer(demo: Path) -> EcdsaP256Signer:
    """An ordinary applicant's certificate under the trusted root (identity: a resident ID)."""
    pki = TestPKI.load(demo / "pki")
    return pki.applicant("赵* 攻击者", "11010519491231002X")


def _seal(demo: Path) -> Signer:
    pki = demo / "pki"
    return load_signer((pki / "seal.key.pem").read_bytes(), chain=[(pki / "seal.pem").read_bytes()])


def _resign_everything(arch: Path, signer: Signer) -> str:
    """Flip a verification record's result and re-sign it, then rewrite the journal (bundle
    digest, every hash), re-sign every checkpoint and the manifest — all with ``signer``.
    Returns the path of the forged verification record."""
    target = sorted((arch / "bundles" / "verification").glob("*.bundle.json"))[0]
    old = target.read_bytes()
    finding = VerificationFinding.model_validate_json(Bundle.from_json(old).payload)
    flipped = (
        VerificationResult.TRUE
        if finding.result is not VerificationResult.TRUE
        else VerificationResult.FALSE
    )
    new = sign(finding.model_copy(update={"result": flipped}), signer).to_json()
    target.write_bytes(new)
    entries: list[dict[str, Any]] = list(read_jsonl(arch / "journal.jsonl"))
    checkpoints = {
        JournalCheckpoint.model_validate_json(Bundle.from_json(p.read_bytes()).payload).seq: p
        for p in (arch / "bundles" / "journal-checkpoint").glob("*.bundle.json")
    }
    prev, hashes = entries[0]["prev_hash"], {}
    for e in entries:  # one ordered pass: a checkpoint is bound by the entry after its seq
        detail = e.get("detail") or {}
        if detail.get("bundle_sha256") == sha256_hex(old):
            detail["bundle_sha256"] = sha256_hex(new)
        if e.get("event") == "journal.checkpoint" and int(e["aggregate_id"]) in checkpoints:
            seq = int(e["aggregate_id"])
            path = checkpoints[seq]
            cp = JournalCheckpoint.model_validate_json(Bundle.from_json(path.read_bytes()).payload)
            data = sign(cp.model_copy(update={"hash": hashes[seq]}), signer).to_json()
            path.write_bytes(data)
            detail["bundle_sha256"] = sha256_hex(data)
        e["prev_hash"] = prev
        e["hash"] = entry_hash(e)
        prev = hashes[e["seq"]] = e["hash"]
    write_jsonl(entries, arch / "journal.jsonl")
    manifest = ArchiveManifest.model_validate_json((arch / "manifest.json").read_bytes())
    files = {
        p.relative_to(arch).as_posix(): sha256_hex(p.read_bytes())
        for p in arch.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "manifest.bundle.json")
    }
    manifest = manifest.model_copy(
        update={
            "files": dict(sorted(files.items())),
            "journal_head_hash": entries[-1]["hash"],
        }
    )
    (arch / "manifest.json").write_text(manifest.model_dump_json(), "utf-8")
    (arch / "manifest.bundle.json").write_bytes(sign(manifest, signer).to_json())
    return target.relative_to(arch).as_posix()


def test_applicant_re_signed_archive_fails_the_audit_with_the_auditors_anchors(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    forged = _resign_everything(arch, _applicant_signer(demo))
    report = audit_archive(arch, jobs=1, **_pems(demo))
    assert report.exit_code == 1
    failed = {(c.name, c.path) for c in report.checks if c.status == "FAILED"}
    assert ("manifest_signature", "manifest.bundle.json") in failed
    text = " ".join(c.message for c in report.checks)
    assert "SIGNER_NOT_AUTHORISED" in text and "印章" in text
    capsys.readouterr()
    assert main(["audit", str(arch), *_audit_args(demo), "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert "SIGNER_NOT_AUTHORISED" in out and "manifest" in out
    # Control: the same rewrite with the organ's own seal (a stolen seal key) is consistent
    # and passes the integrity checks — so what failed above is the signer policy.
    ctrl = tmp_path / "control"
    shutil.copytree(demo / "archive", ctrl)
    forged_ctrl = _resign_everything(ctrl, _seal(demo))
    ctrl_report = audit_archive(ctrl, jobs=1, **_pems(demo))
    assert forged_ctrl == forged
    assert not [c for c in ctrl_report.checks if c.name in ("journal", "file_digest")]
    assert not [c for c in ctrl_report.checks if "SIGNER_NOT_AUTHORISED" in c.message]


def test_an_attackers_complete_archive_with_its_own_pki_never_passes(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attacker = _demo(tmp_path / "attacker", 99, 3)  # another PKI, its own trust/ copies
    arch = attacker / "archive"
    assert list((arch / "trust").glob("*.pem"))
    capsys.readouterr()
    assert main(["audit", str(arch), "--jobs", "1"]) == 2  # was 0: trusted its own trust/
    out = capsys.readouterr().out
    assert "trust/" in out and "不被信任" in out and "--trust" in out
    assert main(["audit", str(arch), *_audit_args(demo), "--jobs", "1"]) == 2
    out = capsys.readouterr().out
    assert "NO_CERTIFICATE_CHAIN_FOUND" in out
    # And with the attacker's own roots it passes — which is why only the auditor chooses.
    assert main(["audit", str(arch), *_audit_args(attacker), "--jobs", "1"]) == 0


# -- evidence packages ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(demo: Path) -> Path:
    from gaozhi_sdk.store import open_store

    store = open_store(f"sqlite:///{demo / 'gaozhi.db'}")
    try:
        case = next(
            str(json.loads(Bundle.from_json(b.data).payload)["case_no"])
            for b in store.list_blobs("bundle")
            if b.id.startswith("verification/")
        )
    finally:
        store.close()
    out = demo / "case.zip"
    assert main(["evidence", "export", case, "--db", str(demo), "--out", str(out)]) == 0
    return out


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def test_evidence_package_needs_the_auditors_anchors(
    demo: Path, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
    assert any(n.startswith("trust/tsa/") for n in names)  # layout: signing vs TSA copies
    capsys.readouterr()
    assert main(["audit", str(package)]) == 2
    assert "不被信任" in capsys.readouterr().out
    assert main(["audit", str(package), *_audit_args(demo)]) == 0


def test_evidence_package_re_signed_by_an_applicant_fails(
    demo: Path, package: Path, tmp_path: Path
) -> None:
    members = dict(_members(package))
    name = next(n for n in members if n.startswith("bundles/verification/"))
    finding = VerificationFinding.model_validate_json(Bundle.from_json(members[name]).payload)
    forged = finding.model_copy(update={"result": VerificationResult.TRUE})
    members[name] = sign(forged, _applicant_signer(demo)).to_json()
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    report = audit_evidence(bad, **_pems(demo))
    assert report.exit_code == 1
    assert any("SIGNER_NOT_AUTHORISED" in c.message for c in report.checks if c.path == name)


def test_duplicate_zip_member_names_are_refused(
    demo: Path, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = _members(package)
    name, data = next((n, d) for n, d in members if n.startswith("bundles/verification/"))
    dup = tmp_path / "dup.zip"
    with zipfile.ZipFile(dup, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        for n, d in members:
            zf.writestr(n, d)
        zf.writestr(name, data.replace(b"TRUE", b"FALSE"))
    with pytest.raises(ArchiveError) as ei:
        audit_evidence(dup, **_pems(demo))
    assert ei.value.code == "GZ-AR-024" and name[:40] in str(ei.value)
    capsys.readouterr()
    assert main(["audit", str(dup), *_audit_args(demo)]) == 64
    assert "GZ-AR-024" in capsys.readouterr().err


def test_zip_bomb_and_member_count_limits(demo: Path, package: Path, tmp_path: Path) -> None:
    from gaozhi_sdk import evidence

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, d in _members(package):
            zf.writestr(n, d)
        zf.writestr("padding.bin", b"\0" * (evidence.MAX_TOTAL_BYTES + 1))
    assert bomb.stat().st_size < 2 * 1024 * 1024  # tiny on disk, huge inflated
    with pytest.raises(ArchiveError) as ei:
        audit_evidence(bomb, **_pems(demo))
    assert ei.value.code == "GZ-AR-025"
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for n, d in _members(package):
            zf.writestr(n, d)
        for i in range(evidence.MAX_MEMBERS):
            zf.writestr(f"x/{i}", b"")
    with pytest.raises(ArchiveError) as ei2:
        audit_evidence(many, **_pems(demo))
    assert ei2.value.code == "GZ-AR-026"


def test_zip_member_lying_about_its_size_is_still_bounded(
    demo: Path, package: Path, tmp_path: Path
) -> None:
    """The limit counts inflated bytes, not the sizes the zip directory declares."""
    from gaozhi_sdk import evidence

    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(liar, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("padding.bin", b"\0" * 4096)
    with pytest.raises(ArchiveError) as ei:
        evidence._read_zip(liar, max_total=1024)
    assert ei.value.code == "GZ-AR-025"


def test_auditor_brings_revocation_data_on_the_command_line(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--crl`` (and ``--ocsp``) bring the auditor's own revocation data: a CRL from the
    applicant CA revoking the pledgor's certificate before the signature makes the pledge
    REVOKED; a file that is no CRL is a usage error naming it."""
    from datetime import UTC, datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pledge = sorted((demo / "archive" / "bundles" / "pledge").glob("*.bundle.json"))[0]
    leaf = x509.load_der_x509_certificate(
        Bundle.from_json(pledge.read_bytes()).verification_material.signers[0].chain_der[0]
    )
    root = x509.load_pem_x509_certificate((demo / "pki" / "root.pem").read_bytes())
    key = serialization.load_pem_private_key((demo / "pki" / "root.key.pem").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(datetime(2026, 1, 1, tzinfo=UTC))
        .next_update(datetime(2027, 1, 1, tzinfo=UTC))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(leaf.serial_number)
            .revocation_date(datetime(2025, 12, 1, tzinfo=UTC))
            .build()
        )
        .sign(key, hashes.SHA256())
    )
    crl_file = tmp_path / "applicant-ca.crl"
    crl_file.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    capsys.readouterr()
    assert main(["verify", str(pledge), *_anchors(demo)]) == 0
    assert main(["verify", str(pledge), *_anchors(demo), "--crl", str(crl_file)]) == 1
    assert "REVOKED" in capsys.readouterr().out
    junk = tmp_path / "junk.crl"
    junk.write_bytes(b"not a crl")
    assert main(["verify", str(pledge), *_anchors(demo), "--crl", str(junk)]) == 64
    assert "GZ-CLI-012" in capsys.readouterr().err
    assert main(["verify", str(pledge), *_anchors(demo), "--ocsp", str(junk)]) == 64
