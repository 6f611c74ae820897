"""Payload types: which model a signed document is (DESIGN §4).

A payload type names the document and its schema version,
``application/vnd.gaozhi.<name>+json;version=N``. Payloads of registered types are
parsed into their model (strict JSON validation); one that does not parse is a
FORMAT_FAILURE. Preloaded (lazily imported):

=========================  ==============================================
``notice``                 :class:`gaozhi_sdk.models.Notice` (告知书)
``pledge``                 :class:`gaozhi_sdk.models.Pledge` (承诺书)
``verification``           :class:`gaozhi_sdk.models.VerificationFinding`
``disposition``            :class:`gaozhi_sdk.models.Disposition`
``credit-record``          :class:`gaozhi_sdk.models.CreditRecord`
``draw``                   :class:`gaozhi_sdk.models.InspectionDraw`
``disclosure``             :class:`gaozhi_sdk.models.DisclosedPledge` (公开的承诺书)
``authentication-record``  :class:`gaozhi_sdk.models.AuthenticationRecord` (实名认证记录)
``window-attestation``     :class:`gaozhi_sdk.models.WindowAttestation` (窗口见证)
``proxy-authorization``    :class:`gaozhi_sdk.models.AuthorizationGrant` (特别授权书)
=========================  ==============================================

Other parts register theirs with :func:`register_payload_type` (a model class, or a
``"module:Class"`` string imported on first use, so registration costs no import).
"""

from __future__ import annotations

import importlib
import re
import threading

from pydantic import BaseModel, ValidationError

from gaozhi_sdk.errors import BundleFormatError, SignatureError

__all__ = [
    "GAOZHI_TYPE_PREFIX",
    "media_type",
    "model_for",
    "parse_payload",
    "payload_type_for",
    "register_payload_type",
    "registered_payload_types",
]

GAOZHI_TYPE_PREFIX = "application/vnd.gaozhi."
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")

_lock = threading.Lock()
_by_type: dict[str, type[BaseModel] | str] = {}
_by_model: dict[type[BaseModel], str] = {}


def media_type(name: str, version: int = 1) -> str:
    """``application/vnd.gaozhi.<name>+json;version=<version>``."""
    return f"{GAOZHI_TYPE_PREFIX}{name}+json;version={version}"


def register_payload_type(
    name: str, model: type[BaseModel] | str, version: int = 1, *, replace: bool = False
) -> str:
    """Register a payload type for a model; returns the full payload type.

    Args:
        name: short name, e.g. ``"journal-checkpoint"``.
        model: the pydantic model class, or ``"package.module:Class"`` (imported lazily).
        version: the schema version.
        replace: allow re-binding an already registered type or model.

    Raises:
        SignatureError: ``GZ-SG-005`` (bad name/version, or a conflicting registration).
    """
    if not _NAME_RE.match(name) or not isinstance(version, int) or version < 1:
        raise SignatureError(
            "GZ-SG-005",
            f"文档类型名 {name!r} 或版本 {version!r} 无效 (小写字母、数字、-、.; 版本为正整数)",
            message_en=f"invalid payload type name {name!r} or version {version!r}",
        )
    ptype = media_type(name, version)
    with _lock:
        old = _by_type.get(ptype)
        same = old is not None and _model_name(old) == _model_name(model)
        if old is not None and not same and not replace:
            raise SignatureError(
                "GZ-SG-005",
                f"文档类型 {ptype} 已登记为 {_model_name(old)}",
                message_en=f"payload type {ptype} is already registered to {_model_name(old)}",
            )
        if isinstance(model, type):
            other = _by_model.get(model)
            if other is not None and other != ptype and not replace:
                raise SignatureError(
                    "GZ-SG-005",
                    f"模型 {model.__name__} 已登记为文档类型 {other}",
                    message_en=f"model {model.__name__} is already registered as {other}",
                )
            _by_model[model] = ptype
        if not (same and isinstance(old, type)):
            _by_type[ptype] = model
    return ptype


def _model_name(model: type[BaseModel] | str) -> str:
    return model if isinstance(model, str) else f"{model.__module__}:{model.__qualname__}"


def _resolve(ptype: str) -> type[BaseModel] | None:
    entry = _by_type.get(ptype)
    if entry is None or isinstance(entry, type):
        return entry
    module, _, attr = entry.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise SignatureError(
            "GZ-SG-005",
            f"文档类型 {ptype} 登记的 {entry} 不是 pydantic 模型",
            message_en=f"{entry} registered for {ptype} is not a pydantic model",
        )
    with _lock:
        if _by_type.get(ptype) == entry:
            _by_type[ptype] = cls
            _by_model.setdefault(cls, ptype)
    return cls


def model_for(payload_type: str) -> type[BaseModel] | None:
    """The model registered for ``payload_type``, or None for an unknown type."""
    return _resolve(payload_type)


def payload_type_for(model_class: type[BaseModel]) -> str:
    """The payload type registered for a model class.

    Raises:
        SignatureError: ``GZ-SG-005`` if the model has no registered payload type.
    """
    found = _by_model.get(model_class)
    if found is not None:
        return found
    for ptype, entry in list(_by_type.items()):
        if isinstance(entry, str):
            _resolve(ptype)
    found = _by_model.get(model_class)
    if found is None:
        raise SignatureError(
            "GZ-SG-005",
            f"模型 {model_class.__name__} 没有登记文档类型; 请先调用 register_payload_type, "
            "或显式传入 payload_type",
            message_en=f"model {model_class.__name__} has no registered payload type",
        )
    return found


def registered_payload_types() -> dict[str, str]:
    """Every registered payload type and its model (``module:Class``), sorted."""
    return {k: _model_name(v) for k, v in sorted(_by_type.items())}


def parse_payload(payload_type: str, payload: bytes) -> BaseModel | None:
    """Parse a payload of a registered type into its model (strict JSON validation).

    Returns:
        The model instance, or None when the type is not registered.

    Raises:
        BundleFormatError: ``GZ-SG-110`` if the payload does not parse into its model.
    """
    model = _resolve(payload_type)
    if model is None:
        return None
    try:
        return model.model_validate_json(payload, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(顶层)'}: {e['type']}" for e in errors[:5]
        )
        raise BundleFormatError(
            "GZ-SG-110",
            f"文档内容不符合 {payload_type} 的模型 {model.__name__} "
            f"({exc.error_count()} 处): {where}",
            message_en=(
                f"payload does not parse as {model.__name__} for {payload_type} "
                f"({exc.error_count()} errors): {where}"
            ),
            details={"model": model.__name__, "errors": where},
        ) from None


for _name, _model in (
    ("notice", "gaozhi_sdk.models:Notice"),
    ("pledge", "gaozhi_sdk.models:Pledge"),
    ("verification", "gaozhi_sdk.models:VerificationFinding"),
    ("disposition", "gaozhi_sdk.models:Disposition"),
    ("credit-record", "gaozhi_sdk.models:CreditRecord"),
    ("draw", "gaozhi_sdk.models:InspectionDraw"),
    ("disclosure", "gaozhi_sdk.models:DisclosedPledge"),
    ("authentication-record", "gaozhi_sdk.models.signing:AuthenticationRecord"),
    ("window-attestation", "gaozhi_sdk.models.signing:WindowAttestation"),
    ("proxy-authorization", "gaozhi_sdk.models:AuthorizationGrant"),
):
    register_payload_type(_name, _model)
