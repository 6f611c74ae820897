"""In-process fakes of the provider seams, for tests, examples and the demo.

:class:`FakeDataSharingProvider` answers online verifications from a ground-truth table
the caller controls; with ``fault_rate`` it returns UNDETERMINED for a seeded share of
calls, as a flaky provincial endpoint would. It never answers VERIFIED for a subject it
knows nothing about (NOT_FOUND instead) — the rule of DESIGN §7.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping

from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.models.parties import Applicant, CreditSnapshot
from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult

__all__ = ["FakeCreditSource", "FakeDataSharingProvider"]


class FakeDataSharingProvider:
    """Answers from ``truth[(id_number, entry_id)]``: True → VERIFIED, False → MISMATCH.

    Missing keys → NOT_FOUND. ``consent_required`` lists keys answered CONSENT_REQUIRED.
    """

    def __init__(
        self,
        truth: Mapping[tuple[str, str], bool] | None = None,
        *,
        fault_rate: float = 0.0,
        seed: int = 0,
        consent_required: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.truth: dict[tuple[str, str], bool] = dict(truth or {})
        self.fault_rate = fault_rate
        self.consent_required = consent_required
        self._rng = random.Random(seed)
        self.calls = 0

    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """One simulated data-sharing call."""
        self.calls += 1
        ref = (
            "FAKE-" + hashlib.sha256(f"{request.request_id}:{self.calls}".encode()).hexdigest()[:12]
        )
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return ProofCheckResult(
                request_id=request.request_id,
                outcome=OnlineOutcome.UNDETERMINED,
                evidence_ref=ref,
                detail="fake: injected transient fault (HTTP 503)",
            )
        key = (request.subject_id_number, request.entry_id)
        if key in self.consent_required:
            outcome = OnlineOutcome.CONSENT_REQUIRED
        elif key not in self.truth:
            outcome = OnlineOutcome.NOT_FOUND
        else:
            outcome = OnlineOutcome.VERIFIED if self.truth[key] else OnlineOutcome.MISMATCH
        return ProofCheckResult(request_id=request.request_id, outcome=outcome, evidence_ref=ref)


class FakeCreditSource:
    """External credit snapshots keyed by identifier number."""

    def __init__(self, snapshots: Mapping[str, CreditSnapshot] | None = None) -> None:
        self.snapshots = dict(snapshots or {})

    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
        """The configured snapshot, if any."""
        return self.snapshots.get(applicant.id_number)
