"""Domain models (pydantic v2), one module per domain area. Re-exports only."""

from gaozhi_sdk.models._base import CST, GaozhiModel, now_cst
from gaozhi_sdk.models.case import Case, Decision, ProofChoice, Withdrawal
from gaozhi_sdk.models.credit import (
    Complaint,
    CreditRecord,
    CreditRepairApplication,
    Disposition,
    Objection,
    PublicityPeriod,
)
from gaozhi_sdk.models.documents import (
    DEFAULT_PLEDGE_CLAUSES,
    Notice,
    NoticeItem,
    Pledge,
    PledgeItem,
    PledgeTemplate,
)
from gaozhi_sdk.models.enums import *  # noqa: F403
from gaozhi_sdk.models.enums import __all__ as _enum_names
from gaozhi_sdk.models.lists import (
    CommitmentList,
    CommitmentListEntry,
    LiabilityInsurance,
    ReviewRecord,
    VerificationPlanSpec,
    VerificationWindow,
)
from gaozhi_sdk.models.parties import (
    Actor,
    AdministrativeOrgan,
    Applicant,
    CreditSnapshot,
    CreditSnapshotItem,
    Proxy,
    SpecialAuthorization,
)
from gaozhi_sdk.models.verification import (
    AssistanceRequest,
    DailySupervision,
    Evidence,
    InspectionDraw,
    Verification,
    VerificationFinding,
)

#: Every entity model, by its schema name (used by ``gaozhi schema``, R-031).
ENTITY_MODELS: dict[str, type[GaozhiModel]] = {
    m.__name__: m
    for m in (
        AdministrativeOrgan,
        Applicant,
        SpecialAuthorization,
        Proxy,
        Actor,
        CreditSnapshot,
        CommitmentList,
        CommitmentListEntry,
        PledgeTemplate,
        Notice,
        Pledge,
        Case,
        Withdrawal,
        Verification,
        VerificationFinding,
        AssistanceRequest,
        DailySupervision,
        InspectionDraw,
        Disposition,
        CreditRecord,
        CreditRepairApplication,
        Objection,
        Complaint,
    )
}

__all__ = sorted(  # noqa: PLE0605
    [
        "CST",
        "DEFAULT_PLEDGE_CLAUSES",
        "ENTITY_MODELS",
        "Actor",
        "AdministrativeOrgan",
        "Applicant",
        "AssistanceRequest",
        "Case",
        "CommitmentList",
        "CommitmentListEntry",
        "Complaint",
        "CreditRecord",
        "CreditRepairApplication",
        "CreditSnapshot",
        "CreditSnapshotItem",
        "DailySupervision",
        "Decision",
        "Disposition",
        "Evidence",
        "GaozhiModel",
        "InspectionDraw",
        "LiabilityInsurance",
        "Notice",
        "NoticeItem",
        "Objection",
        "Pledge",
        "PledgeItem",
        "PledgeTemplate",
        "ProofChoice",
        "Proxy",
        "PublicityPeriod",
        "ReviewRecord",
        "SpecialAuthorization",
        "Verification",
        "VerificationFinding",
        "VerificationPlanSpec",
        "VerificationWindow",
        "Withdrawal",
        "now_cst",
        *_enum_names,
    ]
)
