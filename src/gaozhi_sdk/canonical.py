"""Canonical JSON (RFC 8785, JCS) and digests.

:func:`canonical_bytes` is the reference path (the ``rfc8785`` library) for arbitrary
JSON data. :func:`model_bytes` is the fast path for gaozhi models: models are JCS-safe by
construction (ASCII keys, no floats, integers within ±2^53 — DESIGN §4), and for such
data ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` yields the
same bytes as JCS. ``tests/test_canonical.py`` checks the equality on every model and on
hypothesis-generated instances.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import Any

import orjson
import rfc8785
from pydantic import BaseModel

from gaozhi_sdk.errors import ModelValidationError

__all__ = ["canonical_bytes", "digest_json", "is_canonical_json", "model_bytes", "sha256_hex"]


_MAX_SAFE = 2**53 - 1


def _fast_safe(data: Any, depth: int = 0) -> bool:
    """True when ``json.dumps(sort_keys=True)`` is byte-equal to JCS for ``data``.

    That holds for strings, booleans, None, integers within ±(2^53 − 1), and lists and
    objects of those whose keys are ASCII (UTF-16 and code-point key orders then agree).
    Floats — whose JCS form differs (``1.0`` → ``1``) — take the reference path.
    """
    if depth > 64:
        return False
    if data is None or isinstance(data, (str, bool)):
        return True
    if isinstance(data, int):
        return -_MAX_SAFE <= data <= _MAX_SAFE
    if isinstance(data, dict):
        return all(
            isinstance(k, str) and k.isascii() and _fast_safe(v, depth + 1) for k, v in data.items()
        )
    if isinstance(data, (list, tuple)):
        return all(_fast_safe(v, depth + 1) for v in data)
    return False


def canonical_bytes(data: Any) -> bytes:
    """RFC 8785 bytes of JSON-compatible data (raises GZ-MD-010 on non-JCS values).

    Data made only of strings, booleans, None, safe integers, lists and ASCII-keyed
    objects is serialised by the byte-equal ``json.dumps`` fast path; anything else
    (floats, non-ASCII keys) goes through the ``rfc8785`` reference implementation.
    """
    if _fast_safe(data):
        # Lone surrogates cannot be encoded: fall through so the reference path reports them.
        with contextlib.suppress(UnicodeEncodeError):
            return json.dumps(
                data, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
    try:
        return rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ModelValidationError(
            "GZ-MD-010",
            f"数据不能规范化为 JCS (RFC 8785): {type(exc).__name__}",
            message_en=f"data cannot be canonicalised as JCS: {exc}",
        ) from exc


def model_bytes(model: BaseModel) -> bytes:
    """JCS bytes of a gaozhi model in JSON mode (fast path, byte-equal to RFC 8785).

    Uses orjson with sorted keys: for JCS-safe data (ASCII keys, no floats, safe
    integers — guaranteed by the models) its output equals RFC 8785; the property tests
    in ``tests/test_canonical.py`` compare the two on every signed model.
    """
    data = model.model_dump(mode="json")
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return canonical_bytes(data)


def sha256_hex(data: bytes) -> str:
    """Lower-hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def digest_json(data: Any) -> str:
    """SHA-256 of the JCS bytes of JSON data or a model."""
    if isinstance(data, BaseModel):
        return sha256_hex(model_bytes(data))
    return sha256_hex(canonical_bytes(data))


def is_canonical_json(payload: bytes) -> bool:
    """True if ``payload`` is exactly the JCS (RFC 8785) bytes of the JSON it holds.

    Duplicate keys (the parser keeps one value, the re-serialisation is shorter), any
    whitespace, another key order or escaping, and invalid JSON give False. Fast path:
    orjson's sorted re-serialisation; only when that differs is the RFC 8785 reference
    consulted (floats and non-ASCII keys, whose JCS form orjson does not produce).
    """
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return False
    # orjson's form equals JCS only for JCS-safe data (no floats: 7.0 is "7" in JCS; safe
    # integers: I-JSON; ASCII keys: UTF-16 and code-point key orders agree).
    if _fast_safe(data):
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS) == payload
        except (TypeError, orjson.JSONEncodeError):
            pass
    try:
        return canonical_bytes(data) == payload
    except ModelValidationError:
        return False
