"""Moved: the disclosure rules and models live below the service and the documents (issue 11).

Models: :class:`gaozhi_sdk.models.DisclosedPledge`, :class:`gaozhi_sdk.models.DisclosedItem`;
rules: :func:`gaozhi_sdk.rules.build_disclosure`, :func:`gaozhi_sdk.rules.redaction_profile`.
This module only re-exports them for code written against the old path.
"""

from gaozhi_sdk.models.disclosure import DisclosedItem, DisclosedPledge
from gaozhi_sdk.rules.disclosure import (
    WITHHELD,
    RedactionProfile,
    build_disclosure,
    redaction_profile,
    withheld_placeholder,
)

__all__ = [
    "WITHHELD",
    "DisclosedItem",
    "DisclosedPledge",
    "RedactionProfile",
    "build_disclosure",
    "redaction_profile",
    "withheld_placeholder",
]
