"""地方核查方式目录 → the SDK's verification methods (R-048).

Local guides (江门/开平 核查指引 Art.6) name four methods: 书面核查、网络核验、实地调查、
公示核查. The SDK keeps four methods of its own (DOMAIN §2.2); list import and documents
accept the local names and keep them on the entry (``local_method_name``) so the published
list still speaks the local language:

==========  ============  ======================================================
local name  SDK method    why
==========  ============  ======================================================
网络核验    ``ONLINE``    online data comparison / sharing (R-044)
实地调查    ``ON_SITE``   inspection on the spot (R-045)
书面核查    ``ASSISTED``  a written request to the organ holding the facts, answered
                          in writing (R-046, R-047)
公示核查    ``EXEMPT``    publication of the pledge for social supervision instead of
                          an individual check: daily supervision (R-042) with the pledge
                          disclosed (R-071) — import requires 承诺书公开
==========  ============  ======================================================

An organ whose guide uses other words passes its own table (``names=``) to
:func:`method_for_name` and :func:`gaozhi_sdk.documents.import_list_xlsx`. "线上核查办理，
线下复核备份" is configured per entry as :class:`~gaozhi_sdk.models.OfflineReview`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from gaozhi_sdk.models.enums import VerificationMethod

__all__ = ["LOCAL_METHOD_NAMES", "method_for_name"]

#: The default catalogue of local method names (R-048).
LOCAL_METHOD_NAMES: Mapping[str, VerificationMethod] = MappingProxyType(
    {
        "网络核验": VerificationMethod.ONLINE,
        "实地调查": VerificationMethod.ON_SITE,
        "书面核查": VerificationMethod.ASSISTED,
        "公示核查": VerificationMethod.EXEMPT,
    }
)


def method_for_name(
    name: str, names: Mapping[str, VerificationMethod] | None = None
) -> VerificationMethod | None:
    """The SDK method for a local (or the SDK's own Chinese) method name; None if unknown.

    ``names`` replaces the default local catalogue; the SDK's own labels (在线核查 …) are
    always understood.
    """
    key = name.strip()
    for m in VerificationMethod:
        if key == m.label_zh:
            return m
    return (LOCAL_METHOD_NAMES if names is None else names).get(key)
