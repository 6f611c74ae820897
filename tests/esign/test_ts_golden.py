"""Golden bundles of format version 1 keep their verdicts; reports are deterministic."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import Indication, SubIndication, TrustStore, validate
from gaozhi_sdk.esign.report import REPORT_SCHEMA_VERSION, VerificationReport, report_json_schema

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import CASES, trust  # noqa: E402

NAMES = sorted(CASES)


def _verdicts(report: dict[str, Any]) -> Any:
    return (
        report["indication"],
        report["sub_indication"],
        report["validation_time"],
        report["validation_time_source"],
        [(c["name"], c["status"], c["sub_indication"]) for c in report["checks"]],
        [
            (
                s["indication"],
                s["sub_indication"],
                s["best_signature_time"],
                [(c["name"], c["status"], c["sub_indication"]) for c in s["checks"]],
            )
            for s in report["signatures"]
        ],
    )


def test_golden_set_covers_every_case() -> None:
    for name in NAMES:
        assert (GOLDEN / f"{name}.bundle.json").is_file(), name
        assert (GOLDEN / f"{name}.report.json").is_file(), name


@pytest.mark.parametrize("name", NAMES)
def test_golden_bundle_keeps_its_verdict(name: str) -> None:
    at, indication, sub = CASES[name]
    data = (GOLDEN / f"{name}.bundle.json").read_bytes()
    report = validate(data, trust(), at=at)
    assert report.indication.value == indication
    assert (report.sub_indication.value if report.sub_indication else None) == sub
    golden = json.loads((GOLDEN / f"{name}.report.json").read_text("utf-8"))
    now = json.loads(report.model_dump_json())
    assert _verdicts(now) == _verdicts(golden)
    assert now["trust_store_digest"] == golden["trust_store_digest"]
    assert now["schema_version"] == golden["schema_version"] == REPORT_SCHEMA_VERSION


def test_unknown_future_version_names_the_version_it_needs() -> None:
    data = (GOLDEN / "future-version.bundle.json").read_bytes()
    report = validate(data, trust())
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    check = report.checks[0]
    assert "版本 2" in (check.message or "") and "version 2" in (check.message_en or "")
    assert check.found == "需要证据包格式版本 2"


def test_golden_reports_validate_against_the_published_schema() -> None:
    schema = report_json_schema()
    assert schema["properties"]["schema_version"]["const"] == REPORT_SCHEMA_VERSION  # type: ignore[index]
    for name in NAMES:
        golden = json.loads((GOLDEN / f"{name}.report.json").read_text("utf-8"))
        golden["tool"] = {}
        VerificationReport.model_validate_json(json.dumps(golden))


def test_same_input_gives_byte_identical_json_apart_from_the_validation_time() -> None:
    t = trust()
    for name in NAMES:
        data = (GOLDEN / f"{name}.bundle.json").read_bytes()
        a = validate(data, t).model_dump_json()
        fresh = TrustStore(t.roots, tsa_roots=t.tsa_roots)  # a fresh, equal trust store
        b = validate(data, fresh).model_dump_json()
        if CASES[name][0] is None and json.loads(a)["validation_time_source"] == "TIMESTAMP":
            assert a == b, name  # time from the token: fully identical
        ja, jb = json.loads(a), json.loads(b)
        for j in (ja, jb):
            j.pop("validation_time")
            for s in j["signatures"]:
                if s["validation_time_source"] == "SYSTEM_CLOCK":
                    s.pop("validation_time")
        assert json.dumps(ja, sort_keys=True) == json.dumps(jb, sort_keys=True), name


def test_failed_checks_say_what_why_expected_found_and_remedy() -> None:
    for name in NAMES:
        at = CASES[name][0]
        report = validate((GOLDEN / f"{name}.bundle.json").read_bytes(), trust(), at=at)
        for c in report.problems():
            assert c.message and c.message_en, (name, c.name)
            assert c.remedy and c.remedy_en, (name, c.name)
            assert c.expected is not None and c.found is not None, (name, c.name)


def test_report_shows_policy_trust_digest_tools_and_warnings() -> None:
    report = validate((GOLDEN / "pledge-revoked-later.bundle.json").read_bytes(), trust())
    assert report.indication is Indication.TOTAL_PASSED
    assert report.warnings  # revoked after the time-stamp: a warning on TOTAL_PASSED
    assert report.policy_id and report.policy_version
    assert report.tool["cryptography"] and report.tool["asn1crypto"] != "unknown"
    for text in (report.summary_zh(), report.summary_en()):
        assert report.trust_store_digest in text
        assert report.warnings[0][:10] in text


def test_cli_prints_the_report_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["schema", "--report"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$id"].endswith(REPORT_SCHEMA_VERSION)
    assert main(["schema", "--report", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "verification-report.schema.json").read_text("utf-8"))
    assert written == printed


def _reference_verifier() -> dict[str, Any]:
    doc = (Path(__file__).parents[2] / "docs" / "auditor-guide.md").read_text("utf-8")
    lines = doc.splitlines()
    i = lines.index("<!-- reference-verifier -->")
    assert lines[i + 1] == "```python"
    end = lines.index("```", i + 2)
    code = "\n".join(lines[i + 2 : end])
    assert len(code.splitlines()) <= 60
    namespace: dict[str, Any] = {}
    exec(compile(code, "auditor-guide.md", "exec"), namespace)
    return namespace


def test_reference_verifier_in_the_auditor_guide_agrees_with_the_sdk() -> None:
    verify_bundle = _reference_verifier()["verify_bundle"]
    at = CASES["notice-plain"][0]
    roots = list(trust().roots)
    good = (GOLDEN / "notice-plain.bundle.json").read_bytes()
    doc = verify_bundle(good, roots, at)
    assert doc["case_no"] == "CASE-2026-0001"
    for bad in ("notice-tampered", "future-version"):
        with pytest.raises(Exception):  # noqa: B017 - any failure is a refusal
            verify_bundle((GOLDEN / f"{bad}.bundle.json").read_bytes(), roots, at)
