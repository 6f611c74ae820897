"""Write the HTTP service's OpenAPI document and its HTML reference into the docs site.

    python docs/_tools/http_reference.py

writes ``docs/_static/openapi/openapi.json`` and ``docs/_static/openapi/index.html``
(not committed; ``docs/conf.py`` runs this at every build, and ``html_static_path`` copies
them into the site). Needs the ``server`` extra (FastAPI).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "_static" / "openapi"


def documents() -> dict[str, str]:
    """File name → text of the generated reference."""
    from gaozhi_sdk.server.app import create_app
    from gaozhi_sdk.server.config import ServiceConfig
    from gaozhi_sdk.server.reference import render_reference

    gateway: Any = create_app("sqlite://", ServiceConfig())
    spec = gateway.app.openapi()
    page = render_reference(spec).replace('href="/v1/openapi.json"', 'href="openapi.json"')
    return {
        "openapi.json": json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        "index.html": page + "\n",
    }


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in documents().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
