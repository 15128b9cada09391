"""The report in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Checks that the page renders with no console errors and no network requests, that the
headline numbers on the page equal `Estimate`'s tables, that the malicious source name shows
as text, and that the page reads with scripts off. Skips, saying why, when the browser or
Playwright is missing; the HTML checks in test_report.py run regardless.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_report import EVIL, shared_fit

from consensus.report import number, write_report

CHROMIUM = Path(os.environ.get("CONSENSUS_CHROMIUM", "/usr/bin/chromium"))  # Debian's package
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the "
        "browser tests; the HTML checks in test_report.py still run",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    est = shared_fit()
    path = write_report(est, tmp_path_factory.mktemp("browser") / "report.html")
    return est, path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def test_page_renders_offline_without_errors(browser, fitted):
    _, path = fitted
    page = browser.new_page()
    errors, requests, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    assert errors == []
    assert dialogs == []  # the malicious name ran nothing
    # the page itself and its inline images only: nothing went to the network
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    # every chart decoded (an inline image that failed to decode has naturalWidth 0)
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert widths and min(widths) > 100
    page.screenshot(path=str(path.with_suffix(".png")), full_page=True)
    assert path.with_suffix(".png").stat().st_size > 10_000
    page.close()


def test_headline_numbers_on_the_page_equal_the_tables(browser, fitted):
    est, path = fitted
    page = browser.new_page()
    page.goto(path.as_uri())
    rows = page.locator("#headline [data-quantity]")
    assert rows.count() == len(est.quantities)
    st = est.claims_data.statements
    for i in range(rows.count()):
        row = rows.nth(i)
        q = row.get_attribute("data-quantity")
        latest = st.loc[st["quantity"] == q, "date"].max()
        traj = est.trajectory(q)
        expected = traj.iloc[(traj["date"] - latest).abs().argmin()]
        assert pd.Timestamp(row.get_attribute("data-date")) == expected["date"]
        for col in ("median", "lower", "upper"):
            cell = row.locator(f".{col}")
            assert float(cell.get_attribute("data-value")) == expected[col]
            assert cell.inner_text() == number(expected[col])  # what the reader sees
    page.close()


def test_malicious_name_shows_as_text(browser, fitted):
    _, path = fitted
    page = browser.new_page()
    page.goto(path.as_uri())
    assert page.locator("img[src='x']").count() == 0  # no element was made from the name
    names = page.locator("#sources td.name").all_inner_texts()
    assert EVIL in names
    assert page.get_by_text(EVIL, exact=True).count() >= 2  # sources and the claims table
    page.close()


def test_page_reads_with_scripts_off(browser, fitted):
    est, path = fitted
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    assert page.locator("#headline").is_visible()
    assert page.locator("#sources table").is_visible()
    assert page.locator("img").count() == len(est.quantities)
    context.close()


def test_chromium_command_line_screenshot(fitted, tmp_path):
    """The browser's own --screenshot, as used for docs/report.png, works on the report."""
    import subprocess

    _, path = fitted
    shot = tmp_path / "shot.png"
    subprocess.run(
        [str(CHROMIUM), *ARGS, "--window-size=1280,1600", f"--screenshot={shot}", path.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.read_bytes()[:4] == b"\x89PNG"
    assert shutil.which(str(CHROMIUM))
