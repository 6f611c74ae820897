"""The public signer base class (issue 11 item 6): the built-in signers and the SM2 plugin
subclass :class:`gaozhi_sdk.esign.BaseSigner`, and a vendor's own signer written on it is
a full :class:`~gaozhi_sdk.esign.Signer` whose seals validate."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    BaseSigner,
    EcdsaP256Signer,
    Ed25519Signer,
    SignatureAlgorithm,
    Signer,
    TrustStore,
    keyid,
    sign,
    validate,
)
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC, make_notice


class CountingSigner(BaseSigner[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]):
    """A vendor's signer (e.g. over an HSM) written on the base class: it only signs."""

    algorithm = SignatureAlgorithm.ECDSA_P256_SHA256

    def __init__(
        self, key: ec.EllipticCurvePrivateKey, chain: Sequence[x509.Certificate] = ()
    ) -> None:
        super().__init__(key, key.public_key(), chain)
        self.calls = 0

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))


def test_the_built_in_signers_are_base_signers(pki: TestPKI) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    ed = Ed25519Signer(ed25519.Ed25519PrivateKey.generate())
    assert isinstance(seal, EcdsaP256Signer) and isinstance(seal, BaseSigner)
    assert isinstance(ed, BaseSigner) and ed.certificate_chain == ()
    assert seal.keyid == keyid(seal.public_key) and ed.keyid == keyid(ed.public_key)


def test_a_signer_written_on_the_base_class_seals_documents_that_validate(
    pki: TestPKI, trust: TrustStore
) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    mine = CountingSigner(seal.private_key, seal.certificate_chain)
    assert isinstance(mine, Signer)
    assert mine.keyid == seal.keyid and mine.spki_der == seal.spki_der
    assert mine.certificate_chain == seal.certificate_chain
    report = validate(sign(make_notice(), mine), trust)
    assert report.passed, report
    assert mine.calls == 1
    assert "PRIVATE" not in repr(mine) and mine.keyid[:16] in repr(mine)


def test_the_base_class_refuses_a_chain_whose_leaf_holds_another_key(pki: TestPKI) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(SignatureError) as err:
        CountingSigner(stranger, seal.certificate_chain)
    assert err.value.code == "GZ-SG-003"


def test_a_subclass_must_implement_sign() -> None:
    class Incomplete(BaseSigner[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]):
        algorithm = SignatureAlgorithm.ECDSA_P256_SHA256

    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(TypeError, match="abstract"):
        Incomplete(key, key.public_key())  # type: ignore[abstract]
