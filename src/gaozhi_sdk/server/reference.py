"""The API page at ``/v1/docs``: a self-contained HTML reference made from the OpenAPI
document (no JavaScript, no CDN — it works offline and behind any gateway)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["render_reference"]

_METHODS = ("get", "post", "put", "patch", "delete")

_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;line-height:1.5;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700;font-family:monospace}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
nav a{margin-right:.75rem}
"""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _schema_link(schema: dict[str, Any] | None) -> str:
    if not schema:
        return "-"
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_schema_link(schema['items'])}"
    return f"<code>{escape(json.dumps(schema, ensure_ascii=False)[:200])}</code>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    out = [
        f'<div class="op" id="{escape(op.get("operationId", path))}">',
        f'<span class="m">{method.upper()}</span> <code>{escape(path)}</code>',
        f"<p>{escape(op.get('summary', ''))}</p>",
    ]
    if op.get("description"):
        out.append(f"<p>{escape(op['description'])}</p>")
    params = op.get("parameters") or []
    if params:
        out.append("<table><tr><th>参数</th><th>位置</th><th>必填</th><th>类型</th></tr>")
        for p in params:
            out.append(
                f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
                f"<td>{'是' if p.get('required') else '否'}</td>"
                f"<td>{_schema_link(p.get('schema'))}</td></tr>"
            )
        out.append("</table>")
    body = (op.get("requestBody") or {}).get("content") or {}
    for media, content in body.items():
        out.append(
            f"<p>请求体 <code>{escape(media)}</code>: {_schema_link(content.get('schema'))}</p>"
        )
    out.append("<table><tr><th>状态</th><th>说明</th><th>内容</th></tr>")
    for status, resp in (op.get("responses") or {}).items():
        content = resp.get("content") or {}
        kinds = ", ".join(
            f"<code>{escape(m)}</code> {_schema_link(c.get('schema'))}" for m, c in content.items()
        )
        out.append(
            f"<tr><td>{escape(str(status))}</td><td>{escape(resp.get('description', ''))}</td>"
            f"<td>{kinds or '-'}</td></tr>"
        )
    out.append("</table></div>")
    return "\n".join(out)


def render_reference(spec: dict[str, Any]) -> str:
    """The HTML reference page of an OpenAPI document."""
    info = spec.get("info", {})
    by_tag: dict[str, list[str]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["其他"])[0]
            by_tag.setdefault(tag, []).append(_operation(path, method, op))
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} "
        f"<small>{escape(info.get('version', ''))}</small></h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        '<p>OpenAPI: <a href="/v1/openapi.json">/v1/openapi.json</a></p><nav>',
    ]
    parts += [f'<a href="#tag-{escape(t)}">{escape(t)}</a>' for t in by_tag]
    parts.append("</nav>")
    for tag, ops in by_tag.items():
        parts.append(f'<h2 id="tag-{escape(tag)}">{escape(tag)}</h2>')
        parts += ops
    parts.append("<h2>数据结构 / Schemas</h2>")
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        parts.append(
            f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>'
            f"<pre>{escape(json.dumps(schema, ensure_ascii=False, indent=2))}</pre>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
