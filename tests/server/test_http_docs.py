"""docs/http.md: the curl example runs against a real server, the Java example is the
tested client, the OpenAPI reference in the site matches the code, every configuration
key is documented (issue 13, item 8)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gaozhi_sdk.server.config import Credential, SealConfig, ServiceConfig
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "http.md"


def _tool() -> object:
    spec = importlib.util.spec_from_file_location(
        "_http_reference", ROOT / "docs" / "_tools" / "http_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_curl_example_runs_against_a_dev_server(tmp_path: Path, server_pki: TestPKI) -> None:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("no curl/bash")
    text = PAGE.read_text("utf-8")
    block = re.search(r"<!-- test: curl -->\n```bash\n(.*?)```", text, re.S)
    assert block, "docs/http.md lost its tested curl example"
    token = "doc-example-token-0123456789"
    served = ServedService(
        tmp_path / "srv",
        server_pki,
        dev=True,
        extra_credentials=[
            {
                "id": "doc",
                "method": "bearer",
                "token_env": "GAOZHI_DOC_TOKEN",
                "actor": {"role": "WINDOW_CLERK", "actor_id": "CK0100", "organ_uscc": OWNER_USCC},
            }
        ],
        env={"GAOZHI_DOC_TOKEN": token},
    ).start()
    try:
        work = tmp_path / "work"
        work.mkdir()
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.group(1)],
            cwd=work,
            env={"PATH": "/usr/bin:/bin", "GAOZHI_URL": served.base_url, "GAOZHI_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        served.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    notice = json.loads((work / "notice.json").read_text("utf-8"))
    assert notice["case_no"] and notice["applicant_masked"] != "11010519491231002X"


def test_java_example_is_the_tested_client() -> None:
    text = PAGE.read_text("utf-8")
    assert "```{literalinclude} ../tests/server/java/PledgeClient.java" in text
    assert (ROOT / "tests" / "server" / "java" / "PledgeClient.java").is_file()


def test_openapi_reference_for_the_site_is_generated_from_the_code(tmp_path: Path) -> None:
    tool = _tool()
    fresh = tool.documents()  # type: ignore[attr-defined]
    spec = json.loads(fresh["openapi.json"])
    from gaozhi_sdk.server.app import create_app

    live = create_app("sqlite://", ServiceConfig()).app.openapi()  # type: ignore[attr-defined]
    assert spec == json.loads(json.dumps(live))
    assert spec["openapi"].startswith("3.1")
    page = fresh["index.html"]
    assert 'href="openapi.json"' in page and "<script" not in page
    for path in live["paths"]:
        assert path in page
    conf = (ROOT / "docs" / "conf.py").read_text("utf-8")
    assert "_openapi_reference" in conf and "http_reference.py" in conf
    assert '<a href="_static/openapi/index.html">' in PAGE.read_text("utf-8")


def test_every_configuration_key_is_documented() -> None:
    text = PAGE.read_text("utf-8")
    for model, prefix in ((ServiceConfig, ""), (Credential, "credentials[]."), (SealConfig, "")):
        for name in model.model_fields:
            assert f"`{prefix}{name}`" in text or f"{name}:" in text, f"{model.__name__}.{name}"
    assert "http\n" in (ROOT / "docs" / "index.md").read_text("utf-8")
