"""Moved: statistics live below the service and the documents (issue 11).

The report models are :class:`gaozhi_sdk.models.Statistics` /
:class:`gaozhi_sdk.models.EntryStatistics`; the pure functions are
:func:`gaozhi_sdk.rules.compute_statistics` and :func:`gaozhi_sdk.rules.render_markdown`.
This module only re-exports them for code written against the old path.
"""

from gaozhi_sdk.models.statistics import EntryStatistics, Statistics
from gaozhi_sdk.rules.statistics import compute_statistics, render_markdown

__all__ = ["EntryStatistics", "Statistics", "compute_statistics", "render_markdown"]
