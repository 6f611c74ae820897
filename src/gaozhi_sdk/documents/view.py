"""The printable view of a document: title, labelled fields, sections, clauses, hash.

Both output formats (HTML through Jinja2, DOCX through python-docx) are rendered from the
same :class:`DocumentView`, so the printed and the web copy say the same words (R-029).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gaozhi_sdk.models import CST

__all__ = ["DocumentView", "Field", "Section", "format_datetime"]


@dataclass(frozen=True)
class Field:
    """One labelled value; ``lines`` holds multi-line values (设定依据, 条款)."""

    label: str
    value: str = ""
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled group of fields with optional numbered clauses."""

    heading: str
    fields: tuple[Field, ...] = ()
    clauses: tuple[str, ...] = ()
    clauses_heading: str = "承诺条款"


@dataclass(frozen=True)
class DocumentView:
    """Everything a template needs to print a notice, pledge or disclosure."""

    kind: str
    title: str
    meta: tuple[Field, ...]
    sections: tuple[Section, ...]
    content_hash: str
    hash_label: str = "文书内容摘要 (SHA-256)"
    preamble: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    signature_lines: tuple[str, ...] = ()
    extra_hashes: tuple[Field, ...] = field(default_factory=tuple)


def format_datetime(value: datetime) -> str:
    """``2026年01月05日 10:20`` in 中国标准时间."""
    return f"{value.astimezone(CST):%Y年%m月%d日 %H:%M}"
