"""An archive vouched for by another organ's seal (issue 9, DESIGN §4, §8).

The attacker is an insider of organ Y: Y's genuine seal comes from the same CA the
auditor trusts for organ X. With write access to X's archive, Y rewrites X's journal
(an entry's content), recomputes the hash chain, and re-signs every checkpoint and the
manifest with Y's seal — each naming Y as their organ, so each is, taken alone, a
correctly sealed document of Y. The audit of X's archive must not pass.
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


def _audit(arch: Path, demo: Path) -> AuditReport:
    """The audit with the auditor's own anchors (the demo's roots, by purpose)."""
    pki = demo / "pki"
    return audit_archive(
        arch,
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


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="open hole (issue 9): audit_archive accepts checkpoints and a manifest sealed by "
    "ANY organ seal under the auditor's root, as long as each names that organ itself; "
    "nothing binds the archive to the organ the auditor expects (no --organ, no check that "
    "checkpoints/manifest are sealed by the organ whose journal it is)",
)
def test_another_organs_seal_cannot_vouch_for_a_rewritten_journal(
    demo: Path, tmp_path: Path
) -> None:
    arch = tmp_path / "archive"
    shutil.copytree(demo / "archive", arch)
    genuine = _audit(arch, demo)
    assert genuine.exit_code == 0, genuine
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", Y_USCC)
    _rewrite_journal_and_reseal(arch, seal_y, Y_USCC)
    report = _audit(arch, demo)
    assert report.exit_code == 1, [c for c in report.checks if c.status != "PASSED"]
