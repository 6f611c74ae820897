"""Loading a commitment list from YAML or JSON with row/field-precise errors.

Errors are :class:`~gaozhi_sdk.errors.ListValidationError` whose ``findings`` point at the
problem:

* GZ-LS-001 — the text is not valid YAML/JSON; the finding carries the line (and column);
* GZ-LS-002 — the data does not fit the model; one finding per problem with the entry index,
  the entry_id (when readable), the field path (``verification.method``) and the YAML line.

Loading does not lint; call :func:`gaozhi_sdk.rules.validate_list` afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from gaozhi_sdk.errors import ListValidationError
from gaozhi_sdk.models.lists import CommitmentList
from gaozhi_sdk.rules._base import errors_of, loc_path, node_line, pydantic_error_zh
from gaozhi_sdk.rules.list_lint import Finding, FindingLevel

__all__ = ["load_list"]


def _is_file(s: str) -> bool:
    if "\n" in s or len(s) > 1024:
        return False
    try:
        return Path(s).is_file()
    except (OSError, ValueError):  # name too long, embedded NUL …
        return False


def _read(path_or_text: str | Path) -> tuple[str, str | None]:
    """(text, suffix) — a Path or a one-line str naming an existing file is read."""
    if isinstance(path_or_text, Path) or _is_file(path_or_text):
        p = Path(path_or_text)
        try:
            return p.read_text(encoding="utf-8"), p.suffix.lower()
        except (OSError, UnicodeDecodeError) as exc:
            raise ListValidationError(
                "GZ-LS-001",
                f"无法读取清单文件 {p.name}: {exc}",
                message_en="cannot read the list file",
                findings=[
                    Finding(
                        code="GZ-LS-001",
                        level=FindingLevel.ERROR,
                        message_zh=f"无法读取清单文件 {p.name}",
                    )
                ],
            ) from None
    return path_or_text, None


def _syntax_error(
    kind: str, line: int | None, col: int | None, problem: str
) -> ListValidationError:
    where = f"第 {line} 行第 {col} 列" if line is not None else "位置未知"
    msg = f"{kind} 语法错误 ({where}): {problem}"
    return ListValidationError(
        "GZ-LS-001",
        msg,
        message_en=f"{kind} syntax error at line {line}",
        findings=[Finding(code="GZ-LS-001", level=FindingLevel.ERROR, line=line, message_zh=msg)],
        details={"line": line, "column": col},
    )


def load_list(
    path_or_text: str | Path, *, format: Literal["yaml", "json"] | None = None
) -> CommitmentList:
    """Parse a commitment list from a file path or YAML/JSON text.

    Args:
        path_or_text: a :class:`~pathlib.Path`, a path string, or the document text.
        format: ``"yaml"`` or ``"json"``; default: by file suffix, else JSON if the text
            starts with ``{``, else YAML.

    Raises:
        ListValidationError: GZ-LS-001 (syntax, with line) or GZ-LS-002 (schema, with entry
            index/entry_id and field path).
    """
    text, suffix = _read(path_or_text)
    fmt: str | None = format
    if fmt is None and suffix is not None:
        fmt = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    root: yaml.Node | None = None
    data: Any
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _syntax_error("JSON", exc.lineno, exc.colno, exc.msg) from None
    else:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = str(getattr(exc, "problem", None) or exc)
            line = mark.line + 1 if mark is not None else None
            col = mark.column + 1 if mark is not None else None
            raise _syntax_error("YAML", line, col, problem) from None
    if not isinstance(data, dict):
        msg = "清单文档顶层应为映射 (list_id、owner_organ、entries …)"
        raise ListValidationError(
            "GZ-LS-002",
            msg,
            message_en="the list document must be a mapping",
            findings=[Finding(code="GZ-LS-002", level=FindingLevel.ERROR, line=1, message_zh=msg)],
        )
    try:
        return CommitmentList.model_validate(data)
    except ValidationError as exc:
        findings = [_schema_finding(err, data, root) for err in errors_of(exc)]
        raise ListValidationError(
            "GZ-LS-002",
            f"清单结构校验未通过: {len(findings)} 处错误; 首个: {findings[0]}",
            message_en=f"commitment list does not match the schema ({len(findings)} error(s))",
            findings=findings,
        ) from None


def _schema_finding(err: dict[str, Any], data: dict[str, Any], root: yaml.Node | None) -> Finding:
    loc = tuple(err["loc"])
    entry_index: int | None = None
    entry_id: str | None = None
    field_loc: tuple[int | str, ...] = loc
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        entry_index = loc[1]
        field_loc = loc[2:]
        entries = data.get("entries")
        if isinstance(entries, list) and entry_index < len(entries):
            raw = entries[entry_index]
            if isinstance(raw, dict) and isinstance(raw.get("entry_id"), str):
                entry_id = raw["entry_id"]
    line = node_line(root, loc) if root is not None else None
    field = loc_path(field_loc)
    where = f"第 {entry_index + 1} 条 ({entry_id or '无编号'}) " if entry_index is not None else ""
    at_line = f" [第 {line} 行]" if line is not None else ""
    return Finding(
        code="GZ-LS-002",
        level=FindingLevel.ERROR,
        entry_id=entry_id,
        entry_index=entry_index,
        field=field,
        line=line,
        message_zh=f"{where}{field or '清单'}: {pydantic_error_zh(err)}{at_line}",
    )
