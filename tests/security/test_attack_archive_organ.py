"""An archive vouched for by another organ's seal (issue 9, DESIGN §4, §8).

The attacker is an insider of organ Y: Y's genuine seal comes from the same CA the
auditor trusts for organ X. With write access to X's archive, Y rewrites X's journal
(an entry's content), recomputes the hash chain, and re-signs every checkpoint and the
manifest with Y's seal — each naming Y as their organ, so each is, taken alone, a
correctly sealed document of Y. The audit of X's archive must not pass: the auditor names
the organ (``--organ``); without it the verdict is at best INDETERMINATE and names Y.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.archive import ArchiveManifest, AuditReport, JournalCheckpoint, audit_archive
from gaozhi_sdk.canonical import sha256_hex
from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.esign import Bundle, Signer, sign
from gaozhi_sdk.ids import uscc_check_char
from gaozhi_sdk.store.journal import entry_hash, read_jsonl, write_jsonl
from gaozhi_sdk.testing import TestPKI

_Y_BODY = "11100000000099999"
Y_USCC = _Y_BODY + uscc_check_char(_Y_BODY)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("attack-archive") / "demo"
    old = os.environ.get("GAOZHI_DEMO_EMULATOR")
    os.environ["GAOZHI_DEMO_EMULATOR"] = "0"
    try:
        run_demo(work, applications=4, seed=31)
    finally:
        if old is None:
            os.environ.pop("GAOZHI_DEMO_EMULATOR", None)
        else:
            os.environ["GAOZHI_DEMO_EMULATOR"] = old
    yield work


def _audit(arch: Path, demo: Path, organ: str | list[str] | None = None) -> AuditReport:
    """The audit with the auditor's own anchors (the demo's roots, by purpose)."""
    pki = demo / "pki"
    return audit_archive(
        arch,
        organ_uscc=organ,
        jobs=1,
        trust_pems=[p.read_bytes() for p in sorted(pki.glob("*root.pem"))],
        tsa_trust_pems=[p.read_bytes() for p in (pki / "tsa").glob("*.pem")],
    )


def _rewrite_journal_and_reseal(arch: Path, signer: Signer, organ: str) -> None:
    entries: list[dict[str, Any]] = list(read_jsonl(arch / "journal.jsonl"))
    victim = next(e for e in entries if e.get("event") != "journal.checkpoint")
    victim["actor"]["ref"] = "FORGED01"  # who did it, rewritten
    checkpoints = {
        JournalCheckpoint.model_validate_json(Bundle.from_json(p.read_bytes()).payload).seq: p
        for p in (arch / "bundles" / "journal-checkpoint").glob("*.bundle.json")
    }
    prev, hashes = entries[0]["prev_hash"], dict[int, str]()
    for e in entries:
        detail = e.get("detail") or {}
        if e.get("event") == "journal.checkpoint" and int(e["aggregate_id"]) in checkpoints:
            seq = int(e["aggregate_id"])
            path = checkpoints[seq]
            cp = JournalCheckpoint.model_validate_json(Bundle.from_json(path.read_bytes()).payload)
            data = sign(cp.model_copy(update={"hash": hashes[seq], "organ_uscc": organ}), signer)
            path.write_bytes(data.to_json())
            detail["bundle_sha256"] = sha256_hex(data.to_json())
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
            "organ_uscc": organ,
        }
    )
    (arch / "manifest.json").write_text(manifest.model_dump_json(), "utf-8")
    (arch / "manifest.bundle.json").write_bytes(sign(manifest, signer).to_json())


def test_another_organs_seal_cannot_vouch_for_a_rewritten_journal(
    demo: Path, tmp_path: Path
) -> None:
    """The default path (no --organ): never PASSED, and the message names the sealer."""
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    genuine = _audit(arch, demo)
    assert genuine.exit_code == 2, genuine  # an unconfirmed organ is not a pass
    organ = _genuine_organ(arch)
    (check,) = [c for c in genuine.checks if c.name == "archive_organ"]
    assert check.status == "INDETERMINATE"
    assert f"--organ {organ}" in check.message and "未经审计方确认" in check.message
    assert "not confirmed by the auditor" in check.message_en
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    report = _audit(arch, demo)
    assert report.exit_code != 0, [c for c in report.checks if c.status != "PASSED"]
    (check,) = [c for c in report.checks if c.name == "archive_organ"]
    assert Y_USCC in check.message and Y_USCC in check.message_en
    assert not any(c.name == "summary" for c in report.checks)


def _genuine_organ(arch: Path) -> str:
    return ArchiveManifest.model_validate_json((arch / "manifest.json").read_bytes()).organ_uscc


def test_another_organs_seal_is_refused_when_the_auditor_names_the_organ(
    demo: Path, tmp_path: Path
) -> None:
    """The fix: with the expected organ (``gaozhi audit --organ``) Y's seal cannot vouch."""
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    organ = _genuine_organ(arch)
    assert _audit(arch, demo, organ).exit_code == 0
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    report = _audit(arch, demo, organ)
    assert report.exit_code == 1
    bad = [c for c in report.checks if c.name == "archive_organ"]
    assert bad and organ in bad[0].message and Y_USCC in bad[0].message
    assert organ in bad[0].message_en and Y_USCC in bad[0].message_en


def test_several_organs_may_be_named_but_each_document_needs_one_of_them(
    demo: Path, tmp_path: Path
) -> None:
    """--organ is repeatable (an archive covering several organs); a genuine archive passes
    with its organ among them, Y's rewrite still fails unless the auditor names Y too."""
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    organ = _genuine_organ(arch)
    other = "11411222005123026Q"
    assert _audit(arch, demo, [other, organ]).exit_code == 0
    assert _audit(arch, demo, [other]).exit_code == 1
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    report = _audit(arch, demo, [other, organ])
    assert report.exit_code == 1
    assert any(c.name == "archive_organ" and Y_USCC in c.message for c in report.checks)


def test_an_organ_document_sealed_by_another_organ_fails_with_the_organ_named(
    demo: Path, tmp_path: Path
) -> None:
    """Y's genuine seal over a notice naming Y, slipped into X's archive and bound by a
    rewritten journal and re-sealed manifest of X cannot happen without X's seal; but a
    single foreign organ document (bound or not) is still named: no payload type may be
    sealed by an organ the auditor did not name (FOREIGN_SEALED_TYPES is empty)."""
    from gaozhi_sdk.sealing_organs import FOREIGN_SEALED_TYPES

    assert frozenset() == FOREIGN_SEALED_TYPES
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    organ = _genuine_organ(arch)
    notice_path = next((arch / "bundles" / "notice").glob("*.bundle.json"))
    from gaozhi_sdk.models import Notice

    notice = Notice.model_validate_json(Bundle.from_json(notice_path.read_bytes()).payload)
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    notice_path.write_bytes(
        sign(notice.model_copy(update={"organ_uscc": Y_USCC}), seal_y).to_json()
    )
    report = _audit(arch, demo, organ)
    assert report.exit_code == 1
    bad = [c for c in report.checks if c.name == "archive_organ"]
    assert (
        bad and Y_USCC in bad[0].message and bad[0].path == notice_path.relative_to(arch).as_posix()
    )


def test_checkpoints_sealed_by_another_organ_than_the_manifest_fail(
    demo: Path, tmp_path: Path
) -> None:
    """Without --organ the manifest and every checkpoint must still name one organ."""
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    # put the genuine organ back on the manifest only: a mixed archive
    genuine = _genuine_organ(demo / "archive")
    manifest = ArchiveManifest.model_validate_json((arch / "manifest.json").read_bytes())
    seal_x = TestPKI.load(demo / "pki").organ_seal("本机关", genuine)
    (arch / "manifest.bundle.json").write_bytes(
        sign(manifest.model_copy(update={"organ_uscc": genuine}), seal_x).to_json()
    )
    report = _audit(arch, demo)
    assert report.exit_code == 1
    assert any(c.name == "archive_organ" for c in report.checks)


def test_cli_audit_organ_option(demo: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    organ = _genuine_organ(arch)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    pki = demo / "pki"
    args = [sys.executable, "-m", "gaozhi_sdk", "audit", str(arch), "--jobs", "1"]
    for p in sorted(pki.glob("*root.pem")):
        args += ["--trust", str(p)]
    for p in sorted((pki / "tsa").glob("*.pem")):
        args += ["--tsa-trust", str(p)]
    r = subprocess.run(
        [*args, "--organ", organ], check=False, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "--organ" in r.stdout + r.stderr and Y_USCC in r.stdout
    unnamed = subprocess.run(args, check=False, capture_output=True, text=True, timeout=300)
    assert unnamed.returncode == 2, unnamed.stdout + unnamed.stderr
    assert "not confirmed by the auditor" in unnamed.stdout and Y_USCC in unnamed.stdout
    bad = subprocess.run(
        [*args, "--organ", "not-a-uscc"], check=False, capture_output=True, text=True
    )
    assert bad.returncode == 64 and "Traceback" not in bad.stderr
