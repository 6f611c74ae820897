"""SM2 证书链验证 (SIGNING §3.2): pyhanko-certvalidator with an SM2-aware signature check.

``cryptography.x509.verification`` refuses SM2 keys ("Forbidden public key algorithm"), so
SM2 chains are validated by pyhanko-certvalidator: path building to the trust store's
roots, validity of every certificate at the validation time, CA constraints, and — for
certificates signed with SM2-with-SM3 (1.2.156.10197.1.501) — the signature checked with
the SM2 backend and the standard signer ID ``1234567812345678`` (GB/T 35276, what Chinese
CAs, GmSSL and ``openssl … -sigopt distid:1234567812345678`` use). Other signature
algorithms (e.g. an SM2 leaf under a P-256 or RSA root) fall through to the default.

The core (:mod:`gaozhi_sdk.esign.chain`) keeps the document-signing usage checks and the
cache; the outcome maps onto the same report sub-indications as P-256/RSA chains:
NO_CERTIFICATE_CHAIN_FOUND, OUT_OF_BOUNDS_NO_POE, CHAIN_CONSTRAINTS_FAILURE.
Validation is offline: no fetching, revocation in soft-fail mode (revocation data carried
in bundles is evaluated by the core's revocation step).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, TypeVar

from asn1crypto import algos  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from asn1crypto.keys import PublicKeyInfo  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    AlgorithmNotSupported,
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    ValidationError,
)
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from gaozhi_plugin_sm2.backend import Sm2Backend, default_backend
from gaozhi_plugin_sm2.curve import DEFAULT_SIGNER_ID, SM2_SIGN_WITH_SM3_OID
from gaozhi_plugin_sm2.keys import certificate_spki, point_from_spki
from gaozhi_sdk import mask_pii
from gaozhi_sdk.esign import ChainOutcome, SubIndication, TrustStore

__all__ = ["Sm2ChainValidator", "Sm2SignatureValidator"]


def _masked(name: x509.Name) -> str:
    """RFC 4514 name with full resident IDs and 个体工商户 USCCs masked (the SDK's scanner)."""
    return mask_pii(name.rfc4514_string(), ("resident_id", "sole_trader_uscc"))


_T = TypeVar("_T")


class Sm2SignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator signature check that understands SM2-with-SM3."""

    def __init__(self, backend: Sm2Backend | None = None) -> None:
        """Use ``backend`` (default: gmssl-pyx, else the gmalg verify-only fallback)."""
        self._backend = backend

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        """Verify an SM2 signature (Z from the standard ID), else defer to the default.

        Raises:
            InvalidSignature: if the signature does not verify.
        """
        try:
            point = point_from_spki(public_key_info.dump())
        except ValueError as exc:
            raise InvalidSignature(f"invalid SM2 issuer key: {exc}") from exc
        if signature_algorithm["algorithm"].dotted != SM2_SIGN_WITH_SM3_OID:
            if point is not None:  # one key, one algorithm: SM2 keys sign SM2-with-SM3 only
                raise AlgorithmNotSupported("SM2 issuer key with a non-SM2 signature algorithm")
            try:
                super().validate_signature(
                    signature, signed_data, public_key_info, signature_algorithm, context
                )
            except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
                raise AlgorithmNotSupported(f"cannot check the signature: {exc}") from exc
            return
        if point is None:
            raise InvalidSignature("SM2-with-SM3 signature under a non-SM2 issuer key")
        backend = self._backend or default_backend()
        if not backend.verify(point, signed_data, signature, DEFAULT_SIGNER_ID):
            raise InvalidSignature("SM2 certificate signature does not verify")


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _fp(der: bytes) -> str:
    h = hashes.Hash(hashes.SHA256())
    h.update(der)
    return h.finalize().hex()


class Sm2ChainValidator:
    """:class:`gaozhi_sdk.esign.chain.ChainValidator` for SM2 leaf certificates."""

    def __init__(self, backend: Sm2Backend | None = None) -> None:
        """Check SM2 signatures with ``backend`` (default: the best installed)."""
        self._sig_validator = Sm2SignatureValidator(backend)

    def leaf_spki(self, certificate: x509.Certificate) -> bytes | None:
        """The SPKI DER if ``certificate`` holds an SM2 key, else None."""
        try:
            spki = certificate_spki(certificate)
        except (ValueError, TypeError):
            return None
        try:
            point = point_from_spki(spki)
        except ValueError:
            return spki  # an SM2 key, but malformed: the key verifier will say why
        return spki if point is not None else None

    def validate(
        self, certs: tuple[x509.Certificate, ...], trust: TrustStore, at: datetime
    ) -> ChainOutcome:
        """Validate an SM2 chain (leaf first) at ``at`` against the trust store's roots."""
        ders = [c.public_bytes(serialization.Encoding.DER) for c in certs]
        parsed = [asn1_x509.Certificate.load(d) for d in ders]
        leaf = parsed[0]
        roots = [
            asn1_x509.Certificate.load(r.public_bytes(serialization.Encoding.DER))
            for r in trust.roots
        ]
        context = ValidationContext(
            trust_roots=list(roots),
            other_certs=parsed[1:],
            moment=at,
            allow_fetching=False,
            revocation_mode="soft-fail",
            signature_validator=self._sig_validator,
        )
        validator = CertificateValidator(
            leaf, intermediate_certs=parsed[1:], validation_context=context
        )
        subject = _masked(certs[0].subject)
        leaf_fp = _fp(ders[0])
        try:
            path = _run(validator.async_validate_path())
        except (ExpiredError, NotYetValidError) as exc:
            return self._out_of_bounds(exc, certs, at)
        except PathBuildingError as exc:
            return _no_chain(subject, leaf_fp, certs, str(exc))
        except PathValidationError as exc:
            if _signature_failure(exc):
                return _no_chain(subject, leaf_fp, certs, exc.failure_msg)
            return _constraints(subject, leaf_fp, exc.failure_msg)
        except (InvalidCertificateError, ValidationError) as exc:
            return _constraints(subject, leaf_fp, exc.failure_msg)
        except (ValueError, TypeError, KeyError) as exc:  # undecodable certificate content
            return _no_chain(subject, leaf_fp, certs, f"证书内容无法解析 ({exc})")
        fps = tuple(_fp(c.dump()) for c in reversed(list(path.iter_certs(include_root=True))))
        return ChainOutcome(ok=True, fingerprints=fps)

    @staticmethod
    def _out_of_bounds(
        exc: PathValidationError, certs: tuple[x509.Certificate, ...], at: datetime
    ) -> ChainOutcome:
        bad = next(
            (c for c in certs if not c.not_valid_before_utc <= at <= c.not_valid_after_utc),
            certs[0],
        )
        subject = _masked(bad.subject)
        fp = _fp(bad.public_bytes(serialization.Encoding.DER))
        window = f"{bad.not_valid_before_utc.isoformat()} 至 {bad.not_valid_after_utc.isoformat()}"
        return ChainOutcome(
            ok=False,
            sub_indication=SubIndication.OUT_OF_BOUNDS_NO_POE,
            message=(
                f"验证时间 {at.isoformat()} 不在证书有效期内, 且没有时间戳证明签名时间: "
                f"证书主题 {subject}, SHA-256 {fp}, 有效期 {window}"
            ),
            message_en=(
                f"validation time {at.isoformat()} is outside the validity of certificate "
                f"{subject} (SHA-256 {fp}): {exc.failure_msg}"
            ),
            expected=f"验证时间在 {window} 之内",
            found=at.isoformat(),
            remedy="以签名时间验证 (--at), 或提供带可信时间戳的证据包",
            remedy_en="validate at the signing time (--at) or use a time-stamped bundle",
            evidence=tuple(_fp(c.public_bytes(serialization.Encoding.DER)) for c in certs),
        )


def _signature_failure(exc: BaseException) -> bool:
    """True if pyhanko failed because a certificate signature does not verify."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, InvalidSignature):
            return True
        seen = seen.__cause__ or seen.__context__
    return "could not be verified" in str(exc)


def _no_chain(
    subject: str, leaf_fp: str, certs: tuple[x509.Certificate, ...], reason: str
) -> ChainOutcome:
    return ChainOutcome(
        ok=False,
        sub_indication=SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        message=(
            f"无法从 SM2 签名证书建立到信任根的证书链: 证书主题 {subject}, "
            f"SHA-256 {leaf_fp}; 原因: {reason}"
        ),
        message_en=(
            f"no chain from the SM2 signing certificate {subject} (SHA-256 {leaf_fp}) "
            f"to a trusted root: {reason}"
        ),
        expected=(
            "证书链终止于信任库中的 SM2 根证书, 且各证书签名 (SM2, 标识 1234567812345678) 有效"
        ),
        found=f"{len(certs)} 张证书, 签发者 {_masked(certs[-1].issuer)}",
        remedy="确认信任库包含签发该证书的根证书, 且证据包带有所需的中间证书",
        remedy_en="make sure the issuing root is trusted and intermediates are included",
        evidence=tuple(_fp(c.public_bytes(serialization.Encoding.DER)) for c in certs),
    )


def _constraints(subject: str, leaf_fp: str, reason: str) -> ChainOutcome:
    return ChainOutcome(
        ok=False,
        sub_indication=SubIndication.CHAIN_CONSTRAINTS_FAILURE,
        message=f"SM2 证书链不满足约束: 证书主题 {subject}, SHA-256 {leaf_fp}; 原因: {reason}",
        message_en=(
            f"the SM2 chain of {subject} (SHA-256 {leaf_fp}) violates a constraint: {reason}"
        ),
        expected="CA 证书带 basicConstraints CA:TRUE 与 keyCertSign, 路径长度约束满足",
        remedy="请签发机构按 GB/T 20518 重新签发证书",
        remedy_en="have the CA reissue the certificates per GB/T 20518",
        evidence=(leaf_fp,),
    )
