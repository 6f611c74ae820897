"""The ``gaozhi`` command: demo, audit (tamper detection), verify, list check, schema, report.

Contracts: DESIGN §8 (exit codes 0/1/2/64, archive layout), issue "Core SDK" done-when:
changing any byte of any bundle or journal line makes ``gaozhi audit`` exit non-zero and
name what failed.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.archive import audit_archive
from gaozhi_sdk.cli import main

ROOT = Path(__file__).resolve().parents[1]


def gaozhi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "out"
    r = gaozhi("demo", "--workdir", str(d), "--applications", "40", "--seed", "7")
    assert r.returncode == 0, r.stderr + r.stdout
    assert "全部状态均已到达" in r.stdout
    assert "demo [" not in r.stderr  # progress is drawn only on a terminal (issue 10.5)
    return d


def test_demo_leaves_db_archive_and_report(demo_dir: Path) -> None:
    assert (demo_dir / "gaozhi.db").is_file()
    assert (demo_dir / "report.md").read_text(encoding="utf-8").startswith("# ")
    stats = json.loads((demo_dir / "report.json").read_text(encoding="utf-8"))
    assert stats["totals"]["cases"] >= 40
    bundles = list((demo_dir / "archive" / "bundles").rglob("*.bundle.json"))
    assert len(bundles) > 40
    assert list((demo_dir / "archive" / "trust").glob("*.pem"))


def test_demo_refuses_non_empty_workdir(demo_dir: Path) -> None:
    r = gaozhi("demo", "--workdir", str(demo_dir), "--applications", "2")
    assert r.returncode == 64
    assert "GZ-CLI-010" in r.stderr


#: the demo's organ (the sample list's owner, 三门峡市陕州区人民政府)
DEMO_ORGAN = "11411222005123018X"


def _anchors(demo_dir: Path) -> list[str]:
    """The auditor's anchors, passed explicitly (never the archive's own trust/ copies): the
    demo's root certificates (signing) and its TSA root (time-stamping); and the organ whose
    archive the auditor expects (--organ)."""
    pki = demo_dir / "pki"
    roots = [str(p) for p in sorted(pki.glob("*root.pem"))]
    return [*(x for r in roots for x in ("--trust", r)), "--tsa-trust", str(pki / "tsa")]


def _audit_args(demo_dir: Path) -> list[str]:
    """``_anchors`` and the organ whose archive the auditor expects (``--organ``)."""
    return [*_anchors(demo_dir), "--organ", DEMO_ORGAN]


def _anchor_pems(demo_dir: Path) -> dict[str, list[bytes]]:
    pki = demo_dir / "pki"
    return {
        "trust_pems": [p.read_bytes() for p in sorted(pki.glob("*root.pem"))],
        "tsa_trust_pems": [p.read_bytes() for p in (pki / "tsa").glob("*.pem")],
        "organ_uscc": [DEMO_ORGAN],
    }


def test_audit_passes_on_demo_archive(demo_dir: Path) -> None:
    r = gaozhi("audit", str(demo_dir / "archive"), *_audit_args(demo_dir))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "结论: 通过" in r.stdout
    # Without the auditor's anchors: integrity checked, verdict at best INDETERMINATE.
    bare = gaozhi("audit", str(demo_dir / "archive"))
    assert bare.returncode == 2, bare.stdout + bare.stderr
    assert "trust/" in bare.stdout and "不被信任" in bare.stdout
    # Without --organ: the sealing organ is not confirmed, at best INDETERMINATE (issue 9).
    unnamed = gaozhi("audit", str(demo_dir / "archive"), *_anchors(demo_dir))
    assert unnamed.returncode == 2, unnamed.stdout + unnamed.stderr
    assert f"--organ {DEMO_ORGAN}" in unnamed.stdout and "结论: 不确定" in unnamed.stdout
    j = gaozhi("audit", str(demo_dir / "archive"), *_audit_args(demo_dir), "--json")
    report = json.loads(j.stdout)
    assert report["exit_code"] == 0
    assert report["bundles"]["TOTAL_FAILED"] == 0


def _copy(demo_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "archive"
    shutil.copytree(demo_dir / "archive", dst)
    return dst


def _flip(path: Path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", range(6))
def test_any_flipped_byte_in_any_bundle_is_detected_and_named(
    demo_dir: Path, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    arch = _copy(demo_dir, tmp_path)
    target = rng.choice(sorted((arch / "bundles").rglob("*.bundle.json")))
    _flip(target, rng.randrange(target.stat().st_size))
    report = audit_archive(arch, jobs=1, **_anchor_pems(demo_dir))
    rel = target.relative_to(arch).as_posix()
    assert report.exit_code != 0
    assert any(c.path == rel and c.status != "PASSED" for c in report.checks)


@pytest.mark.parametrize("seed", range(6))
def test_any_flipped_byte_in_any_journal_line_is_detected(
    demo_dir: Path, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(100 + seed)
    arch = _copy(demo_dir, tmp_path)
    journal = arch / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    i = rng.randrange(len(lines))
    line = bytearray(lines[i])
    line[rng.randrange(len(line) - 1)] ^= 0x01  # never the trailing newline
    lines[i] = bytes(line)
    journal.write_bytes(b"".join(lines))
    report = audit_archive(arch, jobs=1, **_anchor_pems(demo_dir))
    assert report.exit_code == 1
    assert any(c.path == "journal.jsonl" and c.status == "FAILED" for c in report.checks)


def test_deleted_reordered_and_extra_files_are_detected(demo_dir: Path, tmp_path: Path) -> None:
    arch = _copy(demo_dir, tmp_path)
    victim = sorted((arch / "bundles").rglob("*.bundle.json"))[0]
    victim.unlink()
    (arch / "bundles" / "forged.bundle.json").write_bytes(b"{}")
    journal = arch / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3], lines[4] = lines[4], lines[3]
    journal.write_bytes(b"".join(lines))
    report = audit_archive(arch, jobs=1, **_anchor_pems(demo_dir))
    names = {c.name for c in report.checks if c.status != "PASSED"}
    assert {"file_missing", "file_unlisted", "journal"} <= names
    assert report.exit_code == 1


def test_truncated_journal_is_detected(demo_dir: Path, tmp_path: Path) -> None:
    arch = _copy(demo_dir, tmp_path)
    journal = arch / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:-5]))
    report = audit_archive(arch, jobs=1, **_anchor_pems(demo_dir))
    assert report.exit_code == 1


def test_audit_cli_names_the_tampered_file(demo_dir: Path, tmp_path: Path) -> None:
    arch = _copy(demo_dir, tmp_path)
    target = sorted((arch / "bundles" / "pledge").glob("*.bundle.json"))[0]
    _flip(target, 200)
    r = gaozhi("audit", str(arch), *_audit_args(demo_dir))
    assert r.returncode == 1
    assert target.name in r.stdout


def test_audit_with_foreign_trust_is_not_passed(demo_dir: Path, tmp_path: Path) -> None:
    from gaozhi_sdk.testing.pki import TestPKI

    other = TestPKI.create().write_trust(tmp_path / "other")
    r = gaozhi("audit", str(demo_dir / "archive"), "--trust", str(other))
    assert r.returncode != 0


def test_audit_of_a_non_archive_is_a_usage_error(tmp_path: Path) -> None:
    r = gaozhi("audit", str(tmp_path))
    assert r.returncode == 64
    assert "GZ-AR-002" in r.stderr


def test_verify_exit_codes(demo_dir: Path, tmp_path: Path) -> None:
    trust = demo_dir / "archive" / "trust"
    bundle = sorted((demo_dir / "archive" / "bundles" / "notice").glob("*.bundle.json"))[0]
    ok = gaozhi("verify", str(bundle), "--trust", str(trust))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "TOTAL_PASSED" in ok.stdout
    bad = tmp_path / "bad.bundle.json"
    data = json.loads(bundle.read_text(encoding="utf-8"))
    sig = data["dsseEnvelope"]["signatures"][0]["sig"]
    data["dsseEnvelope"]["signatures"][0]["sig"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert gaozhi("verify", str(bad), "--trust", str(trust)).returncode == 1
    from gaozhi_sdk.testing.pki import TestPKI

    foreign = TestPKI.create().write_trust(tmp_path / "foreign")
    assert gaozhi("verify", str(bundle), "--trust", str(foreign)).returncode == 2
    assert gaozhi("verify", str(bundle)).returncode == 64
    assert (
        gaozhi("verify", str(bundle), "--trust", str(trust), "--at", "yesterday").returncode == 64
    )
    js = gaozhi(
        "verify", str(bundle), "--trust", str(trust), "--json", "--at", "2026-06-01T09:00:00+08:00"
    )
    assert js.returncode == 0
    assert "2026-06-01" in js.stdout  # the requested validation time is echoed


def test_verify_offline_opens_no_socket(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("offline verification opened a socket")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    bundle = sorted((demo_dir / "archive" / "bundles" / "pledge").glob("*.bundle.json"))[0]
    assert main(["verify", str(bundle), *_anchors(demo_dir), "--offline"]) == 0


def test_list_check_sample_and_bad_fixture() -> None:
    good = gaozhi("list", "check", str(ROOT / "examples" / "commitment_list.yaml"))
    assert good.returncode == 0, good.stdout
    bad = gaozhi("list", "check", str(ROOT / "examples" / "bad_commitment_list.yaml"))
    assert bad.returncode == 1
    assert "ERROR" in bad.stdout
    assert "R-006" in bad.stdout
    missing = gaozhi("list", "check", "/nonexistent/list.yaml")
    assert missing.returncode != 0


def test_schema_prints_and_writes_every_model(tmp_path: Path) -> None:
    one = gaozhi("schema", "Pledge")
    assert one.returncode == 0
    assert json.loads(one.stdout)["title"] == "Pledge"
    r = gaozhi("schema", "--out", str(tmp_path))
    assert r.returncode == 0
    from gaozhi_sdk.models import ENTITY_MODELS

    assert {p.name for p in tmp_path.glob("*.schema.json")} == {
        f"{n}.schema.json" for n in ENTITY_MODELS
    }
    assert gaozhi("schema", "NoSuchModel").returncode == 64


def test_report_markdown_and_json(demo_dir: Path, tmp_path: Path) -> None:
    md = gaozhi("report", "--db", str(demo_dir))
    assert md.returncode == 0
    assert "分机关、分事项统计" in md.stdout
    out = tmp_path / "r.json"
    js = gaozhi(
        "report", "--db", str(demo_dir / "gaozhi.db"), "--format", "json", "--out", str(out)
    )
    assert js.returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["totals"]["cases"] >= 40
    assert gaozhi("report", "--db", str(tmp_path / "none.db")).returncode == 64


def _report_json(*args: str) -> dict[str, Any]:
    done = gaozhi("report", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_r079_report_for_a_period_and_an_organ(demo_dir: Path) -> None:
    """``gaozhi report --from --to [--organ]``: disjoint periods add up to the whole, a
    period before the first case is empty, bad dates are usage errors (exit 64)."""
    db = str(demo_dir / "gaozhi.db")
    whole = _report_json("--db", db)
    january = _report_json("--db", db, "--from", "2026-01-01", "--to", "2026-01-31")
    rest = _report_json("--db", db, "--from", "2026-02-01", "--to", "2099-12-31")
    assert january["period_from"] == "2026-01-01" and january["period_to"] == "2026-01-31"
    assert 0 < january["totals"]["cases"] < whole["totals"]["cases"]
    for key in ("cases", "pledges", "withdrawals", "verifications", "credit_records"):
        assert january["totals"][key] + rest["totals"][key] == whole["totals"][key], key
    assert _report_json("--db", db, "--to", "2025-12-31")["totals"]["cases"] == 0
    organs = {e["organ_uscc"] for e in whole["entries"]}
    per_organ = [_report_json("--db", db, "--organ", o)["totals"]["cases"] for o in organs]
    assert sum(per_organ) == whole["totals"]["cases"]
    md = gaozhi("report", "--db", db, "--from", "2026-01-01", "--to", "2026-01-31")
    assert "统计期间 (按受理时间): 2026-01-01 至 2026-01-31" in md.stdout
    for bad in (["--from", "2026-13-01"], ["--from", "2026-03-01", "--to", "2026-02-01"]):
        done = gaozhi("report", "--db", db, *bad)
        assert done.returncode == 64 and "GZ-CLI-052" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_r079_sql_statistics_equal_the_reference_on_the_demo(demo_dir: Path) -> None:
    """On the demo's store (every state of every machine) the statistics grouped by SQL
    equal :func:`compute_statistics` over every model."""
    from gaozhi_sdk.rules import compute_statistics
    from gaozhi_sdk.service import PledgeService

    with PledgeService.open(f"sqlite:///{demo_dir / 'gaozhi.db'}") as svc:
        by_sql = svc.statistics()
        reference = compute_statistics(
            svc.cases.list(),
            svc.verifications.list(),
            svc.credit.dispositions(),
            svc.credit.list(),
            svc.complaints.list(),
            generated_at=by_sql.generated_at,
            penalties_refused_for_limitation=svc.store.count("limitation_refusal"),
            pledges_by_signing_method=svc.signing.method_counts(),
        )
    assert by_sql == reference
    assert by_sql.totals["cases"] >= 40 and by_sql.credit_by_status


def test_usage_errors_exit_64() -> None:
    bare = gaozhi()  # a bare `gaozhi` shows the help (issue 10.5)
    assert bare.returncode == 0 and "用法: gaozhi" in bare.stdout and "示例:" in bare.stdout
    assert gaozhi("demo").returncode == 64
    assert gaozhi("demo", "--workdir", "x", "--applications", "zero").returncode == 64
    assert gaozhi("nonsense").returncode == 64


def test_demo_output_carries_no_full_identifier(demo_dir: Path) -> None:
    """PII (R-092): journal and archive never carry a full applicant identifier."""
    import sqlite3

    con = sqlite3.connect(demo_dir / "gaozhi.db")
    ids = [
        json.loads(doc)["applicant"]["id_number"]
        for (doc,) in con.execute("SELECT doc FROM records WHERE kind='case'")
    ]
    con.close()
    journal = (demo_dir / "archive" / "journal.jsonl").read_text(encoding="utf-8")
    assert ids
    for i in ids:
        assert i not in journal


def test_rewritten_journal_with_recomputed_hashes_is_detected(
    demo_dir: Path, tmp_path: Path
) -> None:
    """A forger who rewrites an entry and recomputes the whole chain is still caught:
    the signed manifest and the signed journal checkpoints pin the original hashes."""
    from gaozhi_sdk.store.journal import entry_hash, read_jsonl, write_jsonl

    arch = _copy(demo_dir, tmp_path)
    entries = [dict(e) for e in read_jsonl(arch / "journal.jsonl")]
    entries[2]["event"] = entries[2]["event"] + ".forged"
    prev = entries[1]["hash"]
    for e in entries[2:]:
        e["prev_hash"] = prev
        e["hash"] = entry_hash({k: v for k, v in e.items() if k != "hash"})
        prev = e["hash"]
    write_jsonl(entries, arch / "journal.jsonl")
    report = audit_archive(arch, jobs=1, **_anchor_pems(demo_dir))
    assert report.exit_code == 1
    failed = {c.name for c in report.checks if c.status == "FAILED"}
    assert "checkpoint" in failed


def test_demo_pki_carries_every_root_the_archive_needs_each_for_its_purpose(
    demo_dir: Path,
) -> None:
    """Issue 9: the demo's pki/ holds the signing roots and, in pki/tsa/, the TSA root; with
    exactly those the archive audits clean. Every stored document carries the organ TSA's
    token, which counts only under a time-stamping anchor; the archive keeps its TSA copy
    apart in trust/tsa/."""
    pki = demo_dir / "pki"
    signing = [p.read_bytes() for p in (pki / "root.pem", pki / "sm2-root.pem") if p.is_file()]
    tsa = [p.read_bytes() for p in sorted((pki / "tsa").glob("*.pem"))]
    assert signing and tsa
    assert [p.read_bytes() for p in (demo_dir / "archive" / "trust" / "tsa").glob("*.pem")] == tsa
    report = audit_archive(
        demo_dir / "archive", trust_pems=signing, tsa_trust_pems=tsa, jobs=1, organ_uscc=DEMO_ORGAN
    )
    assert report.exit_code == 0, report.checks
    assert report.bundles["TOTAL_PASSED"] > 40
    # The TSA root given as a signing anchor vouches for no time-stamp: nothing passes.
    mixed = audit_archive(
        demo_dir / "archive", trust_pems=signing + tsa, jobs=1, organ_uscc=DEMO_ORGAN
    )
    assert mixed.exit_code == 2 and mixed.bundles["TOTAL_PASSED"] == 0
