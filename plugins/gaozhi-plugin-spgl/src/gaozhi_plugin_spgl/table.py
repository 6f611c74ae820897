"""告知承诺制办件监管信息表 ``SPGL_GZCNZBJJGXXB_V3`` (R-080).

The table of the national 工程建设项目审批管理系统 (V3) data standard that carries the
post-decision verification of pledges; field names and meanings as in the standard's
entity (the upload-status fields the provincial system adds itself are not exported).
"""

from __future__ import annotations

from pydantic import Field

from gaozhi_sdk.models import GaozhiModel

__all__ = ["FIELDS", "TABLE", "SpglGzcnzbjjgxxb"]

#: The table's name in the national standard.
TABLE = "SPGL_GZCNZBJJGXXB_V3"


class SpglGzcnzbjjgxxb(GaozhiModel):
    """One row: one concluded verification of one pledged proof item (R-080)."""

    DFSJZJ: str = Field(min_length=1, max_length=200, description="地方数据主键")
    XZQHDM: str = Field(pattern=r"^\d{6}$", description="行政区划代码")
    GCDM: str = Field(min_length=1, max_length=100, description="工程代码")
    SPSXBM: str = Field(min_length=1, max_length=100, description="审批事项实例编码")
    JCBH: str = Field(min_length=1, max_length=100, description="检查编号")
    JCSJ: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", description="检查时间 (北京时间)"
    )
    JCBMMC: str = Field(min_length=1, description="检查部门名称")
    JCBMTYSHXYDM: str = Field(pattern=r"^[0-9A-Z]{18}$", description="检查部门统一社会信用代码")
    JCYJHSM: str = Field(min_length=1, description="检查依据或参考说明")
    SFLXGZCN: int = Field(ge=0, le=1, description="是否履行告知承诺 (1 是, 0 否)")
    GZCNLXQK: str = Field(min_length=1, description="告知承诺履行情况")
    QT: str = Field(default="", description="其他")
    SJYXBS: int = Field(ge=0, le=1, description="数据有效标识 (1 有效, 0 无效)")
    SJWXYY: str = Field(default="", description="数据无效原因")


#: Column order of the table (as the standard lists them).
FIELDS: tuple[str, ...] = tuple(SpglGzcnzbjjgxxb.model_fields)
