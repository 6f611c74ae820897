"""SM2 数字签名后端 (SIGNING §1.7): gmssl-pyx (签名+验证), gmalg (纯 Python, 仅验证).

* :class:`GmsslPyxBackend` — the ``gmssl-pyx`` C extension (GmSSL), through its **digest
  API** (``sm2_sign_sm3_digest`` / ``sm2_verify_sm3_digest``); Z and e are computed by the
  SDK (:mod:`gaozhi_plugin_sm2.curve`). ~2,600 signatures/s and ~1,200 verifications/s on
  one core (SIGNING §1.6).
* :class:`GmalgBackend` — ``gmalg`` (pure Python, MIT) for platforms without the wheel
  (macOS, aarch64). **Verification only**: signing raises ``GZ-SM2-001``, since pure-Python
  signing is slow and not constant-time.

``gmssl`` and ``crossmool`` are deliberately not used (non-cryptographic nonces, SIGNING §1.4).
Signatures are DER ``SEQUENCE{r, s}`` (GB/T 35276); both backends get only canonical DER
with 1 ≤ r, s < n and an on-curve public key, checked here before any library call.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from gaozhi_plugin_sm2.curve import N, digest_e, user_hash_z
from gaozhi_plugin_sm2.errors import Sm2Error

__all__ = [
    "GmalgBackend",
    "GmsslPyxBackend",
    "Sm2Backend",
    "default_backend",
    "parse_der_signature",
]


def parse_der_signature(signature: bytes) -> tuple[int, int] | None:
    """``(r, s)`` of a canonical DER SM2 signature with 1 ≤ r, s < n, else None."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return None
    if not (0 < r < N and 0 < s < N):
        return None
    if encode_dss_signature(r, s) != signature:  # non-canonical encodings are refused
        return None
    return r, s


class Sm2Backend(Protocol):
    """An SM2 implementation; keys are the 32-byte scalar d and the 64-byte ``x ‖ y``."""

    @property
    def name(self) -> str:
        """Distribution name, for reports and errors."""

    @property
    def can_sign(self) -> bool:
        """False for verify-only backends."""

    def sign(
        self, private_scalar: bytes, public_point: bytes, message: bytes, signer_id: str
    ) -> bytes:
        """DER SM2 signature over ``message`` (Z from ``signer_id``)."""

    def verify(self, public_point: bytes, message: bytes, signature: bytes, signer_id: str) -> bool:
        """True if ``signature`` (canonical DER) is valid over ``message``."""


class GmsslPyxBackend:
    """gmssl-pyx digest API with Z/e computed by the SDK (``cryptography`` SM3)."""

    name = "gmssl-pyx"
    can_sign = True

    def __init__(self) -> None:
        """Import the extension.

        Raises:
            ImportError: if the gmssl-pyx wheel is not installed.
        """
        import gmssl_pyx  # type: ignore[import-untyped]

        self._sign = gmssl_pyx.sm2_sign_sm3_digest
        self._verify = gmssl_pyx.sm2_verify_sm3_digest
        self._errors: tuple[type[Exception], ...] = (
            gmssl_pyx.InvalidValueError,
            gmssl_pyx.GmsslInnerError,
        )

    def sign_digest(self, private_scalar: bytes, e: bytes) -> bytes:
        """DER signature over a precomputed ``e = SM3(Z ‖ M)``."""
        return bytes(self._sign(private_scalar, e))

    def verify_digest(self, public_point: bytes, e: bytes, signature: bytes) -> bool:
        """Verify a canonical DER signature over a precomputed ``e``."""
        if parse_der_signature(signature) is None:
            return False
        try:
            return bool(self._verify(public_point, e, signature))
        except self._errors:
            return False

    def sign(
        self, private_scalar: bytes, public_point: bytes, message: bytes, signer_id: str
    ) -> bytes:
        """DER SM2 signature over ``message``."""
        return self.sign_digest(
            private_scalar, digest_e(user_hash_z(public_point, signer_id), message)
        )

    def verify(self, public_point: bytes, message: bytes, signature: bytes, signer_id: str) -> bool:
        """True if ``signature`` is valid over ``message``."""
        e = digest_e(user_hash_z(public_point, signer_id), message)
        return self.verify_digest(public_point, e, signature)


class GmalgBackend:
    """Pure-Python gmalg, **verification only** (fallback where gmssl-pyx has no wheel)."""

    name = "gmalg"
    can_sign = False

    def __init__(self) -> None:
        """Import gmalg.

        Raises:
            ImportError: if gmalg is not installed.
        """
        import gmalg  # type: ignore[import-untyped]

        self._sm2 = gmalg.SM2

    def sign(
        self, private_scalar: bytes, public_point: bytes, message: bytes, signer_id: str
    ) -> bytes:
        """Always refuses: signing needs the gmssl-pyx wheel.

        Raises:
            Sm2Error: ``GZ-SM2-001``.
        """
        raise signing_unavailable()

    def verify(self, public_point: bytes, message: bytes, signature: bytes, signer_id: str) -> bool:
        """True if ``signature`` is valid over ``message`` (gmalg computes Z itself)."""
        rs = parse_der_signature(signature)
        if rs is None:
            return False
        r, s = rs
        verifier = self._sm2(pk=b"\x04" + public_point, uid=signer_id.encode("utf-8"))
        try:
            return bool(verifier.verify(message, r.to_bytes(32, "big"), s.to_bytes(32, "big")))
        except Exception:  # gmalg raises its own GMError family on malformed input
            return False


def signing_unavailable() -> Sm2Error:
    """The coded error for SM2 signing without the gmssl-pyx wheel."""
    return Sm2Error(
        "GZ-SM2-001",
        "SM2 签名需要 gmssl-pyx 二进制包 (当前平台未安装或无可用 wheel); "
        "纯 Python 后备实现 gmalg 只能验证签名, 不能签名",
        message_en=(
            "SM2 signing needs the gmssl-pyx wheel, which is not installed here; the "
            "pure-Python gmalg fallback can only verify"
        ),
    )


@lru_cache(maxsize=1)
def default_backend() -> Sm2Backend:
    """gmssl-pyx when its wheel is importable, else the gmalg verify-only fallback.

    Raises:
        Sm2Error: ``GZ-SM2-006`` when neither is installed.
    """
    try:
        return GmsslPyxBackend()
    except ImportError:  # no wheel for this platform (or a broken one): verify-only fallback
        pass
    try:
        return GmalgBackend()
    except ImportError as exc:
        raise Sm2Error(
            "GZ-SM2-006",
            "未安装 SM2 实现: 请安装 gmssl-pyx (签名+验证) 或 gmalg (仅验证)",
            message_en="no SM2 implementation installed: install gmssl-pyx or gmalg",
        ) from exc
