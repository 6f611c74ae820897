"""gaozhi-sdk 插件: SM2 with SM3 (GB/T 32918) 签名与验证, SM2 证书链验证.

Importing the package registers, in the core SDK:

* an SM2 key verifier (:func:`gaozhi_sdk.esign.register_key_verifier`, name ``"sm2"``):
  keys on curve 1.2.156.10197.1.301 verify as SM2-with-SM3, Z from ``sm2SignerId``
  (default ``1234567812345678``);
* an SM2 certificate-chain validator (:func:`gaozhi_sdk.esign.chain.register_chain_validator`)
  built on pyhanko-certvalidator with an SM2-aware signature check.

Typical use::

    from gaozhi_plugin_sm2 import load_sm2_signer
    signer = load_sm2_signer(key_pem, chain=[cert_pem])      # OpenSSL-made keys work
    bundle = gaozhi_sdk.esign.sign(pledge, signer)
"""

from __future__ import annotations

from gaozhi_plugin_sm2.backend import GmalgBackend, GmsslPyxBackend, Sm2Backend, default_backend
from gaozhi_plugin_sm2.curve import DEFAULT_SIGNER_ID, SM2_CURVE_OID, SM2_SIGN_WITH_SM3_OID
from gaozhi_plugin_sm2.errors import Sm2Error
from gaozhi_plugin_sm2.keys import (
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    generate_private_key,
    load_sm2_private_key,
    load_sm2_signer,
)
from gaozhi_plugin_sm2.plugin import register, unregister
from gaozhi_plugin_sm2.verifier import Sm2KeyVerifier, sm2_key_verifier_factory

__all__ = [
    "DEFAULT_SIGNER_ID",
    "SM2_CURVE_OID",
    "SM2_SIGN_WITH_SM3_OID",
    "GmalgBackend",
    "GmsslPyxBackend",
    "Sm2Backend",
    "Sm2Error",
    "Sm2KeyVerifier",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm2Signer",
    "default_backend",
    "generate_private_key",
    "load_sm2_private_key",
    "load_sm2_signer",
    "register",
    "sm2_key_verifier_factory",
    "unregister",
]

register()
