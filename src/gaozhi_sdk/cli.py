"""The ``gaozhi`` command (DESIGN §8): thin — it parses, calls the API and prints.

Exit codes: 0 success / every bundle TOTAL_PASSED; 1 a failure (TOTAL_FAILED, lint
errors, integrity failure); 2 nothing failed but something is INDETERMINATE; 64 usage or
environment errors (bad arguments, unreadable files).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from gaozhi_sdk import __version__
from gaozhi_sdk.errors import GaozhiError

__all__ = ["main"]

EX_OK, EX_FAIL, EX_INDETERMINATE, EX_USAGE = 0, 1, 2, 64


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"gaozhi: 参数错误 (GZ-CLI-001): {message}\n")
        raise SystemExit(EX_USAGE)


def _usage(code: str, msg: str) -> int:
    sys.stderr.write(f"gaozhi: [{code}] {msg}\n")
    return EX_USAGE


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise GaozhiError("GZ-CLI-002", f"--at 须为 ISO 8601 时间 (含时区): {value}") from None
    if t.tzinfo is None:
        raise GaozhiError("GZ-CLI-002", f"--at 须带时区, 如 2026-05-01T09:00:00+08:00: {value}")
    return t


def _read_pems(paths: Sequence[str]) -> list[bytes]:
    out = []
    for p in paths:
        path = Path(p)
        files = sorted(path.glob("*.pem")) if path.is_dir() else [path]
        for f in files:
            try:
                out.append(f.read_bytes())
            except OSError as exc:
                raise GaozhiError("GZ-CLI-003", f"无法读取信任锚 {f}: {exc.strerror}") from exc
    return out


def _read_trust_dirs(paths: Sequence[str]) -> tuple[list[bytes], list[bytes]]:
    """(signing PEMs, time-stamping PEMs): a folder's ``tsa/*.pem`` are TSA anchors.

    That is the layout archives and evidence packages write (DESIGN §4: anchors have a
    purpose); files named directly are document-signing anchors.
    """
    tsa: list[bytes] = []
    for p in paths:
        sub = Path(p) / "tsa"
        if sub.is_dir():
            tsa.extend(_read_pems([str(sub)]))
    return _read_pems(paths), tsa


def _cmd_demo(args: argparse.Namespace) -> int:
    from gaozhi_sdk.demo import run_demo

    if args.applications < 1:
        return _usage("GZ-CLI-004", "--applications 须为正整数")
    summary = run_demo(
        Path(args.workdir),
        applications=args.applications,
        seed=args.seed,
        progress=None if args.quiet else _progress("demo"),
    )
    print(summary.render())
    return EX_OK if summary.ok else EX_FAIL


def _progress(label: str):  # type: ignore[no-untyped-def]
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _cmd_verify(args: argparse.Namespace) -> int:
    from gaozhi_sdk.esign import AnchorPurpose, Indication, TrustStore, validate

    if not args.trust:
        return _usage("GZ-CLI-005", "须用 --trust 指定信任锚 (PEM 文件或目录)")
    signing, tsa = _read_trust_dirs(args.trust)
    trust = TrustStore.from_pems(signing)
    for i, pem in enumerate(tsa):
        trust.add_pem(pem, source=f"tsa-anchor-{i + 1}", purposes=AnchorPurpose.TIME_STAMPING)
    at = _parse_at(args.at)
    worst = EX_OK
    reports = []
    for b in args.bundles:
        try:
            data = Path(b).read_bytes()
        except OSError as exc:
            return _usage("GZ-CLI-006", f"无法读取签名文件 {b}: {exc.strerror}")
        report = validate(data, trust, at=at, require_revocation=args.require_revocation)
        reports.append((b, report))
        if report.indication is Indication.TOTAL_FAILED:
            worst = EX_FAIL
        elif report.indication is Indication.INDETERMINATE and worst == EX_OK:
            worst = EX_INDETERMINATE
    if args.json:
        out = [{"file": b, "report": json.loads(r.model_dump_json())} for b, r in reports]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for b, r in reports:
            print(
                f"{b}: {r.indication.value}"
                + (f"/{r.sub_indication.value}" if r.sub_indication else "")
            )
            print("  " + r.summary_zh().replace("\n", "\n  "))
    return worst


def _cmd_audit(args: argparse.Namespace) -> int:
    from gaozhi_sdk.archive import audit_archive

    pems, tsa_pems = _read_trust_dirs(args.trust) if args.trust else (None, [])
    if Path(args.archive).suffix.lower() == ".zip":  # one case's evidence package
        from gaozhi_sdk.evidence import audit_evidence

        report = audit_evidence(
            args.archive, trust_pems=pems, tsa_trust_pems=tsa_pems, at=_parse_at(args.at)
        )
    else:
        report = audit_archive(
            args.archive,
            trust_pems=pems,
            tsa_trust_pems=tsa_pems,
            at=_parse_at(args.at),
            jobs=args.jobs,
            progress=None if args.json else _progress("audit"),
        )
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        b = report.bundles
        print(f"归档: {report.archive}")
        print(
            f"台账: {report.journal_entries} 条; 签名文件: 通过 {b.get('TOTAL_PASSED', 0)}, "
            f"失败 {b.get('TOTAL_FAILED', 0)}, 不确定 {b.get('INDETERMINATE', 0)}"
        )
        for c in report.checks:
            where = f" [{c.path}]" if c.path else ""
            print(f"  {c.status:<13} {c.name}{where}: {c.message}")
        print("结论: " + {0: "通过", 1: "未通过", 2: "不确定"}[report.exit_code])
    return report.exit_code


def _cmd_evidence_export(args: argparse.Namespace) -> int:
    from gaozhi_sdk.esign import load_signer
    from gaozhi_sdk.evidence import export_evidence
    from gaozhi_sdk.service import PledgeService

    db = Path(args.db)
    workdir = db if db.is_dir() else db.parent
    if db.is_dir():
        db = db / "gaozhi.db"
    if not db.is_file():
        return _usage("GZ-CLI-008", f"找不到数据库文件: {db}")
    key_path = Path(args.key) if args.key else workdir / "pki" / "seal.key.pem"
    cert_path = Path(args.cert) if args.cert else workdir / "pki" / "seal.pem"
    if not key_path.is_file() or not cert_path.is_file():
        return _usage(
            "GZ-CLI-011", "须用 --key 和 --cert 指定签署证据包清单的机关印章私钥与证书链 (PEM)"
        )
    signer = load_signer(key_path.read_bytes(), chain=[cert_path.read_bytes()])
    trust_dirs = args.trust or [str(workdir / "archive" / "trust")]
    pems, tsa_pems = _read_trust_dirs(trust_dirs)
    with PledgeService.open(f"sqlite:///{db}") as svc:
        manifest = export_evidence(
            svc.store, args.case, args.out, signer=signer, trust_pems=pems, tsa_trust_pems=tsa_pems
        )
    print(
        f"已导出办件 {manifest.case_no} 的证据包到 {args.out}: "
        f"{len(manifest.case_bundles)} 个签名文件, {len(manifest.journal_slice)} 条本案台账, "
        f"检查点第 {manifest.checkpoint_seq} 条"
    )
    return EX_OK


def _cmd_list_check(args: argparse.Namespace) -> int:
    from gaozhi_sdk.errors import ListValidationError
    from gaozhi_sdk.rules import lint_list, load_list

    try:
        clist = load_list(Path(args.file))
    except ListValidationError as exc:
        findings = exc.findings
    else:
        findings = lint_list(clist)
    errors = [f for f in findings if f.level == "ERROR"]
    if args.json:
        print(
            json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False, indent=2)
        )
    else:
        for f in findings:
            where = "/".join(str(x) for x in (f.entry_id, f.field) if x)
            print(f"{f.level:<7} {f.code} {f.rule or '':<6} {where}: {f.message_zh}")
        print(f"{args.file}: {len(errors)} 个错误, {len(findings) - len(errors)} 个警告")
    return EX_FAIL if errors else EX_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from gaozhi_sdk.models import ENTITY_MODELS

    if args.report:
        from gaozhi_sdk.esign.report import report_json_schema

        text = json.dumps(report_json_schema(), ensure_ascii=False, indent=2) + "\n"
        if args.out:
            out_dir = Path(args.out)
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "verification-report.schema.json").write_text(text, encoding="utf-8")
            print(f"已写入验证报告 JSON Schema 到 {out_dir}")
        else:
            sys.stdout.write(text)
        return EX_OK

    names = args.models or sorted(ENTITY_MODELS)
    unknown = [n for n in names if n not in ENTITY_MODELS]
    if unknown:
        return _usage(
            "GZ-CLI-007",
            f"未知模型: {', '.join(unknown)}; 可用: " + ", ".join(sorted(ENTITY_MODELS)),
        )
    schemas = {n: ENTITY_MODELS[n].model_json_schema() for n in names}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for n, s in schemas.items():
            (out / f"{n}.schema.json").write_text(
                json.dumps(s, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        print(f"已写入 {len(schemas)} 个 JSON Schema 到 {out}")
    else:
        print(
            json.dumps(
                schemas if len(schemas) > 1 else schemas[names[0]], ensure_ascii=False, indent=2
            )
        )
    return EX_OK


def _cmd_list_export(args: argparse.Namespace) -> int:
    from gaozhi_sdk.rules import load_list

    try:
        from gaozhi_sdk.documents.lists import export_list_docx, export_list_xlsx
    except ImportError:
        return _usage("GZ-CLI-051", "导出清单须安装文书组件: pip install 'gaozhi-sdk[documents]'")
    clist = load_list(Path(args.file))
    data = export_list_xlsx(clist) if args.format == "xlsx" else export_list_docx(clist)
    Path(args.out).write_bytes(data)
    print(f"已写入 {args.out} ({len(clist.entries)} 个条目)")
    return EX_OK


def _cmd_list_import(args: argparse.Namespace) -> int:
    from gaozhi_sdk.errors import ListValidationError

    try:
        from gaozhi_sdk.documents.lists import import_list_xlsx
    except ImportError:
        return _usage("GZ-CLI-051", "导入清单须安装文书组件: pip install 'gaozhi-sdk[documents]'")
    if not Path(args.file).is_file():
        return _usage("GZ-CLI-052", f"找不到清单表格: {args.file}")
    try:
        clist = import_list_xlsx(Path(args.file))
    except ListValidationError as exc:
        sys.stderr.write(f"gaozhi: {exc}\n")
        for f in exc.findings:
            sys.stderr.write(f"  {f}\n")
        return EX_FAIL
    text = json.dumps(clist.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"已写入 {args.out} ({len(clist.entries)} 个条目)")
    else:
        sys.stdout.write(text)
    return EX_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from gaozhi_sdk.service import PledgeService, render_markdown

    db = Path(args.db)
    if db.is_dir():
        db = db / "gaozhi.db"
    if not db.is_file():
        return _usage("GZ-CLI-008", f"找不到数据库文件: {db}")
    if args.format in ("docx", "xlsx") and not args.out:
        return _usage("GZ-CLI-050", f"{args.format} 为二进制格式, 须用 --out 指定输出文件")
    with PledgeService.open(f"sqlite:///{db}") as svc:
        stats = svc.statistics()
    if args.format in ("docx", "xlsx"):
        try:
            from gaozhi_sdk.documents.report import render_report
        except ImportError:
            return _usage(
                "GZ-CLI-051", "生成 DOCX/XLSX 须安装文书组件: pip install 'gaozhi-sdk[documents]'"
            )
        Path(args.out).write_bytes(render_report(stats, args.format))
        print(f"已写入 {args.out}")
        return EX_OK
    text = (
        render_markdown(stats)
        if args.format == "md"
        else json.dumps(stats.model_dump(mode="json"), ensure_ascii=False, indent=2)
    )
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EX_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference)."""
    p = _Parser(prog="gaozhi", description="证明事项告知承诺制 SDK 命令行工具")
    p.add_argument("--version", action="version", version=f"gaozhi-sdk {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("demo", help="运行端到端演示 (合成申请走完整个生命周期)")
    d.add_argument("--workdir", required=True, help="工作目录 (须不存在或为空)")
    d.add_argument("--applications", type=int, default=200, help="合成申请数 (默认 200)")
    d.add_argument("--seed", type=int, default=20210420, help="随机种子 (可复现)")
    d.add_argument("--quiet", action="store_true", help="不显示进度")
    d.set_defaults(func=_cmd_demo)

    v = sub.add_parser("verify", help="离线验证签名文件 (*.bundle.json)")
    v.add_argument("bundles", nargs="+", metavar="BUNDLE")
    v.add_argument("--trust", action="append", default=[], help="信任锚 PEM 文件或目录 (可多次)")
    v.add_argument("--json", action="store_true", help="输出 JSON 验证报告")
    v.add_argument("--offline", action="store_true", help="离线 (不访问网络; 本版本始终离线)")
    v.add_argument("--at", help="以指定时间验证 (ISO 8601, 含时区)")
    v.add_argument(
        "--require-revocation",
        action="store_true",
        help="策略: 缺少 CRL/OCSP 撤销信息时结论为 INDETERMINATE",
    )
    v.set_defaults(func=_cmd_verify)

    a = sub.add_parser(
        "audit", help="审计归档目录或单案证据包 (*.zip): 台账哈希链、清单与全部签名文件"
    )
    a.add_argument("archive", metavar="ARCHIVE")
    a.add_argument("--json", action="store_true", help="输出 JSON 审计报告")
    a.add_argument("--trust", action="append", default=[], help="信任锚 (默认 ARCHIVE/trust)")
    a.add_argument("--at", help="以指定时间验证 (ISO 8601, 含时区)")
    a.add_argument("--jobs", type=int, default=None, help="并行进程数 (默认 CPU 数)")
    a.set_defaults(func=_cmd_audit)

    ev = sub.add_parser("evidence", help="单案证据包")
    evsub = ev.add_subparsers(dest="evidence_command", required=True, parser_class=_Parser)
    ee = evsub.add_parser("export", help="导出一个办件的离线证据包 (zip)")
    ee.add_argument("case", metavar="CASE", help="办件编号")
    ee.add_argument("--db", required=True, help="数据库文件或 demo 工作目录")
    ee.add_argument("--out", required=True, help="输出 zip 文件")
    ee.add_argument("--key", help="签署清单的印章私钥 PEM (默认 DIR/pki/seal.key.pem)")
    ee.add_argument("--cert", help="印章证书链 PEM (默认 DIR/pki/seal.pem)")
    ee.add_argument(
        "--trust", action="append", default=[], help="写入证据包的信任锚 (默认 DIR/archive/trust)"
    )
    ee.set_defaults(func=_cmd_evidence_export)

    lst = sub.add_parser("list", help="告知承诺制清单工具")
    lsub = lst.add_subparsers(dest="list_command", required=True, parser_class=_Parser)
    lc = lsub.add_parser("check", help="校验清单 YAML/JSON (有错误时退出码 1)")
    lc.add_argument("file", metavar="FILE")
    lc.add_argument("--json", action="store_true", help="输出 JSON")
    lc.set_defaults(func=_cmd_list_check)
    le = lsub.add_parser("export", help="按公布列导出清单 (XLSX 或 DOCX)")
    le.add_argument("file", metavar="FILE", help="清单 YAML/JSON")
    le.add_argument("--format", choices=["xlsx", "docx"], default="xlsx")
    le.add_argument("--out", required=True, help="输出文件")
    le.set_defaults(func=_cmd_list_export)
    li = lsub.add_parser("import", help="从 XLSX 导入清单 (错误指明行列, 有错误时退出码 1)")
    li.add_argument("file", metavar="FILE", help="清单 XLSX")
    li.add_argument("--out", help="写入 JSON 文件 (默认输出到标准输出)")
    li.set_defaults(func=_cmd_list_import)

    s = sub.add_parser("schema", help="输出数据标准 (各实体的 JSON Schema, R-031)")
    s.add_argument("models", nargs="*", metavar="MODEL")
    s.add_argument("--out", help="写入目录 (每个模型一个文件)")
    s.add_argument(
        "--report", action="store_true", help="输出验证报告 (VerificationReport) 的 JSON Schema"
    )
    s.set_defaults(func=_cmd_schema)

    r = sub.add_parser("report", help="向司法局报送的统计 (Markdown、JSON、DOCX 书面总结或 XLSX)")
    r.add_argument("--db", required=True, help="数据库文件或 demo 工作目录")
    r.add_argument("--format", choices=["md", "json", "docx", "xlsx"], default="md")
    r.add_argument("--out", help="写入文件 (docx、xlsx 必填)")
    r.set_defaults(func=_cmd_report)
    from gaozhi_sdk._db_commands import add_db_commands
    from gaozhi_sdk._plugin_commands import add_plugin_commands
    from gaozhi_sdk._serve_command import add_serve_command

    add_plugin_commands(sub, _Parser)
    add_db_commands(sub, _Parser)
    add_serve_command(sub, _Parser)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gaozhi`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GaozhiError as exc:
        sys.stderr.write(f"gaozhi: {exc}\n")
        return EX_USAGE if exc.code.startswith(("GZ-CLI", "GZ-AR", "GZ-CF")) else EX_FAIL
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
