"""行政机关、申请人、代为承诺人与特别授权 (DOMAIN §2.1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Literal, NamedTuple, Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from gaozhi_sdk.models._base import GaozhiModel, pii
from gaozhi_sdk.models.enums import ActorRole, IdType, OrganKind, PartyType, Severity

__all__ = [
    "AUTHORIZATION_ID_PATTERN",
    "Actor",
    "AdministrativeOrgan",
    "Applicant",
    "AuthorizationId",
    "CreditSnapshot",
    "CreditSnapshotItem",
    "Proxy",
    "SpecialAuthorization",
]

#: The one format of a special authorisation's number (授权书编号, R-024): 1 to 64 ASCII
#: letters, digits, ``.``, ``_`` or ``-``, beginning with a letter or digit (``.`` or
#: ``..`` would be a dot segment a client removes from the revocation URL). Every model
#: carrying a number (the proxy's
#: :class:`SpecialAuthorization`, the signed :class:`AuthorizationGrant`), the /v1
#: revocation path and the grant pages use it, so a number the applicant signs is exactly
#: the number they can type, put into a URL and revoke — no ``/``, no spaces, no ``:``
#: (the number is the unambiguous last part of the key a grant is stored under), no
#: control characters, nothing a page would strip or truncate.
AUTHORIZATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

#: A special authorisation's number in :data:`AUTHORIZATION_ID_PATTERN` (R-024).
AuthorizationId = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=AUTHORIZATION_ID_PATTERN, description="授权书编号"),
]


def _validate_id(id_type: IdType, value: str) -> str:
    from gaozhi_sdk.ids import validate_resident_id, validate_uscc

    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(value)
    if id_type is IdType.USCC:
        return validate_uscc(value)
    if not value:
        raise ValueError("证件号码不能为空")
    return value


class AdministrativeOrgan(GaozhiModel):
    """行政机关 (行政机关或者法律法规授权的具有管理公共事务职能的组织, R-002)."""

    name: str = Field(min_length=1, description="机关名称")
    uscc: str = Field(description="统一社会信用代码 (GB 32100)")
    region_code: str = Field(pattern=r"^\d{6}$", description="行政区划代码 (GB/T 2260)")
    organ_kind: OrganKind = Field(default=OrganKind.ADMIN_ORGAN, description="机关类型")
    justice_bureau: str | None = Field(
        default=None, description="上级司法行政部门 (清单报送对象, R-009)"
    )

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str) -> str:
        from gaozhi_sdk.ids import validate_uscc

        return validate_uscc(v)


class Applicant(GaozhiModel):
    """申请人 (公民、法人和其他组织)."""

    party_type: PartyType = Field(description="申请人类别")
    name: str = Field(min_length=1, description="姓名或名称", json_schema_extra=pii("name"))
    id_type: IdType = Field(description="证件类型")
    id_number: str = Field(
        min_length=1, description="证件号码 (规范化后存储)", json_schema_extra=pii("identifier")
    )
    contact: str | None = Field(
        default=None, description="联系方式 (个人信息, R-091)", json_schema_extra=pii("contact")
    )
    address: str | None = Field(
        default=None, description="住所或地址", json_schema_extra=pii("address")
    )

    @model_validator(mode="after")
    def _check_id(self) -> Self:
        normalised = _validate_id(self.id_type, self.id_number)
        if normalised != self.id_number:
            object.__setattr__(self, "id_number", normalised)
        if self.party_type is PartyType.CITIZEN and self.id_type is IdType.USCC:
            raise ValueError("公民申请人不能使用统一社会信用代码作为证件")
        return self

    @property
    def is_natural_person(self) -> bool:
        """True for 公民 (their name and identifiers are personal information, R-092)."""
        return self.party_type is PartyType.CITIZEN


class SpecialAuthorization(GaozhiModel):
    """特别授权 (R-024): express authority for *this* pledge, not a general power of attorney."""

    authorization_id: AuthorizationId
    grantor_id_number: str = Field(
        description="授权人 (申请人) 证件号码", json_schema_extra=pii("identifier")
    )
    matter_code: str = Field(min_length=1, description="授权事项编码")
    entry_ids: tuple[str, ...] = Field(min_length=1, description="授权承诺的证明事项 (清单条目)")
    valid_from: date = Field(description="授权起始日期")
    valid_to: date = Field(description="授权截止日期")
    express_pledge_authority: bool = Field(
        description="是否明确授权代为作出告知承诺 (一般委托不足以代为承诺)"
    )
    document_ref: str = Field(min_length=1, description="授权书附件或存档编号")
    signed_grant: str | None = Field(
        default=None,
        description="申请人签署的特别授权书 (文档类型 proxy-authorization 的签名文件 JSON): "
        "代为承诺人签署的承诺书只有附上它才被采信 (R-024)",
    )

    @field_validator("grantor_id_number")
    @classmethod
    def _grantor(cls, v: str) -> str:
        from gaozhi_sdk.ids import normalise_identifier

        return normalise_identifier(v)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError("授权截止日期早于起始日期")
        return self

    def shortfall(
        self, *, matter_code: str, entry_ids: Iterable[str], on: date
    ) -> AuthorizationShortfall | None:
        """Why this authorisation does not cover a pledge of ``matter_code`` for
        ``entry_ids`` made ``on`` (None: it covers it; R-024). The one test of coverage,
        used by the rules (``check_proxy``) and by the signer policy, which has only the
        pledge to judge a proxy's signature by. The grantor is checked by the pledge."""
        if not self.express_pledge_authority:
            return AuthorizationShortfall("express", (), "未明确授权代为承诺", "not express")
        if self.matter_code != matter_code:
            return AuthorizationShortfall(
                "matter", (), "授权的是其他事项", "granted for another matter"
            )
        outside = tuple(sorted(set(entry_ids) - set(self.entry_ids)))
        if outside:
            return AuthorizationShortfall(
                "entries",
                outside,
                f"证明事项 {', '.join(outside)} 不在授权范围内",
                "proof items outside its scope",
            )
        if not self.valid_from <= on <= self.valid_to:
            return AuthorizationShortfall(
                "dates",
                (),
                f"{on.isoformat()} 不在授权有效期 ({self.valid_from.isoformat()} 至 "
                f"{self.valid_to.isoformat()}) 内",
                "not valid on the pledge date",
            )
        return None


class AuthorizationShortfall(NamedTuple):
    """What a special authorisation fails to cover (:meth:`SpecialAuthorization.shortfall`)."""

    kind: Literal["express", "matter", "entries", "dates"]
    outside: tuple[str, ...]
    message: str
    message_en: str


class Proxy(GaozhiModel):
    """代为承诺人 and the special authorisation it holds (R-024)."""

    party: Applicant = Field(description="代为承诺人身份")
    authorization: SpecialAuthorization = Field(description="申请人的特别授权")

    def with_signed_grant(self, bundle_json: bytes | str) -> Proxy:
        """This proxy carrying the applicant's signed :class:`AuthorizationGrant` bundle."""
        text = bundle_json.decode("utf-8") if isinstance(bundle_json, bytes) else bundle_json
        auth = self.authorization.model_copy(update={"signed_grant": text})
        return self.model_copy(update={"authorization": auth})


class AuthorizationGrant(GaozhiModel):
    """特别授权书: the applicant's signed special authorisation of a proxy (R-024).

    Payload type ``proxy-authorization``; the strict signer policy accepts it only when the
    grantor (the applicant) signed it, and accepts a pledge signed by a proxy only when the
    pledge carries such a grant (``SpecialAuthorization.signed_grant``) that binds this
    case, notice, proxy, matter, proofs and a validity period covering the signing date.
    """

    authorization_id: AuthorizationId
    grantor: Applicant = Field(description="授权人 (申请人)")
    proxy: Applicant = Field(description="被授权的代为承诺人")
    case_no: str = Field(min_length=1, description="办件编号")
    notice_id: str = Field(min_length=1, description="告知书编号")
    matter_code: str = Field(min_length=1, description="授权事项编码")
    entry_ids: tuple[str, ...] = Field(min_length=1, description="授权承诺的证明事项 (清单条目)")
    valid_from: date = Field(description="授权起始日期")
    valid_to: date = Field(description="授权截止日期")
    express_pledge_authority: bool = Field(description="是否明确授权代为作出告知承诺")
    granted_at: AwareDatetime = Field(description="授权时间")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError("授权截止日期早于起始日期")
        return self


class CreditSnapshotItem(GaozhiModel):
    """One adverse credit item in a snapshot."""

    record_id: str = Field(description="信用记录编号")
    conduct: str = Field(description="失信行为 (FALSE_PLEDGE 或其他)")
    severity: Severity = Field(description="失信程度")
    status: str = Field(description="记录状态 (RECORDED/PUBLICIZED/REPAIRED/EXPIRED …)")
    recorded_on: date = Field(description="认定日期")


class CreditSnapshot(GaozhiModel):
    """信用状况快照, taken at eligibility time (R-020, R-026, R-075)."""

    subject_digest: str = Field(description="信用主体证件号码的加盐摘要 (不存明文)")
    taken_at: date = Field(description="查询日期")
    source: str = Field(description="来源 (本地诚信档案 / 信用信息共享平台 / 插件名称)")
    items: tuple[CreditSnapshotItem, ...] = Field(default=(), description="不良信用记录")


class Actor(GaozhiModel):
    """Who performs a transition: role, identity and (for officials) organ."""

    role: ActorRole = Field(description="角色")
    actor_id: str = Field(
        min_length=1,
        description="人员标识 (工号、账号或证件号码; 日志与台账中脱敏)",
        json_schema_extra=pii("identifier"),
    )
    organ_uscc: str | None = Field(default=None, description="所属机关统一社会信用代码")
    display_name: str | None = Field(
        default=None, description="姓名 (不写入台账)", json_schema_extra=pii("name")
    )
