"""The performance page keeps in step with bench/ (issue 10.6).

Fails when a benchmark program in ``bench/`` is not named on ``docs/performance.md`` with
its reproduction command, or when the page still says that benchmarks which exist do not.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "performance.md"


def test_every_benchmark_program_is_on_the_performance_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    programs = sorted(p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
    assert programs, "bench/ has no programs"
    missing = [name for name in programs if f"bench/{name}" not in text]
    assert missing == [], f"docs/performance.md does not mention {missing}"
    commands = set(re.findall(r"python (bench/\w+\.py)", text))
    assert {f"bench/{n}" for n in programs} <= commands, "each program needs its command line"


def test_the_page_does_not_call_existing_benchmarks_future_work() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for stale in ("尚未编写", "随后议题"):
        assert stale not in text, f"stale claim on docs/performance.md: {stale}"
