"""Shared pieces of the ``gaozhi`` command: the Chinese parser, exit codes, input and output.

Every subcommand module (``gaozhi_sdk.cli.<name>``) has a ``register(sub)`` function that
adds its parsers to the subparsers object; :mod:`gaozhi_sdk.cli` lists the modules. To add
a command, write a module with ``register`` and add its name to ``COMMAND_MODULES``.

The helpers here turn everyday path problems into one coded message (exit 64), never a
traceback: :func:`read_input` (``-`` reads standard input), :func:`write_output` (refuses a
folder or a missing parent, writes through a temporary file so a failure leaves no partial
file), :func:`output_dir`, :func:`read_trust_pems` (names the file that is not a PEM
certificate) and :func:`store_url` (a database file or a demo working directory).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from gaozhi_sdk.errors import GaozhiError

__all__ = [
    "EX_FAIL",
    "EX_INDETERMINATE",
    "EX_INTERRUPTED",
    "EX_OK",
    "EX_USAGE",
    "CliError",
    "Parser",
    "Progress",
    "add_store_args",
    "check_output",
    "deprecated_alias",
    "examples",
    "note",
    "output_dir",
    "output_format",
    "positive_int",
    "read_input",
    "read_text_input",
    "read_trust_dirs",
    "read_trust_pems",
    "store_url",
    "write_output",
]

EX_OK, EX_FAIL, EX_INDETERMINATE, EX_USAGE, EX_INTERRUPTED = 0, 1, 2, 64, 130


class CliError(GaozhiError):
    """A usage or environment problem of the command line (GZ-CLI-*): exit 64."""


# --------------------------------------------------------------------------- parser

_ARGPARSE_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.S), r)
    for p, r in (
        (r"^the following arguments are required: (.+)$", r"缺少必需的参数: \1"),
        (r"^unrecognized arguments: (.+)$", r"无法识别的参数: \1"),
        (
            r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$",
            r"参数 \1 的取值 \2 无效 (可选: \3)",
        ),
        (r"^argument (.+?): invalid (\w+) value: (.+)$", r"参数 \1 的值 \3 不是有效的 \2"),
        (r"^argument (.+?): expected one argument$", r"参数 \1 需要一个值"),
        (r"^argument (.+?): expected at least one argument$", r"参数 \1 至少需要一个值"),
        (r"^argument (.+?): not allowed with argument (.+)$", r"参数 \1 不能与 \2 同时使用"),
        (r"^argument (.+?): ignored explicit argument (.+)$", r"参数 \1 不接受值 \2"),
        (r"^ambiguous option: (.+?) could match (.+)$", r"选项 \1 有歧义, 可能是: \2"),
        (r"^argument (.+?): (.+)$", r"参数 \1: \2"),
    )
)


def _zh(message: str) -> str:
    for pattern, repl in _ARGPARSE_ZH:
        if pattern.match(message):
            return pattern.sub(repl, message)
    return message


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help text with a Chinese usage prefix; descriptions and examples keep their lines."""

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose own strings are Chinese and whose errors exit 64."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        code = "GZ-CLI-001"
        sys.stderr.write(f"{self.prog}: [{code}] 参数错误: {_zh(message)}\n")
        sys.stderr.write(f"查看帮助: {self.prog} --help\n")
        raise SystemExit(EX_USAGE)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("title", "子命令")
        kwargs.setdefault("metavar", "命令")
        return super().add_subparsers(**kwargs)


def examples(*lines: str) -> str:
    """An ``epilog`` with the command's examples (every command's help shows some)."""
    return "示例:\n" + "\n".join(f"  {line}" for line in lines)


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1 (``--jobs 0`` and ``--applications 0`` are refused)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为正整数, 收到 {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"须为正整数, 收到 {value}")
    return value


class _Deprecated(argparse.Action):
    def __init__(self, *args: Any, replacement: str = "", **kwargs: Any) -> None:
        self.replacement = replacement
        super().__init__(*args, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        note(f"{option} 已弃用, 请改用 {self.replacement}")
        setattr(namespace, self.dest, values)


def deprecated_alias(parser: argparse.ArgumentParser, old: str, new: str, dest: str) -> None:
    """Accept ``old`` as a hidden, deprecated spelling of ``new`` (a note is printed)."""
    parser.add_argument(old, dest=dest, action=_Deprecated, replacement=new, help=argparse.SUPPRESS)


def note(text: str) -> None:
    """A one-line note on stderr (``gaozhi: 提示: …``)."""
    sys.stderr.write(f"gaozhi: 提示: {text}\n")


# --------------------------------------------------------------------------- progress


class Progress:
    """Progress on stderr, drawn only when stderr is a terminal.

    ``phase(label)`` names a silent stretch; ``__call__(done, total)`` draws a bar.
    """

    def __init__(self, label: str, *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._open = False

    def phase(self, label: str) -> None:
        """Show what is happening now (a silent stretch between bars)."""
        if not self.enabled:
            return
        self._end()
        sys.stderr.write(f"{self.label}: {label} …\n")
        sys.stderr.flush()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self._open = done < total
        if not self._open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def _end(self) -> None:
        if self._open:
            sys.stderr.write("\n")
            self._open = False

    def close(self) -> None:
        """End an unfinished bar line."""
        if self.enabled:
            self._end()


# --------------------------------------------------------------------------- input


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录, 不是文件"
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    return exc.strerror or type(exc).__name__


def read_input(path: str, what: str) -> bytes:
    """The bytes of an input file; ``-`` reads standard input.

    Raises:
        CliError: GZ-CLI-006 naming the file and the reason (missing, folder, no permission).
    """
    if path == "-":
        return sys.stdin.buffer.read()
    p = Path(path)
    if p.is_dir():
        raise CliError(
            "GZ-CLI-006",
            f"无法读取{what} {path}: 这是一个目录, 不是文件",
            details={"path": path, "reason": "is a directory"},
        )
    try:
        return p.read_bytes()
    except OSError as exc:
        raise CliError(
            "GZ-CLI-006",
            f"无法读取{what} {path}: {_why(exc)}",
            details={"path": path, "reason": exc.strerror or type(exc).__name__},
        ) from exc


def read_text_input(path: str, what: str) -> str:
    """An input file as UTF-8 text (a BOM is accepted); ``-`` reads standard input.

    Raises:
        CliError: GZ-CLI-006 (unreadable) or GZ-CLI-012 (not UTF-8; GBK is named as such).
    """
    data = read_input(path, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = ""
        try:
            data.decode("gb18030")
            guess = " (看起来是 GBK/GB18030 编码)"
        except UnicodeDecodeError:
            pass
        raise CliError(
            "GZ-CLI-012",
            f"{what} {path} 不是 UTF-8 编码的文本{guess}, 第 {exc.start} 字节处无法解码; "
            "请另存为 UTF-8 后重试",
            details={"path": path, "offset": exc.start, "gbk": bool(guess)},
        ) from exc


def read_trust_pems(paths: Sequence[str], what: str = "信任锚") -> list[bytes]:
    """PEM certificates from files and folders (a folder: its ``*.pem`` certificates).

    In a folder, files holding only a private key (``pki/`` of the demo) are skipped with
    a note; a file named directly must hold at least one PEM certificate.

    Raises:
        CliError: GZ-CLI-003 (unreadable) or GZ-CLI-013 naming the file that is not a PEM
            certificate.
    """
    from cryptography import x509

    out: list[bytes] = []
    skipped: list[str] = []
    for given in paths:
        folder = Path(given)
        explicit = not folder.is_dir()
        files = [folder] if explicit else sorted(folder.glob("*.pem"))
        if not explicit and not files:
            raise CliError(
                "GZ-CLI-013",
                f"{what}目录 {given} 中没有 *.pem 证书文件",
                details={"path": given},
            )
        for f in files:
            try:
                data = f.read_bytes()
            except OSError as exc:
                raise CliError(
                    "GZ-CLI-003",
                    f"无法读取{what} {f}: {_why(exc)}",
                    details={"path": str(f)},
                ) from exc
            if not explicit and b"-----BEGIN CERTIFICATE-----" not in data:
                skipped.append(f.name)
                continue
            try:
                certs = x509.load_pem_x509_certificates(data)
            except ValueError:
                certs = []
            if not certs:
                raise CliError(
                    "GZ-CLI-013",
                    f"{what}文件 {f} 不是 PEM 格式的证书 (应以 -----BEGIN CERTIFICATE----- 开头)",
                    details={"path": str(f)},
                )
            out.append(data)
    if skipped:
        note(f"已跳过不含证书的文件 (如私钥): {', '.join(skipped)}")
    return out


def read_trust_dirs(paths: Sequence[str]) -> tuple[list[bytes], list[bytes]]:
    """(signing PEMs, time-stamping PEMs): a folder's ``tsa/*.pem`` are TSA anchors.

    That is the layout archives and evidence packages write (DESIGN §4: anchors have a
    purpose); files named directly are document-signing anchors.
    """
    tsa: list[bytes] = []
    for p in paths:
        sub = Path(p) / "tsa"
        if sub.is_dir():
            tsa.extend(read_trust_pems([str(sub)], "时间戳信任锚"))
    return read_trust_pems(paths), tsa


# --------------------------------------------------------------------------- output


def _out_problem(path: str, reason: str, why_en: str) -> CliError:
    return CliError(
        "GZ-CLI-009",
        f"不能写入 {path}: {reason}",
        details={"path": path, "reason": why_en},
    )


def check_output(path: str) -> Path:
    """The output file path after checking it can be written (folder, parent, permission)."""
    p = Path(path)
    if p.is_dir():
        raise _out_problem(path, "这是一个目录; 请给出文件名", "is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise _out_problem(path, f"上级目录 {parent} 不存在", "parent directory missing")
    if not os.access(parent, os.W_OK):
        raise _out_problem(path, f"没有写入目录 {parent} 的权限", "parent not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise _out_problem(path, "文件只读", "file is read-only")
    return p


def write_output(path: str, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically (``-``: standard output).

    The bytes go to a temporary file in the same folder first and replace the target only
    when complete, so an interrupted or failed write leaves no partial file.

    Raises:
        CliError: GZ-CLI-009 naming the path and the reason.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return
    p = check_output(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent or ".")
    except OSError as exc:
        raise _out_problem(path, _why(exc), exc.strerror or "") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, p)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _out_problem(path, _why(exc), exc.strerror or "") from exc
        raise


def output_format(
    out: str | None, given: str | None, formats: Mapping[str, str], default: str | None = None
) -> str:
    """The output format: ``--format`` (``given``) or the extension of ``out``.

    With neither, ``default`` applies when there is no output file (standard output).

    Raises:
        CliError: GZ-CLI-017 when they contradict or the format cannot be told.
    """
    to_file = bool(out) and out != "-"
    by_ext = formats.get(Path(out).suffix.lower()) if out and to_file else None
    if given is None:
        if by_ext is not None:
            return by_ext
        if not to_file and default is not None:
            return default
        shown = "、".join(sorted({f".{f}" for f in formats.values()}))
        raise CliError(
            "GZ-CLI-017",
            f"无法从文件名 {out} 判断输出格式; 请使用扩展名 ({shown}) 或 --format",
            details={"path": out},
        )
    if by_ext is not None and by_ext != given:
        raise CliError(
            "GZ-CLI-017",
            f"--format {given} 与输出文件扩展名 {Path(str(out)).suffix} 不符",
            details={"path": out, "format": given},
        )
    return given


def output_dir(path: str) -> Path:
    """An output folder (created with its parents).

    Raises:
        CliError: GZ-CLI-009 when it is a file or cannot be created.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise _out_problem(path, "这是一个文件, 不是目录", "not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _out_problem(path, _why(exc), exc.strerror or "") from exc
    if not os.access(p, os.W_OK):
        raise _out_problem(path, "没有写入权限", "not writable")
    return p


# --------------------------------------------------------------------------- stores

_SQLITE_MAGIC = b"SQLite format 3\x00"


def add_store_args(parser: argparse.ArgumentParser) -> None:
    """``--db FILE|URL`` or ``--workdir DIR`` (a demo working directory): the store to read."""
    g = parser.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--db",
        metavar="FILE|URL",
        help="数据库文件 (gaozhi.db) 或存储 URL (sqlite:///…, postgresql://…)",
    )
    g.add_argument("--workdir", metavar="DIR", help="demo 工作目录 (读取其中的 gaozhi.db)")


def store_url(args: argparse.Namespace) -> tuple[str, Path]:
    """(store URL, working directory) from ``--db``/``--workdir``, checked before opening.

    An existing file must already be a SQLite database, so a command that only reads never
    turns an empty or foreign file into a store.

    Raises:
        CliError: GZ-CLI-008 (not found) or GZ-CLI-012 (not a gaozhi database).
    """
    given = args.workdir or args.db
    if args.db and "://" in args.db:  # a store URL (sqlite:///…, postgresql://…) as it is
        return args.db, Path.cwd()
    db = Path(given)
    if db.is_dir():
        if args.db:
            note("--db 指向目录已弃用, 请改用 --workdir")
        workdir, db = db, db / "gaozhi.db"
    else:
        workdir = db.parent
    if not db.is_file():
        raise CliError("GZ-CLI-008", f"找不到数据库文件: {db}", details={"path": str(db)})
    try:
        with db.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise CliError(
            "GZ-CLI-006", f"无法读取数据库文件 {db}: {_why(exc)}", details={"path": str(db)}
        ) from exc
    if head != _SQLITE_MAGIC:
        reason = "空文件" if not head else "不是 SQLite 数据库"
        raise CliError(
            "GZ-CLI-012",
            f"{db} 不是 gaozhi 数据库 ({reason}); 文件未被改动",
            details={"path": str(db), "reason": "empty" if not head else "not sqlite"},
        )
    return f"sqlite:///{db}", workdir
