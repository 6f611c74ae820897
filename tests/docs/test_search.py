"""Search that works in Chinese (issue 6 §2): the jieba-built index and the browser search.

The index test reads the built ``searchindex.js``; the browser test types unspaced phrases
copied from the pages into the site's search box in headless Chromium and checks that the
page carrying the phrase comes first (docs/_static/zh-search.js splits the query).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"

# The session fixture builds both languages (about a minute).
pytestmark = pytest.mark.slow


def _search_index(site: Path) -> dict[str, Any]:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    payload = text[text.index("(") + 1 : text.rindex(")")]
    index: dict[str, Any] = json.loads(payload)
    return index


def _pages_for(index: dict[str, Any], term: str) -> set[str]:
    pages = set()
    for table in ("terms", "titleterms"):
        found = index[table].get(term, [])
        hits = [found] if isinstance(found, int) else found
        pages |= {index["docnames"][i] for i in hits}
    return pages


def test_pages_declare_lang_zh_cn(built_site: Path) -> None:
    for page in ("index", "quickstart", "search", "genindex"):
        head = (built_site / f"{page}.html").read_text(encoding="utf-8")[:400]
        assert re.search(r'<html lang="zh-CN"', head), page


@pytest.mark.parametrize(
    ("term", "pages"),
    [
        # jieba keeps these as words (cut_for_search); without it Sphinx would index
        # whole sentences and neither would be found.
        ("承诺书", {"quickstart", "lifecycle", "domain", "embedding"}),
        ("电子签名", {"documents", "rules"}),
    ],
)
def test_search_index_maps_chinese_terms_to_their_pages(
    built_site: Path, term: str, pages: set[str]
) -> None:
    index = _search_index(built_site)
    found = _pages_for(index, term)
    assert pages <= found, f"{term}: {sorted(found)}"
    # A page that never uses the term is not a hit (the index is not just every page).
    assert "hooks" not in found


def test_search_index_has_no_single_character_chinese_terms(built_site: Path) -> None:
    index = _search_index(built_site)
    han_singles = [t for t in index["terms"] if len(t) == 1 and "\u4e00" <= t <= "\u9fff"]
    assert han_singles == [], "zh-search.js drops single characters because the index has none"


#: Unspaced phrases copied from the pages (headings) and the page that must come first.
PHRASES = [
    ("个人信息扫描", "documents"),
    ("信用修复申请", "domain"),
    ("离线验证", "auditor-guide"),
    ("部门适配器", "adapter-guide"),
]


def _type_query(browser: Any, site_url: str, query: str) -> list[str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site_url + "index.html")
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.search-button__button")
    next(b for b in buttons if b.is_displayed()).click()
    boxes = browser.find_elements(By.CSS_SELECTOR, "form.bd-search input[name=q]")
    box = next(b for b in boxes if b.is_displayed())
    box.send_keys(query, Keys.ENTER)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "const s = document.querySelector('#search-results .search-summary');"
            "return s !== null && s.textContent.trim() !== '';"
        )
    )
    links: list[str] = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
        ".map(a => a.getAttribute('href'))"
    )
    return links


@pytest.mark.parametrize(("phrase", "page"), PHRASES)
def test_browser_search_finds_unspaced_phrase_page_first(
    browser: Any, site_url: str, phrase: str, page: str
) -> None:
    links = _type_query(browser, site_url, phrase)
    assert links, f"no results for {phrase}"
    assert links[0].split("#")[0] == f"{page}.html", links[:5]
    terms = browser.execute_script("return splitQuery(arguments[0])", phrase)
    assert len(terms) > 1 and all(t in phrase for t in terms), terms
