"""HTML rendering through Jinja2 templates shipped as package data (autoescaped).

An organ overrides any template by passing ``template_dir``: a file there with the same
name (``notice.html.j2``, ``pledge.html.j2``, ``disclosure.html.j2``, ``list.html.j2``,
``base.html.j2`` …) wins over the built-in one (Jinja2 ``ChoiceLoader``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["jinja_environment", "render_template"]


@lru_cache(maxsize=16)
def _environment(template_dir: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(template_dir, encoding="utf-8"))
    loaders.append(jinja2.PackageLoader("gaozhi_sdk.documents", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def jinja_environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment (autoescape on; ``template_dir`` searched first)."""
    return _environment(None if template_dir is None else str(Path(template_dir).resolve()))


def render_template(
    name: str, context: dict[str, Any], *, template_dir: str | Path | None = None
) -> bytes:
    """Render ``name`` with ``context`` to UTF-8 bytes."""
    return jinja_environment(template_dir).get_template(name).render(**context).encode("utf-8")
