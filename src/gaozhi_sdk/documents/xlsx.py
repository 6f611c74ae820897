"""XLSX safety: text cells that never become formulas, and limits checked before parsing.

* :func:`append_text_safe` — append a row whose strings are always written as *text*
  cells. openpyxl turns a string beginning with ``=`` into a formula; spreadsheet programs
  also treat ``+``, ``-``, ``@``, tab and CR leaders as formula starts when a cell is
  edited (CSV/formula injection). Such strings are stored as string cells with Excel's
  ``quotePrefix`` so a ``=HYPERLINK(...)`` taken from a list entry stays inert text.
* :class:`XlsxLimits` and :func:`check_xlsx_limits` — an uploaded workbook is refused
  before any expensive work (openpyxl builds every cell in memory: a 1.4 MB file with
  400 000 rows takes gigabytes) when the file, the number of zip members, their declared
  uncompressed size, the rows or the cells exceed the limits. Rows and cells are counted
  by streaming the worksheet XML through a small buffer, stopping at the first excess.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from gaozhi_sdk.errors import ListValidationError

__all__ = [
    "FORMULA_LEADERS",
    "XlsxLimits",
    "append_text_safe",
    "check_file_size",
    "check_xlsx_limits",
]

#: Leading characters a spreadsheet may read as the start of a formula.
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")

_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?row[\s>/]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?c[\s>/]")
_CHUNK = 1 << 16
_OVERLAP = 64


def append_text_safe(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)`` where every ``str`` is written as a text cell, never a formula."""
    row = list(values)
    ws.append(row)
    for cell, value in zip(ws[ws.max_row], row, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
            cell.value = value
            cell.data_type = "s"  # openpyxl re-infers a formula from a leading "="
            if value.startswith(FORMULA_LEADERS):
                cell.quotePrefix = True


@dataclass(frozen=True)
class XlsxLimits:
    """Limits for an imported workbook (all positive; configurable per call or by the
    environment variables ``GAOZHI_XLSX_MAX_<FIELD>``, e.g. ``GAOZHI_XLSX_MAX_ROWS``)."""

    max_bytes: int = 20 * 1024 * 1024
    max_members: int = 200
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_rows: int = 20_000
    max_cells: int = 400_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> XlsxLimits:
        """The defaults, overridden by ``GAOZHI_XLSX_<FIELD>`` (upper case) where set."""
        source = os.environ if env is None else env
        values: dict[str, int] = {}
        for f in fields(cls):
            raw = source.get(f"GAOZHI_XLSX_{f.name.upper()}")
            if raw is None:
                continue
            try:
                n = int(raw)
            except ValueError:
                n = 0
            if n <= 0:
                raise ListValidationError(
                    "GZ-LS-906",
                    f"环境变量 GAOZHI_XLSX_{f.name.upper()} 须为正整数 (当前 {raw!r})",
                    message_en=f"GAOZHI_XLSX_{f.name.upper()} must be a positive integer",
                    details={"setting": f.name, "value": raw},
                )
            values[f.name] = n
        return cls(**values)


def _too_big(what: str, what_en: str, found: int, limit: int, setting: str) -> ListValidationError:
    return ListValidationError(
        "GZ-LS-904",
        f"清单表格过大, 未予读取: {what} {found} 超过上限 {limit} (设置项 {setting})",
        message_en=f"the spreadsheet is refused before reading: {what_en} {found} exceeds "
        f"the limit {limit} (setting {setting})",
        details={"measure": setting, "found": found, "limit": limit},
    )


def check_file_size(size: int, limits: XlsxLimits) -> None:
    """GZ-LS-904 when a file of ``size`` bytes is over ``limits.max_bytes`` (checked on a
    path's size before the file is read)."""
    if size > limits.max_bytes:
        raise _too_big("文件大小 (字节)", "file size (bytes)", size, limits.max_bytes, "max_bytes")


def check_xlsx_limits(data: bytes, limits: XlsxLimits) -> None:
    """Refuse a workbook that exceeds ``limits``, before it is parsed.

    Raises:
        ListValidationError: ``GZ-LS-904`` (file, members, uncompressed size, rows or cells
            over a limit — ``details`` names the measure, the value found and the limit);
            ``GZ-LS-901`` when the bytes are not a zip container.
    """
    check_file_size(len(data), limits)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ListValidationError(
            "GZ-LS-901", "无法读取清单表格: 不是 XLSX (zip) 文件", message_en="not an XLSX file"
        ) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise _too_big(
                "压缩包成员数", "zip members", len(infos), limits.max_members, "max_members"
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_uncompressed_bytes:
            raise _too_big(
                "解压后大小 (字节)",
                "uncompressed size (bytes)",
                declared,
                limits.max_uncompressed_bytes,
                "max_uncompressed_bytes",
            )
        rows = cells = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            for r, c in _tag_counts(zf, info):
                rows, cells = rows + r, cells + c
                if rows > limits.max_rows:
                    raise _too_big("行数", "rows", rows, limits.max_rows, "max_rows")
                if cells > limits.max_cells:
                    raise _too_big("单元格数", "cells", cells, limits.max_cells, "max_cells")


def _tag_counts(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[int, int]]:
    """(rows, cells) per chunk of one worksheet, streamed through a small buffer."""
    try:
        with zf.open(info) as fh:
            pending = b""
            while True:
                chunk = fh.read(_CHUNK)
                buf = pending + chunk
                # a tag is counted where it starts; starts near the end wait for the next
                # chunk, so that a tag split by the chunking counts exactly once
                cut = max(len(buf) - _OVERLAP, 0) if chunk else len(buf)
                yield (
                    sum(1 for m in _ROW.finditer(buf) if m.start() < cut),
                    sum(1 for m in _CELL.finditer(buf) if m.start() < cut),
                )
                if not chunk:
                    return
                pending = buf[cut:]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error):
        raise ListValidationError(
            "GZ-LS-901",
            f"无法读取清单表格: 工作表 {info.filename} 已损坏",
            message_en="a worksheet of the XLSX is damaged",
        ) from None
