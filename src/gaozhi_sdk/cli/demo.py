"""``gaozhi demo``: the end-to-end run on the embedded store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gaozhi_sdk.cli._base import EX_OK, Progress, examples, positive_int


def _cmd_demo(args: argparse.Namespace) -> int:
    from gaozhi_sdk.demo import run_demo

    progress = Progress("demo", enabled=False if args.quiet else None)
    try:
        summary = run_demo(
            Path(args.workdir),
            applications=args.applications,
            seed=args.seed,
            progress=progress,
            phase=progress.phase,
            db=args.db,
        )
    finally:
        progress.close()
    print(summary.render())
    return EX_OK


def register(sub: Any) -> None:
    """Add ``gaozhi demo``."""
    d = sub.add_parser(
        "demo",
        help="运行端到端演示 (合成申请走完整个生命周期)",
        description="在工作目录中运行端到端演示: 清单公布、告知、承诺、核查、处置、信用记录与投诉,"
        " 留下数据库、证据归档、统计报告、文书 (documents/) 和演示用的密钥与证书 (pki/)。",
        epilog=examples(
            "gaozhi demo --workdir demo",
            "gaozhi demo --workdir demo-small --applications 20 --seed 7 --quiet",
        ),
    )
    d.add_argument("--workdir", required=True, metavar="DIR", help="工作目录 (须不存在或为空)")
    d.add_argument(
        "--applications",
        type=positive_int,
        default=200,
        metavar="N",
        help="合成申请数 (默认 200; 少于约 100 时部分状态可能不会出现)",
    )
    d.add_argument("--seed", type=int, default=20210420, help="随机种子 (可复现)")
    d.add_argument(
        "--db",
        metavar="URL",
        help="在此存储上运行 (如 postgresql://…; 须为空); 默认 DIR/gaozhi.db",
    )
    d.add_argument("--quiet", action="store_true", help="不显示进度")
    d.set_defaults(func=_cmd_demo)
