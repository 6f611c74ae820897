"""The English translation of the documentation (sphinx-intl ``.po`` files, issue 6 item 1).

The Chinese pages are the source; ``docs/locale/en/LC_MESSAGES/<page>.po`` holds the English
for each page. Refresh them after editing a page::

    sphinx-build -b gettext docs /tmp/gettext
    sphinx-intl update -p /tmp/gettext -d docs/locale -l en

Untranslated strings fall back to Chinese in the English build, so completeness is checked
here: the pages a newcomer reads first (``PRIORITY``) must be fully translated; the other
pages are reported. ``babel`` (a Sphinx dependency, present in the docs environment) parses
the files strictly; without it only that test is skipped — the completeness checks use the
small stdlib reader below, which a babel test cross-checks.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LOCALE = DOCS / "locale" / "en" / "LC_MESSAGES"
NOT_PAGES = {"_build", "_data", "_ext", "_static", "_templates", "locale"}
# Pages that must be translated completely: the newcomer's path into the SDK.
PRIORITY = ("index", "overview", "quickstart", "embedding")
# Chinese that stays in the English text: the policy's own name and document numbers.
ALLOWED_CHINESE = {"证明事项告知承诺制", "中文版", "豫政办", "号", "国办发", "双随机", "一公开"}


@dataclass
class Message:
    """One catalogue entry (the header entry has an empty ``msgid``)."""

    msgid: str
    msgstr: str
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        # Sphinx skips fuzzy entries (use_fuzzy_translations = False by default).
        return bool(self.msgstr) and "fuzzy" not in self.flags


def read_po(path: Path) -> list[Message]:
    """Read a gettext catalogue (single-form messages, as Sphinx writes them)."""
    messages: list[Message] = []
    flags: set[str] = set()
    current: dict[str, str] | None = None
    key = ""
    obsolete = False

    def finish() -> None:
        nonlocal current, flags, obsolete
        if current is not None and "msgid" in current:
            messages.append(Message(current["msgid"], current.get("msgstr", ""), flags, obsolete))
        current, flags, obsolete = None, set(), False

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if current is not None and "msgstr" in current:
                finish()
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            if current is not None and "msgstr" in current:
                finish()
        elif line.startswith(("msgctxt", "msgid ", "msgstr ")):
            word, _, rest = line.partition(" ")
            if word in ("msgid", "msgctxt") and current is not None and "msgstr" in current:
                finish()
            if current is None:
                current = {}
            key = word
            current[key] = _unquote(rest, path, lineno)
            obsolete = obsolete or is_obsolete
        elif line.startswith('"') and current is not None:
            current[key] += _unquote(line, path, lineno)
        else:
            raise AssertionError(f"{path.name}:{lineno}: cannot read {raw!r}")
    finish()
    return messages


def _unquote(text: str, path: Path, lineno: int) -> str:
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):
        raise AssertionError(f"{path.name}:{lineno}: not a quoted string: {text!r}")
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def _pages() -> list[str]:
    pages = []
    for path in DOCS.rglob("*"):
        rel = path.relative_to(DOCS)
        if path.suffix in {".md", ".rst"} and not NOT_PAGES.intersection(rel.parts[:-1]):
            pages.append(rel.with_suffix("").as_posix())
    return sorted(pages)


def _catalogue(page: str) -> list[Message]:
    return [m for m in read_po(LOCALE / f"{page}.po") if m.msgid and not m.obsolete]


def test_every_page_has_an_english_catalogue() -> None:
    missing = [page for page in _pages() if not (LOCALE / f"{page}.po").is_file()]
    assert missing == [], (
        "pages without docs/locale/en/LC_MESSAGES/<page>.po (run sphinx-intl update)"
    )


def test_no_catalogue_without_a_page() -> None:
    pages = set(_pages())
    orphans = sorted(
        p.relative_to(LOCALE).with_suffix("").as_posix()
        for p in LOCALE.rglob("*.po")
        if p.relative_to(LOCALE).with_suffix("").as_posix() not in pages
    )
    assert orphans == [], "catalogues of deleted pages"


@pytest.mark.parametrize("page", PRIORITY)
def test_priority_page_is_fully_translated(page: str) -> None:
    messages = _catalogue(page)
    assert len(messages) >= 5, f"{page}.po holds almost nothing: is it up to date?"
    untranslated = [m.msgid for m in messages if not m.translated]
    assert untranslated == [], f"{page}: untranslated or fuzzy strings"


@pytest.mark.parametrize("page", PRIORITY)
def test_priority_translation_keeps_links_and_code(page: str) -> None:
    """Markup survives translation: same links, roles and inline code as the Chinese text."""
    link = re.compile(r"\]\([^)]+\)|\{[\w:]+\}`[^`]*`")
    code = re.compile(r"(?<![}\w])`([^`]+)`")
    for m in _catalogue(page):
        assert sorted(link.findall(m.msgstr)) == sorted(link.findall(m.msgid)), m.msgid
        # inline code with Chinese in it (a placeholder path) is translated too
        literal = sorted(c for c in code.findall(m.msgid) if not re.search(r"[\u4e00-\u9fff]", c))
        assert sorted(set(code.findall(m.msgstr)) & set(literal)) == sorted(set(literal)), m.msgid


def test_translations_contain_no_chinese_on_priority_pages() -> None:
    """The English of the priority pages is English (the policy's own names excepted)."""
    cjk = re.compile(r"[\u4e00-\u9fff]+")
    allowed = ALLOWED_CHINESE
    found = {
        word
        for page in PRIORITY
        for m in _catalogue(page)
        for word in cjk.findall(m.msgstr)
        if word not in allowed and word not in m.msgid.split("`")[1::2]
    }
    assert found == set()


def test_read_po_parses_escapes_continuations_flags_and_obsolete(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: ../../docs/x.md:1\nmsgid "告知"\nmsgstr "Notice"\n\n'
        '#, fuzzy\nmsgid ""\n"长的"\n"段落"\nmsgstr "A \\"long\\" "\n"paragraph"\n\n'
        'msgid "空"\nmsgstr ""\n\n'
        '#~ msgid "旧"\n#~ msgstr "Old"\n',
        encoding="utf-8",
    )
    got = [(m.msgid, m.msgstr, m.translated, m.obsolete) for m in read_po(po)]
    assert got == [
        ("", "Language: en\n", True, False),
        ("告知", "Notice", True, False),
        ("长的段落", 'A "long" paragraph', False, False),
        ("空", "", False, False),
        ("旧", "Old", True, True),
    ]


def test_read_po_rejects_a_broken_line(tmp_path: Path) -> None:
    po = tmp_path / "bad.po"
    po.write_text('msgid "a"\nmsgstr "b\n', encoding="utf-8")
    with pytest.raises(AssertionError, match=r"bad\.po:2"):
        read_po(po)


@pytest.mark.parametrize("page", _pages())
def test_catalogue_parses_strictly_with_babel(page: str) -> None:
    pofile = pytest.importorskip("babel.messages.pofile")
    path = LOCALE / f"{page}.po"
    if not path.is_file():
        pytest.fail(f"{path} is missing")
    with path.open("rb") as f:
        catalog = pofile.read_po(f, abort_invalid=True)
    assert catalog.locale is not None and str(catalog.locale) == "en"
    theirs = {m.id: (m.string, "fuzzy" in m.flags) for m in catalog if m.id}
    ours = {
        m.msgid: (m.msgstr, "fuzzy" in m.flags) for m in read_po(path) if m.msgid and not m.obsolete
    }
    assert ours == theirs, "the stdlib reader and babel disagree"


def _sphinx_python() -> str | None:
    configured = os.environ.get("GAOZHI_DOCS_PYTHON")
    if configured:
        return configured if Path(configured).exists() else None
    needed = ("sphinx", "myst_parser", "pydata_sphinx_theme")
    if all(importlib.util.find_spec(name) for name in needed):
        return sys.executable
    return None


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Message templates (.pot) extracted from the current Chinese sources."""
    python = _sphinx_python()
    if python is None:
        pytest.skip("Sphinx with the docs extra is not installed (set GAOZHI_DOCS_PYTHON)")
    out = tmp_path_factory.mktemp("gettext")
    done = subprocess.run(
        [python, "-m", "sphinx", "-q", "-b", "gettext", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_priority_catalogues_cover_the_current_sources(templates: Path) -> None:
    """A page edit after the last ``sphinx-intl update`` leaves its new text untranslated."""
    for page in PRIORITY:
        wanted = {m.msgid for m in read_po(templates / f"{page}.pot") if m.msgid}
        have = {m.msgid for m in _catalogue(page) if m.translated}
        assert sorted(wanted - have) == [], f"{page}: run sphinx-intl update and translate"
    pot_pages = {
        p.relative_to(templates).with_suffix("").as_posix() for p in templates.rglob("*.pot")
    }
    assert pot_pages == set(_pages())


@pytest.mark.slow
def test_english_build_switches_language_and_is_translated(built_site: Path) -> None:
    """The English build (``built_site/en``, made with ``-W -n -D language=en``) is English."""
    out = built_site / "en"
    page = (out / "quickstart.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in page
    title = next(m.msgstr for m in _catalogue("quickstart") if m.msgid == "快速开始")
    assert f"<h1>{title}" in page
    # zh_CN lives at html/, English at html/en/: the switcher goes one level up.
    assert 'href="../quickstart.html" hreflang="zh-CN"' in page
    # Sphinx silently drops a translation that does not parse like its source (a heading
    # translated as "1. Title" reads as a list in MyST): no Chinese may be left in the text.
    for name in PRIORITY:
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        article = html[html.index("<article") : html.index("</article>")]
        article = re.sub(r"<pre.*?</pre>", "", article, flags=re.DOTALL)  # code, diagrams
        text = re.sub(r"<[^>]+>", "", article)
        left = set(re.findall(r"[\u4e00-\u9fff]+", text)) - ALLOWED_CHINESE
        assert left == set(), f"{name}.html: untranslated text in the English build"


@pytest.mark.slow
def test_chinese_build_links_to_the_english_pages(built_site: Path) -> None:
    page = (built_site / "quickstart.html").read_text(encoding="utf-8")
    assert 'href="en/quickstart.html" hreflang="en"' in page
