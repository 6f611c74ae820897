"""DSSE pre-authentication encoding (PAE) — DESIGN §4.

The signed bytes of a bundle are the DSSE v1 PAE of the payload type and the decoded
payload::

    "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

where ``LEN`` is the byte length in ASCII decimal without leading zeros and ``SP`` is one
space (0x20). Binding ``payloadType`` into the signed bytes means a signature cannot be
moved to another document type. The encoding is byte-identical to the DSSE
specification and to ``securesystemslib``'s implementation (``tests/esign/test_dsse.py``).
"""

from __future__ import annotations

__all__ = ["pae"]


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding of ``payload_type`` and ``body``.

    Args:
        payload_type: the payload type (encoded as UTF-8; bundle types are ASCII).
        body: the decoded payload bytes.

    Returns:
        The exact bytes that are signed and verified.
    """
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
