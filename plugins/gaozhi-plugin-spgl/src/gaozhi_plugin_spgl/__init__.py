"""gaozhi-plugin-spgl — 工程建设项目审批管理系统 V3 告知承诺制办件监管信息表 (R-080…R-082).

Exports the post-decision verification records of :class:`gaozhi_sdk.PledgeService` as rows
of ``SPGL_GZCNZBJJGXXB_V3`` (:func:`export_verifications`, :func:`to_csv`,
:func:`to_json`); the ``gaozhi_event`` hook spools concluded verifications for a periodic
upload (:mod:`gaozhi_plugin_spgl.plugin`). List entries carry the matching flags of the
standard in the core: ``implements_pledge_system`` (SFSXGZCNZ), ``approval_matter_code``
(the 审批制 code, which the list lint requires to differ, R-081) and ``situations``
(情形-level marking, R-082).
"""

from gaozhi_plugin_spgl.export import SpglExport, export_verifications, to_csv, to_json
from gaozhi_plugin_spgl.plugin import spooled_ids
from gaozhi_plugin_spgl.table import FIELDS, TABLE, SpglGzcnzbjjgxxb

__all__ = [
    "FIELDS",
    "TABLE",
    "SpglExport",
    "SpglGzcnzbjjgxxb",
    "export_verifications",
    "spooled_ids",
    "to_csv",
    "to_json",
]
