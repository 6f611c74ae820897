"""One case's evidence package: export from a real demo store, offline audit (issue 3)."""

from __future__ import annotations

import json
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.cli import main
from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.errors import ArchiveError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.evidence import EvidenceManifest, audit_evidence
from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing import TestPKI


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("evidence-demo") / "demo"
    old = os.environ.get("GAOZHI_DEMO_EMULATOR")
    os.environ["GAOZHI_DEMO_EMULATOR"] = "0"
    try:
        run_demo(work, applications=24, seed=7)
    finally:
        if old is None:
            os.environ.pop("GAOZHI_DEMO_EMULATOR", None)
        else:
            os.environ["GAOZHI_DEMO_EMULATOR"] = old
    yield work


def _case_with_credit_record(work: Path) -> str:
    store = open_store(f"sqlite:///{work / 'gaozhi.db'}")
    try:
        for blob in store.list_blobs("bundle"):
            if blob.id.startswith("credit-record/"):
                return str(json.loads(Bundle.from_json(blob.data).payload)["case_no"])
    finally:
        store.close()
    raise AssertionError("demo produced no credit record")


@pytest.fixture(scope="module")
def package(demo: Path) -> Path:
    case = _case_with_credit_record(demo)
    out = demo / f"{case}.zip"
    assert main(["evidence", "export", case, "--db", str(demo), "--out", str(out)]) == 0
    return out


#: the demo's organ (the sample list's owner): the auditor names whose package it is
DEMO_ORGAN = "11411222005123018X"


def _trust(demo: Path) -> list[str]:
    """The auditor's own anchors: the demo's root certificates (signing) and its TSA root
    (time-stamping); an auditor gets them from the CAs. The package's trust/ copies are
    never trusted."""
    pki = demo / "pki"
    roots = [str(p) for p in sorted(pki.glob("*root.pem"))]
    return [
        *(x for r in roots for x in ("--trust", r)),
        *("--tsa-trust", str(pki / "tsa")),
        *("--organ", DEMO_ORGAN),
    ]


def _pems(demo: Path) -> dict[str, list[bytes]]:
    pki = demo / "pki"
    return {
        "trust_pems": [p.read_bytes() for p in sorted(pki.glob("*root.pem"))],
        "tsa_trust_pems": [p.read_bytes() for p in (pki / "tsa").glob("*.pem")],
        "organ_uscc": [DEMO_ORGAN],
    }


def _rewrite(src: Path, dst: Path, change: Any) -> Path:
    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    change(members)
    with zipfile.ZipFile(dst, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return dst


def test_export_holds_every_document_of_the_case_and_audits_offline(
    demo: Path, package: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        manifest = EvidenceManifest.model_validate_json(zf.read("manifest.json"))
    kinds = {n.split("/")[1] for n in manifest.case_bundles}
    assert {"notice", "pledge", "verification", "disposition", "credit-record"} <= kinds
    assert manifest.checkpoint_bundle in names and "journal/segment.jsonl" in names
    assert any(n.startswith("trust/") for n in names)
    assert manifest.journal_slice and min(manifest.journal_slice) == manifest.segment_first_seq

    calls: list[Any] = []

    def refuse(self: socket.socket, *args: Any) -> None:
        calls.append(args)
        raise OSError("offline audit must not connect")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    capsys.readouterr()
    assert main(["audit", str(package), *_trust(demo), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == 0 and report["bundles"]["TOTAL_PASSED"] >= 6
    assert calls == []


def test_without_the_auditors_organ_the_package_is_at_best_indeterminate(
    demo: Path, package: Path, capsys: Any
) -> None:
    """DESIGN §8: the organ is part of a PASSED verdict, as the anchors are (issue 9)."""
    pems = _pems(demo)
    del pems["organ_uscc"]
    report = audit_evidence(package, **pems)
    assert report.exit_code == 2
    (check,) = [c for c in report.checks if c.name == "archive_organ"]
    assert DEMO_ORGAN in check.message and "not confirmed by the auditor" in check.message_en
    other = audit_evidence(package, **pems, organ_uscc="11411222005123026Q")
    assert other.exit_code == 1
    assert any(c.name == "archive_organ" and DEMO_ORGAN in c.message for c in other.checks)
    capsys.readouterr()
    assert main(["audit", str(package), *_trust(demo)[:-2]]) == 2
    assert f"--organ {DEMO_ORGAN}" in capsys.readouterr().out


def test_tampered_bundle_in_the_package_fails(demo: Path, package: Path, tmp_path: Path) -> None:
    def change(m: dict[str, bytes]) -> None:
        name = next(n for n in m if n.startswith("bundles/pledge/"))
        obj = json.loads(m[name])
        obj["dsseEnvelope"]["signatures"][0]["sig"] = obj["dsseEnvelope"]["signatures"][0]["sig"][
            ::-1
        ]
        m[name] = json.dumps(obj).encode()

    bad = _rewrite(package, tmp_path / "bad.zip", change)
    report = audit_evidence(bad, **_pems(demo))
    assert report.exit_code == 1
    assert {c.name for c in report.checks} >= {"file_digest"}


def test_rewritten_journal_entry_fails(demo: Path, package: Path, tmp_path: Path) -> None:
    def change(m: dict[str, bytes]) -> None:
        lines = m["journal/segment.jsonl"].splitlines()
        e = json.loads(lines[0])
        e["event"] = "case.something_else"
        lines[0] = json.dumps(e).encode()
        m["journal/segment.jsonl"] = b"\n".join(lines) + b"\n"

    bad = _rewrite(package, tmp_path / "journal.zip", change)
    assert main(["audit", str(bad), *_trust(demo)]) == 1
    report = audit_evidence(bad)
    assert any(c.name == "journal" for c in report.checks)


def test_missing_and_unlisted_files_fail(demo: Path, package: Path, tmp_path: Path) -> None:
    def drop(m: dict[str, bytes]) -> None:
        del m[next(n for n in m if n.startswith("bundles/verification/"))]
        m["extra.txt"] = b"not listed"

    report = audit_evidence(_rewrite(package, tmp_path / "drop.zip", drop))
    names = {c.name for c in report.checks}
    assert report.exit_code == 1 and {"file_missing", "file_unlisted"} <= names


def test_foreign_trust_roots_do_not_pass(package: Path) -> None:
    other = TestPKI.create(name="无关根 CA")
    report = audit_evidence(package, trust_pems=[other.root_pem()])
    assert report.exit_code != 0


def test_bad_inputs_are_coded(demo: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert main(["audit", str(junk)]) == 64
    with pytest.raises(ArchiveError) as ei:
        audit_evidence(junk)
    assert ei.value.code == "GZ-AR-022"
    out = tmp_path / "none.zip"
    code = main(["evidence", "export", "CASE-NOPE", "--db", str(demo), "--out", str(out)])
    assert code == 64 and not out.exists()
