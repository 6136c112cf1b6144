"""The HTML report in a real headless browser (Debian's ``chromium``; ``apt-get install chromium``).

* ``--dump-dom`` runs: the page renders (every chart is a live Chart.js chart), the table
  filters from the URL (``report.html#rule=ASY201&priority=high``), nothing reaches the
  console;
* a WebDriver session (``selenium`` + Debian's ``chromium-driver``), when both are there:
  picking filters in the form hides and shows rows, and the browser log stays empty;
* a screenshot is not blank.

Skipped cleanly when chromium is absent. ``docs/images/report.png`` is made the same way:
``awaitify scan examples/billing_service --format html -o /tmp/report.html`` then
``chromium --headless --no-sandbox --hide-scrollbars --window-size=1400,2000
--screenshot=docs/images/report.png file:///tmp/report.html``.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from synthetic_result import FINDINGS, make_result

from awaitify.report import render

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render("html", make_result()), encoding="utf-8")
    return path


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             *args],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] = {}
        self.rows: list[dict[str, str | None]] = []
        self.canvases: list[str] = []
        self._in_findings = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "table":
            self._in_findings = a.get("id") == "findings-table"
        elif tag == "tr" and self._in_findings and "data-rule" in a:
            self.rows.append(a)
        elif tag == "canvas":
            self.canvases.append(a.get("id") or "")


def dump(url: str) -> tuple[_Dom, list[str]]:
    proc = chromium("--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return dom, console


def visible(dom: _Dom) -> list[dict[str, str | None]]:
    return [row for row in dom.rows if "hidden" not in row]


@needs_chromium
def test_renders_with_live_charts_and_no_console_output(report: Path) -> None:
    dom, console = dump(report.as_uri())
    assert console == []
    assert dom.body.get("data-ready") == "true"
    assert "data-errors" not in dom.body
    assert dom.body.get("data-charts") == "5"  # layers, rules, priority, files, trend
    assert dom.canvases == [
        "chart-layers",
        "chart-rules",
        "chart-priority",
        "chart-files",
        "chart-trend",
    ]
    assert len(dom.rows) == len(FINDINGS) == len(visible(dom))


@needs_chromium
@pytest.mark.parametrize(
    "fragment, expect",
    [
        ("rule=ASY201", lambda f: f.code == "ASY201"),
        ("priority=high", lambda f: f.priority.value == "high"),
        ("layer=service", lambda f: f.layer == "service"),
        ("file=repositories", lambda f: "repositories" in f.path),
        (
            "priority=medium&layer=service",
            lambda f: f.priority.value == "medium" and f.layer == "service",
        ),
        ("rule=ASY999", lambda f: False),
    ],
)
def test_table_filters_from_the_url(report: Path, fragment: str, expect: Any) -> None:
    dom, console = dump(f"{report.as_uri()}#{fragment}")
    assert console == []
    wanted = sorted((f.path, str(f.line), f.code) for f in FINDINGS if expect(f))
    shown = [(r["data-file"], r["data-rule"]) for r in visible(dom)]
    assert sorted(shown) == sorted((p, c) for p, _, c in wanted)
    assert dom.body.get("data-shown") == str(len(wanted))


@needs_chromium
def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = chromium(
        "--hide-scrollbars", "--window-size=1400,1600", f"--screenshot={shot}", report.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1600)
    assert len(data) > 50_000  # charts and a table, not an empty page


# -- interactive, through WebDriver ----------------------------------------------------------------


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("needs chromium and chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument("--headless=new" if flag == "--headless" else flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield session
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _shown(driver: Any) -> list[str]:
    rows = driver.find_elements("css selector", "#findings-table tbody tr")
    return [r.get_attribute("data-rule") for r in rows if r.is_displayed()]


def test_filters_by_hand(driver: Any, report: Path) -> None:
    from selenium.webdriver.support.ui import Select

    driver.get(report.as_uri())
    assert driver.find_element("tag name", "body").get_attribute("data-ready") == "true"
    charts = driver.execute_script(
        "return Array.from(document.querySelectorAll('canvas'))"
        ".map(c => [c.id, !!Chart.getChart(c), c.width > 0 && c.height > 0])"
    )
    assert charts and all(live and sized for _, live, sized in charts), charts
    assert len(_shown(driver)) == len(FINDINGS)

    Select(driver.find_element("id", "f-rule")).select_by_value("ASY202")
    assert _shown(driver) == ["ASY202", "ASY202"]
    assert driver.execute_script("return location.hash") == "#rule=ASY202"

    Select(driver.find_element("id", "f-rule")).select_by_value("")
    Select(driver.find_element("id", "f-priority")).select_by_value("low")
    Select(driver.find_element("id", "f-layer")).select_by_value("test")
    assert _shown(driver) == ["ASY205"]

    Select(driver.find_element("id", "f-layer")).select_by_value("")
    driver.find_element("id", "f-file").send_keys("UTILS/cache")  # case-insensitive part of a path
    assert _shown(driver) == ["ASY206"]
    assert driver.find_element("id", "count").text == f"1 of {len(FINDINGS)} findings"

    driver.find_element("css selector", "#filters button[type=reset]").click()
    assert len(_shown(driver)) == len(FINDINGS)

    Select(driver.find_element("id", "f-rule")).select_by_value("ASY100")
    Select(driver.find_element("id", "f-priority")).select_by_value("low")
    assert _shown(driver) == []
    assert driver.find_element("id", "empty").is_displayed()

    assert driver.get_log("browser") == []
