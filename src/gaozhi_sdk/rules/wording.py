"""措辞校验 (R-029): requirements must be quantifiable, without vague wording or catch-alls.

The seed requires texts that are "可量化、易操作，不含模糊表述或者设兜底条款" (R-029). The
concrete term lists below are an [INFERRED] operationalisation:

* **vague terms** (模糊表述, ERROR unless the list lowers the term with a reason):
  :data:`VAGUE_TERMS`;
* **catch-all clauses** (兜底条款, ERROR): "其他 + 材料/证明/…", "其他相关/其他有关",
  "及其他", "包括但不限于", "有关部门要求的…", and "等" **only when it closes an
  enumeration** — followed by 材料/证明/文件/情形/… , punctuation or the end of the text,
  and not part of a word such as 平等、同等、对等、均等、相等、高等、中等、初等、上等、
  一等. "等" followed by a number ("等 2 项") closes a *counted* list and is not flagged.

A vague hit inside a catch-all span is not reported twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CATCH_ALL_PATTERNS", "VAGUE_TERMS", "WordingHit", "scan_wording"]

#: 模糊表述 (ERROR by default; a list may lower a term to WARNING with its reason).
VAGUE_TERMS: tuple[str, ...] = (
    "相关",
    "有关",
    "适当",
    "必要时",
    "原则上",
    "一定的",
    "一定程度",
    "较大",
    "较多",
    "若干",
    "及时",
    "酌情",
    "视情况",
    "根据需要",
    "等等",
    "基本符合",
    "尽快",
)

_NOUNS = "材料|证明|证件|文件|资料|情形|情况|条件|要求|事项|内容|手续|凭证|单据|方面|部门"
_QUAL = "相关|有关|必要|需要"
# Characters that make "等" part of a word (平等、同等 …), never an enumeration end.
_WORD_PREFIX = "平同对均相不高中初上下优劣特次何此一二三四五六七八九十甲乙丙丁"

#: 兜底条款 patterns (ERROR), compiled.
CATCH_ALL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("包括但不限于", re.compile(r"包括但不限于")),
    ("有关部门要求的", re.compile(r"(?:有关|相关)?部门(?:认为)?(?:要求|需要)(?:的|提供的)")),
    (
        "其他 (兜底)",
        re.compile(
            rf"以?[及和或与]其[他它](?:{_QUAL})?的?(?:{_NOUNS})?"
            rf"|其[他它](?:{_QUAL})的?(?:{_NOUNS})?"
            rf"|其[他它]的?(?:{_NOUNS})"
        ),
    ),
    (
        "等 (列举结尾)",
        re.compile(
            rf"(?<![{_WORD_PREFIX}])等{{1,2}}"
            rf"(?=\s*(?:{_NOUNS}|相关|有关|其他|[，,。.、；;：:！!？?）)]|$))"
        ),
    ),
)


@dataclass(frozen=True)
class WordingHit:
    """One wording problem: the matched text, its offset and whether it is a catch-all."""

    term: str
    position: int
    catch_all: bool
    pattern: str


def scan_wording(text: str) -> list[WordingHit]:
    """All vague terms and catch-all clauses in ``text``, ordered by position."""
    hits: list[WordingHit] = []
    spans: list[tuple[int, int]] = []
    for name, pat in CATCH_ALL_PATTERNS:
        for m in pat.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            spans.append((m.start(), m.end()))
            hits.append(WordingHit(m.group(0), m.start(), True, name))
    for term in VAGUE_TERMS:
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(a < end and start < b for a, b in spans):
                hits.append(WordingHit(term, start, False, term))
            start = text.find(term, end)
    hits.sort(key=lambda h: (h.position, not h.catch_all))
    return hits
