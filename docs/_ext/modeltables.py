"""Field tables generated from the pydantic models, so descriptions stay single-sourced.

``gaozhi-model-fields`` renders one table (字段, 类型, 必填, 说明) for the model named by
its argument, looked up in :mod:`gaozhi_sdk.models`. Descriptions are the models'
``Field(description=...)``; enum fields list their values; personal-information fields
(``x-gaozhi-pii``) are marked. After reading all pages the extension warns about every
model of ``gaozhi_sdk.models.ENTITY_MODELS`` that no page rendered, so with ``-W`` a new
entity cannot go undocumented.

The helpers at module level need pydantic but not Sphinx.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

_TYPE_LABELS = {
    "AwareDatetime": "datetime (带时区)",
    "NoneType": "None",
}


def type_label(annotation: Any) -> str:
    """A short, readable type: ``tuple[PledgeItem, ...]``, ``str | None``, ``Severity``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_label(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_label(a) for a in args)
    if origin is typing.Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        inner = ", ".join("..." if a is Ellipsis else type_label(a) for a in args)
        return f"{name}[{inner}]"
    if annotation is None or annotation is type(None):
        return "None"
    name = getattr(annotation, "__name__", None)
    if name is None:
        return str(annotation).replace("typing.", "")
    return _TYPE_LABELS.get(name, name)


def enum_types(annotation: Any) -> list[type[enum.Enum]]:
    """The enum classes inside an annotation (``Severity | None`` → ``[Severity]``)."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [annotation]
    out: list[type[enum.Enum]] = []
    for arg in typing.get_args(annotation):
        for e in enum_types(arg):
            if e not in out:
                out.append(e)
    return out


def _default_label(info: Any) -> str:
    if info.default_factory is not None:
        return ""
    value = info.default
    if isinstance(value, enum.Enum):
        return str(value.value)
    if value is None or isinstance(value, bool | int | str):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, tuple) and not value:
        return "()"
    return ""


def field_rows(model: Any) -> list[dict[str, str]]:
    """Rows for a pydantic model: name, type, required, description, enum values, pii kind."""
    pii = model.pii_fields() if hasattr(model, "pii_fields") else {}
    rows = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        default = "" if required else _default_label(info)
        values = [str(m.value) for e in enum_types(info.annotation) for m in e]
        rows.append(
            {
                "name": name,
                "alias": info.alias or "",
                "type": type_label(info.annotation),
                "required": "是" if required else (f"否 (默认 {default})" if default else "否"),
                "description": info.description or "",
                "values": ", ".join(values),
                "pii": pii.get(name, ""),
            }
        )
    return rows


# --------------------------------------------------------------------------- Sphinx part

_PII_ZH = {
    "identifier": "证件号码",
    "name": "姓名",
    "contact": "联系方式",
    "address": "地址",
    "free_text": "自由文本",
}


def _directive_class() -> type:
    from docutils import nodes
    from gz_docutils import make_table
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    class ModelFieldsDirective(SphinxDirective):
        """``gaozhi-model-fields ModelName``: the field table of one model."""

        required_arguments = 1
        has_content = False

        def run(self) -> list[nodes.Node]:
            from gaozhi_sdk import models

            name = self.arguments[0]
            model = getattr(models, name, None)
            if model is None or not hasattr(model, "model_fields"):
                logger.warning(
                    "gaozhi_sdk.models 中没有名为 %s 的模型", name, location=self.get_location()
                )
                return []
            rendered = self.env.__dict__.setdefault("gaozhi_models_rendered", {})
            rendered.setdefault(self.env.docname, set()).add(name)
            self.env.note_dependency(str(_module_file(model)))
            rows = []
            for row in field_rows(model):
                desc: list[nodes.Node] = [nodes.Text(row["description"] or "—")]
                if row["values"]:
                    desc.append(nodes.Text("。取值: "))
                    for k, value in enumerate(row["values"].split(", ")):
                        if k:
                            desc.append(nodes.Text("、"))
                        desc.append(nodes.literal(value, value))
                if row["pii"]:
                    kind = _PII_ZH.get(row["pii"], row["pii"])
                    desc += [nodes.Text(" "), nodes.strong("", f"〔个人信息: {kind}〕")]
                rows.append(
                    [
                        [nodes.literal(row["name"], row["name"])],
                        [nodes.literal(row["type"], row["type"])],
                        row["required"],
                        desc,
                    ]
                )
            return [
                make_table(
                    ["字段", "类型", "必填", "说明"],
                    rows,
                    [18, 22, 12, 48],
                    classes=["gaozhi-model-fields"],
                )
            ]

    return ModelFieldsDirective


def _module_file(model: Any) -> str:
    import sys

    module = sys.modules.get(model.__module__)
    return getattr(module, "__file__", "") or ""


def _purge(app: Any, env: Any, docname: str) -> None:
    env.__dict__.get("gaozhi_models_rendered", {}).pop(docname, None)


def _merge(app: Any, env: Any, docnames: Any, other: Any) -> None:
    mine = env.__dict__.setdefault("gaozhi_models_rendered", {})
    for docname, names in other.__dict__.get("gaozhi_models_rendered", {}).items():
        if docname in docnames:
            mine[docname] = names


def _check_all_entities(app: Any, env: Any) -> None:
    from sphinx.util import logging

    from gaozhi_sdk.models import ENTITY_MODELS

    rendered: set[str] = set()
    for names in env.__dict__.get("gaozhi_models_rendered", {}).values():
        rendered |= names
    for name in ENTITY_MODELS:
        if name not in rendered:
            logging.getLogger(__name__).warning(
                "实体模型 %s 没有字段表: 请在 docs/domain.md 中加入 "
                "```{gaozhi-model-fields} %s``` (ENTITY_MODELS 中的每个模型都要有)",
                name,
                name,
            )


def setup(app: Any) -> dict[str, Any]:
    """Register ``gaozhi-model-fields`` and the completeness check."""
    app.add_directive("gaozhi-model-fields", _directive_class())
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check_all_entities)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
