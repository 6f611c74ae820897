"""SM2 推荐曲线 sm2p256v1 参数与用户杂凑值 Z (GB/T 32918.2 §5.5, GB/T 32918.5).

``Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)`` and the signed digest
``e = SM3(Z ‖ M)`` are computed here with ``cryptography``'s SM3 (``hashes.SM3``), so
the signer ID is explicit and the standard's worked example is a unit test; the SM2
library only ever sees the 32-byte digest.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

__all__ = [
    "DEFAULT_SIGNER_ID",
    "GX",
    "GY",
    "SM2_CURVE_OID",
    "SM2_SIGN_WITH_SM3_OID",
    "A",
    "B",
    "N",
    "P",
    "digest_e",
    "is_on_curve",
    "sm3",
    "user_hash_z",
]

#: GB/T 33560 object identifiers.
SM2_CURVE_OID = "1.2.156.10197.1.301"
SM2_SIGN_WITH_SM3_OID = "1.2.156.10197.1.501"

#: GB/T 35276 §4.2 / GM/T 0009: the default signer ID (用户身份标识).
DEFAULT_SIGNER_ID = "1234567812345678"

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_CURVE_BYTES = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))
_MAX_ID_BYTES = 8191  # ENTL is a 16-bit count of bits


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905) via ``cryptography``."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def is_on_curve(point: bytes) -> bool:
    """True if the 64-byte ``x ‖ y`` is a finite point of sm2p256v1."""
    if len(point) != 64:
        return False
    x = int.from_bytes(point[:32], "big")
    y = int.from_bytes(point[32:], "big")
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - (x * x * x + A * x + B)) % P == 0


def user_hash_z(public_point: bytes, signer_id: str = DEFAULT_SIGNER_ID) -> bytes:
    """Z_A for a public key (64-byte ``xA ‖ yA``) and signer ID.

    Raises:
        ValueError: if the ID is longer than 8191 bytes or the point has the wrong size.
    """
    ident = signer_id.encode("utf-8")
    if len(ident) > _MAX_ID_BYTES:
        raise ValueError("signer ID longer than 8191 bytes")
    if len(public_point) != 64:
        raise ValueError("public point must be 64 bytes (x ‖ y)")
    entl = (len(ident) * 8).to_bytes(2, "big")
    return sm3(entl + ident + _CURVE_BYTES + public_point)


def digest_e(z: bytes, message: bytes) -> bytes:
    """``e = SM3(Z ‖ M)``, the digest that is signed (GB/T 32918.2 §6.1 A2)."""
    h = hashes.Hash(hashes.SM3())
    h.update(z)
    h.update(message)
    return h.finalize()
