"""错误码目录 — the single catalogue of every ``GZ-…`` code the SDK and its plugins use.

Each code maps to the rules it enforces (R-numbers of ``docs/_data/rules.yaml``), a Chinese
title and an English title that say the same thing. :class:`gaozhi_sdk.errors.GaozhiError`
takes ``rules`` (and, when the raiser gives none, its English message) from here; the
documentation's error page (``docs/errors.md``) is generated from this table, and
``tests/test_error_catalogue.py`` fails when a code used in the source is missing here, when
an entry is no longer used, or when a title is empty.

To add a code: add its row here (area prefix from the table in :mod:`gaozhi_sdk.errors`),
raise it with details as fields, and cite the rules the check enforces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = ["CATALOGUE", "CODE_RE", "ErrorCode", "lookup"]

CODE_RE = re.compile(r"^GZ-([A-Z][A-Z0-9]*)-(\d+)$")


class ErrorCode(NamedTuple):
    """One catalogue row: the rules a code enforces and its bilingual title."""

    code: str
    rules: tuple[str, ...]
    title_zh: str
    title_en: str

    @property
    def area(self) -> str:
        """The area prefix (``RL`` for ``GZ-RL-217``)."""
        return self.code.split("-")[1]


_R = tuple[str, ...]
_ROWS: dict[str, tuple[_R, str, str]] = {
    # AR — archives and evidence packages
    "GZ-AR-001": ((), "导出目录非空", "the export directory is not empty"),
    "GZ-AR-002": ((), "不是 gaozhi 归档目录", "not a gaozhi archive directory"),
    "GZ-AR-003": ((), "无法读取归档中的 JSON 文件", "cannot read a JSON file of the archive"),
    "GZ-AR-004": (
        (),
        "签署清单的证书不是机关印章",
        "the manifest signer's certificate is not an organ seal",
    ),
    "GZ-AR-020": (
        (),
        "办件没有任何签名文件, 无法导出证据包",
        "the case has no signed document to export",
    ),
    "GZ-AR-021": (
        (),
        "办件的台账条目尚无签名检查点覆盖",
        "no signed journal checkpoint covers the case's entries yet",
    ),
    "GZ-AR-022": ((), "不是 gaozhi 证据包", "not a gaozhi evidence package"),
    "GZ-AR-023": ((), "输出文件已存在", "the output file already exists"),
    "GZ-AR-024": ((), "证据包中有重名成员", "duplicate member names in the evidence package"),
    "GZ-AR-025": (
        (),
        "证据包解压后超过大小上限 (zip 炸弹)",
        "the evidence package inflates beyond the size limit (zip bomb)",
    ),
    "GZ-AR-026": ((), "证据包成员过多", "too many members in the evidence package"),
    # AU — role policy
    "GZ-AU-001": ((), "该角色无权执行此操作", "this role may not perform the operation"),
    "GZ-AU-002": (
        ("R-071",),
        "只能公开本机关的承诺书",
        "officials may publish only their own organ's pledges",
    ),
    "GZ-AU-003": (
        (),
        "审核人员不属于配置的司法行政部门",
        "the reviewer is not from a configured justice bureau",
    ),
    "GZ-AU-010": ((), "该凭据无权代申请人调用", "this credential may not act for applicants"),
    "GZ-AU-011": (
        ("R-024",),
        "申请人只能办理本人的办件",
        "an applicant may act only on its own case",
    ),
    "GZ-AU-012": (
        ("R-024",),
        "申请人已撤销该特别授权书",
        "the applicant revoked this special authorisation",
    ),
    "GZ-AU-020": (
        (),
        "无权查看或执行该操作 (HTTP 服务)",
        "not allowed to read or perform this (HTTP service)",
    ),
    "GZ-AU-030": (
        (),
        "网页请求缺少或带错了 CSRF 令牌 (申请人/窗口页面)",
        "a page request's CSRF token is missing or wrong (applicant/window pages)",
    ),
    "GZ-AU-031": (
        (),
        "网页请求来自其他网站 (Origin 不符)",
        "a page request came from another site (Origin mismatch)",
    ),
    "GZ-AU-040": ((), "客户端证书已被撤销 (双向 TLS)", "the client certificate is revoked (mTLS)"),
    "GZ-AU-041": (
        (),
        "无法确定客户端证书的撤销状态 (配置要求撤销检查)",
        "the client certificate's revocation status is unknown (required by configuration)",
    ),
    # CF — configuration
    "GZ-CF-001": ((), "不支持的存储地址", "unsupported store URL"),
    "GZ-CF-002": (
        (),
        "PostgreSQL 存储需要可选组件 postgres",
        "the PostgreSQL store needs the 'postgres' extra",
    ),
    "GZ-CF-010": ((), "角色策略中的操作不存在", "unknown transition in the role policy"),
    "GZ-CF-011": ((), "角色策略中有未知角色", "unknown role in the role policy"),
    "GZ-CF-012": ((), "角色策略须为映射", "the role policy must be a mapping"),
    "GZ-CF-021": ((), "时钟须返回带时区的时间", "the clock must return timezone-aware times"),
    "GZ-CF-030": (
        (),
        "未配置该机关的电子印章签名密钥",
        "no seal signer is configured for this organ",
    ),
    "GZ-CF-040": ((), "模拟时钟只能向前推进", "a simulated clock only advances forward"),
    "GZ-CF-041": ((), "模拟时钟的时间格式无效", "invalid time for the simulated clock"),
    "GZ-CF-101": ((), "规则配置文件 YAML 语法错误", "YAML syntax error in the rules configuration"),
    "GZ-CF-102": ((), "规则配置顶层应为映射", "the rules configuration must be a mapping"),
    "GZ-CF-103": ((), "无法读取规则配置文件", "cannot read the rules configuration file"),
    "GZ-CF-110": (
        (),
        "同一日期既是放假日又是调休上班日",
        "a date is both a holiday and a make-up workday",
    ),
    "GZ-CF-111": (
        ("R-102",),
        "工作日历未包含该年的放假安排",
        "the working-day calendar has no schedule for that year",
    ),
    "GZ-CF-120": (("R-110",), "未知的信用修复规则版本", "unknown credit regime"),
    "GZ-CF-121": (
        ("R-110",),
        "该日期没有生效的信用修复规则",
        "no credit regime is in force on that date",
    ),
    "GZ-CF-501": (
        (),
        "插件渲染的文书须为 bytes 或 None",
        "gaozhi_render_document must return bytes or None",
    ),
    "GZ-CF-502": ((), "不支持的文书格式", "unsupported document format"),
    "GZ-CF-503": (
        (),
        "HTML/DOCX 每次渲染一份公开承诺书",
        "HTML/DOCX render one disclosure at a time",
    ),
    "GZ-CF-060": (
        (),
        "服务配置文件不合法或无法读取",
        "the service configuration is invalid or unreadable",
    ),
    "GZ-CF-061": ((), "凭据的密钥或令牌未设置", "a credential's secret or token is not set"),
    "GZ-CF-062": ((), "无法读取信任锚", "cannot read a trust anchor"),
    "GZ-CF-063": ((), "无法读取机关印章文件", "cannot read an organ seal file"),
    "GZ-CF-065": (
        (),
        "模拟实名认证与事件证书 CA 只能在开发模式下使用",
        "the emulated identity provider and event CA are for development mode only",
    ),
    "GZ-CF-066": (
        (),
        "未找到配置的实名认证服务或事件证书 CA 插件",
        "the configured identity-provider or event-CA plugin was not found",
    ),
    "GZ-CF-067": (
        (),
        "客户端证书撤销检查的配置或文件有误",
        "the client-certificate revocation settings or files are wrong",
    ),
    "GZ-CF-068": (
        (),
        "worker_threads 超过 PostgreSQL 连接池的一半",
        "worker_threads exceed half the PostgreSQL connection pool",
    ),
    # CLI — command-line usage
    "GZ-CLI-001": ((), "命令行参数错误", "invalid command-line arguments"),
    "GZ-CLI-002": (
        (),
        "时间须为带时区的 ISO 8601 时间",
        "the time must be ISO 8601 with a timezone",
    ),
    "GZ-CLI-003": ((), "无法读取信任锚文件", "cannot read a trust anchor file"),
    "GZ-CLI-005": ((), "须用 --trust 指定信任锚", "trust anchors must be given with --trust"),
    "GZ-CLI-006": ((), "无法读取输入文件", "cannot read an input file"),
    "GZ-CLI-007": ((), "未知的数据模型", "unknown data model"),
    "GZ-CLI-008": ((), "找不到数据库文件", "database file not found"),
    "GZ-CLI-009": ((), "不能写入输出位置", "cannot write to the output location"),
    "GZ-CLI-010": ((), "工作目录须不存在或为空", "the working directory must be absent or empty"),
    "GZ-CLI-011": ((), "须指定印章私钥与证书链", "the seal key and certificate chain are required"),
    "GZ-CLI-012": ((), "输入文件不是所需的格式", "the input file is not in the expected format"),
    "GZ-CLI-013": ((), "信任锚文件不是 PEM 证书", "a trust anchor file is not a PEM certificate"),
    "GZ-CLI-014": (
        (),
        "工作目录正被另一个命令使用",
        "the working directory is in use by another run",
    ),
    "GZ-CLI-015": ((), "找不到指定的记录", "no record with that id"),
    "GZ-CLI-016": ((), "已中断", "interrupted"),
    "GZ-CLI-017": (
        (),
        "输出文件的格式与扩展名不符",
        "the output format does not match the file extension",
    ),
    "GZ-CLI-018": ((), "不能创建工作目录", "cannot create the working directory"),
    "GZ-CLI-019": ((), "文件读写失败", "a file could not be read or written"),
    "GZ-CLI-020": ((), "gaozhi serve 需要 server 扩展", "gaozhi serve needs the server extra"),
    "GZ-CLI-021": ((), "工作进程数须为正整数", "the worker count must be a positive integer"),
    "GZ-CLI-022": ((), "开发模式只允许监听本机地址", "development mode listens on loopback only"),
    "GZ-CLI-023": ((), "TLS 参数不完整", "incomplete TLS options"),
    "GZ-CLI-050": ((), "二进制格式须用 --out 指定输出文件", "binary formats need --out"),
    "GZ-CLI-051": ((), "须安装文书组件", "the documents extra is required"),
    "GZ-CLI-052": (
        ("R-079",),
        "统计期间须为 YYYY-MM-DD 日期, 且起点不晚于终点",
        "the report period must be YYYY-MM-DD dates, the start not after the end",
    ),
    # HT — the HTTP service
    "GZ-HT-400": ((), "请求无法处理 (重复的请求头或无法解析的请求体)", "malformed request"),
    "GZ-HT-401": ((), "调用方未通过认证", "the caller is not authenticated"),
    "GZ-HT-404": ((), "所请求的资源尚不存在", "the requested resource does not exist yet"),
    "GZ-HT-405": ((), "该路径不支持此 HTTP 方法", "method not allowed on this path"),
    "GZ-HT-410": (
        (),
        "同一 Idempotency-Key 的请求已执行, 但响应未能保存",
        "the request with this Idempotency-Key was carried out but its response was lost",
    ),
    "GZ-HT-413": ((), "请求体超过上限", "the request body exceeds the limit"),
    "GZ-HT-422": ((), "请求数据不合法", "invalid request"),
    "GZ-HT-423": (
        (),
        "同一 Idempotency-Key 已用于另一个请求",
        "the Idempotency-Key was used for a different request",
    ),
    "GZ-HT-500": ((), "服务内部错误 (已记录, 不含细节)", "internal error (logged, no details)"),
    # ID — identifiers
    "GZ-ID-001": ((), "证件号码必须是字符串", "the identifier must be a string"),
    "GZ-ID-002": (
        (),
        "15 位旧号码须先转换为 18 位",
        "convert the 15-digit legacy number to 18 digits first",
    ),
    "GZ-ID-003": ((), "居民身份证号码校验码错误", "resident ID check character does not match"),
    "GZ-ID-004": (
        (),
        "居民身份证号码中的出生日期不合理",
        "the birth date in the resident ID is out of range",
    ),
    "GZ-ID-005": ((), "15 位旧号码应为 15 位数字", "a legacy resident ID is 15 digits"),
    "GZ-ID-010": ((), "统一社会信用代码格式错误", "malformed unified social credit code"),
    "GZ-ID-011": ((), "统一社会信用代码校验码错误", "USCC check character does not match"),
    "GZ-ID-012": (
        (),
        "统一社会信用代码第 3-8 位应为行政区划码",
        "USCC positions 3-8 must be a numeric region code",
    ),
    # JR — journal integrity (problems reported by verify_journal)
    "GZ-JR-001": (
        (),
        "日志条目格式错误或无法规范化",
        "a journal entry is malformed or cannot be canonicalised",
    ),
    "GZ-JR-002": (
        (),
        "日志条目的哈希值与内容不符",
        "a journal entry's hash does not match its content",
    ),
    "GZ-JR-003": (
        (),
        "日志条目与前一条不衔接",
        "a journal entry does not link to the previous one",
    ),
    "GZ-JR-004": ((), "日志序号不连续", "journal sequence numbers are not contiguous"),
    "GZ-JR-005": ((), "日志被截断", "the journal was truncated"),
    "GZ-JR-006": ((), "日志多出条目", "the journal has extra entries"),
    "GZ-JR-010": ((), "存储的文件内容与其摘要不符", "a stored blob does not match its SHA-256"),
    # LS — commitment lists (load, lint findings, spreadsheets)
    "GZ-LS-001": ((), "无法读取或解析清单文件", "cannot read or parse the list file"),
    "GZ-LS-002": ((), "清单结构校验未通过", "the list document does not match the list schema"),
    "GZ-LS-003": ((), "清单校验未通过", "the commitment list failed validation"),
    "GZ-LS-004": (("R-004",), "证明事项缺少设定依据", "the proof item has no legal basis"),
    "GZ-LS-006": (
        ("R-006",),
        "命中不适用告知承诺制的风险类别",
        "the item falls into an excluded risk category",
    ),
    "GZ-LS-009": (
        ("R-009",),
        "清单缺少党委会议研究论证记录",
        "the list has no deliberation record",
    ),
    "GZ-LS-012": (
        ("R-012",),
        "清单条目缺少应载明的内容",
        "the entry lacks a field the list must state",
    ),
    "GZ-LS-013": (("R-009",), "清单缺少编制单位统一社会信用代码", "the list has no owner USCC"),
    "GZ-LS-025": (
        ("R-025",),
        "资格考试报名证明事项不允许代为承诺",
        "exam-registration items do not allow proxy pledges",
    ),
    "GZ-LS-029": (
        ("R-029",),
        "格式文本含兜底条款或模糊表述",
        "the template wording has a catch-all clause or a vague term",
    ),
    "GZ-LS-030": (("R-030",), "清单未载明公布渠道", "the list names no publication channel"),
    "GZ-LS-041": (("R-041",), "须明确核查时限", "the verification window must be stated"),
    "GZ-LS-042": (("R-042",), "免予核查事项须确定抽查比例", "exempt items need an inspection rate"),
    "GZ-LS-044": (("R-044",), "在线核查须载明数据来源", "online verification needs a data source"),
    "GZ-LS-046": (
        ("R-046",),
        "协助核查须载明开具单位",
        "assisted verification needs the issuing unit",
    ),
    "GZ-LS-059": (
        ("R-059a",),
        "核查时限超过行政处罚追责时效",
        "the verification window exceeds the penalty limitation",
    ),
    "GZ-LS-071": (("R-071",), "应公开告知承诺书", "the pledge should be disclosed"),
    "GZ-LS-072": (
        ("R-072",),
        "公开承诺书的事项须公布投诉举报方式",
        "disclosed items need a complaint channel",
    ),
    "GZ-LS-081": (
        ("R-081",),
        "同一事项按审批制和告知承诺制办理须赋予不同的事项编码",
        "the approval-system code must differ from the pledge-system code",
    ),
    "GZ-LS-082": (
        ("R-082",),
        "条目须实行告知承诺制, 按情形标记时至少一个情形实行",
        "the entry must use the pledge system, in at least one marked situation",
    ),
    "GZ-LS-093": (
        ("R-093",),
        "含敏感个人信息的承诺书不宜公开",
        "pledges with sensitive personal data should not be disclosed",
    ),
    "GZ-LS-104": (
        ("R-004",),
        "设定依据看起来不是法律、法规或国务院决定",
        "the legal basis does not look like a statute",
    ),
    "GZ-LS-129": (("R-029",), "格式文本含模糊表述", "the template wording has a vague term"),
    "GZ-LS-141": (("R-041",), "须明确核查标准", "the verification standard must be stated"),
    "GZ-LS-901": ((), "表格中没有清单工作表", "the workbook has no list sheet"),
    "GZ-LS-902": ((), "清单表格有错误的单元格", "the list spreadsheet has invalid cells"),
    "GZ-LS-903": ((), "清单整体校验未通过", "the imported list does not validate"),
    "GZ-LS-904": (
        (),
        "清单表格超过大小、行数或单元格数上限, 未予读取",
        "the list spreadsheet exceeds a size, row or cell limit and is refused before reading",
    ),
    "GZ-LS-906": ((), "表格读取上限的设置无效", "an invalid spreadsheet limit setting"),
    # MD — model validation
    "GZ-MD-001": ((), "数据不合法", "invalid data"),
    "GZ-MD-002": ((), "操作的数据不合法", "invalid data for the operation"),
    "GZ-MD-010": (
        (),
        "数据不能规范化为 JCS (RFC 8785)",
        "the data cannot be canonicalised as JCS (RFC 8785)",
    ),
    # PL — plugins
    "GZ-PL-001": ((), "插件加载失败", "a plugin failed to load"),
    "GZ-PL-002": (
        (),
        "插件的钩子实现与规范不符",
        "a plugin's hook implementation does not match its spec",
    ),
    "GZ-PL-003": ((), "插件实现了未知的钩子", "a plugin implements an unknown hook"),
    "GZ-PL-004": ((), "插件钩子返回了不合规的对象", "a plugin hook returned an invalid object"),
    "GZ-PL-005": ((), "插件冲突", "conflicting plugins"),
    "GZ-PL-006": ((), "钩子返回了错误类型的结果", "a hook returned a result of the wrong type"),
    "GZ-PL-007": ((), "插件钩子出错", "a plugin hook raised an error"),
    "GZ-PL-008": ((), "插件须以实例注册", "plugins are registered as instances, not classes"),
    "GZ-PL-009": ((), "未知的提供方类别", "unknown provider kind"),
    "GZ-PL-010": ((), "重试次数须为正整数", "max_attempts must be a positive integer"),
    "GZ-PL-011": ((), "插件名称不合规", "invalid plugin name"),
    "GZ-PL-012": ((), "目标目录已存在且不为空", "the target directory exists and is not empty"),
    # RL — rules
    "GZ-RL-001": (
        ("R-024", "R-025"),
        "证明事项不允许代为承诺",
        "this proof item does not allow a proxy pledge",
    ),
    "GZ-RL-002": (
        ("R-024",),
        "代为承诺须特别授权",
        "a special (express) authorisation to pledge is required",
    ),
    "GZ-RL-003": (
        ("R-024",),
        "特别授权的事项与办理事项不一致",
        "the authorisation covers another matter",
    ),
    "GZ-RL-004": (
        ("R-024",),
        "证明事项不在特别授权范围内",
        "proof items lie outside the authorised scope",
    ),
    "GZ-RL-005": (
        ("R-024",),
        "特别授权不在有效期内",
        "the authorisation is not valid on the pledge date",
    ),
    "GZ-RL-006": (
        ("R-024",),
        "特别授权的授权人与承诺人不一致",
        "the authorisation was not granted by the pledgor",
    ),
    "GZ-RL-007": (
        ("R-024",),
        "申请人不能授权本人为代为承诺人",
        "the applicant cannot name themselves as proxy",
    ),
    "GZ-RL-010": (
        ("R-060",),
        "行政事项已办结, 不能撤回承诺",
        "the matter is concluded; the pledge can no longer be withdrawn",
    ),
    "GZ-RL-011": (("R-060",), "撤回承诺须说明合理理由", "a reason is required to withdraw"),
    "GZ-RL-012": (
        ("R-060",),
        "当前办件状态下不能撤回承诺",
        "the pledge cannot be withdrawn in this case state",
    ),
    "GZ-RL-013": (("R-063",), "已超过撤回截止时间", "the withdrawal deadline has passed"),
    "GZ-RL-014": (("R-063",), "已缴费, 不能撤回承诺", "no withdrawal after payment"),
    "GZ-RL-015": ((), "时间须带时区", "the time must be timezone-aware"),
    "GZ-RL-020": (
        ("R-047",),
        "在线核查已有结论, 应记录核查结果",
        "the online check is conclusive; record the result",
    ),
    "GZ-RL-021": (
        ("R-047",),
        "在线核查结论与核查方式不符",
        "an online outcome for a non-online verification",
    ),
    "GZ-RL-031": (("R-102",), "工作日数不能为负数", "working days must not be negative"),
    "GZ-RL-040": (("R-041",), "清单条目未规定核查时限", "the entry has no verification window"),
    "GZ-RL-041": ((), "时间须带时区", "the time must be timezone-aware"),
    "GZ-RL-201": (
        ("R-009",),
        "清单报送前须载明研究论证记录",
        "a deliberation record is required before submission",
    ),
    "GZ-RL-202": (("R-001",), "至少须告知一项证明事项", "at least one proof item must be told"),
    "GZ-RL-203": (
        ("R-001",),
        "一次告知的证明事项须属于同一行政事项",
        "the told proof items must belong to one matter",
    ),
    "GZ-RL-204": (("R-009",), "清单未载明编制单位统一社会信用代码", "the list has no owner USCC"),
    "GZ-RL-205": (
        ("R-021",),
        "须对每项证明分别选择一次办理方式",
        "one choice per told proof item is required",
    ),
    "GZ-RL-206": (("R-021",), "申请人尚未选择办理方式", "the applicant has not chosen yet"),
    "GZ-RL-207": (
        ("R-008",),
        "承诺书签署时所依据的清单条目版本不在有效期内",
        "the list entry version was not in force when the pledge was signed",
    ),
    "GZ-RL-208": (
        ("R-001",),
        "承诺书签署时间晚于机关收到时间",
        "the pledge is dated after its receipt",
    ),
    "GZ-RL-210": (
        ("R-001",),
        "承诺书所依据的告知书与办件的告知书不一致",
        "the pledge does not answer this case's notice",
    ),
    "GZ-RL-211": (
        ("R-001",),
        "承诺书签署时间早于告知时间",
        "the pledge was signed before the notice",
    ),
    "GZ-RL-212": (
        ("R-001",),
        "承诺人、受理机关或事项与办件不一致",
        "pledgor, organ or matter differ from the case",
    ),
    "GZ-RL-213": (
        ("R-021",),
        "承诺事项与申请人选择承诺的证明不一致",
        "the pledged items differ from the chosen proofs",
    ),
    "GZ-RL-214": (
        ("R-001",),
        "承诺条款与格式文本不一致",
        "the pledge clauses differ from the template",
    ),
    "GZ-RL-215": (
        ("R-024",),
        "代为承诺人与承诺书所载代为承诺人不一致",
        "the acting proxy is not the proxy named in the pledge",
    ),
    "GZ-RL-216": (
        ("R-024",),
        "承诺书须由申请人本人或经特别授权的代为承诺人签署",
        "the pledge must be made by the applicant or an authorised proxy",
    ),
    "GZ-RL-217": (
        ("R-008", "R-020", "R-064"),
        "申请人不适用告知承诺制",
        "the applicant may not use the pledge procedure",
    ),
    "GZ-RL-218": (
        ("R-060",),
        "只有申请人本人或其代为承诺人可以撤回承诺",
        "only the applicant or its proxy may withdraw",
    ),
    "GZ-RL-219": (
        ("R-001",),
        "承诺书经时间戳证明的签署时间早于告知时间",
        "the pledge's time-stamped signing time precedes the notice",
    ),
    "GZ-RL-220": (
        ("R-040",),
        "事中核查尚未核实属实, 不能作出决定",
        "an in-process verification must conclude TRUE before deciding",
    ),
    "GZ-RL-221": (
        ("R-040",),
        "核查尚未完成或结果不是属实, 不能归档",
        "all verifications must conclude TRUE before archiving",
    ),
    "GZ-RL-222": (
        ("R-035",),
        "签署方式低于该事项或机关要求的最低签署方式",
        "the signing method is below the minimum the entry or organ requires",
    ),
    "GZ-RL-230": (("R-044",), "该核查不是在线核查", "not an online verification"),
    "GZ-RL-231": (
        ("R-044",),
        "未配置在线核查数据共享提供方",
        "no online verification provider is configured",
    ),
    "GZ-RL-232": (
        ("R-047",),
        "不能协助的须书面说明理由",
        "a refusal to assist needs written reasons",
    ),
    "GZ-RL-233": (
        ("R-042",),
        "该免予核查事项未被双随机抽中",
        "the exempt item was not selected in a draw",
    ),
    "GZ-RL-234": (("R-040",), "核查方式与该操作不符", "wrong verification method for this action"),
    "GZ-RL-235": (("R-040",), "核查结果须为属实或不实", "the result must be TRUE or FALSE"),
    "GZ-RL-240": (
        ("R-043",),
        "抽取比例须在 1% 至 100% 之间",
        "the draw rate must be between 1 % and 100 %",
    ),
    "GZ-RL-241": (
        ("R-043",),
        "双随机抽查须有检查人员名录",
        "a double-random draw needs a roster of inspectors",
    ),
    "GZ-RL-242": (
        ("R-043",),
        "随机种子须为十六进制字符串",
        "the draw seed must be a hexadecimal string",
    ),
    "GZ-RL-250": (
        ("R-050",),
        "只有核查认定承诺不实后才能处置",
        "a disposition requires a FALSE verification",
    ),
    "GZ-RL-251": (
        ("R-051", "R-052"),
        "须且只能选择一种处置措施",
        "exactly one of TERMINATE, ORDER_RECTIFICATION, REVOKE_DECISION",
    ),
    "GZ-RL-252": (
        ("R-051", "R-052"),
        "当前办件状态下不能采取该措施",
        "the measure is not allowed in this case state",
    ),
    "GZ-RL-253": (
        ("R-110",),
        "按现行规则该失信信息不予公示",
        "this record is not published under the regime",
    ),
    "GZ-RL-254": (("R-112",), "申请所指信用记录不一致", "the application is for another record"),
    "GZ-RL-255": (("R-112", "R-113"), "尚不能申请信用修复", "credit repair is not yet allowed"),
    "GZ-RL-256": (("R-114",), "不予修复须说明理由", "a rejected repair needs reasons"),
    "GZ-RL-257": (("R-115",), "异议处理须说明理由", "an objection decision needs reasons"),
    "GZ-RL-258": (
        ("R-059a",),
        "行政处罚追责时效已过, 不得予以行政处罚",
        "the penalty limitation has run; no administrative penalty",
    ),
    "GZ-RL-260": ((), "台账为空, 无需检查点", "the journal is empty; no checkpoint needed"),
    "GZ-RL-272": (("R-072",), "处理结果不能为空", "the handling result must not be empty"),
    "GZ-RL-273": (("R-072",), "反馈内容不能为空", "the feedback must not be empty"),
    "GZ-RL-501": (
        ("R-071", "R-093"),
        "该承诺书没有可公开的证明事项",
        "no item of this pledge may be disclosed",
    ),
    "GZ-RL-502": (
        ("R-071", "R-094"),
        "公开自然人的承诺书前须进行个人信息保护影响评估",
        "publishing a natural person's pledge needs a personal information impact assessment",
    ),
    "GZ-RL-503": (
        ("R-073",),
        "不予公开标记所指的承诺事项或条款不存在",
        "the marked item or clause is not in the pledge",
    ),
    "GZ-RL-504": (
        ("R-073",),
        "承诺书已经公开, 不能再标记或改变不予公开的内容",
        "the pledge is already disclosed; its withheld content cannot change",
    ),
    # SG — signatures and bundles
    "GZ-SG-001": ((), "不支持的签名密钥类型", "unsupported signing key type"),
    "GZ-SG-002": ((), "无法读取私钥", "cannot load the private key"),
    "GZ-SG-003": (
        (),
        "签名证书的公钥与签名私钥不匹配",
        "the leaf certificate's public key does not match the signing key",
    ),
    "GZ-SG-004": (
        (),
        "只能签署 pydantic 模型或 bytes",
        "only a pydantic model or bytes can be signed",
    ),
    "GZ-SG-005": ((), "文档类型名或版本无效", "invalid payload type name or version"),
    "GZ-SG-010": ((), "签名验证未通过", "signature verification did not pass"),
    "GZ-SG-011": ((), "签名公钥被拒绝", "the signer's public key is rejected"),
    "GZ-SG-012": ((), "签名值验证失败", "signature verification failed"),
    "GZ-SG-020": ((), "信任锚目录不存在", "trust anchor folder not found"),
    "GZ-SG-021": ((), "该签名文件不是承诺书", "the bundle does not carry a pledge"),
    "GZ-SG-030": ((), "验证时间须带时区", "the validation time must be timezone-aware"),
    "GZ-SG-031": ((), "验证策略参数须为 SignerPolicy", "the policy must be a SignerPolicy"),
    "GZ-SG-040": (
        (),
        "证书主题不得包含完整的居民身份证号码",
        "the certificate subject must not carry a full resident ID",
    ),
    "GZ-SG-041": ((), "无法读取测试 PKI 目录", "cannot load the test PKI folder"),
    "GZ-SG-042": (
        (),
        "测试证书的身份编码方式或摘要无效",
        "invalid identity encoding or digest for a test certificate",
    ),
    "GZ-SG-050": (
        ("R-024", "R-035"),
        "签名者无权签署该文档 (签名者策略)",
        "the signer is not entitled to sign this document (signer policy)",
    ),
    "GZ-SG-060": ((), "时间戳服务返回 HTTP 错误", "the TSA answered with an HTTP error"),
    "GZ-SG-061": ((), "时间戳服务应答无效", "invalid TSA reply"),
    "GZ-SG-062": (
        (),
        "时间戳请求的摘要须为 32 字节 SHA-256",
        "a time-stamp request digest must be a 32-byte SHA-256",
    ),
    "GZ-SG-070": (
        (),
        "签名者证书链缺失或无法读取",
        "the signer's certificate chain is missing or unreadable",
    ),
    "GZ-SG-071": (
        ("R-035",),
        "签名者证书不能用于签署承诺书或未通过验证",
        "the signer's certificate may not sign pledges or does not validate",
    ),
    "GZ-SG-072": ((), "签名值格式不正确", "malformed signature value"),
    "GZ-SG-080": (("R-035",), "认证令牌无效", "invalid authentication token"),
    "GZ-SG-081": (("R-035",), "认证令牌已过期", "the authentication token expired"),
    "GZ-SG-082": (("R-035",), "认证令牌已使用过", "the authentication token was already used"),
    "GZ-SG-083": ((), "挑战不存在、已使用或已过期", "challenge unknown, used or expired"),
    "GZ-SG-084": (("R-035",), "密钥持有证明无效", "no valid proof of possession"),
    "GZ-SG-085": ((), "事件证书 CA 请求或应答无效", "invalid event-CA request or reply"),
    "GZ-SG-086": (
        (),
        "未配置身份认证服务、事件证书 CA 或时间戳服务",
        "no identity provider, event CA or TSA configured",
    ),
    "GZ-SG-087": (
        (),
        "认证会话不存在、已使用、已过期或不属于该办件",
        "authentication session unknown, used, expired or of another case",
    ),
    "GZ-SG-088": (
        ("R-035",),
        "实名认证未通过或认证所得身份不是申请人或代为承诺人",
        "authentication failed or the authenticated person is not the applicant or proxy",
    ),
    "GZ-SG-089": (
        ("R-035",),
        "实名认证距承诺书签署时间过久或晚于签署时间",
        "the real-name authentication is too old for the signing time, or later than it",
    ),
    "GZ-SG-101": ((), "证据包须为 bytes 或 str", "a bundle must be bytes or str"),
    "GZ-SG-102": ((), "证据包 JSON 含重复的键", "duplicate key in the bundle JSON"),
    "GZ-SG-103": ((), "不是 gaozhi 签名证据包", "not a gaozhi bundle"),
    "GZ-SG-104": ((), "不支持的证据包格式版本", "unsupported bundle format version"),
    "GZ-SG-105": ((), "证据包结构不符合格式版本 1", "the bundle does not match format version 1"),
    "GZ-SG-106": (
        (),
        "字段不是规范的标准 base64 编码",
        "a field is not canonical standard padded base64",
    ),
    "GZ-SG-107": ((), "证据包的签名列表不合规", "the bundle's signature list is malformed"),
    "GZ-SG-110": (
        (),
        "文档内容不符合其类型的模型",
        "the payload does not parse as its type's model",
    ),
    # SH — data sharing, emulator, webhooks
    "GZ-SH-001": ((), "数据共享地址不合规", "invalid data-sharing base URL"),
    "GZ-SH-002": ((), "未知的签名方案", "unknown signing profile"),
    "GZ-SH-003": ((), "不支持的签名方法", "unsupported signing method"),
    "GZ-SH-004": ((), "SM3 自检失败", "SM3 self-test failed"),
    "GZ-SH-005": ((), "获取访问令牌失败", "fetching the access token failed"),
    "GZ-SH-006": (
        (),
        "数据共享地址须使用 https:// (明文 http:// 仅限开发开关下的本机回环地址)",
        "plain http:// is refused outside the loopback development switch",
    ),
    "GZ-SH-010": (
        (),
        "证据记录无法写入, 调用按未确定处理",
        "the evidence record cannot be written; the call counts as undetermined",
    ),
    "GZ-SH-011": ((), "证据链断裂", "the evidence chain is broken"),
    "GZ-SH-020": ((), "模拟器未能启动", "the emulator did not start"),
    "GZ-SH-030": (("R-047",), "协查答复缺少书面理由", "the assistance reply has no written reason"),
    "GZ-SH-040": (
        ("R-020",),
        "信用信息共享平台查询未完成",
        "the credit snapshot query is undetermined",
    ),
    "GZ-SH-041": (("R-110",), "信用记录推送结果未确定", "the credit record push is undetermined"),
    "GZ-SH-042": (
        ("R-110",),
        "信用信息共享平台拒绝该记录",
        "the credit platform rejected the record",
    ),
    "GZ-SH-043": (
        ("R-046",),
        "协助核查请求未能提交",
        "the assistance request could not be submitted",
    ),
    "GZ-SH-050": ((), "事件推送失败, 将重试", "webhook delivery failed; it will be retried"),
    "GZ-SH-051": (
        (),
        "事件推送地址的证书不受信任",
        "the webhook endpoint's certificate is not trusted",
    ),
    # SM2 — the SM2 signing plugin (gaozhi-plugin-sm2)
    "GZ-SM2-001": ((), "SM2 签名需要 gmssl-pyx", "SM2 signing needs gmssl-pyx"),
    "GZ-SM2-002": ((), "无法读取 SM2 私钥", "cannot load the SM2 private key"),
    "GZ-SM2-003": ((), "不是有效的 SM2 公钥", "not a valid SM2 public key"),
    "GZ-SM2-004": (
        (),
        "签名证书的公钥与 SM2 签名私钥不匹配",
        "the leaf certificate does not hold this SM2 key",
    ),
    "GZ-SM2-005": ((), "SM2 签名者标识不合规", "invalid SM2 signer ID"),
    "GZ-SM2-006": ((), "未安装 SM2 实现", "no SM2 implementation installed"),
    # ST — store
    "GZ-ST-001": ((), "无法打开数据库文件", "unable to open the database file"),
    "GZ-ST-002": ((), "该文件不是 gaozhi 存储", "the file is not a gaozhi store"),
    "GZ-ST-003": (
        (),
        "存储结构版本高于本 SDK 支持的版本",
        "the store was written by a newer gaozhi-sdk",
    ),
    "GZ-ST-004": ((), "不支持嵌套事务", "nested transactions are not supported"),
    "GZ-ST-005": ((), "存储已关闭", "the store is closed"),
    "GZ-ST-006": ((), "事务已结束", "the transaction has ended"),
    "GZ-ST-007": (
        (),
        "存储结构需要迁移 (gaozhi db migrate)",
        "the store needs a schema migration (gaozhi db migrate)",
    ),
    "GZ-ST-010": ((), "存储的值不合规", "a value cannot be stored"),
    "GZ-ST-011": ((), "日志条目不合规", "the journal entry is malformed"),
    "GZ-ST-012": (
        (),
        "日志条目含有完整的个人证件号码",
        "the journal entry contains a full personal identifier",
    ),
    "GZ-ST-404": ((), "未找到记录", "record not found"),
    "GZ-ST-409": ((), "记录版本冲突", "version conflict"),
    "GZ-ST-410": ((), "文件只能写入一次", "the blob is write-once and already holds other content"),
    "GZ-ST-500": ((), "数据库错误", "database error"),
    "GZ-ST-501": ((), "数据库正被其他连接占用", "the database is busy or locked"),
    "GZ-ST-502": ((), "磁盘或数据库空间已满", "disk or database full"),
    "GZ-ST-503": ((), "数据库文件已损坏", "the database file is corrupt"),
    "GZ-ST-504": ((), "数据库读写失败", "database I/O error, read-only file or permission denied"),
    "GZ-ST-505": ((), "语句执行超时, 事务已回滚", "statement_timeout exceeded; rolled back"),
    "GZ-ST-506": (
        (),
        "与数据库的连接中断, 事务已回滚",
        "database connection lost; the transaction was rolled back",
    ),
    "GZ-ST-507": (
        (),
        "提交时连接中断, 无法确定是否已提交",
        "connection lost during COMMIT; the outcome is unknown",
    ),
    # WF — workflow
    "GZ-WF-001": ((), "状态机没有该操作", "the state machine has no such transition"),
    "GZ-WF-002": (
        ("R-020",),
        "只有已告知的办件需要审查适用条件",
        "eligibility is checked only for NOTICE_ISSUED cases",
    ),
    "GZ-WF-003": ((), "该操作不能进入目标状态", "the transition cannot lead to that state"),
    "GZ-WF-004": ((), "记录已存在", "the record already exists"),
    "GZ-WF-020": (
        (),
        "签署会话不存在、已使用、已过期或不属于该办件",
        "the signing session is unknown, used, expired or of another case",
    ),
    "GZ-WF-031": (
        ("R-024", "R-060"),
        "特别授权书已用于代为承诺, 不能再撤销; 可撤回承诺",
        "the special authorisation was used for a pledge and can no longer be revoked; "
        "withdraw the pledge instead",
    ),
    "GZ-WF-032": (
        ("R-024",),
        "该编号的特别授权书已撤销, 不能再签署或撤销; 请使用新编号",
        "the special authorisation of that number is revoked; use a new number",
    ),
    "GZ-WF-033": (
        ("R-024",),
        "本办件没有在此签署该编号的特别授权书; 在别处签署的须确认后撤销",
        "no special authorisation of that number was signed here for the case; "
        "confirm that it was signed elsewhere to revoke it",
    ),
    "GZ-WF-501": (
        ("R-071",),
        "只有已签署且未撤回的承诺书可以公开",
        "only signed, not withdrawn pledges are disclosed",
    ),
}

CATALOGUE: Mapping[str, ErrorCode] = MappingProxyType(
    {code: ErrorCode(code, *row) for code, row in sorted(_ROWS.items())}
)


def lookup(code: str) -> ErrorCode | None:
    """The catalogue row of ``code`` (``None`` for a code not in the catalogue)."""
    return CATALOGUE.get(code)
