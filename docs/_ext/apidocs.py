"""autodoc hooks for the API reference (``docs/api.rst``), so ``sphinx-build -n`` stays clean.

Each hook fixes what autodoc renders, rather than hiding the warning:

* :func:`literal_error_codes` — bare error codes in docstrings become ``literals``
  (``GZ-ID-*`` would otherwise start an emphasis); simple/grid tables are left alone,
  because widening a cell breaks the table's column layout.
* :func:`public_bases` — "基类" lists the nearest *public* ancestors instead of private
  helper bases (``rules._base.RulesModel``, ``esign.bundle._Strict`` …), which are not
  part of the API and have no page.
* :func:`tidy_typehints` — parameter types shown in descriptions
  (``autodoc_typehints = "description"``):

  - annotations are evaluated one by one, and class constructors from ``__init__``
    itself. With ``from __future__ import annotations`` autodoc otherwise leaves strings
    (``datetime``, ``x509.Certificate``) that no target can match: it reads a class's
    annotations with the class as context, and gives up on a whole signature when one
    name is imported only under ``TYPE_CHECKING``;
  - ``Annotated[T, ...]`` is shown as ``T``: the metadata is pydantic's validation
    machinery (``Field(pattern=...)``, ``PlainSerializer(...)``), whose ``repr`` is not a
    type and was being cross-referenced piece by piece.
* :func:`resolve_python_refs` — references to re-exported names (``gaozhi_sdk.PluginHost``)
  link to where the object is documented, references to implementation modules
  (``gaozhi_sdk.rules.calendar``) to their public namespace, an unqualified name written in
  another module's docstring to the one documented object of that name; a type variable in
  a signature
  (``rules.calendar.D``) is not an object one can document or link to and is rendered as
  plain text.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import typing
from typing import Any

from docutils import nodes

# ---------------------------------------------------------------------------------------
# error codes as literals


_LITERAL_RE = re.compile(r"(``.+?``)")
_CODE_RE = re.compile(r"(?<![`\w*])(GZ-[A-Z]+-(?:\*|[A-Z]?\d+[a-z]*))(?![`\w])")
_SIMPLE_BORDER_RE = re.compile(r"^\s*=+(\s+=+)+\s*$")
_GRID_LINE_RE = re.compile(r"^\s*[+|]")


def _in_tables(lines: list[str]) -> list[bool]:
    """For each line: is it part of a simple or grid table?"""
    flags = [False] * len(lines)
    inside = False
    for i, line in enumerate(lines):
        if _SIMPLE_BORDER_RE.match(line):
            flags[i] = True
            if not inside:
                inside = True
            else:  # header separator or closing border: the table ends before a blank line
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                inside = bool(nxt.strip())
            continue
        flags[i] = inside or bool(_GRID_LINE_RE.match(line))
    return flags


def literal_error_codes(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Show bare error codes in docstrings (``GZ-ID-*``, ``GZ-SG-1xx``) as literals.

    In reStructuredText a bare ``GZ-ID-*`` starts an emphasis; as literals the codes also
    read as the identifiers they are. Table rows are not touched (their column widths are
    fixed by the borders).
    """
    for i, in_table in enumerate(_in_tables(lines)):
        if in_table:
            continue
        parts = _LITERAL_RE.split(lines[i])  # odd items are existing ``literals``: keep them
        lines[i] = "".join(p if k % 2 else _CODE_RE.sub(r"``\1``", p) for k, p in enumerate(parts))


# ---------------------------------------------------------------------------------------
# public bases


def _is_private(cls: type) -> bool:
    """``_Name``, or defined in a private module and not re-exported by its public package."""
    if cls.__name__.startswith("_"):
        return True
    parts = cls.__module__.split(".")
    private = [i for i, part in enumerate(parts) if part.startswith("_")]
    if not private:
        return False
    package = ".".join(parts[: private[0]])
    return not package or _resolve(f"{package}.{cls.__qualname__}") is not cls


def _public_ancestors(cls: type) -> list[type]:
    if not _is_private(cls):
        return [cls]
    out: list[type] = []
    for base in cls.__bases__:
        for anc in _public_ancestors(base):
            if anc not in out:
                out.append(anc)
    return out


def public_bases(app: Any, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Replace private bases (``_Strict``, ``rules._base.RulesModel``) by public ancestors."""
    new: list[Any] = []
    for base in bases:
        for anc in _public_ancestors(base) if isinstance(base, type) else [base]:
            if anc not in new:
                new.append(anc)
    if len(new) > 1 and object in new:
        new.remove(object)
    bases[:] = new


# ---------------------------------------------------------------------------------------
# type hints in descriptions

_ANNOTATED_RE = re.compile(r"(?:~?typing\.)?Annotated\[")
_OPEN, _CLOSE = "[({", "])}"


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at ``text[i]``."""
    quote = text[i]
    i += 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _scan(text: str, i: int, stop: str) -> int:
    """Index of the first ``stop`` character at bracket depth 0 from ``i`` (or ``len``)."""
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            i = _skip_string(text, i)
            continue
        if depth == 0 and ch in stop:
            return i
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        i += 1
    return len(text)


def strip_annotated(text: str) -> str:
    """``Annotated[T, meta...]`` → ``T`` wherever it occurs in a stringified annotation.

    >>> strip_annotated("tuple[Annotated[bytes, X(a=']')], ...] | None")
    'tuple[bytes, ...] | None'
    """
    out: list[str] = []
    pos = 0
    while match := _ANNOTATED_RE.search(text, pos):
        out.append(text[pos : match.start()])
        start = match.end()
        comma = _scan(text, start, ",]")
        end = _scan(text, comma, "]") if comma < len(text) and text[comma] == "," else comma
        out.append(strip_annotated(text[start:comma].strip()))
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def _constructor(cls: type) -> Any:
    """The ``__init__`` a class's documented signature comes from (``None`` if generic)."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            return init if inspect.isfunction(init) else None
    return None


def _source_function(what: str, obj: Any) -> Any:
    """The plain function whose annotations autodoc recorded for ``obj`` (or ``None``)."""
    if what in {"class", "exception"} and isinstance(obj, type):
        if "__signature__" in obj.__dict__ or hasattr(obj, "__pydantic_fields__"):
            return None  # pydantic models: the signature already holds evaluated field types
        return _constructor(obj)
    func = inspect.unwrap(getattr(obj, "__func__", obj))
    return func if inspect.isfunction(func) else None


def _evaluated_hints(app: Any, func: Any) -> dict[str, str] | None:
    """Parameter/return annotations of ``func``, each evaluated on its own.

    autodoc evaluates a signature's annotations all at once (``typing.get_type_hints``); one
    name imported only under ``TYPE_CHECKING`` then leaves *every* annotation an unevaluated
    string. Evaluating them one by one keeps the failure to the one name.
    """
    from sphinx.util.inspect import evaluate_signature
    from sphinx.util.typing import stringify_annotation

    try:
        sig = evaluate_signature(inspect.signature(func), func.__globals__)
    except (TypeError, ValueError, NameError):
        return None
    mode = "smart" if app.config.autodoc_typehints_format == "short" else "fully-qualified"
    hints = {
        p.name: stringify_annotation(p.annotation, mode)
        for p in sig.parameters.values()
        if p.annotation is not p.empty
    }
    if sig.return_annotation is not sig.empty:
        hints["return"] = stringify_annotation(sig.return_annotation, mode)
    return hints


def tidy_typehints(
    app: Any, what: str, name: str, obj: Any, options: Any, args: Any, retann: Any
) -> None:
    """Fix the type hints autodoc recorded for ``name`` (see the module docstring)."""
    doc = getattr(app.env, "current_document", None)
    recorded = getattr(doc, "autodoc_annotations", {}).get(name)
    if not recorded:
        return
    func = _source_function(what, obj)
    hints = _evaluated_hints(app, func) if func is not None else None
    if hints is not None:
        if what in {"class", "exception"}:
            hints.pop("return", None)
        recorded.clear()
        recorded.update(hints)
    for key, value in recorded.items():
        recorded[key] = strip_annotated(value)


# ---------------------------------------------------------------------------------------
# type variables


def _resolve(target: str) -> Any:
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _same(a: Any, b: Any) -> bool:
    """The same object — bound methods of one function included (``cls.method`` is a new
    bound method on every attribute access)."""
    return a is b or (getattr(a, "__func__", a) is getattr(b, "__func__", b))


def _documented_alias(env: Any, target: str, obj: Any) -> str | None:
    """The documented name of ``obj`` when ``target`` is a re-export of it (or ``None``)."""
    last = target.rpartition(".")[2]
    for name in env.get_domain("py").objects:
        if name != target and name.rpartition(".")[2] == last and _same(_resolve(name), obj):
            return str(name)
    return None


def _public_namespace_of(target: str) -> str | None:
    """The public namespace an implementation module belongs to (``gaozhi_sdk._public``):
    ``gaozhi_sdk.rules.calendar`` → ``gaozhi_sdk.rules``."""
    from gaozhi_sdk._public import PUBLIC_NAMESPACES

    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate in PUBLIC_NAMESPACES:
            return candidate
    return None


def _unique_by_last_name(env: Any, target: str) -> str | None:
    """The one documented object whose name ends with ``target`` (``TimestampAuthority``
    or ``CommitmentList.wording_exceptions`` written in another module's docstring), if
    exactly one."""
    tail = "." + target
    hits = [n for n in env.get_domain("py").objects if n.endswith(tail)]
    return hits[0] if len(hits) == 1 else None


def resolve_python_refs(
    app: Any, env: Any, node: Any, contnode: nodes.Element
) -> nodes.Node | None:
    """Resolve what the Python domain cannot, for ``gaozhi_sdk`` targets only.

    * Re-exports: ``gaozhi_sdk.PluginHost`` or ``gaozhi_sdk.mask_identifier`` (the curated
      top-level namespace) link to where the object is documented
      (``gaozhi_sdk.plugins.PluginHost``, ``gaozhi_sdk.ids.mask_identifier``). An
      unqualified name is looked up in the module the reference was written in, so
      ``:class:`SqliteStore``` in ``gaozhi_sdk.store`` finds ``store.sqlite.SqliteStore``.
    * ``TypeVar``\\ s (``gaozhi_sdk.rules.calendar.D``) are not objects one can document or
      link to: they are rendered as plain text.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").removeprefix("~").removeprefix(".")
    module = node.get("py:module") or ""
    written = target
    if not target.startswith("gaozhi_sdk."):
        if not module.startswith("gaozhi_sdk"):
            return None
        target = f"{module}.{target}"  # an unqualified name, as seen from its own module
    domain = env.get_domain("py")
    if node.get("reftype") == "mod":
        # an implementation module (``gaozhi_sdk.rules.calendar``): its public namespace
        home = _public_namespace_of(target)
        if home is None or home == target:
            return None
        return domain.resolve_xref(env, node["refdoc"], app.builder, "mod", home, node, contnode)
    obj = _resolve(target)
    if isinstance(obj, typing.TypeVar):
        return contnode
    alias = _documented_alias(env, target, obj) if obj is not None else None
    if alias is None and not written.startswith("gaozhi_sdk."):
        alias = _unique_by_last_name(env, written)
    if alias is None:  # ``gaozhi_sdk.server.app.create_app`` → ``gaozhi_sdk.server.create_app``
        home = _public_namespace_of(target)
        candidate = f"{home}.{target.rpartition('.')[2]}" if home else None
        if candidate and candidate != target and candidate in domain.objects:
            alias = candidate
    if alias is None:
        return None
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], alias, node, contnode
    )


# ---------------------------------------------------------------------------------------
# data re-exported by a public namespace


def data_comments(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Document re-exported data (``gaozhi_sdk.workflow.MACHINES``) with the ``#:`` comment
    where it is defined, never with its type's docstring (``dict``, ``str``).

    autodoc reads ``#:`` comments from the module named in the directive — the public
    namespace — which only re-exports the name.
    """
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer, PycodeError

    namespace, _, attr = name.rpartition(".")
    for modname in [namespace, *sorted(m for m in sys.modules if m.startswith(namespace + "."))]:
        module = sys.modules.get(modname)
        if module is None or getattr(module, attr, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:
            continue
        comment = docs.get(("", attr))
        if comment:
            lines[:] = list(comment)
            return
    if getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None):
        lines[:] = []  # only the docstring of ``dict``, ``str`` …: nothing to say


def setup(app: Any) -> dict[str, Any]:
    """Connect the hooks (after ``sphinx.ext.autodoc``)."""
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", data_comments)
    app.connect("autodoc-process-docstring", literal_error_codes)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("autodoc-process-signature", tidy_typehints)
    app.connect("missing-reference", resolve_python_refs)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
