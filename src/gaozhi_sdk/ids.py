"""居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) — DOMAIN §5.

Validation is layered (DOMAIN §5, "recommended validation layering"):

1. normalise — strip spaces and hyphens, full-width → half-width, upper-case;
2. length and character set;
3. checksum (hard error);
4. birth date (ID) / structure (USCC) (hard error);
5. region code, registration category and inner organisation-code check — *soft*
   warnings only, returned by :func:`check_resident_id` / :func:`check_uscc`; an unknown
   region code is never an error (people keep their original number).

Full identifiers are never logged: use :func:`mask_identifier`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from gaozhi_sdk.errors import InvalidIdentifierError

__all__ = [
    "PII_KINDS",
    "IdentifierCheck",
    "PiiFinding",
    "check_resident_id",
    "check_uscc",
    "convert_15_to_18",
    "digest_identifier",
    "keyed_digest",
    "mask_beside_digest",
    "mask_identifier",
    "mask_pii",
    "mask_text",
    "normalise_identifier",
    "resident_id_check_char",
    "scan_pii",
    "uscc_check_char",
    "validate_resident_id",
    "validate_uscc",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: 登记管理部门代码 → 机构类别代码 known from GB 32100 and published category maps.
_USCC_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "12345",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 (市场监管)
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}

# Province-level prefixes of GB/T 2260 (first two digits of a region code).
_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－]+")
# ASCII digits only: str.isdigit() also accepts e.g. Devanagari or Arabic-Indic digits.
_ID18_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID15_RE = re.compile(r"[0-9]{15}")


@dataclass(frozen=True)
class IdentifierCheck:
    """Result of a full check: the normalised value plus soft warnings (never errors)."""

    value: str = field(repr=False)
    warnings: tuple[str, ...] = field(default=())

    @property
    def masked(self) -> str:
        """The value masked for logs and public copies."""
        return mask_identifier(self.value)

    def __repr__(self) -> str:
        return f"IdentifierCheck(value={self.masked!r}, warnings={self.warnings!r})"


def _normalise(raw: object, what: str) -> str:
    if not isinstance(raw, str):
        raise InvalidIdentifierError(
            "GZ-ID-001", f"{what}必须是字符串", message_en=f"{what} must be a string"
        )
    s = unicodedata.normalize("NFKC", raw)  # full-width → half-width
    return _SEPARATORS.sub("", s).upper()


def normalise_identifier(raw: str) -> str:
    """Normalise an identifier without validating it (NFKC, no separators, upper case)."""
    return _normalise(raw, "证件号码")


def resident_id_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(digits8: str, masked: str) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise InvalidIdentifierError(
            "GZ-ID-004",
            f"居民身份证号码中的出生日期不是有效日期: {masked}",
            message_en="birth date in the resident ID is not a calendar date",
        ) from None
    if born.year < 1800 or born > date.today():
        raise InvalidIdentifierError(
            "GZ-ID-004",
            f"居民身份证号码中的出生日期不合理: {masked}",
            message_en="birth date in the resident ID is out of range",
        )
    return born


def validate_resident_id(s: str) -> str:
    """Normalise and validate a 18-digit resident ID; return it or raise InvalidIdentifierError.

    Codes: GZ-ID-001 type, GZ-ID-002 length/charset, GZ-ID-003 checksum, GZ-ID-004 date.
    Unknown region codes are not errors (see :func:`check_resident_id` for warnings).
    """
    v = _normalise(s, "居民身份证号码")
    masked = mask_identifier(v)
    if len(v) == 15:
        raise InvalidIdentifierError(
            "GZ-ID-002",
            f"15 位旧号码须先转换为 18 位 (convert_15_to_18): {masked}",
            message_en="15-digit legacy number: convert it with convert_15_to_18 first",
        )
    if not _ID18_RE.fullmatch(v):
        raise InvalidIdentifierError(
            "GZ-ID-002",
            f"居民身份证号码应为 17 位数字加 1 位校验码 (0-9 或 X): {masked}",
            message_en="a resident ID is 17 digits plus a check character 0-9 or X",
        )
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        raise InvalidIdentifierError(
            "GZ-ID-003",
            f"居民身份证号码校验码错误: {masked}",
            message_en="resident ID check character does not match",
        )
    _birth_date(v[6:14], masked)
    return v


def check_resident_id(s: str) -> IdentifierCheck:
    """Validate (hard) and return soft warnings (region code plausibility)."""
    v = validate_resident_id(s)
    warnings: list[str] = []
    if v[:2] not in _PROVINCES:
        warnings.append(f"GZ-ID-W01 地址码省级代码 {v[:2]} 不在 GB/T 2260 省级代码中")
    elif v[2:6] == "0000":
        warnings.append("GZ-ID-W02 地址码为省级代码, 未到县级")
    return IdentifierCheck(v, tuple(warnings))


def convert_15_to_18(s: str) -> str:
    """Convert a 15-digit legacy number (GB 11643-1989) to 18 digits.

    Inserts ``19`` before the two-digit year (15-digit numbers were issued only to people
    born in the 1900s) and appends the check character; validates the result.
    """
    v = _normalise(s, "居民身份证号码")
    if not _ID15_RE.fullmatch(v):
        raise InvalidIdentifierError(
            "GZ-ID-005",
            f"15 位旧号码应为 15 位数字: {mask_identifier(v)}",
            message_en="a legacy resident ID is 15 digits",
        )
    body = v[:6] + "19" + v[6:]
    return validate_resident_id(body + resident_id_check_char(body))


def uscc_check_char(body17: str) -> str:
    """GB 32100 mod-31 check character for the first 17 characters."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(s: str) -> str:
    """Normalise and validate a 统一社会信用代码; return it or raise InvalidIdentifierError.

    Codes: GZ-ID-001 type, GZ-ID-010 length/charset, GZ-ID-011 checksum,
    GZ-ID-012 structure (region code must be 6 digits).
    """
    v = _normalise(s, "统一社会信用代码")
    masked = mask_identifier(v)
    if len(v) != 18 or any(c not in _USCC_VALUES for c in v):
        raise InvalidIdentifierError(
            "GZ-ID-010",
            f"统一社会信用代码应为 18 位, 仅含数字和除 I、O、S、V、Z 外的大写字母: {masked}",
            message_en="a USCC is 18 characters from 0-9 and A-Z without I, O, S, V, Z",
        )
    if v[17] != uscc_check_char(v[:17]):
        raise InvalidIdentifierError(
            "GZ-ID-011",
            f"统一社会信用代码校验码错误: {masked}",
            message_en="USCC check character does not match",
        )
    if not v[2:8].isdigit():
        raise InvalidIdentifierError(
            "GZ-ID-012",
            f"统一社会信用代码第 3-8 位应为行政区划码 (数字): {masked}",
            message_en="USCC positions 3-8 must be a numeric region code",
        )
    return v


def _org_code_check(body8: str) -> str:
    total = 0
    for c, w in zip(body8, _ORG_WEIGHTS, strict=True):
        total += (int(c) if c.isdigit() else ord(c) - 55) * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def check_uscc(s: str) -> IdentifierCheck:
    """Validate (hard) and return soft warnings: category code, region, inner org-code check."""
    v = validate_uscc(s)
    warnings: list[str] = []
    cats = _USCC_CATEGORIES.get(v[0])
    if cats is None:
        warnings.append(f"GZ-ID-W11 登记管理部门代码 {v[0]} 未知")
    elif v[1] not in cats:
        warnings.append(f"GZ-ID-W12 机构类别代码 {v[1]} 与登记管理部门 {v[0]} 不匹配")
    if v[2:4] not in _PROVINCES and v[2:4] != "10":
        warnings.append(f"GZ-ID-W13 登记管理机关行政区划码 {v[2:8]} 的省级代码未知")
    if v[16] != _org_code_check(v[8:16]):
        warnings.append("GZ-ID-W14 主体标识码 (组织机构代码) 内部校验不一致")
    return IdentifierCheck(v, tuple(warnings))


def mask_identifier(s: str) -> str:
    """Mask an identifier for logs, reprs and public copies.

    18-character identifiers keep the first 6 and last 4 characters
    (``110105********002X``); shorter ones keep at most a quarter at each end.
    Never raises.
    """
    v = str(s)
    n = len(v)
    if n >= 15:
        return v[:6] + "*" * (n - 10) + v[-4:]
    if n <= 2:
        return "*" * n
    keep = max(1, n // 4)
    return v[:keep] + "*" * (n - 2 * keep) + v[-keep:]


def mask_text(s: str, kind: str = "free_text") -> str:
    """Mask other personal data: names keep the first character, contacts the last four."""
    v = str(s)
    if not v:
        return v
    if kind == "name":
        return v[0] + "*" * max(1, len(v) - 1)
    if kind == "contact":
        digits = re.sub(r"\D", "", v)
        return "*" * max(0, len(digits) - 4) + digits[-4:] if digits else "***"
    return f"<{kind}:{len(v)} chars>"


def digest_identifier(value: str, salt: bytes) -> str:
    """Salted HMAC-SHA256 digest of a normalised identifier (for journals and indexes)."""
    return hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_digest(value: str, key: bytes, key_id: str) -> str:
    """HMAC-SHA256 of an identifier under a per-deployment secret, with the secret's key id
    recorded beside it: ``k1a2b3c4d:<64 hex>`` (digests made before a rotation stay
    verifiable with the older secret of that id). ``key`` must be a store's deployment
    secret (see :meth:`gaozhi_sdk.store.Store.deployment_secret`), never a constant."""
    return f"{key_id}:{digest_identifier(value, key)}"


def mask_beside_digest(s: str) -> str:
    """The mask used where a keyed digest of the same identifier sits beside it.

    Keeps only the last 4 characters (``**************002X``): with first 6 and last 4 a
    digest would leave only the 8 birth-date digits to search; here region, birth date
    and most of the sequence number are hidden. Never raises.
    """
    v = str(s)
    n = len(v)
    if n >= 15:
        return "*" * (n - 4) + v[-4:]
    return mask_identifier(v)


# -- personal data in free text: the one scanner (R-091, R-092, DESIGN §6) --------------------

#: The kinds :func:`scan_pii` knows: resident IDs (18 digits, and the old 15-digit form),
#: 个体工商户 USCCs (``92…``, a natural person's business), mobile numbers and street
#: addresses.
PII_KINDS = ("resident_id", "sole_trader_uscc", "mobile", "address")
_DEFAULT_SCAN = ("resident_id", "mobile", "address")

_ALNUM_BEFORE, _ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_PII_PATTERNS = {
    "resident_id": r"(\d{17}[\dXx]|\d{15})",
    "sole_trader_uscc": r"(92[0-9A-HJ-NPQRTUWXY]{16})",
    "mobile": r"(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})",
    "address": (
        r"([\u4e00-\u9fff]{1,12}"
        r"(?:路|街|大街|大道|巷|胡同|弄|里|村|社区|小区|花园|苑|大厦)"
        r"[\u4e00-\u9fff]{0,6}?"
        r"(?:\d+|[一二三四五六七八九十百]+)"
        r"(?:号院|号楼|号|组|栋|幢|单元|室))"
    ),
}
_STANDALONE = {
    k: re.compile(v if k == "address" else _ALNUM_BEFORE + v + _ALNUM_AFTER)
    for k, v in _PII_PATTERNS.items()
}
_ANYWHERE = {k: re.compile(v) for k, v in _PII_PATTERNS.items()}


@dataclass(frozen=True)
class PiiFinding:
    """One personal datum found in a text; ``excerpt`` is masked (safe to log)."""

    kind: str  # one of PII_KINDS
    start: int
    end: int
    excerpt: str

    def __str__(self) -> str:
        return f"{self.kind}@{self.start}: {self.excerpt}"


def _plausible(kind: str, value: str) -> bool:
    """Checksums and birth dates (GB 11643, GB 32100) for a validated scan."""
    try:
        if kind == "resident_id":
            if len(value) == 15:
                convert_15_to_18(value)
            else:
                validate_resident_id(value)
        elif kind == "sole_trader_uscc":
            validate_uscc(value)
    except InvalidIdentifierError:
        return False
    return True


def _excerpt(kind: str, value: str) -> str:
    if kind in ("resident_id", "sole_trader_uscc"):
        return mask_identifier(value)
    if kind == "mobile":
        return "*******" + re.sub(r"\D", "", value)[-4:]
    return value[:2] + "…"


def scan_pii(
    text: str,
    kinds: tuple[str, ...] = _DEFAULT_SCAN,
    *,
    validated: bool = True,
    standalone: bool = True,
) -> list[PiiFinding]:
    """Every unmasked personal datum of ``kinds`` in ``text``, in order of position.

    The one personal-data scanner of the SDK: documents check disclosed copies with it
    (R-092), the store refuses journal entries it flags (DESIGN §6), certificate subjects
    are masked and test certificates refused with it (R-091).

    Args:
        kinds: which of :data:`PII_KINDS` to look for (default: resident IDs, mobile
            numbers, addresses).
        validated: count an identifier only if its checksum and birth date are valid
            (fewer false alarms on digests and serial numbers); ``False`` flags anything
            shaped like one — the safe choice before masking or refusing.
        standalone: an identifier must not be part of a longer run of latin letters or
            digits (so hex digests do not match); ``False`` also finds it inside one.
    """
    patterns = _STANDALONE if standalone else _ANYWHERE
    found: list[PiiFinding] = []
    for kind in kinds:
        for m in patterns[kind].finditer(text):
            value = m.group(1)
            if validated and not _plausible(kind, value.upper()):
                continue
            found.append(PiiFinding(kind, m.start(1), m.end(1), _excerpt(kind, value)))
    return sorted(found, key=lambda f: (f.start, f.end))


def mask_pii(
    text: str, kinds: tuple[str, ...] = ("resident_id", "sole_trader_uscc", "mobile")
) -> str:
    """``text`` with every identifier-shaped datum of ``kinds`` masked (not validated:
    anything that looks like one is masked)."""
    out, last = [], 0
    for f in scan_pii(text, kinds, validated=False):
        if f.start < last:
            continue
        out += [text[last : f.start], f.excerpt]
        last = f.end
    return "".join(out) + text[last:]
