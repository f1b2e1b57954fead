"""Headless Chromium: find it, open a page and report its errors, screenshot it.

Playwright drives the system Chromium (Debian's ``chromium`` package, or
``$OLIST_CHROMIUM``) through ``executable_path``; ``playwright install``,
which downloads a browser, is never needed. :func:`inspect_page` records
what a reader of the page would call an error: ``console.error`` and
``console.assert`` calls, uncaught exceptions and rejected promises, failed
requests, and any request to a URL that is not ``file:``, ``data:``,
``about:`` or ``blob:`` (a self-contained page makes none; such requests are
also blocked, so a check never goes online).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from olist_segmentation.errors import OlistError

#: Environment variable naming the Chromium binary to use.
CHROMIUM_ENV = "OLIST_CHROMIUM"
#: Names tried on PATH, in order, when OLIST_CHROMIUM is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Flags that make headless Chromium work in containers and as root.
HEADLESS_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)
#: Request schemes a self-contained page may use.
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


class ChromiumError(OlistError):
    """Chromium is missing, failed to start or did not answer."""


def find_chromium() -> str:
    """Return the path of the Chromium binary.

    ``$OLIST_CHROMIUM`` wins when set; otherwise the first of
    :data:`CHROMIUM_NAMES` found on ``PATH``.

    Returns:
        The absolute path of the binary.

    Raises:
        ChromiumError: No binary was found (the message says how to install
            one).
    """
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ChromiumError(
                f"{CHROMIUM_ENV}={configured} is not an executable. Unset it to "
                "use the chromium on PATH, or run `make chromium` (apt-get "
                "install chromium)."
            )
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ChromiumError(
        "No headless Chromium found (tried $OLIST_CHROMIUM and "
        f"{', '.join(CHROMIUM_NAMES)} on PATH): run `make chromium` "
        "(apt-get install chromium)."
    )


@dataclass
class PageReport:
    """What headless Chromium saw when it opened a page."""

    url: str
    #: Errors, one line each: ``console.error: ...``, ``exception: ...`` etc.
    errors: list[str] = field(default_factory=list)
    #: Every console message, as ``level: text`` (errors included).
    console: list[str] = field(default_factory=list)
    #: ``document.body.dataset.rendered`` after load (None when unset).
    rendered: str | None = None
    #: The DOM after the page's scripts ran (``documentElement.outerHTML``).
    dom: str = ""
    #: Height of the whole page in CSS pixels at the window width used.
    height: int = 0

    @property
    def ok(self) -> bool:
        """True when the page set its rendered marker to "ok" without errors."""
        return not self.errors and self.rendered == "ok"


#: How long the page settles after the load event: two animation frames.
SETTLE_JS = (
    "() => new Promise(done => requestAnimationFrame("
    "() => requestAnimationFrame(() => setTimeout(done, 0))))"
)
STATE_JS = (
    "() => ({rendered: document.body ? (document.body.dataset.rendered || null)"
    " : null, height: Math.ceil(document.documentElement"
    ".getBoundingClientRect().height), dom: document.documentElement.outerHTML})"
)


@contextmanager
def _page(
    report: PageReport, width: int, height: int, timeout: float
) -> Iterator[Page]:
    """Yield a Playwright page of the system Chromium that records errors."""
    binary = find_chromium()

    def on_request(request: Request) -> None:
        if not request.url.startswith(LOCAL_SCHEMES):
            report.errors.append(f"external request: {request.url}")

    def on_failed(request: Request) -> None:
        if request.url.startswith(LOCAL_SCHEMES):
            report.errors.append(f"log (network): {request.url}: {request.failure}")

    def block_external(route: Route) -> None:
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        level, text = message.type, message.text
        report.console.append(f"{level}: {text}")
        if level in ("error", "assert"):
            report.errors.append(f"console.{level}: {text}")

    def on_page_error(error: PlaywrightError) -> None:
        name = getattr(error, "name", "") or "Error"
        report.errors.append(f"exception: {name}: {error.message}")

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=binary,
                headless=True,
                args=list(HEADLESS_FLAGS),
                timeout=timeout * 1000,
            )
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(timeout * 1000)
                page.on("request", on_request)
                page.on("requestfailed", on_failed)
                page.on("console", on_console)
                page.on("pageerror", on_page_error)
                page.route("**/*", block_external)
                yield page
            finally:
                browser.close()
    except PlaywrightError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ChromiumError(
            f"Headless Chromium ({binary}) failed on {report.url}: {first}"
        ) from error


def inspect_page(
    html: Path, width: int = 1280, height: int = 900, timeout: float = 60.0
) -> PageReport:
    """Open ``html`` in headless Chromium and report errors and the final DOM.

    The page is loaded, its scripts run, then after the load event and two
    animation frames the DOM, the ``rendered`` marker and the page height
    are read.

    Args:
        html: The HTML file.
        width: Window width in CSS pixels.
        height: Window height in CSS pixels.
        timeout: Seconds before giving up on Chromium.

    Returns:
        What Chromium saw; :attr:`PageReport.ok` tells whether it is clean.

    Raises:
        ChromiumError: Chromium is missing, did not start or did not answer.
    """
    report = PageReport(url=Path(html).resolve().as_uri())
    with _page(report, width, height, timeout) as page:
        page.goto(report.url, wait_until="load")
        page.evaluate(SETTLE_JS)
        state = page.evaluate(STATE_JS)
    report.rendered = state["rendered"]
    report.height = int(state["height"])
    report.dom = state["dom"]
    return report


def screenshot(html: Path, png: Path, width: int = 1280, timeout: float = 60.0) -> Path:
    """Write a full-page PNG of ``html`` rendered by headless Chromium.

    Args:
        html: The HTML file.
        png: The PNG to write (its folder is created).
        width: Window width in CSS pixels.
        timeout: Seconds before giving up on Chromium.

    Returns:
        ``png``.

    Raises:
        ChromiumError: Chromium is missing or wrote no screenshot.
    """
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    report = PageReport(url=Path(html).resolve().as_uri())
    with _page(report, width, 900, timeout) as page:
        page.goto(report.url, wait_until="load")
        page.evaluate(SETTLE_JS)
        page.screenshot(path=str(png), full_page=True)
    if not png.exists():
        raise ChromiumError(f"Chromium wrote no screenshot {png}.")
    return png
