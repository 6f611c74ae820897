"""Render the images of docs/documents.md (文书与报表) — run by hand, not in CI.

Runs a small ``gaozhi demo`` into a temporary directory, then

* screenshots rendered HTML pages with headless Chromium (desktop and phone widths), and
* converts DOCX/XLSX outputs to PDF with LibreOffice and the first page to PNG (pdftoppm),

writing ``docs/_static/documents/*.png``. Needs the ``documents`` extra and the Debian
packages ``chromium``, ``libreoffice-writer``, ``libreoffice-calc``, ``poppler-utils`` and
``fonts-noto-cjk``::

    python docs/_tools/render_document_images.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gaozhi_sdk.demo import run_demo

OUT = Path(__file__).resolve().parent.parent / "_static" / "documents"


def _tool(*names: str) -> str:
    for n in names:
        found = shutil.which(n)
        if found:
            return found
    sys.exit(f"missing tool: {' or '.join(names)}")


def screenshot(html: Path, png: Path, *, width: int = 900, height: int = 1300) -> None:
    """One headless Chromium screenshot of a local HTML file."""
    chromium = _tool("chromium", "chromium-browser", "google-chrome")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},{height}", f"--screenshot={png}", html.as_uri()],
        check=True, capture_output=True,
    )  # fmt: skip


def first_page(doc: Path, png: Path, work: Path) -> None:
    """LibreOffice → PDF → first page as PNG (pdftoppm, 70 dpi)."""
    soffice = _tool("soffice", "libreoffice")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(work), str(doc)],
        check=True, capture_output=True,
    )  # fmt: skip
    pdf = work / (doc.stem + ".pdf")
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
         str(pdf), str(png.with_suffix(""))],
        check=True,
    )  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = work / "demo"
        run_demo(demo, applications=30, seed=20210420)
        d = demo / "documents"
        notice_html = sorted((d / "notices").glob("*.html"))[0]
        pledge_html = sorted((d / "pledges").glob("*.html"))[0]
        disclosure_html = sorted(p for p in (d / "disclosure").glob("DSC-*.html"))[0]
        screenshot(notice_html, OUT / "notice-html.png")
        screenshot(notice_html, OUT / "notice-html-phone.png", width=390, height=844)
        screenshot(pledge_html, OUT / "pledge-html.png")
        screenshot(disclosure_html, OUT / "disclosure-html.png")
        screenshot(d / "disclosure" / "index.html", OUT / "disclosure-index.png", height=700)
        first_page(sorted((d / "notices").glob("*.docx"))[0], OUT / "notice-docx.png", work)
        first_page(sorted((d / "list").glob("*.docx"))[0], OUT / "list-docx.png", work)
        first_page(sorted((d / "list").glob("*.xlsx"))[0], OUT / "list-xlsx.png", work)
        first_page(d / "report" / "report.docx", OUT / "report-docx.png", work)
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(OUT.parent.parent)}  {png.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
