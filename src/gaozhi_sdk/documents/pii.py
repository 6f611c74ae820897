"""个人信息扫描 (R-092, R-093): find unmasked resident IDs, mobile numbers and addresses.

Used to check every disclosed output before it leaves the organ. The scanner itself is
the SDK's one personal-data scanner, :func:`gaozhi_sdk.scan_pii` (``gaozhi_sdk.ids``):

* resident ID — ``\\d{17}[\\dX]`` (or the old 15-digit form) not inside a longer run of
  digits/letters, with a valid birth date and ISO 7064 MOD 11-2 check character
  (GB 11643); masked numbers (``411222********6537``) do not match;
* mobile number — 11 digits ``1[3-9]\\d{9}`` not inside a longer run of digits or latin
  letters (so hex digests do not match), optionally with a ``+86``/``86`` prefix and
  spaces or dashes in 3-4-4 groups;
* address — a place name followed by a road/street/village and a house number
  (``…街12号``, ``…路3号院``, ``…村5组``, ``…小区2栋``).
"""

from __future__ import annotations

from gaozhi_sdk.ids import PiiFinding, scan_pii

__all__ = ["PiiFinding", "scan_pii"]
