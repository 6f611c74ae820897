"""The command line as a new user meets it (issue 10.5): one table of real subprocess runs.

Every row runs the installed ``gaozhi`` (``python -m gaozhi_sdk``) in a subprocess and
checks the exit code, a piece of the message (Chinese, with its GZ code), that no
traceback is printed, and that no input file changed (SHA-256 of every input before and
after). The behaviours that need signals, terminals or pipes (Ctrl-C, progress on a TTY,
``| head``, a second concurrent ``demo``) follow the table.
"""

from __future__ import annotations

import hashlib
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gaozhi_sdk.cli import build_parser
from gaozhi_sdk.testing import sample_list_text

EX_OK, EX_FAIL, EX_INDETERMINATE, EX_USAGE, EX_INTERRUPTED = 0, 1, 2, 64, 130
GAOZHI = [sys.executable, "-m", "gaozhi_sdk"]
#: the demo's organ (the sample list's owner): ``gaozhi audit --organ`` names it
DEMO_ORGAN = "11411222005123018X"
_ENGLISH = re.compile(r"usage:|options:|show this help|positional arguments|error:")


def run(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (text output, no terminal)."""
    return subprocess.run(
        [*GAOZHI, *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def _hashes(*roots: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if f.name.endswith(("-wal", "-shm")):  # SQLite's side files of a reader
                continue
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _readonly_dir(tmp: Path) -> Path:
    """A folder this process cannot write into (``/sys`` when running as root)."""
    if os.geteuid() == 0:
        return Path("/sys")
    d = tmp / "readonly"
    d.mkdir(exist_ok=True)
    d.chmod(0o555)
    return d


@dataclass
class World:
    """The inputs every row may use: a small demo, lists, bundles, odd files."""

    root: Path
    demo: Path
    inputs: Path
    bundle: Path
    bundle2: Path
    evidence: Path
    case_no: str
    readonly: Path
    subs: dict[str, str] = field(default_factory=dict)

    def fill(self, arg: str, out: Path) -> str:
        """Replace ``{name}`` placeholders (``{out}`` is this row's fresh output folder)."""
        values = {
            "demo": str(self.demo),
            "in": str(self.inputs),
            "out": str(out),
            "bundle": str(self.bundle),
            "bundle2": str(self.bundle2),
            "evidence": str(self.evidence),
            "case": self.case_no,
            "ro": str(self.readonly),
        }
        return arg.format(**values)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("cli-table")
    demo = root / "demo"
    r = run("demo", "--workdir", str(demo), "--applications", "24", "--seed", "7", "--quiet")
    assert r.returncode == 0, r.stderr + r.stdout
    inputs = root / "in"
    inputs.mkdir()
    text = sample_list_text()
    (inputs / "list.yaml").write_text(text, encoding="utf-8")
    (inputs / "list-gbk.yaml").write_bytes(text.encode("gb18030"))
    (inputs / "notpem.pem").write_text("这不是证书\n", encoding="utf-8")
    (inputs / "empty.db").write_bytes(b"")
    (inputs / "a-folder").mkdir()
    (inputs / "a-file").write_text("x", encoding="utf-8")
    (inputs / "nonempty").mkdir()
    (inputs / "nonempty" / "keep.txt").write_text("keep", encoding="utf-8")
    x = run("list", "export", str(inputs / "list.yaml"), "--out", str(inputs / "list.xlsx"))
    assert x.returncode == 0, x.stderr
    cases = run("cases", "--workdir", str(demo), "--json")
    import json

    signed = [c["case_no"] for c in json.loads(cases.stdout) if c["signed"]]
    case_no = signed[0]
    evidence = inputs / "case.zip"
    e = run("evidence", "export", case_no, "--workdir", str(demo), "--out", str(evidence))
    assert e.returncode == 0, e.stderr
    bundles = sorted((demo / "archive" / "bundles" / "pledge").glob("*.bundle.json"))
    w = World(
        root=root,
        demo=demo,
        inputs=inputs,
        bundle=bundles[0],
        bundle2=bundles[1],
        evidence=evidence,
        case_no=case_no,
        readonly=_readonly_dir(root),
    )
    yield w
    if w.readonly != Path("/sys"):
        w.readonly.chmod(0o755)


@dataclass(frozen=True)
class Case:
    """One row: arguments, expected exit code and texts, what the row must not see."""

    id: str
    args: tuple[str, ...]
    code: int
    err: tuple[str, ...] = ()
    out: tuple[str, ...] = ()
    stdin: str | None = None
    env: tuple[tuple[str, str], ...] = ()


TABLE: list[Case] = [
    # -- path problems: one coded message, exit 64 ---------------------------------------------
    Case(
        "export-out-is-folder",
        ("list", "export", "{in}/list.yaml", "--out", "{in}/a-folder"),
        64,
        ("GZ-CLI-009", "目录"),
    ),
    Case(
        "export-missing-parent",
        ("list", "export", "{in}/list.yaml", "--out", "{out}/no/y.xlsx"),
        64,
        ("GZ-CLI-009", "上级目录", "不存在"),
    ),
    Case(
        "export-readonly-folder",
        ("list", "export", "{in}/list.yaml", "--out", "{ro}/y.xlsx"),
        64,
        ("GZ-CLI-009",),
    ),
    Case(
        "report-out-is-folder",
        ("report", "--workdir", "{demo}", "--out", "{in}/a-folder"),
        64,
        ("GZ-CLI-009", "目录"),
    ),
    Case(
        "report-missing-parent",
        ("report", "--workdir", "{demo}", "--out", "{out}/no/r.md"),
        64,
        ("GZ-CLI-009", "上级目录"),
    ),
    Case(
        "report-readonly-folder",
        ("report", "--workdir", "{demo}", "--out", "{ro}/r.md"),
        64,
        ("GZ-CLI-009",),
    ),
    Case(
        "schema-out-dir-is-file",
        ("schema", "--out-dir", "{in}/a-file"),
        64,
        ("GZ-CLI-009", "不是目录"),
    ),
    Case("schema-readonly-folder", ("schema", "--out-dir", "{ro}/schemas"), 64, ("GZ-CLI-009",)),
    Case("import-input-is-folder", ("list", "import", "{in}/a-folder"), 64, ("GZ-CLI-006", "目录")),
    Case(
        "import-missing-input",
        ("list", "import", "{in}/nope.xlsx"),
        64,
        ("GZ-CLI-006", "文件不存在"),
    ),
    Case(
        "import-out-is-folder",
        ("list", "import", "{in}/list.xlsx", "--out", "{in}/a-folder"),
        64,
        ("GZ-CLI-009",),
    ),
    Case("import-not-xlsx", ("list", "import", "{in}/list.yaml"), 64, ("GZ-CLI-012", "XLSX")),
    Case(
        "evidence-out-is-folder",
        ("evidence", "export", "{case}", "--workdir", "{demo}", "--out", "{in}/a-folder"),
        64,
        ("GZ-CLI-009",),
    ),
    Case(
        "evidence-missing-parent",
        ("evidence", "export", "{case}", "--workdir", "{demo}", "--out", "{out}/no/e.zip"),
        64,
        ("GZ-CLI-009", "上级目录"),
    ),
    Case(
        "evidence-readonly-folder",
        ("evidence", "export", "{case}", "--workdir", "{demo}", "--out", "{ro}/e.zip"),
        64,
        ("GZ-CLI-009",),
    ),
    Case(
        "demo-workdir-not-empty",
        ("demo", "--workdir", "{in}/nonempty", "--quiet"),
        64,
        ("GZ-CLI-010",),
    ),
    Case(
        "demo-workdir-is-file", ("demo", "--workdir", "{in}/a-file", "--quiet"), 64, ("GZ-CLI-010",)
    ),
    Case(
        "demo-readonly-parent", ("demo", "--workdir", "{ro}/demo", "--quiet"), 64, ("GZ-CLI-018",)
    ),
    # -- wrong codes fixed -------------------------------------------------------------------
    Case(
        "verify-bad-trust-file",
        ("verify", "{bundle}", "--trust", "{in}/notpem.pem"),
        64,
        ("GZ-CLI-013", "notpem.pem"),
    ),
    Case(
        "verify-trust-folder-with-keys",
        ("verify", "{bundle}", "--trust", "{demo}/pki"),
        0,
        ("已跳过", "seal.key.pem"),
        ("TOTAL_PASSED",),
    ),
    Case(
        "list-check-gbk",
        ("list", "check", "{in}/list-gbk.yaml"),
        64,
        ("GZ-CLI-012", "UTF-8", "GBK"),
    ),
    Case("list-check-folder", ("list", "check", "{in}/a-folder"), 64, ("GZ-CLI-006", "目录")),
    Case(
        "verify-zip-points-to-audit",
        ("verify", "{evidence}", "--trust", "{demo}/pki"),
        64,
        ("GZ-CLI-012", "gaozhi audit"),
    ),
    Case(
        "audit-jobs-zero", ("audit", "{demo}/archive", "--jobs", "0"), 64, ("GZ-CLI-001", "正整数")
    ),
    Case(
        "demo-applications-zero",
        ("demo", "--workdir", "{out}/d", "--applications", "0"),
        64,
        ("GZ-CLI-001", "正整数"),
    ),
    Case("unknown-subcommand", ("nonsense",), 64, ("GZ-CLI-001", "无效")),
    # -- quietly wrong output fixed ------------------------------------------------------------
    Case(
        "export-docx-by-extension",
        ("list", "export", "{in}/list.yaml", "--out", "{out}/y.docx"),
        0,
        (),
        ("DOCX",),
    ),
    Case(
        "export-unknown-extension",
        ("list", "export", "{in}/list.yaml", "--out", "{out}/y.txt"),
        64,
        ("GZ-CLI-017",),
    ),
    Case(
        "export-format-contradicts-extension",
        ("list", "export", "{in}/list.yaml", "--format", "xlsx", "--out", "{out}/y.docx"),
        64,
        ("GZ-CLI-017",),
    ),
    Case(
        "report-xlsx-by-extension",
        ("report", "--workdir", "{demo}", "--out", "{out}/r.xlsx"),
        0,
        (),
        ("XLSX",),
    ),
    Case(
        "report-empty-file-not-a-store",
        ("report", "--db", "{in}/empty.db"),
        64,
        ("GZ-CLI-012", "空文件"),
    ),
    Case(
        "evidence-trust-not-pem",
        (
            "evidence",
            "export",
            "{case}",
            "--workdir",
            "{demo}",
            "--out",
            "{out}/e.zip",
            "--trust",
            "{in}/notpem.pem",
        ),
        64,
        ("GZ-CLI-013", "notpem.pem"),
    ),
    Case(
        "events-replay-unknown-id",
        ("events", "replay", "--workdir", "{demo}", "--id", "987654"),
        64,
        ("GZ-CLI-015", "987654"),
    ),
    Case(
        "disable-plugins-misspelt",
        ("plugins",),
        0,
        ("GAOZHI_SDK_DISABLE_PLUGINS", "exmaple"),
        env=(("GAOZHI_SDK_DISABLE_PLUGINS", "exmaple"),),
    ),
    # -- output ------------------------------------------------------------------------------
    Case("bare-gaozhi-shows-help", (), 0, (), ("用法: gaozhi", "示例:")),
    Case(
        "verify-quiet-one-line-total",
        ("verify", "{bundle}", "{bundle2}", "--trust", "{demo}/pki", "--quiet"),
        0,
        (),
        ("合计 2 个签名文件: 通过 2",),
    ),
    Case(
        "verify-revocation-note-once",
        ("verify", "{bundle}", "{bundle2}", "--trust", "{demo}/pki"),
        0,
        ("--require-revocation",),
    ),
    Case(
        "audit-without-organ-is-indeterminate",
        ("audit", "{demo}/archive", "--trust", "{demo}/pki", "--quiet"),
        2,
        (),
        ("结论: 不确定",),
    ),
    Case(
        "audit-quiet-one-line",
        ("audit", "{demo}/archive", "--trust", "{demo}/pki", "--organ", DEMO_ORGAN, "--quiet"),
        0,
        (),
        ("结论: 通过",),
    ),
    Case(
        "verify-reads-stdin",
        ("verify", "-", "--trust", "{demo}/pki", "--quiet"),
        0,
        (),
        ("合计 1 个签名文件: 通过 1",),
        stdin="{bundle}",
    ),
    Case(
        "list-check-reads-stdin",
        ("list", "check", "-"),
        0,
        (),
        ("0 个错误",),
        stdin="{in}/list.yaml",
    ),
    Case(
        "report-workdir-flag",
        ("report", "--workdir", "{demo}", "--format", "json"),
        0,
        (),
        ('"totals"',),
    ),
    Case("report-db-folder-deprecated", ("report", "--db", "{demo}"), 0, ("--workdir", "弃用")),
    Case("schema-out-deprecated", ("schema", "Case", "--out", "{out}/s"), 0, ("--out-dir", "弃用")),
    Case("cases-lists-case-numbers", ("cases", "--workdir", "{demo}"), 0, (), ("{case}", "合计")),
    Case("completion-bash", ("completion", "bash"), 0, (), ("complete -o default", "evidence")),
    Case("completion-zsh", ("completion", "zsh"), 0, (), ("bashcompinit",)),
    Case(
        "plugin-new-hint-installs-test-extra",
        ("plugin", "new", "tablecheck", "--dir", "{out}"),
        0,
        (),
        (".[test]",),
    ),
    Case("version", ("--version",), 0, (), ("gaozhi-sdk",)),
]


@pytest.mark.parametrize("case", TABLE, ids=lambda c: c.id)
def test_cli_table(case: Case, world: World, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    args = [world.fill(a, out) for a in case.args]
    stdin = Path(world.fill(case.stdin, out)).read_bytes() if case.stdin else None
    before = _hashes(world.demo, world.inputs)
    r = run(*args, stdin=stdin, env=dict(case.env), cwd=tmp_path)
    assert _hashes(world.demo, world.inputs) == before, "an input file changed"
    assert r.returncode == case.code, r.stdout[-2000:] + r.stderr[-2000:]
    assert "Traceback" not in r.stderr, r.stderr
    for text in case.err:
        assert world.fill(text, out) in r.stderr, r.stderr
    for text in case.out:
        assert world.fill(text, out) in r.stdout, r.stdout[-2000:]
    if case.code == EX_USAGE:
        assert len(r.stderr.strip().splitlines()) <= 4, "one coded message, not a dump"


def test_output_files_carry_the_format_of_their_extension(world: World, tmp_path: Path) -> None:
    """``--out y.docx`` writes DOCX and ``--out r.xlsx`` writes XLSX (not another format)."""
    docx, xlsx, md = tmp_path / "y.docx", tmp_path / "r.xlsx", tmp_path / "r.md"
    assert (
        run("list", "export", str(world.inputs / "list.yaml"), "--out", str(docx)).returncode == 0
    )
    assert run("report", "--workdir", str(world.demo), "--out", str(xlsx)).returncode == 0
    assert run("report", "--workdir", str(world.demo), "--out", str(md)).returncode == 0
    assert "word/document.xml" in zipfile.ZipFile(docx).namelist()
    assert "xl/workbook.xml" in zipfile.ZipFile(xlsx).namelist()
    assert md.read_text(encoding="utf-8").startswith("# ")


def test_report_on_an_empty_file_leaves_it_empty(world: World) -> None:
    empty = world.inputs / "empty.db"
    run("report", "--db", str(empty))
    assert empty.stat().st_size == 0


def test_demo_private_keys_are_owner_only(world: World) -> None:
    keys = list((world.demo / "pki").rglob("*.key.pem"))
    assert keys
    assert all(k.stat().st_mode & 0o777 == 0o600 for k in keys)
    assert (world.demo / "pki").stat().st_mode & 0o777 == 0o700


def test_demo_summary_names_documents_and_private_keys(tmp_path: Path) -> None:
    r = run("demo", "--workdir", str(tmp_path / "d"), "--applications", "10", "--quiet")
    assert r.returncode == 0, r.stderr  # a small run is not a failure (issue 10.5)
    assert "documents" in r.stdout and "含私钥" in r.stdout and "0600" in r.stdout
    assert "{" not in r.stdout, "no raw dict in the summary"
    assert not re.search(r"^\s+\w+: \d+$", r.stdout, re.M), "every total has a Chinese label"
    assert not re.search(r"\(\w+\): $", r.stdout, re.M), "no empty state line"


# -- help ----------------------------------------------------------------------------------


def _leaves() -> list[tuple[str, ...]]:
    def walk(node: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        import argparse

        assert isinstance(node, argparse.ArgumentParser)
        kids = next(
            (dict(a.choices) for a in node._actions if isinstance(a, argparse._SubParsersAction)),
            {},
        )
        yield path
        for name, child in kids.items():
            yield from walk(child, (*path, name))

    return list(walk(build_parser(), ()))


@pytest.mark.parametrize("path", _leaves(), ids=lambda p: " ".join(p) or "gaozhi")
def test_help_is_chinese_with_examples(path: tuple[str, ...]) -> None:
    r = run(*path, "--help", env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    assert not _ENGLISH.search(r.stdout), r.stdout
    assert r.stdout.startswith("用法: gaozhi")
    assert "示例:" in r.stdout and "  gaozhi " in r.stdout.split("示例:")[1], r.stdout


def test_argparse_errors_are_chinese() -> None:
    r = run("demo")
    assert r.returncode == 64 and "缺少必需的参数: --workdir" in r.stderr
    assert not _ENGLISH.search(r.stderr), r.stderr


def test_bash_completion_completes_subcommands_and_options() -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = run("completion", "bash").stdout
    probe = (
        script
        + '\nCOMP_WORDS=(gaozhi li); COMP_CWORD=1; _gaozhi; echo "A:${COMPREPLY[*]}"'
        + '\nCOMP_WORDS=(gaozhi list ex); COMP_CWORD=2; _gaozhi; echo "B:${COMPREPLY[*]}"'
        + '\nCOMP_WORDS=(gaozhi audit x --jo); COMP_CWORD=3; _gaozhi; echo "C:${COMPREPLY[*]}"'
    )
    r = subprocess.run(
        ["bash", "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert "A:list" in r.stdout and "B:export" in r.stdout and "C:--jobs" in r.stdout, r


# -- pipes, terminals and signals -------------------------------------------------------------


def test_closed_pipe_is_quiet_and_keeps_the_exit_code(world: World) -> None:
    """``gaozhi verify … | head -1``: no BrokenPipeError, and the exit code (2 here:
    INDETERMINATE under --require-revocation) is the same as without the pipe."""
    bundles = [str(p) for p in sorted((world.demo / "archive" / "bundles").rglob("*.bundle.json"))]
    args = ["verify", *(bundles * 4), "--trust", str(world.demo / "pki"), "--require-revocation"]
    proc = subprocess.Popen([*GAOZHI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader went away, like `head -1`
    err = proc.stderr.read().decode("utf-8")
    code = proc.wait(timeout=300)
    assert "BrokenPipeError" not in err and "Traceback" not in err, err
    full = run(*args)
    assert len(full.stdout.encode("utf-8")) > 128 * 1024, "output must overflow the pipe"
    assert full.returncode == EX_INDETERMINATE
    assert code == full.returncode


def test_progress_only_on_a_terminal_with_phase_labels(tmp_path: Path) -> None:
    """On a terminal, demo draws bars and names its silent stages; piped, it draws nothing."""
    text = _on_terminal(
        [*GAOZHI, "demo", "--workdir", str(tmp_path / "tty"), "--applications", "6"]
    )
    assert "demo [" in text and "6/6" in text
    assert "导出证据归档" in text and "事中核查与作出决定" in text
    piped = run("demo", "--workdir", str(tmp_path / "pipe"), "--applications", "6")
    assert (
        piped.returncode == 0
        and "demo [" not in piped.stderr
        and "导出证据归档" not in piped.stderr
    )
    # audit names its silent stretches on a terminal too (manifest, files, journal, bundles)
    audit = [*GAOZHI, "audit", str(tmp_path / "pipe" / "archive"), "--jobs", "1"]
    audit += ["--trust", str(tmp_path / "pipe" / "pki"), "--organ", DEMO_ORGAN]
    text = _on_terminal(audit)
    assert "核对台账哈希链与检查点" in text and "验证签名文件" in text, text
    quiet = run(*audit[len(GAOZHI) :])
    assert quiet.returncode == 0 and "核对台账哈希链与检查点" not in quiet.stderr


def _on_terminal(args: list[str]) -> str:
    """Run ``args`` with stderr on a pseudo-terminal; return what it drew there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=300) == 0
    return seen.decode("utf-8", "replace")


def _interrupt_after(proc: subprocess.Popen[bytes], needle: bytes, timeout: float = 120) -> bytes:
    """Read stderr until ``needle`` appears, then send SIGINT to the process group."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stderr.fileno(), False)
    while needle not in seen and time.monotonic() < deadline:
        chunk = proc.stderr.read()
        if chunk:
            seen += chunk
        time.sleep(0.05)
    assert needle in seen, seen[-2000:]
    os.killpg(proc.pid, signal.SIGINT)
    return seen


def test_ctrl_c_during_demo_leaves_the_workdir_untouched(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    proc = subprocess.Popen(
        [*GAOZHI, "demo", "--workdir", str(work), "--applications", "400"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    stage = tmp_path / ".demo.demo-partial"
    while not (stage / "gaozhi.db").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    text = err.decode("utf-8")
    assert proc.returncode == EX_INTERRUPTED, text
    assert "GZ-CLI-016" in text and "Traceback" not in text, text
    assert not work.exists(), "no partial workdir"
    assert not stage.exists(), "no staging folder left behind"
    again = run("demo", "--workdir", str(work), "--applications", "4", "--quiet")
    assert again.returncode == 0, again.stderr  # the same workdir is usable right away


def test_a_second_demo_into_the_same_workdir_is_refused(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    first = subprocess.Popen(
        [*GAOZHI, "demo", "--workdir", str(work), "--applications", "300", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stage = tmp_path / ".demo.demo-partial"
        deadline = time.monotonic() + 120
        while not stage.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run("demo", "--workdir", str(work), "--applications", "2", "--quiet")
        assert second.returncode == 64 and "GZ-CLI-014" in second.stderr, second.stderr
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=120)
    assert first.returncode == EX_INTERRUPTED


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.add(int(entry.name))
    return kids


def test_ctrl_c_during_audit_stops_the_workers(world: World, tmp_path: Path) -> None:
    """Interrupted with its worker pool running, audit exits 130 and leaves no process."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see worker processes")
    big = tmp_path / "archive"
    shutil.copytree(world.demo / "archive", big)
    pledges = sorted((big / "bundles" / "pledge").glob("*.bundle.json"))
    for i in range(4000):  # enough bundles that the pool is busy when the signal comes
        shutil.copy(pledges[i % len(pledges)], big / "bundles" / "pledge" / f"copy-{i}.bundle.json")
    proc = subprocess.Popen(
        [*GAOZHI, "audit", str(big), "--trust", str(world.demo / "pki"), "--jobs", "2", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the worker pool did not start"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    text = err.decode("utf-8")
    assert proc.returncode == EX_INTERRUPTED, text
    assert "Traceback" not in text and "GZ-CLI-016" in text, text
    time.sleep(0.5)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()]
    assert alive == [], "worker processes left behind"


def test_python_dash_m_gaozhi_sdk_is_the_command() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0 and r.stdout.startswith("用法: gaozhi")


def test_tempfile_is_not_left_when_the_output_cannot_be_written(world: World) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        target = folder / "y.xlsx"
        target.mkdir()  # the output is a folder: refused before anything is written
        run("list", "export", str(world.inputs / "list.yaml"), "--out", str(target))
        assert [p.name for p in folder.iterdir()] == ["y.xlsx"]
    finally:
        shutil.rmtree(folder)
