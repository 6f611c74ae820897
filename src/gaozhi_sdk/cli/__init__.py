"""The ``gaozhi`` command (DESIGN §8): thin — it parses, calls the API and prints.

Exit codes: 0 success / every bundle TOTAL_PASSED; 1 a failure (TOTAL_FAILED, lint
errors, integrity failure); 2 nothing failed but something is INDETERMINATE; 64 usage or
environment errors (bad arguments, unreadable or unwritable files); 130 interrupted
(Ctrl-C). Every error is one line with its code (``gaozhi: [GZ-…] …``), never a traceback.

Structure: each subcommand lives in a module of this package with a ``register(sub)``
function; :data:`COMMAND_MODULES` lists them in help order. A new command is a new module
plus one name here.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import Any

from gaozhi_sdk import __version__
from gaozhi_sdk.cli._base import (
    EX_FAIL,
    EX_INDETERMINATE,
    EX_INTERRUPTED,
    EX_OK,
    EX_USAGE,
    Parser,
    add_store_args,
    examples,
    store_url,
)
from gaozhi_sdk.errors import GaozhiError

__all__ = [
    "COMMAND_MODULES",
    "EX_FAIL",
    "EX_INDETERMINATE",
    "EX_INTERRUPTED",
    "EX_OK",
    "EX_USAGE",
    "add_store_args",
    "build_parser",
    "main",
    "store_url",
]

#: Subcommand modules of this package, in the order ``gaozhi --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "verify",
    "evidence",
    "cases",
    "lists",
    "schema",
    "report",
    "plugins",
    "completion",
)

#: Error areas whose codes are usage/environment problems (exit 64).
_USAGE_AREAS = ("GZ-CLI", "GZ-AR", "GZ-CF")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used for the CLI reference and shell completion)."""
    p = Parser(
        prog="gaozhi",
        description="证明事项告知承诺制 SDK 命令行工具",
        epilog=examples(
            "gaozhi demo --workdir demo           # 端到端演示",
            "gaozhi audit demo/archive --trust demo/pki   # 审计演示归档",
            "gaozhi <子命令> --help                # 查看子命令的说明与示例",
        ),
    )
    p.add_argument(
        "--version", action="version", version=f"gaozhi-sdk {__version__}", help="显示版本并退出"
    )
    sub = p.add_subparsers(dest="command")
    for name in COMMAND_MODULES:
        importlib.import_module(f"gaozhi_sdk.cli.{name}").register(sub)
    from gaozhi_sdk._db_commands import add_db_commands
    from gaozhi_sdk._serve_command import add_serve_command

    add_db_commands(sub, Parser)
    add_serve_command(sub, Parser)
    return p


class _PipeSafe(io.TextIOBase):
    """stdout that turns a closed pipe (``gaozhi … | head``) into silence.

    The command then finishes and returns its own exit code (audit's 2 stays 2).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.broken = False

    def _silence(self) -> None:
        self.broken = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self.inner.fileno())
        finally:
            os.close(devnull)

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.inner.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.inner.flush()
            except BrokenPipeError:
                self._silence()

    @property
    def buffer(self) -> Any:
        outer = self

        class _Bytes:
            def write(self, data: bytes) -> int:
                if not outer.broken:
                    try:
                        outer.inner.buffer.write(data)
                    except BrokenPipeError:
                        outer._silence()
                return len(data)

            def flush(self) -> None:
                outer.flush()
                if not outer.broken:
                    try:
                        outer.inner.buffer.flush()
                    except BrokenPipeError:
                        outer._silence()

        return _Bytes()

    def isatty(self) -> bool:
        return bool(self.inner.isatty())

    def fileno(self) -> int:
        return int(self.inner.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gaozhi`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:  # bare `gaozhi` or `gaozhi list`: show help
        target = getattr(args, "_parser", parser)
        target.print_help()
        return EX_OK
    real_stdout = sys.stdout
    safe = _PipeSafe(real_stdout) if real_stdout is not None else None
    if safe is not None:
        sys.stdout = safe
    try:
        return int(args.func(args))
    except GaozhiError as exc:
        sys.stderr.write(f"gaozhi: {exc}\n")
        return EX_USAGE if exc.code.startswith(_USAGE_AREAS) else EX_FAIL
    except OSError as exc:  # a path problem no command foresaw: still one coded line
        code, where = "GZ-CLI-019", f" {exc.filename}" if exc.filename else ""
        sys.stderr.write(
            f"gaozhi: [{code}] 文件读写失败{where}: {exc.strerror or type(exc).__name__}\n"
        )
        return EX_USAGE
    except KeyboardInterrupt:
        code = "GZ-CLI-016"
        sys.stderr.write(f"\ngaozhi: [{code}] 已中断 (Ctrl-C); 未完成的输出已删除\n")
        return EX_INTERRUPTED
    finally:
        if safe is not None:
            safe.flush()
            sys.stdout = real_stdout
