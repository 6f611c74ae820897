"""Synthetic applicants with valid-checksum identifiers (never real people).

Resident IDs use region codes of 三门峡市 (4112xx) and birth dates 1950–2004; USCCs use
registration category 9/1 (企业) with a valid inner organisation code. All numbers are
generated, so any resemblance to a real identifier is chance; they are still masked in
every log and public copy like real ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from gaozhi_sdk.ids import USCC_CHARSET, resident_id_check_char, uscc_check_char
from gaozhi_sdk.models.enums import IdType, PartyType
from gaozhi_sdk.models.parties import Applicant

__all__ = ["synthetic_applicant", "synthetic_resident_id", "synthetic_uscc"]

_REGIONS = ("411202", "411203", "411221", "411222", "411224", "411281", "411282")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬"
_FIRMS = (
    "陕州区{}农业专业合作社",
    "三门峡{}商贸有限公司",
    "陕州区{}建材有限公司",
    "三门峡{}餐饮服务有限公司",
    "陕州区{}物流有限公司",
)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def synthetic_resident_id(rng: random.Random) -> str:
    """A valid 18-digit resident ID (GB 11643) with a plausible region and birth date."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 55 * 365))
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + resident_id_check_char(body)


def _org_check(body8: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def synthetic_uscc(rng: random.Random, *, prefix: str = "91") -> str:
    """A valid 统一社会信用代码 (GB 32100) whose inner organisation code also checks."""
    region = rng.choice(_REGIONS)
    body8 = "".join(rng.choice(_ORG_CHARS[:10] if i < 2 else _ORG_CHARS) for i in range(8))
    body17 = prefix + region + body8 + _org_check(body8)
    assert all(c in USCC_CHARSET for c in body17)
    return body17 + uscc_check_char(body17)


def synthetic_applicant(rng: random.Random, *, legal_person: bool = False) -> Applicant:
    """A synthetic citizen or enterprise applicant."""
    phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
    if legal_person:
        name = rng.choice(_FIRMS).format("".join(rng.sample(_GIVEN, 2)))
        return Applicant(
            party_type=PartyType.LEGAL_PERSON,
            name=name,
            id_type=IdType.USCC,
            id_number=synthetic_uscc(rng),
            contact=phone,
            address=f"三门峡市陕州区{rng.choice('东西南北')}街{rng.randrange(1, 300)}号",
        )
    name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
    return Applicant(
        party_type=PartyType.CITIZEN,
        name=name,
        id_type=IdType.RESIDENT_ID,
        id_number=synthetic_resident_id(rng),
        contact=phone,
        address=f"三门峡市陕州区{rng.choice('东西南北')}街{rng.randrange(1, 300)}号",
    )
