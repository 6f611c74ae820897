"""Every relative link and asset reference in the built HTML resolves (issue 6 §4).

Sphinx ``-n`` checks cross-references; this also covers raw Markdown links, anchors
(``page.html#id``) and the theme's ``src``/``href`` attributes.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

# The session fixture builds both languages (about a minute).
pytestmark = pytest.mark.slow

SKIP_SCHEMES = ("http", "https", "mailto", "data", "javascript", "tel")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.add(str(values[key]))
        for key in ("href", "src"):
            value = values.get(key)
            if value and not (tag == "link" and values.get("rel") in {"canonical"}):
                self.refs.append(value)


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def test_every_relative_link_and_anchor_resolves(built_site: Path) -> None:
    # _static/ holds theme template fragments (Jinja source), not pages.
    pages = sorted(p for p in built_site.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) > 10
    parsed = {page: _parse(page) for page in pages}
    broken: list[str] = []
    checked = 0
    for page, collector in parsed.items():
        for ref in collector.refs:
            parts = urlsplit(ref)
            if parts.scheme in SKIP_SCHEMES or ref.startswith("//"):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/"):
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(built_site)}: {ref}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if fragment not in ids:
                    broken.append(f"{page.relative_to(built_site)}: {ref} (no anchor)")
    assert checked > 100
    assert broken == [], "\n".join(broken)
