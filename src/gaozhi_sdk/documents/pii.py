"""个人信息扫描 (R-092, R-093): find unmasked resident IDs, mobile numbers and addresses.

Used to check every disclosed output before it leaves the organ. Heuristics:

* resident ID — 18 characters ``\\d{17}[\\dX]`` not inside a longer run of digits/letters,
  with a valid birth date and ISO 7064 MOD 11-2 check character (GB 11643); masked
  numbers (``411222********6537``) do not match;
* mobile number — 11 digits ``1[3-9]\\d{9}`` not inside a longer run of digits or latin
  letters (so hex digests do not match), optionally
  with a ``+86``/``86`` prefix and spaces or dashes in 3-4-4 groups;
* address — a place name followed by a road/street/village and a house number
  (``…街12号``, ``…路3号院``, ``…村5组``, ``…小区2栋``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gaozhi_sdk.errors import InvalidIdentifierError
from gaozhi_sdk.ids import mask_identifier, validate_resident_id

__all__ = ["PiiFinding", "scan_pii"]

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?![0-9A-Za-z])"
)
_ADDRESS_RE = re.compile(
    r"[\u4e00-\u9fff]{1,12}"
    r"(?:路|街|大街|大道|巷|胡同|弄|里|村|社区|小区|花园|苑|大厦)"
    r"[\u4e00-\u9fff]{0,6}?"
    r"(?:\d+|[一二三四五六七八九十百]+)"
    r"(?:号院|号楼|号|组|栋|幢|单元|室)"
)


@dataclass(frozen=True)
class PiiFinding:
    """One personal datum found in a text; ``excerpt`` is masked (safe to log)."""

    kind: str  # resident_id | mobile | address
    start: int
    excerpt: str

    def __str__(self) -> str:
        return f"{self.kind}@{self.start}: {self.excerpt}"


def _valid_resident_id(s: str) -> bool:
    try:
        validate_resident_id(s)
    except InvalidIdentifierError:
        return False
    return True


def scan_pii(text: str) -> list[PiiFinding]:
    """Every unmasked resident ID, mobile number and address in ``text`` (R-092)."""
    found: list[PiiFinding] = []
    for m in _ID_RE.finditer(text):
        if _valid_resident_id(m.group(1).upper()):
            found.append(PiiFinding("resident_id", m.start(1), mask_identifier(m.group(1))))
    for m in _MOBILE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        found.append(PiiFinding("mobile", m.start(1), "*******" + digits[-4:]))
    for m in _ADDRESS_RE.finditer(text):
        found.append(PiiFinding("address", m.start(), m.group(0)[:2] + "…"))
    return sorted(found, key=lambda f: f.start)
