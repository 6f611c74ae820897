"""Sphinx configuration for the gaozhi-sdk documentation (中文为主, English second).

Build: ``sphinx-build -W -n -b html docs docs/_build/html`` (or ``tox -e docs``).
The build is offline: intersphinx is enabled only when a local Python inventory exists
(Debian/Ubuntu package ``python3.11-doc``).
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "gaozhi-sdk"
author = "gaozhi-sdk developers"
copyright = "gaozhi-sdk developers, Apache-2.0"
try:
    release = version("gaozhi-sdk")
except PackageNotFoundError:  # building from a checkout without installing
    release = "0.0.0"
version = ".".join(release.split(".")[:2])

language = "zh_CN"
locale_dirs = ["locale/"]
gettext_compact = False  # one catalogue per page: docs/locale/en/LC_MESSAGES/<page>.po
gettext_location = False  # no "#: path:line" comments: stable .po diffs on any machine

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxcontrib.mermaid",
    "modeltables",
    "ruletable",
    "errorcodes",
    "apidocs",  # autodoc hooks: error-code literals, public bases, clean type hints
    "cliusage",  # {gaozhi-usage}: CLI synopses generated from cli.build_parser()
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_data", "_ext", "locale", "Thumbs.db", ".DS_Store"]

# MyST: ```{directive}``` fences, heading anchors for in-page links, definition lists.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]
# Mermaid is served from the site itself (mermaid 11.17.2, MIT, docs/_static/vendor/mermaid):
# the docs are read offline (auditors) and the smoke test allows no off-site request.
mermaid_use_local = "mermaid-local.mjs"

# autodoc + napoleon (Google style docstrings, Chinese where they describe the domain).
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# No default "members": autodoc applies a non-string default over the directive's own
# value, which would turn every ``:members: a, b`` list in api.rst into "all members".
autodoc_default_options = {
    "show-inheritance": True,
    # pydantic's class attributes carry pydantic's own (English) docstrings: noise here.
    "exclude-members": "model_config, model_fields, model_computed_fields",
}

# intersphinx only with a local inventory: the build machines are offline.
_PY_INV = Path("/usr/share/doc/python3.11/html/objects.inv")
if _PY_INV.is_file():
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {"python": ("https://docs.python.org/3", (str(_PY_INV),))}

# -n (nitpicky). Only targets that cannot resolve offline, or that are not API, are ignored:
# - runtime dependencies that publish no inventory we can read offline (cryptography types
#   in signatures, pydantic.BaseModel as the public base of the models);
# - the standard library, when the local Python inventory is missing;
# - private names (a ``_`` segment: ``service._signing.Sealer``, ``testing.pki._CA``). They
#   show up as parameter types of constructors that are not the entry point
#   (``PledgeService.open``, ``TestPKI.create``) and are deliberately not documented.
_NO_INVENTORY = r"(pydantic|pydantic_core|cryptography|requests|pluggy|yaml|rfc8785)\..+"
nitpick_ignore_regex = [
    ("py:class", _NO_INVENTORY),
    ("py:exc", _NO_INVENTORY),
    ("py:class", r"gaozhi_sdk(\.\w+)*\._\w+(\.\w+)*"),
    # private modules of the standard library and pytest in signatures (``threading.Lock()``
    # is ``_thread.lock``; pytest's fixtures are typed with ``_pytest.*``)
    ("py:class", r"(_thread|_pytest)\..+"),
    # pydantic's BaseModel as written in annotations (pydantic has no offline inventory)
    ("py:class", r"BaseModel"),
    # cryptography's x509 types as annotated in hook specifications (``x509.Certificate``)
    ("py:class", r"x509\.\w+"),
    # the stores' shared SQL building blocks: internal, shown only as the bases of the two
    # documented stores and as the parameter type of the query objects' SQL builders
    ("py:class", r"gaozhi_sdk\.store\.(queries\.Dialect|sqlbase\.\w+)"),
    # the query half of the store contract suite: the documented StoreContract includes it
    ("py:class", r"gaozhi_sdk\.testing\.query_contract\.QueryContract"),
]
if not _PY_INV.is_file():
    _stdlib = "|".join(sorted(n for n in sys.stdlib_module_names if not n.startswith("_")))
    nitpick_ignore_regex += [
        (role, rf"({_stdlib})\..+") for role in ("py:class", "py:exc", "py:func", "py:data")
    ]
    nitpick_ignore_regex.append(("py:mod", rf"({_stdlib})"))


html_theme = "pydata_sphinx_theme"
html_title = "gaozhi-sdk 文档"


def _english_title(app: object, config: object) -> None:
    """Title of the English build (-D language=en overrides ``language`` after this file runs)."""
    if getattr(config, "language", None) == "en":
        config.html_title = "gaozhi-sdk documentation"  # type: ignore[attr-defined]


def _openapi_reference(app: object, config: object) -> None:
    """Generate the HTTP service's OpenAPI document and reference page (docs/http.md links
    them) into ``_static/openapi/`` from the code, so the site never shows a stale contract."""
    import runpy

    runpy.run_path(str(DOCS / "_tools" / "http_reference.py"))["main"]()


def _skip_deprecated_shims(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """The one-release deprecation shims (``svc.accept`` → ``svc.cases.accept``) are not
    part of the API reference; the embedding guide lists them."""
    return True if hasattr(obj, "__gaozhi_moved_to__") else None


def setup(app: object) -> None:
    app.connect("autodoc-skip-member", _skip_deprecated_shims)  # type: ignore[attr-defined]
    app.connect("config-inited", _english_title)  # type: ignore[attr-defined]
    app.connect("config-inited", _openapi_reference)  # type: ignore[attr-defined]


html_static_path = ["_static"]
html_css_files = ["gaozhi.css"]
# Chinese search: Sphinx indexes zh pages with jieba (docs extra); zh-search.js splits an
# unspaced query in the browser (Intl.Segmenter) before searchtools.js searches.
html_js_files = ["zh-search.js"]
# Language switcher (docs/_templates/lang-switch.html): zh_CN is published at html/,
# English at html/en/ (sphinx-build -D language=en); the links are relative.
templates_path = ["_templates"]
# Primary sidebar: the whole site grouped by reader (docs/_templates/reader-nav.html).
html_sidebars = {"**": ["reader-nav.html"]}
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links", "lang-switch"],
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
