"""SM2 插件错误 (code area ``SM2``: ``GZ-SM2-NNN``).

======  ==============================================================
code    meaning
======  ==============================================================
001     signing needs the gmssl-pyx wheel (verify-only fallback active)
002     private key unreadable, wrong/missing password, unsupported encryption
003     not an SM2 key (other curve or algorithm)
004     certificate chain does not match the signing key
005     invalid signer ID
006     no SM2 implementation installed
======  ==============================================================
"""

from __future__ import annotations

from gaozhi_sdk import SignatureError

__all__ = ["Sm2Error"]


class Sm2Error(SignatureError):
    """An SM2 key, signer or backend problem (GZ-SM2-*)."""
