"""Evidence zip member-name tricks (issue 9 item 5): a writer of the zip adds members whose
names escape the package, shadow a listed name on case-insensitive file systems, or are
symbolic links. None may pass the audit; the audit never writes outside the package."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gaozhi_sdk.archive import AuditReport
from gaozhi_sdk.cli import main
from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.errors import ArchiveError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.evidence import audit_evidence
from gaozhi_sdk.store import open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("attack-evidence") / "demo"
    old = os.environ.get("GAOZHI_DEMO_EMULATOR")
    os.environ["GAOZHI_DEMO_EMULATOR"] = "0"
    try:
        run_demo(work, applications=4, seed=32)
    finally:
        if old is None:
            os.environ.pop("GAOZHI_DEMO_EMULATOR", None)
        else:
            os.environ["GAOZHI_DEMO_EMULATOR"] = old
    yield work


@pytest.fixture(scope="module")
def package(demo: Path) -> Path:
    store = open_store(f"sqlite:///{demo / 'gaozhi.db'}")
    try:
        case = next(
            str(json.loads(Bundle.from_json(b.data).payload)["case_no"])
            for b in store.list_blobs("bundle")
            if b.id.startswith("pledge/")
        )
    finally:
        store.close()
    out = demo / "case.zip"
    assert main(["evidence", "export", case, "--db", str(demo), "--out", str(out)]) == 0
    return out


#: the demo's organ (the sample list's owner)
DEMO_ORGAN = "11411222005123018X"


def _audit(path: Path, demo: Path, organ: str | None = DEMO_ORGAN) -> AuditReport:
    pki = demo / "pki"
    return audit_evidence(
        path,
        trust_pems=[p.read_bytes() for p in sorted(pki.glob("*root.pem"))],
        tsa_trust_pems=[p.read_bytes() for p in (pki / "tsa").glob("*.pem")],
        organ_uscc=organ,
    )


def _with_member(src: Path, dst: Path, name: str, data: bytes, *, symlink: bool = False) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        extra = zipfile.ZipInfo("placeholder")
        extra.filename = name  # as written by a hostile tool (ZipInfo() would sanitise it)
        if symlink:
            extra.create_system = 3
            extra.external_attr = (stat.S_IFLNK | 0o777) << 16
        zout.writestr(extra, data)
    return dst


def test_the_genuine_package_passes(demo: Path, package: Path) -> None:
    assert _audit(package, demo).exit_code == 0


@pytest.mark.parametrize("name", ["../escape.txt", "a/../../escape.txt", "/tmp/escape.txt"])
def test_member_names_escaping_the_package_are_refused(
    demo: Path, package: Path, tmp_path: Path, name: str
) -> None:
    bad = _with_member(package, tmp_path / "bad.zip", name, b"x")
    with pytest.raises(ArchiveError) as err:
        _audit(bad, demo)
    assert err.value.code == "GZ-AR-022"
    assert not (tmp_path.parent / "escape.txt").exists()


@pytest.mark.parametrize("name", ["MANIFEST.json", "Manifest.Bundle.json", "..\\escape.txt"])
def test_shadowing_or_windows_style_names_do_not_pass(
    demo: Path, package: Path, tmp_path: Path, name: str
) -> None:
    """On a case-insensitive or Windows file system these would replace a listed file when
    an auditor unpacks the zip; the audit itself must never pass such a package."""
    bad = _with_member(package, tmp_path / "bad.zip", name, b"{}")
    _assert_unlisted(_audit(bad, demo), name)


def test_a_symlink_member_does_not_pass(demo: Path, package: Path, tmp_path: Path) -> None:
    bad = _with_member(
        package, tmp_path / "bad.zip", "trust/root.pem", b"/etc/passwd", symlink=True
    )
    _assert_unlisted(_audit(bad, demo), "trust/root.pem")


def _assert_unlisted(report: AuditReport, name: str) -> None:
    assert report.exit_code == 1, report
    assert any(
        c.name == "file_unlisted" and c.status == "FAILED" and name in c.message
        for c in report.checks
    ), report


def test_another_organs_seal_cannot_vouch_for_a_resealed_package(
    demo: Path, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Organ Y (genuine seal under the auditor's root) re-seals X's package — manifest and
    checkpoint in Y's name — after changing a case document: PASSED neither without
    --organ (INDETERMINATE naming Y) nor with --organ X (FAILED naming X and Y)."""
    from gaozhi_sdk.archive import JournalCheckpoint
    from gaozhi_sdk.canonical import sha256_hex
    from gaozhi_sdk.esign import sign
    from gaozhi_sdk.evidence import EvidenceManifest
    from gaozhi_sdk.ids import uscc_check_char
    from gaozhi_sdk.testing import TestPKI

    y = "11100000000099999" + uscc_check_char("11100000000099999")
    seal_y = TestPKI.load(demo / "pki").organ_seal("另一机关", y)
    with zipfile.ZipFile(package) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    manifest = EvidenceManifest.model_validate_json(members["manifest.json"])
    cp_name = manifest.checkpoint_bundle
    cp = JournalCheckpoint.model_validate_json(Bundle.from_json(members[cp_name]).payload)
    members[cp_name] = sign(cp.model_copy(update={"organ_uscc": y}), seal_y).to_json()
    files = {**manifest.files, cp_name: sha256_hex(members[cp_name])}
    manifest = manifest.model_copy(update={"organ_uscc": y, "files": files})
    members["manifest.json"] = manifest.model_dump_json().encode()
    members["manifest.bundle.json"] = sign(manifest, seal_y).to_json()
    bad = tmp_path / "resealed.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    unnamed = _audit(bad, demo, None)
    assert unnamed.exit_code == 2, unnamed
    (check,) = [c for c in unnamed.checks if c.name == "archive_organ"]
    assert y in check.message and y in check.message_en
    named = _audit(bad, demo)
    assert named.exit_code == 1
    bad_checks = [c for c in named.checks if c.name == "archive_organ"]
    assert bad_checks and y in bad_checks[0].message and DEMO_ORGAN in bad_checks[0].message
    pki = demo / "pki"
    args = ["audit", str(bad), "--tsa-trust", str(pki / "tsa")]
    for p in sorted(pki.glob("*root.pem")):
        args += ["--trust", str(p)]
    capsys.readouterr()
    assert main([*args, "--organ", DEMO_ORGAN]) == 1
    assert y in capsys.readouterr().out
    assert main(args) == 2
