"""Calling the ``gaozhi_render_document`` hook (firstresult) of a plugin host, if given."""

from __future__ import annotations

from typing import Any

from gaozhi_sdk.errors import ConfigError

__all__ = ["call_render_hook"]


def call_render_hook(hook: Any, kind: str, model: Any, fmt: str) -> bytes | None:
    """Ask the host's ``gaozhi_render_document`` implementations for a rendering.

    Args:
        hook: a plugin host (anything with ``.hook.gaozhi_render_document``), a pluggy hook
            relay (``pm.hook``) or the hook caller itself; None means no override.
        kind: ``notice`` | ``pledge`` | ``list`` | ``disclosure`` | ``report``.
        model: the model rendered.
        fmt: ``html`` | ``docx`` | ``xlsx`` | ``json`` | ``md``.

    Returns:
        The first non-None bytes an implementation returned, or None (use the built-in).

    Raises:
        ConfigError: ``GZ-CF-501`` if an implementation returned something other than bytes.
    """
    if hook is None:
        return None
    caller = hook
    for attr in ("hook", "gaozhi_render_document"):
        nxt = getattr(caller, attr, None)
        if nxt is not None:
            caller = nxt
    if not callable(caller):
        return None
    result = caller(kind=kind, model=model, fmt=fmt)
    if isinstance(result, list):  # a non-firstresult caller returns every result
        result = next((r for r in result if r is not None), None)
    if result is None:
        return None
    if isinstance(result, str) and fmt in ("html", "json", "md"):
        return result.encode("utf-8")
    if not isinstance(result, bytes | bytearray):
        raise ConfigError(
            "GZ-CF-501",
            f"插件的 gaozhi_render_document 须返回 bytes 或 None, 实际为 {type(result).__name__}",
            message_en="gaozhi_render_document must return bytes or None",
        )
    return bytes(result)
