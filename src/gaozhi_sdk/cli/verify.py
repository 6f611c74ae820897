"""``gaozhi verify`` and ``gaozhi audit``: offline verification of bundles and archives.

Trust and revocation options shared by both commands are added by
:func:`add_trust_args`, so a new option appears on both at once.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from gaozhi_sdk.cli._base import (
    EX_FAIL,
    EX_INDETERMINATE,
    EX_OK,
    CliError,
    Progress,
    examples,
    note,
    positive_int,
    read_input,
    read_trust_dirs,
    read_trust_pems,
)

_REVOCATION_NOTE = (
    "未检查证书撤销状态 (签名文件未附 CRL/OCSP); 如须把缺少撤销信息视为不确定, "
    "请加 --require-revocation"
)


def parse_at(value: str | None) -> datetime | None:
    """``--at`` as an aware datetime (GZ-CLI-002 otherwise)."""
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(
            "GZ-CLI-002", f"--at 须为 ISO 8601 时间 (含时区): {value}", details={"value": value}
        ) from None
    if t.tzinfo is None:
        raise CliError(
            "GZ-CLI-002",
            f"--at 须带时区, 如 2026-05-01T09:00:00+08:00: {value}",
            details={"value": value},
        )
    return t


def add_trust_args(p: argparse.ArgumentParser, *, trust_help: str) -> None:
    """Options both ``verify`` and ``audit`` take (trust, time, output)."""
    p.add_argument("--trust", action="append", default=[], metavar="PEM", help=trust_help)
    p.add_argument(
        "--tsa-trust",
        action="append",
        default=[],
        metavar="PEM",
        help="时间戳信任锚: 时间戳服务根证书 PEM 文件或目录 (可多次)",
    )
    p.add_argument(
        "--crl",
        action="append",
        default=[],
        metavar="FILE",
        help="审计方自带的 CRL (DER 或 PEM, 可多次), 与签名文件自带的一起使用",
    )
    p.add_argument(
        "--ocsp",
        action="append",
        default=[],
        metavar="FILE",
        help="审计方自带的 OCSP 应答 (DER, 可多次), 与签名文件自带的一起使用",
    )
    p.add_argument(
        "--require-revocation",
        action="store_true",
        help="策略: 缺少 CRL/OCSP 撤销信息时结论为 INDETERMINATE",
    )
    p.add_argument(
        "--event-ca-trust",
        action="append",
        default=[],
        metavar="PEM",
        help="事件证书 CA 信任锚 (可多次; 也读 --trust 目录的 event-ca/ 子目录)",
    )
    p.add_argument(
        "--platform-trust",
        action="append",
        default=[],
        metavar="PEM",
        help="平台作证信任锚: 平台印章根证书 (可多次; 也读 --trust 目录的 platform/)",
    )
    p.add_argument("--at", metavar="TIME", help="以指定时间验证 (ISO 8601, 含时区)")
    p.add_argument("--json", action="store_true", help="输出 JSON 报告")
    p.add_argument("--quiet", "-q", action="store_true", help="只输出最后一行合计")


def read_revocation(crls: list[str], ocsps: list[str]) -> Any:
    """The auditor's own revocation data (``--crl``: DER or PEM CRLs, ``--ocsp``: DER OCSP
    responses) as an :class:`~gaozhi_sdk.esign.Revocation`, or None when none is given.

    Raises:
        CliError: GZ-CLI-006 (unreadable file) or GZ-CLI-012 (not a CRL / OCSP response).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509 import ocsp

    from gaozhi_sdk.esign import Revocation

    if not crls and not ocsps:
        return None
    out: dict[str, list[bytes]] = {"crl": [], "ocsp": []}
    for kind, paths in (("crl", crls), ("ocsp", ocsps)):
        for path in paths:
            data = read_input(path, "撤销信息文件")
            try:
                if kind == "ocsp":
                    ocsp.load_der_ocsp_response(data)
                elif data.lstrip().startswith(b"-----BEGIN"):
                    pem = x509.load_pem_x509_crl(data)
                    data = pem.public_bytes(serialization.Encoding.DER)
                else:
                    x509.load_der_x509_crl(data)
            except ValueError as exc:
                what = "CRL (DER 或 PEM)" if kind == "crl" else "DER 格式的 OCSP 应答"
                raise CliError(
                    "GZ-CLI-012",
                    f"撤销信息文件 {path} 不是{what}: {exc}",
                    details={"path": path},
                ) from exc
            out[kind].append(data)
    return Revocation(crls=tuple(out["crl"]), ocsp_responses=tuple(out["ocsp"]))


def _revocation_unchecked(report: Any) -> bool:
    """Did any signature skip the revocation check (no CRL/OCSP carried)?"""
    checks = [*report.checks, *(c for sig in report.signatures for c in sig.checks)]
    return any(c.name == "revocation" and c.status.value == "SKIPPED" for c in checks)


def _summary(report: Any) -> str:
    """The Chinese summary without the per-bundle revocation hint (said once per run)."""
    lines = report.summary_zh().splitlines()
    return "\n".join(line for line in lines if not line.startswith("提示: 未检查撤销状态"))


def _cmd_verify(args: argparse.Namespace) -> int:
    from gaozhi_sdk.esign import AnchorPurpose, TrustStore, validate

    if not args.trust:
        raise CliError("GZ-CLI-005", "须用 --trust 指定信任锚 (PEM 文件或目录)")
    signing, tsa = read_trust_dirs(args.trust)
    if args.tsa_trust:
        tsa += read_trust_pems(args.tsa_trust, "时间戳信任锚")
    trust = TrustStore.from_pems(signing)
    for i, pem in enumerate(tsa):
        trust.add_pem(pem, source=f"tsa-anchor-{i + 1}", purposes=AnchorPurpose.TIME_STAMPING)
    for purpose, pems in method_anchor_pems(args).items():
        for i, pem in enumerate(pems):
            trust.add_pem(pem, source=f"{purpose}-anchor-{i + 1}", purposes=purpose)
    revocation = read_revocation(args.crl, args.ocsp)
    at = parse_at(args.at)
    counts = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 0, "INDETERMINATE": 0}
    reports = []
    for b in args.bundles:
        data = read_input(b, "签名文件")
        if zipfile.is_zipfile(b) if b != "-" else data[:4] == b"PK\x03\x04":
            raise CliError(
                "GZ-CLI-012",
                f"{b} 是 zip 文件 (证据包?), 不是签名文件; 证据包请用: gaozhi audit {b}",
                details={"path": b},
            )
        report = validate(
            data,
            trust,
            at=at,
            require_revocation=args.require_revocation,
            revocation=revocation,
        )
        reports.append((b, report))
        counts[report.indication.value] = counts.get(report.indication.value, 0) + 1
    if args.json:
        out = [{"file": b, "report": json.loads(r.model_dump_json())} for b, r in reports]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        if not args.quiet:
            for b, r in reports:
                print(
                    f"{b}: {r.indication.value}"
                    + (f"/{r.sub_indication.value}" if r.sub_indication else "")
                )
                print("  " + _summary(r).replace("\n", "\n  "))
        print(
            f"合计 {len(reports)} 个签名文件: 通过 {counts['TOTAL_PASSED']}, "
            f"失败 {counts['TOTAL_FAILED']}, 不确定 {counts['INDETERMINATE']}"
        )
    if not args.require_revocation and any(_revocation_unchecked(r) for _, r in reports):
        note(_REVOCATION_NOTE)
    if counts["TOTAL_FAILED"]:
        return EX_FAIL
    return EX_INDETERMINATE if counts["INDETERMINATE"] else EX_OK


#: Sub-folders of a ``--trust`` folder holding anchors of the signing-method purposes
#: (DESIGN §4a), and the options that add more.
_METHOD_ANCHORS = (
    ("event-ca", "event_ca_trust", "event_certificate", "事件证书 CA 信任锚"),
    ("platform", "platform_trust", "platform_attestation", "平台作证信任锚"),
)


def method_anchor_pems(args: argparse.Namespace) -> dict[str, list[bytes]]:
    """Event-certificate CA and platform-attestation anchors (DESIGN §4a), by purpose:
    ``<trust dir>/event-ca/``, ``<trust dir>/platform/`` and ``--event-ca-trust`` /
    ``--platform-trust``."""
    out: dict[str, list[bytes]] = {}
    for sub, option, purpose, what in _METHOD_ANCHORS:
        paths = [str(Path(p) / sub) for p in args.trust if (Path(p) / sub).is_dir()]
        paths += getattr(args, option)
        if paths:
            out[purpose] = read_trust_pems(paths, what)
    return out


def _cmd_audit(args: argparse.Namespace) -> int:
    from gaozhi_sdk import InvalidIdentifierError, validate_uscc
    from gaozhi_sdk.archive import audit_archive

    pems, tsa_pems = read_trust_dirs(args.trust) if args.trust else (None, [])
    if args.tsa_trust:
        tsa_pems = [*tsa_pems, *read_trust_pems(args.tsa_trust, "时间戳信任锚")]
    revocation = read_revocation(args.crl, args.ocsp)
    method_pems = method_anchor_pems(args)
    organs = list(args.organ or ())
    for organ in organs:
        try:
            validate_uscc(organ)
        except InvalidIdentifierError as exc:
            raise CliError(
                "GZ-CLI-012", f"--organ {organ} 不是有效的统一社会信用代码: {exc.message}"
            ) from None
    target = Path(args.archive)
    if not target.exists():
        raise CliError("GZ-CLI-006", f"找不到归档目录或证据包: {args.archive}")
    if target.is_file():  # one case's evidence package
        if not zipfile.is_zipfile(target):
            raise CliError(
                "GZ-CLI-012",
                f"{args.archive} 不是归档目录, 也不是证据包 (zip)",
                details={"path": args.archive},
            )
        from gaozhi_sdk.evidence import audit_evidence

        report = audit_evidence(
            target,
            trust_pems=pems,
            tsa_trust_pems=tsa_pems,
            at=parse_at(args.at),
            require_revocation=args.require_revocation,
            revocation=revocation,
            organ_uscc=organs,
            method_trust_pems=method_pems,
        )
    else:
        progress = Progress("audit", enabled=False if (args.json or args.quiet) else None)
        try:
            report = audit_archive(
                target,
                trust_pems=pems,
                tsa_trust_pems=tsa_pems,
                at=parse_at(args.at),
                jobs=args.jobs,
                progress=progress,
                phase=progress.phase,
                require_revocation=args.require_revocation,
                revocation=revocation,
                organ_uscc=organs,
                method_trust_pems=method_pems,
            )
        finally:
            progress.close()
    b = report.bundles
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        if not args.quiet:
            print(f"归档: {report.archive}")
            for c in report.checks:
                where = f" [{c.path}]" if c.path else ""
                print(f"  {c.status:<13} {c.name}{where}: {c.message}")
                if c.message_en and c.status != "PASSED":
                    print(f"  {'':<13} {c.message_en}")
        verdict = {0: "通过", 1: "未通过", 2: "不确定"}[report.exit_code]
        print(
            f"结论: {verdict}; 台账 {report.journal_entries} 条; 签名文件: "
            f"通过 {b.get('TOTAL_PASSED', 0)}, 失败 {b.get('TOTAL_FAILED', 0)}, "
            f"不确定 {b.get('INDETERMINATE', 0)}"
        )
    return int(report.exit_code)


def register(sub: Any) -> None:
    """Add ``gaozhi verify`` and ``gaozhi audit``."""
    v = sub.add_parser(
        "verify",
        usage="%(prog)s [选项] BUNDLE [BUNDLE ...]  (选项见 --help)",
        help="离线验证签名文件 (*.bundle.json)",
        description="离线验证签名文件。退出码: 0 全部通过, 1 有失败, 2 无失败但有不确定, "
        "64 用法或环境错误。证据包 (*.zip) 请用 gaozhi audit。",
        epilog=examples(
            "gaozhi verify demo/archive/bundles/pledge/*.bundle.json --trust demo/archive/trust",
            "gaozhi verify pledge.bundle.json --trust root.pem --at 2026-05-01T09:00:00+08:00",
            "cat pledge.bundle.json | gaozhi verify - --trust root.pem --quiet",
        ),
    )
    v.add_argument("bundles", nargs="+", metavar="BUNDLE", help="签名文件 (- 表示标准输入)")
    add_trust_args(
        v,
        trust_help="签章信任锚 PEM 文件或目录 (可多次; 必填; 目录下的 tsa/ 为时间戳信任锚)",
    )
    v.add_argument("--offline", action="store_true", help="离线 (不访问网络; 本版本始终离线)")
    v.set_defaults(func=_cmd_verify)

    a = sub.add_parser(
        "audit",
        usage="%(prog)s [选项] ARCHIVE  (选项见 --help)",
        help="审计归档目录或单案证据包 (*.zip): 台账哈希链、清单与全部签名文件",
        description="离线审计归档目录或单案证据包: 台账哈希链、检查点、签名清单与全部签名文件。"
        "通过的结论须有审计方的信任锚 (--trust) 和所属机关 (--organ); 缺少任一则至多为不确定。"
        "退出码同 gaozhi verify。",
        epilog=examples(
            "gaozhi audit demo/archive --trust demo/pki --organ 11411222005123018X",
            "gaozhi audit evidence.zip --trust root.pem --organ 11411222005123018X --json",
            "gaozhi audit demo/archive --trust demo/pki --organ 11411222005123018X --quiet",
        ),
    )
    a.add_argument("archive", metavar="ARCHIVE", help="归档目录或证据包 (zip)")
    add_trust_args(a, trust_help="信任锚 PEM 文件或目录 (可多次)")
    a.add_argument(
        "--jobs", type=positive_int, default=None, metavar="N", help="并行进程数 (默认 CPU 数)"
    )
    a.add_argument(
        "--organ",
        action="append",
        default=None,
        metavar="USCC",
        help="归档或证据包所属机关的统一社会信用代码 (可多次): 清单、台账检查点和全部机关文书"
        "须由这些机关盖章; 不指定则结论至多为不确定",
    )
    a.set_defaults(func=_cmd_audit)
