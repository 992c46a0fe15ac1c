"""Looking at a report as a person would: headless Chromium renders ``report.html`` (its DOM as
the browser built it, or a PNG), offline, with a fresh profile each time.

Used by the browser tests (tests/reports/test_rendered_report.py) and by ``make screenshots``
(``python -m reports.chromium OUT_PNG REPORT_HTML [REQUIREMENT_ID]``), which shoots the top of a
report (verdict, contents) and the evidence of one requirement with its plots.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reports.html_evidence import anchor

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")
TIMEOUT_S = 60.0
SHOT_WIDTH_PX = 1100


def find_chromium() -> str | None:
    """The Chromium executable ($FLEXBENCH_CHROMIUM, else the Debian package's), or None."""
    override = os.environ.get("FLEXBENCH_CHROMIUM")
    for candidate in ((override,) if override else CHROMIUM_CANDIDATES):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _run(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="flexbench-chromium-") as profile:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False)


def dump_dom(chromium: str, page: Path) -> str:
    """The page's DOM after Chromium loaded and laid it out (``--dump-dom``)."""
    done = _run(chromium, "--dump-dom", page.resolve().as_uri())
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({done.returncode}): {done.stderr[-800:]}")
    return done.stdout


def screenshot(chromium: str, page: Path, png: Path, width_px: int = SHOT_WIDTH_PX, height_px: int = 1400) -> None:
    """A PNG of the page's top ``width_px`` x ``height_px``."""
    png.parent.mkdir(parents=True, exist_ok=True)
    done = _run(chromium, f"--window-size={width_px},{height_px}", f"--screenshot={png.resolve()}",
                page.resolve().as_uri())
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium --screenshot failed ({done.returncode}): {done.stderr[-800:]}")


def focus_view(report_html: str, requirement_id: str) -> str:
    """The report with only its head, summary, contents and the (opened) evidence of ``requirement_id``
    shown: every element is the report's own, the others are hidden by one added style rule."""
    ev = anchor(requirement_id)
    style = ("<style>body > :not(.header):not(.banner):not(section.summary):not(nav.toc):not(#" + ev + ")"
             " { display: none !important; }"
             " nav.toc ol { columns: 3; }</style>")
    return report_html.replace("</head>", style + "</head>", 1).replace(f'id="{ev}"', f'id="{ev}" open', 1)


def main(argv: list[str] | None = None) -> int:
    """``OUT_PNG REPORT_HTML [REQUIREMENT_ID [HEIGHT_PX]]``: a screenshot of the report's top, or of
    its head, contents and one requirement's evidence."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m reports.chromium OUT_PNG REPORT_HTML [REQUIREMENT_ID [HEIGHT_PX]]", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install chromium (or set FLEXBENCH_CHROMIUM)", file=sys.stderr)
        return 1
    png, html = Path(args[0]), Path(args[1])
    height = int(args[3]) if len(args) > 3 else 1400
    if len(args) > 2:
        view = html.with_name(f".focus-{anchor(args[2])}.html")
        view.write_text(focus_view(html.read_text(encoding="utf-8"), args[2]), encoding="utf-8")
        try:
            screenshot(chromium, view, png, height_px=height)
        finally:
            view.unlink()
    else:
        screenshot(chromium, html, png, height_px=height)
    print(f"{png}: {html}" + (f" ({args[2]})" if len(args) > 2 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
