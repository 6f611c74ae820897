"""Small docutils helpers shared by the local extensions (tables built as nodes).

The generated tables are built as docutils nodes rather than as reStructuredText text, so
the same directive works unchanged on MyST (Markdown) and reStructuredText pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from docutils import nodes

#: A table cell: plain text, a list of inline nodes (one paragraph), or a list of
#: paragraphs (one per line).
Cell = str | Sequence[nodes.Node]


def _cell(content: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, str):
        entry += nodes.paragraph(content, content)
    elif content and all(isinstance(node, nodes.paragraph) for node in content):
        for node in content:
            entry += node
    else:
        para = nodes.paragraph()
        for node in content:
            para += node
        entry += para
    return entry


def literal_lines(items: Sequence[str]) -> list[nodes.Node]:
    """Inline literals, one paragraph each (for code locations and test ids)."""
    out: list[nodes.Node] = []
    for item in items:
        para = nodes.paragraph()
        para += nodes.literal(item, item)
        out.append(para)
    return out


def make_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[int],
    *,
    classes: Sequence[str] = (),
) -> nodes.table:
    """Build a docutils table with a header row."""
    table = nodes.table(classes=["gaozhi-generated", *classes])
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for width in widths:
        tgroup += nodes.colspec(colwidth=width)
    thead = nodes.thead()
    tgroup += thead
    head_row = nodes.row()
    for header in headers:
        head_row += _cell(header)
    thead += head_row
    tbody = nodes.tbody()
    tgroup += tbody
    for row in rows:
        body_row = nodes.row()
        for content in row:
            body_row += _cell(content)
        tbody += body_row
    return table
