"""Entry point (group ``gaozhi_sdk``, name ``sm2``): registers the SM2 seams on import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gaozhi_sdk import hookimpl
from gaozhi_sdk.esign import (
    register_chain_validator,
    register_key_generator,
    register_key_verifier,
    register_signer_loader,
    unregister_chain_validator,
    unregister_key_verifier,
)

__all__ = ["gaozhi_configure", "register", "unregister"]

REGISTRY_NAME = "sm2"


def register() -> None:
    """Register the SM2 key verifier and chain validator with the core (idempotent)."""
    from gaozhi_plugin_sm2.verifier import sm2_key_verifier_factory

    register_key_verifier(REGISTRY_NAME, sm2_key_verifier_factory)
    register_signer_loader(REGISTRY_NAME, _load_signer)
    register_key_generator(REGISTRY_NAME, _generate_key)
    from gaozhi_plugin_sm2.chain import Sm2ChainValidator
    from gaozhi_plugin_sm2.curve import SM2_CURVE_OID

    register_chain_validator(SM2_CURVE_OID, Sm2ChainValidator())


class _GeneratedSm2Key:
    """A fresh SM2 key for :func:`gaozhi_sdk.esign.generate_key`: the core's test PKI
    (``TestPKI.create(algorithm="sm2")``) and emulated event-certificate CA issue SM2
    certificates with it."""

    signature_algorithm_oid = "1.2.156.10197.1.501"  # SM2-with-SM3

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization

        from gaozhi_plugin_sm2.keys import Sm2Signer, generate_private_key

        self._key = generate_private_key()
        self._bare = Sm2Signer(self._key)
        self.spki_der = self._key.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, data: bytes) -> bytes:
        return self._bare.sign(data)

    def signer(self, chain: Sequence[Any]) -> Any:
        from gaozhi_plugin_sm2.keys import Sm2Signer

        return Sm2Signer(self._key, tuple(chain))

    def private_pem(self) -> bytes:
        return self._key.to_pkcs8_pem()


def _generate_key() -> Any:
    return _GeneratedSm2Key()


def _load_signer(key: bytes, password: bytes | None, chain: Sequence[bytes]) -> Any:
    """Signer loader for :func:`gaozhi_sdk.esign.load_signer`: SM2 keys, else None."""
    from gaozhi_plugin_sm2.errors import Sm2Error
    from gaozhi_plugin_sm2.keys import load_sm2_signer

    try:
        return load_sm2_signer(key, password=password, chain=chain)
    except Sm2Error as exc:
        if exc.code == "GZ-SM2-003":  # not an SM2 key: let the SDK report its own error
            return None
        raise


def unregister() -> None:
    """Remove the SM2 seams (tests)."""
    unregister_key_verifier(REGISTRY_NAME)
    from gaozhi_plugin_sm2.curve import SM2_CURVE_OID

    unregister_chain_validator(SM2_CURVE_OID)


@hookimpl
def gaozhi_configure(config: Mapping[str, Any]) -> None:
    """Make sure the seams are registered when the plugin host starts."""
    register()
