"""告知书与承诺书的渲染 (R-001, R-028, R-029, R-032, R-033)."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pluggy
import pytest
from docx import Document

from gaozhi_sdk import hookspecs
from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.documents import render_notice, render_pledge
from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.ids import mask_identifier

from .conftest import PRIVATE_ENTRY, PUBLIC_ENTRY, DocsWorld

TOLD = (
    "事项名称",
    "设定依据",
    "证明名称",
    "证明内容",
    "承诺方式",
    "不实承诺的法律责任",
    "核查权力",
    "配合义务",
    "承诺书是否公开",
)


class _Page(HTMLParser):
    """Collects the html lang, visible text and <th> labels."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.text: list[str] = []
        self.th: list[str] = []
        self._in_th = False
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "th":
            self._in_th = True
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_th:
            self.th.append(data.strip())


def parse(html: bytes) -> _Page:
    page = _Page()
    page.feed(html.decode("utf-8"))
    page.close()
    return page


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    for s in doc.sections:
        parts.extend(p.text for p in s.footer.paragraphs)
    return "\n".join(parts)


def test_r029_notice_html_tells_every_item_in_zh_cn_with_the_signed_hash(
    docs_world: DocsWorld,
) -> None:
    notice, pledge = docs_world.pledge_case(PRIVATE_ENTRY)
    page = parse(render_notice(notice, "html"))
    assert page.lang == "zh-CN"
    for label in TOLD:
        assert label in page.th, label
    text = "".join(page.text)
    item = notice.items[0]
    assert item.proof_content in text and item.liability in text
    for clause in item.pledge_clauses:
        assert clause in text
    digest = sha256_hex(model_bytes(notice))
    assert digest in text
    assert pledge.notice_hash == digest  # the printed notice is the one the pledge answers


def test_r032_notice_docx_rereads_with_items_clauses_and_hash(docs_world: DocsWorld) -> None:
    notice, _ = docs_world.pledge_case(PUBLIC_ENTRY)
    text = docx_text(render_notice(notice, "docx"))
    for label in TOLD:
        assert label in text
    assert notice.items[0].proof_name in text
    assert notice.items[0].pledge_clauses[0] in text
    assert sha256_hex(model_bytes(notice)) in text


def test_pledge_html_and_docx_mask_the_id_unless_revealed(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    full = pledge.pledgor.id_number
    for fmt, read in (("html", lambda b: b.decode()), ("docx", docx_text)):
        shown = read(render_pledge(pledge, fmt))
        assert full not in shown
        assert mask_identifier(full) in shown
        assert pledge.items[0].clauses[-1] in shown
        assert sha256_hex(model_bytes(pledge)) in shown
        assert pledge.notice_hash in shown
        assert full in read(render_pledge(pledge, fmt, reveal_identifiers=True))


def test_html_is_autoescaped(docs_world: DocsWorld) -> None:
    notice, _ = docs_world.pledge_case(PRIVATE_ENTRY)
    evil_item = notice.items[0].model_copy(update={"matter_name": "<script>alert(1)</script>"})
    evil = notice.model_copy(update={"items": (evil_item,)})
    html = render_notice(evil, "html")
    assert b"<script>" not in html
    assert b"&lt;script&gt;" in html
    assert parse(html).scripts == 0


def test_template_dir_overrides_the_built_in_template(
    docs_world: DocsWorld, tmp_path: Path
) -> None:
    notice, _ = docs_world.pledge_case(PRIVATE_ENTRY)
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "notice.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block after %}<p id="organ">本机关咨询窗口: 3 号</p>'
        "{% endblock %}",
        encoding="utf-8",
    )
    html = render_notice(notice, "html", template_dir=tpl).decode()
    assert "本机关咨询窗口: 3 号" in html
    assert sha256_hex(model_bytes(notice)) in html  # the base template still prints the hash
    assert "本机关咨询窗口" not in render_notice(notice, "html").decode()


class _OrganTemplates:
    @hookspecs.hookimpl
    def gaozhi_render_document(self, kind: str, model: Any, fmt: str) -> bytes | None:
        if kind == "notice" and fmt == "html":
            return f"<p>{model.notice_id}</p>".encode()
        return None


def _host(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for p in plugins:
        pm.register(p)
    return pm


def test_render_hook_overrides_first_result_and_falls_back(docs_world: DocsWorld) -> None:
    notice, pledge = docs_world.pledge_case(PRIVATE_ENTRY)
    pm = _host(_OrganTemplates())
    assert render_notice(notice, "html", hook=pm.hook) == f"<p>{notice.notice_id}</p>".encode()
    assert render_notice(notice, "html", hook=pm) == f"<p>{notice.notice_id}</p>".encode()
    # the plugin returns None for the pledge: the built-in rendering is used
    assert parse(render_pledge(pledge, "html", hook=pm.hook)).lang == "zh-CN"


def test_render_hook_returning_non_bytes_is_a_coded_error(docs_world: DocsWorld) -> None:
    notice, _ = docs_world.pledge_case(PRIVATE_ENTRY)

    class Bad:
        @hookspecs.hookimpl
        def gaozhi_render_document(self, kind: str, model: Any, fmt: str) -> Any:
            return 42

    with pytest.raises(ConfigError) as exc:
        render_notice(notice, "docx", hook=_host(Bad()).hook)
    assert exc.value.code == "GZ-CF-501"


def test_unknown_format_is_refused(docs_world: DocsWorld) -> None:
    notice, _ = docs_world.pledge_case(PRIVATE_ENTRY)
    with pytest.raises(ConfigError) as exc:
        render_notice(notice, "pdf")
    assert exc.value.code == "GZ-CF-502"
