"""Sealing and signature checks used by the service (R-035, DESIGN §4).

Documents the organ issues (notices, verification findings, dispositions, credit
records, draws) are sealed with the organ's signer. Every bundle is validated against
the service's trust store and signer policy *before* it is stored: nothing is stored
with a signature that does not validate, and no document signed by someone not entitled
to sign it (GZ-SG-050: e.g. applicant B's certificate on applicant A's pledge, or the
organ's seal on a pledge).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel

from gaozhi_sdk.errors import ConfigError, SignatureError
from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    Bundle,
    CheckStatus,
    Indication,
    Signer,
    SignerPolicy,
    SubIndication,
    TrustStore,
    VerificationReport,
    sign,
    validate,
)
from gaozhi_sdk.esign.timestamps import TimestampAuthority, timestamp_bundle
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.store.base import Transaction

__all__ = ["Sealer"]


class Sealer:
    """Signs documents with organ seals and validates incoming bundles."""

    def __init__(
        self,
        signers: Mapping[str, Signer],
        trust: TrustStore,
        *,
        tsa: TimestampAuthority | None = None,
        policy: SignerPolicy = DEFAULT_POLICY,
    ) -> None:
        self._signers = dict(signers)
        self.trust = trust
        self.tsa = tsa
        self.policy = policy

    def signer_for(self, organ_uscc: str) -> Signer:
        """The seal signer of an organ (GZ-CF-030 if none is configured)."""
        try:
            return self._signers[organ_uscc]
        except KeyError:
            raise ConfigError(
                "GZ-CF-030",
                f"未配置机关 {mask_identifier(organ_uscc)} 的电子印章签名密钥",
                message_en="no seal signer configured for this organ",
            ) from None

    def add_signer(self, organ_uscc: str, signer: Signer) -> None:
        """Register (or replace) an organ's seal signer."""
        self._signers[organ_uscc] = signer

    def check(self, bundle: Bundle, at: datetime) -> VerificationReport:
        """Raise SignatureError unless the bundle validates TOTAL_PASSED.

        ``GZ-SG-050`` when the signer is not entitled to sign the document (signer
        policy), ``GZ-SG-020`` for any other failure; ``.report`` has the details.
        Returns the report of a bundle that passed.
        """
        report = validate(bundle, self.trust, at=at, policy=self.policy)
        if report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED:
            why = next(
                (
                    c
                    for sig in report.signatures
                    for c in sig.checks
                    if c.name == "signer_policy" and c.status is CheckStatus.FAILED
                ),
                None,
            )
            raise SignatureError(
                "GZ-SG-050",
                "签名者无权签署该文档: " + (why.message or "" if why else ""),
                report=report,
                message_en="the signer is not entitled to sign this document: "
                + (why.message_en or "" if why else ""),
            )
        if report.indication is not Indication.TOTAL_PASSED:
            raise SignatureError(
                "GZ-SG-020",
                f"签名验证未通过: {report.indication.value}/"
                f"{report.sub_indication.value if report.sub_indication else '-'}",
                report=report,
                message_en="signature did not validate",
            )
        return report

    def seal(
        self, tx: Transaction, model: BaseModel, organ_uscc: str, blob_id: str, at: datetime
    ) -> dict[str, str]:
        """Sign ``model`` with the organ seal, validate, store; return journal detail."""
        bundle = sign(model, self.signer_for(organ_uscc), tsa=self.tsa)
        self.check(bundle, at)
        return self.store_bundle(tx, bundle, blob_id)

    @staticmethod
    def without_timestamps(bundle: Bundle) -> Bundle:
        """``bundle`` with every time-stamp token removed (DESIGN §4, issue 9).

        Tokens an incoming bundle carries are not trusted to establish time: a self-made
        or borrowed token could back-date the signature. The organ stamps it itself.
        """
        if not any(m.timestamps for m in bundle.verification_material.signers):
            return bundle
        signers = tuple(
            m.model_copy(update={"timestamps": None}) for m in bundle.verification_material.signers
        )
        material = bundle.verification_material.model_copy(update={"signers": signers})
        return bundle.model_copy(update={"verification_material": material})

    def stamp_incoming(self, bundle: Bundle, at: datetime) -> tuple[Bundle, datetime | None]:
        """Time-stamp an incoming bundle with the organ's own TSA, whatever tokens it came
        with (they are dropped), and validate it again.

        Returns:
            The bundle to store and its best signature time (the organ TSA's ``genTime``;
            None without a TSA — the stored bundle then carries no token at all).
        """
        bare = self.without_timestamps(bundle)
        if self.tsa is None:
            return bare, None
        stamped = timestamp_bundle(bare, self.tsa)
        report = self.check(stamped, at)
        times = [s.best_signature_time for s in report.signatures if s.best_signature_time]
        return stamped, (min(times) if times else None)

    @staticmethod
    def store_bundle(tx: Transaction, bundle: Bundle, blob_id: str) -> dict[str, str]:
        """Store a validated bundle as a blob; return ``{"bundle": id, "bundle_sha256": …}``."""
        data = bundle.to_json()
        digest = tx.put_blob(
            blob_id, kind="bundle", media_type="application/vnd.gaozhi.bundle+json", data=data
        )
        return {"bundle": blob_id, "bundle_sha256": digest}
