"""`gaozhi demo` signs organ seals with SM2 when the plugin is installed; audit passes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gaozhi_sdk.testing import TestPKI


def _gaozhi(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from gaozhi_sdk.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


@pytest.mark.slow  # a full demo run (~10 s on a loaded 2-core machine)
def test_demo_signs_organ_seals_with_sm2_and_audit_passes(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    made = _gaozhi("demo", "--workdir", str(work), "--applications", "24", "--quiet")
    assert made.returncode == 0, made.stderr
    archive = work / "archive"
    bundles = [json.loads(p.read_bytes()) for p in (archive / "bundles").rglob("*.json")]
    sm2 = [b for b in bundles if "sm2SignerId" in b["verificationMaterial"]["signers"][0]]
    assert sm2, "organ seals should sign with SM2"
    assert len(sm2) < len(bundles)  # applicants keep P-256 personal certificates
    assert "sm2SignerId" in (archive / "manifest.bundle.json").read_text(encoding="utf-8")
    anchors = {p.read_bytes().strip() for p in (archive / "trust").glob("*.pem")}
    assert (work / "pki" / "sm2-root.pem").read_bytes().strip() in anchors
    assert (work / "pki" / "root.pem").read_bytes().strip() in anchors  # P-256 applicants
    # The demo's SM2 PKI is the SDK's one TestPKI (issue 11), saved in pki/sm2/ and reloadable.
    sm2_pki = TestPKI.load(work / "pki" / "sm2")
    assert sm2_pki.algorithm == "sm2"
    assert sm2_pki.root_pem().strip() == (work / "pki" / "sm2-root.pem").read_bytes().strip()

    # Only the auditor's anchors are trusted (the demo keeps them in pki/, TSA in pki/tsa/).
    bare = _gaozhi("audit", str(archive), "--json")
    assert bare.returncode == 2, bare.stdout + bare.stderr  # archive's trust/ never trusted
    # ... and the organ the auditor names (the demo's: the sample list's owner)
    organ = "11411222005123018X"
    audited = _gaozhi(
        "audit", str(archive), "--trust", str(work / "pki"), "--organ", organ, "--json"
    )
    assert audited.returncode == 0, audited.stdout + audited.stderr
    report = json.loads(audited.stdout)
    assert report["bundles"]["TOTAL_PASSED"] == len(bundles)
    assert report["bundles"]["TOTAL_FAILED"] == report["bundles"]["INDETERMINATE"] == 0
