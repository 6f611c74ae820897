"""A Java 17 platform (one source file, JDK only) runs a pledge from notice to verification
over HTTP with its own key; an auditor then verifies its bundle offline (issue 13, 6c)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

from gaozhi_sdk.testing.server import ServedService

from .conftest import new_applicant

JAVA_SOURCE = Path(__file__).parent / "java" / "PledgeClient.java"
ON_SITE_ENTRY = "SZ-WJ-YL-001"


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        if os.environ.get("GAOZHI_REQUIRE_SERVICES") == "1":
            pytest.fail("GAOZHI_REQUIRE_SERVICES=1 but no JDK (java) on PATH")
        pytest.skip("no JDK on PATH (set GAOZHI_REQUIRE_SERVICES=1 to make this a failure)")
    return java


def write_java_config(served: ServedService, folder: Path, seed: int) -> tuple[Path, Path]:
    """PKCS#12 keystore (P-256, PBES2/AES) and the client's properties; returns (cfg, out)."""
    app = new_applicant(seed)
    signer = served.pki.applicant(f"申请人 #java{seed}", app.id_number)
    password = b"changeit-" + str(seed).encode()
    enc = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(20000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    p12 = folder / "applicant.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"applicant",
            signer.private_key,
            signer.certificate_chain[0],
            list(signer.certificate_chain[1:]) or None,
            enc,
        )
    )
    (folder / "applicant.json").write_text(
        json.dumps(app.model_dump(mode="json"), ensure_ascii=False), "utf-8"
    )
    out = folder / "java-pledge.bundle.json"
    props = {
        "base": served.base_url,
        "platform.key": "ak-platform",
        "platform.secret": str(served.workdir / "secret-platform.txt"),
        "inspector.key": "ak-inspector",
        "inspector.secret": str(served.workdir / "secret-inspector.txt"),
        "applicant.id": app.id_number,
        "applicant.json": str(folder / "applicant.json"),
        "p12.path": str(p12),
        "p12.password": password.decode(),
        "list": "SZ-411222-GZCN-2025",
        "entry": ON_SITE_ENTRY,
        "out": str(out),
    }
    cfg = folder / "client.properties"
    cfg.write_text("".join(f"{k}={v}\n" for k, v in props.items()), "utf-8")
    return cfg, out


def test_r035_java_client_runs_a_whole_case_and_its_bundle_verifies_offline(
    served: ServedService, tmp_path: Path
) -> None:
    java = _java()
    cfg, out = write_java_config(served, tmp_path, 7)
    run = subprocess.run(
        [java, str(JAVA_SOURCE), str(cfg)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    for step in ("notice", "choice", "data-to-sign", "signature", "accept", "on-site result"):
        assert f"ok {step}" in run.stdout
    assert " CONCLUDED TRUE" in run.stdout
    verify = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "verify", str(out),
         "--trust", str(served.workdir / "trust")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "TOTAL_PASSED" in verify.stdout
