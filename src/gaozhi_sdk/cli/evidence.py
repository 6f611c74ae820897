"""``gaozhi evidence export``: one case's offline evidence package."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from gaozhi_sdk.cli._base import (
    EX_OK,
    CliError,
    add_store_args,
    check_output,
    examples,
    read_input,
    read_trust_dirs,
    store_url,
)


def _cmd_evidence_export(args: argparse.Namespace) -> int:
    from gaozhi_sdk.esign import load_signer
    from gaozhi_sdk.evidence import export_evidence
    from gaozhi_sdk.service import PledgeService

    out = check_output(args.out)
    if out.exists():
        raise CliError("GZ-CLI-009", f"输出文件已存在: {args.out}", details={"path": args.out})
    url, workdir = store_url(args)
    key_path = args.key or str(workdir / "pki" / "seal.key.pem")
    cert_path = args.cert or str(workdir / "pki" / "seal.pem")
    if not Path(key_path).is_file() or not Path(cert_path).is_file():
        raise CliError(
            "GZ-CLI-011", "须用 --key 和 --cert 指定签署证据包清单的机关印章私钥与证书链 (PEM)"
        )
    signer = load_signer(read_input(key_path, "印章私钥"), chain=[read_input(cert_path, "证书链")])
    trust_dirs = args.trust or [str(workdir / "archive" / "trust")]
    pems, tsa_pems = read_trust_dirs(trust_dirs)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise CliError(
            "GZ-CLI-009",
            f"不能写入 {args.out}: {exc.strerror or exc}",
            details={"path": args.out},
        ) from exc
    os.close(fd)
    os.unlink(tmp)  # export_evidence refuses an existing file
    try:
        with PledgeService.open(url) as svc:
            manifest = export_evidence(
                svc.store, args.case, tmp, signer=signer, trust_pems=pems, tsa_trust_pems=tsa_pems
            )
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    print(
        f"已导出办件 {manifest.case_no} 的证据包到 {args.out}: "
        f"{len(manifest.case_bundles)} 个签名文件, {len(manifest.journal_slice)} 条本案台账, "
        f"检查点第 {manifest.checkpoint_seq} 条"
    )
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi evidence export``."""
    ev = sub.add_parser(
        "evidence",
        help="单案证据包",
        description="单案证据包: 一个办件的签名文件、本案台账与签名检查点, 可离线审计。",
        epilog=examples(
            "gaozhi cases --workdir demo",
            "gaozhi evidence export SZ-000123 --workdir demo --out SZ-000123.zip",
        ),
    )
    evsub = ev.add_subparsers(dest="evidence_command")
    ev.set_defaults(func=None, _parser=ev)
    ee = evsub.add_parser(
        "export",
        help="导出一个办件的离线证据包 (zip)",
        description="导出一个办件的离线证据包 (zip)。办件编号可用 gaozhi cases 列出。",
        epilog=examples(
            "gaozhi evidence export SZ-000123 --workdir demo --out SZ-000123.zip",
            "gaozhi evidence export SZ-000123 --db gaozhi.db --key seal.key.pem "
            "--cert seal.pem --trust roots/ --out SZ-000123.zip",
        ),
    )
    ee.add_argument("case", metavar="CASE", help="办件编号 (gaozhi cases 可列出)")
    add_store_args(ee)
    ee.add_argument("--out", required=True, metavar="FILE", help="输出 zip 文件 (须不存在)")
    ee.add_argument(
        "--key", metavar="PEM", help="签署清单的印章私钥 PEM (默认 DIR/pki/seal.key.pem)"
    )
    ee.add_argument("--cert", metavar="PEM", help="印章证书链 PEM (默认 DIR/pki/seal.pem)")
    ee.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="PEM",
        help="写入证据包的信任锚 (默认 DIR/archive/trust)",
    )
    ee.set_defaults(func=_cmd_evidence_export)
