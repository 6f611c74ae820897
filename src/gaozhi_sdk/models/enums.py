"""Enumerations of the domain (DOMAIN §2, §3). Values are stable wire strings."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ActorRole",
    "AssistanceReply",
    "CaseStatus",
    "CommitmentMethod",
    "ComplaintStatus",
    "Conduct",
    "ConfidentialGround",
    "CreditStatus",
    "DisclosureOverrideBasis",
    "DisclosurePolicy",
    "DispositionAction",
    "EntryStatus",
    "IdType",
    "MatterType",
    "NoticeChannel",
    "ObjectionOutcome",
    "OnlineOutcome",
    "OrganKind",
    "PartyType",
    "PostWithdrawalRule",
    "PriorityArea",
    "ProofMode",
    "PublishChannel",
    "RepairDecision",
    "RiskCategory",
    "Severity",
    "SupervisionMode",
    "VerificationMethod",
    "VerificationPhase",
    "VerificationResult",
    "VerificationStatus",
    "WindowUnit",
]


class OrganKind(StrEnum):
    """机关类型 (R-002)."""

    ADMIN_ORGAN = "ADMIN_ORGAN"  # 行政机关
    AUTHORIZED_ORGANIZATION = "AUTHORIZED_ORGANIZATION"  # 法律法规授权的具有管理公共事务职能的组织


class PartyType(StrEnum):
    """申请人类别: 公民、法人和其他组织."""

    CITIZEN = "CITIZEN"
    LEGAL_PERSON = "LEGAL_PERSON"
    OTHER_ORG = "OTHER_ORG"


class IdType(StrEnum):
    """证件类型."""

    RESIDENT_ID = "RESIDENT_ID"  # 居民身份证 (GB 11643)
    USCC = "USCC"  # 统一社会信用代码 (GB 32100)
    OTHER = "OTHER"  # 护照、港澳台居民居住证等


class PublishChannel(StrEnum):
    """公布渠道 (R-030)."""

    SERVICE_HALL = "SERVICE_HALL"
    WEBSITE = "WEBSITE"
    PROVINCIAL_PLATFORM = "PROVINCIAL_PLATFORM"


class MatterType(StrEnum):
    """行政事项类型 (R-002); 行政许可事项符合条件的也可按告知承诺方式办理 (R-014)."""

    LICENSING = "LICENSING"  # 行政许可
    CONFIRMATION = "CONFIRMATION"  # 行政确认
    BENEFIT = "BENEFIT"  # 行政给付
    OTHER_ON_APPLICATION = "OTHER_ON_APPLICATION"  # 其他依申请事项


class PriorityArea(StrEnum):
    """重点领域 (R-005)."""

    HOUSEHOLD_REGISTRATION = "HOUSEHOLD_REGISTRATION"  # 户籍管理
    MARKET_ACCESS = "MARKET_ACCESS"  # 市场主体准营
    QUALIFICATION_EXAM = "QUALIFICATION_EXAM"  # 资格考试
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE"  # 社会保险
    SOCIAL_ASSISTANCE = "SOCIAL_ASSISTANCE"  # 社会救助
    HEALTH_CHECK = "HEALTH_CHECK"  # 健康体检
    LEGAL_SERVICE = "LEGAL_SERVICE"  # 法律服务
    OTHER = "OTHER"


class RiskCategory(StrEnum):
    """不适用告知承诺制的风险类别 (R-006)."""

    NATIONAL_SECURITY = "NATIONAL_SECURITY"  # 国家安全
    STATE_SECRETS = "STATE_SECRETS"  # 国家秘密
    PUBLIC_SECURITY = "PUBLIC_SECURITY"  # 公共安全
    FINANCIAL_PRUDENTIAL = "FINANCIAL_PRUDENTIAL"  # 金融业审慎监管
    ECO_ENVIRONMENT = "ECO_ENVIRONMENT"  # 生态环境保护
    PERSONAL_HEALTH = "PERSONAL_HEALTH"  # 直接关系人身健康
    LIFE_PROPERTY_SAFETY = "LIFE_PROPERTY_SAFETY"  # 生命财产安全
    FOREIGN_AFFAIRS = "FOREIGN_AFFAIRS"  # 重要涉外


class EntryStatus(StrEnum):
    """清单条目状态 (machine A, DOMAIN §3.1)."""

    DRAFT = "DRAFT"
    UNDER_REVIEW = "UNDER_REVIEW"
    PUBLISHED = "PUBLISHED"
    SUPERSEDED = "SUPERSEDED"
    RETIRED = "RETIRED"


class VerificationMethod(StrEnum):
    """核查方式 (R-040…R-047)."""

    ONLINE = "ONLINE"  # 在线核查 / 数据共享比对
    ON_SITE = "ON_SITE"  # 现场核查
    ASSISTED = "ASSISTED"  # 协助核查
    EXEMPT = "EXEMPT"  # 免予核查 (日常监管)

    @property
    def label_zh(self) -> str:
        """The Chinese name printed in documents and exports (在线核查 …)."""
        return _METHOD_ZH[self.value]


_METHOD_ZH = {
    "ONLINE": "在线核查",
    "ON_SITE": "现场核查",
    "ASSISTED": "协助核查",
    "EXEMPT": "免予核查",
}


class WindowUnit(StrEnum):
    """核查时限单位; R-102: time limits are working days unless a rule says otherwise."""

    WORKING_DAYS = "WORKING_DAYS"
    CALENDAR_DAYS = "CALENDAR_DAYS"
    MONTHS = "MONTHS"


class DisclosurePolicy(StrEnum):
    """承诺书是否公开 (R-071)."""

    NONE = "NONE"
    PUBLIC_REDACTED = "PUBLIC_REDACTED"


class PostWithdrawalRule(StrEnum):
    """撤回后限制 (R-064)."""

    NONE = "NONE"
    SAME_MATTER_SAME_YEAR = "SAME_MATTER_SAME_YEAR"  # 本年度该事项不再适用告知承诺制


class CommitmentMethod(StrEnum):
    """承诺方式."""

    PAPER_SIGNATURE = "PAPER_SIGNATURE"
    ELECTRONIC_SIGNATURE = "ELECTRONIC_SIGNATURE"


class NoticeChannel(StrEnum):
    """告知渠道: 书面 includes 电子文本 (R-001)."""

    COUNTER = "COUNTER"
    ONLINE = "ONLINE"


class ProofMode(StrEnum):
    """每项证明的办理方式 (R-021, R-022)."""

    PLEDGE = "PLEDGE"
    DOCUMENT = "DOCUMENT"


class CaseStatus(StrEnum):
    """办件/承诺状态 (machine B, DOMAIN §3.2)."""

    NOTICE_ISSUED = "NOTICE_ISSUED"
    INELIGIBLE = "INELIGIBLE"
    DECLINED = "DECLINED"
    PLEDGED = "PLEDGED"
    ACCEPTED = "ACCEPTED"
    WITHDRAWN = "WITHDRAWN"
    TERMINATED = "TERMINATED"
    DECIDED = "DECIDED"
    CLOSED_TRUE = "CLOSED_TRUE"
    RECTIFYING = "RECTIFYING"
    CLOSED_RECTIFIED = "CLOSED_RECTIFIED"
    REVOKED = "REVOKED"


class VerificationPhase(StrEnum):
    """核查阶段 (R-040)."""

    IN_PROCESS = "IN_PROCESS"  # 事中
    POST_DECISION = "POST_DECISION"  # 事后


class VerificationStatus(StrEnum):
    """核查状态 (machine C, DOMAIN §3.3)."""

    SCHEDULED = "SCHEDULED"
    ONLINE_CHECK = "ONLINE_CHECK"
    ON_SITE_TASK = "ON_SITE_TASK"
    ASSIST_REQUESTED = "ASSIST_REQUESTED"
    ASSIST_REFUSED = "ASSIST_REFUSED"
    DAILY_SUPERVISION = "DAILY_SUPERVISION"
    OVERDUE = "OVERDUE"
    CONCLUDED = "CONCLUDED"
    CANCELLED = "CANCELLED"


class VerificationResult(StrEnum):
    """核查结果."""

    TRUE = "TRUE"  # 属实
    FALSE = "FALSE"  # 不实
    INCONCLUSIVE = "INCONCLUSIVE"
    #: 免予核查事项在监管期内未发现承诺不实 — *not* "属实": nothing becomes TRUE by timeout.
    NO_ADVERSE_FINDING = "NO_ADVERSE_FINDING"


class OnlineOutcome(StrEnum):
    """Outcome of one data-sharing call (DESIGN §7); never VERIFIED by default."""

    VERIFIED = "VERIFIED"
    MISMATCH = "MISMATCH"
    NOT_FOUND = "NOT_FOUND"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    UNDETERMINED = "UNDETERMINED"
    REJECTED = "REJECTED"


class AssistanceReply(StrEnum):
    """协助核查答复 (R-046, R-047)."""

    CONFIRMED = "CONFIRMED"
    DENIED_FACT = "DENIED_FACT"  # 事实不符
    REFUSED = "REFUSED"  # 不能提供协助 (须书面说明理由)


class SupervisionMode(StrEnum):
    """日常监管方式 (R-042)."""

    DOUBLE_RANDOM = "DOUBLE_RANDOM"  # 双随机、一公开
    KEY_SUPERVISION = "KEY_SUPERVISION"  # 重点监管
    INTERNET_PLUS = "INTERNET_PLUS"  # 互联网+监管
    SMART = "SMART"  # 智慧监管


class DispositionAction(StrEnum):
    """不实承诺的处置措施 (R-051…R-054)."""

    TERMINATE = "TERMINATE"  # 终止办理
    ORDER_RECTIFICATION = "ORDER_RECTIFICATION"  # 责令限期整改
    REVOKE_DECISION = "REVOKE_DECISION"  # 撤销行政决定
    ADMIN_PENALTY = "ADMIN_PENALTY"  # 予以行政处罚
    REFER_JUDICIAL = "REFER_JUDICIAL"  # 移送司法机关


class Conduct(StrEnum):
    """失信行为."""

    FALSE_PLEDGE = "FALSE_PLEDGE"  # 虚假承诺
    OTHER = "OTHER"


class Severity(StrEnum):
    """失信程度 (R-110)."""

    MINOR = "MINOR"  # 轻微
    GENERAL = "GENERAL"  # 一般
    SERIOUS = "SERIOUS"  # 严重


class CreditStatus(StrEnum):
    """信用记录状态 (machine D, DOMAIN §3.4)."""

    RECORDED = "RECORDED"
    PUBLICIZED = "PUBLICIZED"
    UNDER_OBJECTION = "UNDER_OBJECTION"
    REPAIR_PENDING = "REPAIR_PENDING"
    REPAIRED = "REPAIRED"
    EXPIRED = "EXPIRED"
    CORRECTED = "CORRECTED"
    INVALIDATED = "INVALIDATED"


class RepairDecision(StrEnum):
    """信用修复决定."""

    REPAIRED = "REPAIRED"
    REJECTED = "REJECTED"


class ObjectionOutcome(StrEnum):
    """异议处理结果 (R-057, R-116)."""

    CORRECTED = "CORRECTED"
    INVALIDATED = "INVALIDATED"
    MAINTAINED = "MAINTAINED"


class ComplaintStatus(StrEnum):
    """投诉举报处理状态 (R-072)."""

    RECEIVED = "RECEIVED"
    ASSIGNED = "ASSIGNED"
    HANDLED = "HANDLED"
    CLOSED = "CLOSED"  # 已反馈举报人


class ActorRole(StrEnum):
    """Who performs a transition; the role policy decides which role may do what."""

    APPLICANT = "APPLICANT"  # 申请人
    PROXY = "PROXY"  # 代为承诺人
    WINDOW_CLERK = "WINDOW_CLERK"  # 窗口受理人员
    INSPECTOR = "INSPECTOR"  # 核查/监管人员
    CREDIT_OFFICER = "CREDIT_OFFICER"  # 信用管理人员
    LIST_OFFICER = "LIST_OFFICER"  # 清单编制人员
    JUSTICE_REVIEWER = "JUSTICE_REVIEWER"  # 司法行政部门审核人员
    AUDITOR = "AUDITOR"  # 审计人员
    SYSTEM = "SYSTEM"  # 系统 (定时任务、抽取)


class ConfidentialGround(StrEnum):
    """不予公开的理由 (R-073, 政府信息公开条例第十五条)."""

    TRADE_SECRET = "TRADE_SECRET"  # noqa: S105 — 商业秘密, not a password
    THIRD_PARTY_PRIVACY = "THIRD_PARTY_PRIVACY"  # 第三方个人隐私


class DisclosureOverrideBasis(StrEnum):
    """仍予公开的法定情形 (R-073): 第三方同意, 或不公开会对公共利益造成重大影响."""

    CONSENT = "CONSENT"  # 权利人 (第三方) 同意公开
    PUBLIC_INTEREST = "PUBLIC_INTEREST"  # 不公开会对公共利益造成重大影响
