"""Debian's Chromium, headless, for PDF export (and the browser test): flags that work in a container."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from westaudit.core.errors import UsageError

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
PDF_TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, NAMES) if path), None)


def command(browser: str, user_data_dir: Path, *extra: str) -> list[str]:
    return [browser, *FLAGS, f"--user-data-dir={user_data_dir}", *extra]


def print_to_pdf(page: Path, pdf: Path) -> Path:
    browser = find_chromium()
    if browser is None:
        raise UsageError("PDF export needs Chromium (Debian package `chromium`), which is not installed")
    with tempfile.TemporaryDirectory(prefix="westaudit-chromium-") as profile:
        run = subprocess.run(command(browser, Path(profile), f"--print-to-pdf={pdf.resolve()}",
                                     "--no-pdf-header-footer", page.resolve().as_uri()),
                             capture_output=True, text=True, timeout=PDF_TIMEOUT_SECONDS, check=False)
    if run.returncode != 0 or not pdf.exists():
        raise UsageError(f"Chromium could not print {page} to PDF: {run.stderr.strip()[-500:]}")
    return pdf
