"""SM2 KeyVerifier for the core registry (DESIGN §4: the algorithm comes from the key).

A key whose SubjectPublicKeyInfo names the curve sm2p256v1 (1.2.156.10197.1.301) is
verified as SM2-with-SM3; nothing in the bundle selects the algorithm. The bundle's
``sm2SignerId`` only selects the ID used in Z and defaults to ``1234567812345678``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gaozhi_plugin_sm2.backend import GmsslPyxBackend, Sm2Backend, default_backend
from gaozhi_plugin_sm2.curve import DEFAULT_SIGNER_ID, digest_e, user_hash_z
from gaozhi_plugin_sm2.errors import Sm2Error
from gaozhi_plugin_sm2.keys import check_signer_id, point_from_spki
from gaozhi_sdk.esign import KeyRejected, KeyVerifier, SignatureAlgorithm

__all__ = ["Sm2KeyVerifier", "sm2_key_verifier_factory"]


@dataclass(frozen=True)
class Sm2KeyVerifier:
    """Verifies SM2-with-SM3 DER signatures for one public key and signer ID."""

    point: bytes
    signer_id: str = DEFAULT_SIGNER_ID
    backend: Sm2Backend = field(default_factory=default_backend)
    algorithm: str = SignatureAlgorithm.SM2_SM3
    pinned_only: bool = False
    z: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "z", user_hash_z(self.point, self.signer_id))

    def verify(self, signature: bytes, data: bytes) -> str | None:
        """Return ``SM2_SM3`` if ``signature`` is valid over ``data``, else None."""
        backend = self.backend
        if isinstance(backend, GmsslPyxBackend):
            ok = backend.verify_digest(self.point, digest_e(self.z, data), signature)
        else:
            ok = backend.verify(self.point, data, signature, self.signer_id)
        return self.algorithm if ok else None


def sm2_key_verifier_factory(
    spki: bytes, signer_id: str | None
) -> KeyVerifier | KeyRejected | None:
    """Registry factory: an :class:`Sm2KeyVerifier` for SM2 keys, None for other keys."""
    try:
        point = point_from_spki(spki)
    except ValueError as exc:
        return KeyRejected(
            f"SM2 公钥无效: {exc}", f"invalid SM2 public key: {exc}", "FORMAT_FAILURE"
        )
    if point is None:
        return None
    try:
        ident = check_signer_id(signer_id) if signer_id is not None else DEFAULT_SIGNER_ID
        return Sm2KeyVerifier(point, ident)
    except Sm2Error as exc:
        return KeyRejected(exc.message, exc.message_en or exc.message, "FORMAT_FAILURE")
