"""Headless Chromium: find it, open a page and report its errors, screenshot it.

:func:`inspect_page` drives Chromium over the DevTools protocol on
``--remote-debugging-pipe`` (JSON messages separated by NUL bytes on file
descriptors 3 and 4), so it needs no Python package beyond the standard
library. It records what DevTools shows as errors: ``console.error`` and
``console.assert`` calls, uncaught exceptions and rejected promises, errors
of the browser's log (a resource that fails to load, a blocked request), and
any request to a URL that is not ``file:``, ``data:`` or ``about:`` (a
self-contained page makes none).

:func:`screenshot` uses Chromium's own ``--screenshot`` flag.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Environment variable naming the Chromium binary to use.
CHROMIUM_ENV = "OLIST_CHROMIUM"
#: Names tried on PATH, in order, when OLIST_CHROMIUM is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Flags that make headless Chromium work in containers and as root.
HEADLESS_FLAGS = (
    "--headless",
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


class ChromiumError(RuntimeError):
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


class _DevTools:
    """A DevTools protocol connection over Chromium's debugging pipe."""

    def __init__(self, write_fd: int, read_fd: int, timeout: float) -> None:
        self._write_fd = write_fd
        self._read_fd = read_fd
        self._buffer = b""
        self._next_id = 0
        self.deadline = time.monotonic() + timeout
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str = "") -> int:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write_fd, data) :]
        return self._next_id

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("Chromium did not answer in time.")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                raise ChromiumError("Chromium closed the debugging pipe.")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str = "") -> dict:
        """Send a command and return its result; events are kept in order."""
        wanted = self.send(method, params, session)
        while True:
            message = self._read()
            if message.get("id") == wanted:
                if "error" in message:
                    raise ChromiumError(f"DevTools {method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str) -> dict:
        """Return the first event ``method`` (already received or next)."""
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            message = self._read()
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message


def _remote_value(arg: dict) -> str:
    if "value" in arg:
        value = arg["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return str(arg.get("description") or arg.get("type", ""))


def _collect(report: PageReport, events: list[dict]) -> None:
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_value(a) for a in params.get("args", []))
            level = params.get("type", "log")
            report.console.append(f"{level}: {text}")
            if level in ("error", "assert"):
                report.errors.append(f"console.{level}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            text = exception.get("description") or details.get("text", "")
            report.errors.append(f"exception: {text.splitlines()[0] if text else ''}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                report.errors.append(
                    f"log ({entry.get('source', '')}): {entry.get('text', '')}"
                )
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                report.errors.append(f"external request: {url}")


def _start(args: list[str], stderr: object) -> tuple[subprocess.Popen, int, int]:
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()

    def child_fds() -> None:  # runs in the child, before exec
        read_end = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
        write_end = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)

    try:
        # preexec_fn puts the pipe ends on fds 3 and 4, where Chromium expects
        # them; close_fds=False keeps them (Python's own fds are close-on-exec).
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=child_fds,
            close_fds=False,
        )
    finally:
        os.close(to_child_r)
        os.close(from_child_w)
    return process, to_child_w, from_child_r


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
    binary = find_chromium()
    url = Path(html).resolve().as_uri()
    report = PageReport(url=url)
    with (
        tempfile.TemporaryDirectory(prefix="olist-chromium-") as profile,
        tempfile.TemporaryFile() as stderr,
    ):
        args = [
            binary,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        process, write_fd, read_fd = _start(args, stderr)
        devtools = _DevTools(write_fd, read_fd, timeout)
        try:
            target = devtools.call("Target.createTarget", {"url": "about:blank"})
            session = devtools.call(
                "Target.attachToTarget",
                {"targetId": target["targetId"], "flatten": True},
            )["sessionId"]
            for domain in ("Runtime", "Log", "Page", "Network"):
                devtools.call(f"{domain}.enable", session=session)
            devtools.events.clear()
            devtools.call("Page.navigate", {"url": url}, session=session)
            devtools.wait_for("Page.loadEventFired")
            settle = (
                "new Promise(done => requestAnimationFrame("
                "() => requestAnimationFrame(() => setTimeout(done, 0))))"
            )
            devtools.call(
                "Runtime.evaluate",
                {"expression": settle, "awaitPromise": True},
                session=session,
            )
            state = devtools.call(
                "Runtime.evaluate",
                {
                    "expression": (
                        "JSON.stringify({rendered: document.body ? "
                        "(document.body.dataset.rendered || null) : null, "
                        "height: Math.ceil(document.documentElement"
                        ".getBoundingClientRect().height), "
                        "dom: document.documentElement.outerHTML})"
                    ),
                    "returnByValue": True,
                },
                session=session,
            )
            values = json.loads(state["result"]["value"])
            report.rendered = values["rendered"]
            report.height = int(values["height"])
            report.dom = values["dom"]
            _collect(report, devtools.events)
            devtools.send("Browser.close")
        except (ChromiumError, OSError, KeyError) as error:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace")[-2000:]
            raise ChromiumError(
                f"Headless Chromium ({binary}) failed on {url}: {error}\n{tail}"
            ) from error
        finally:
            os.close(write_fd)
            os.close(read_fd)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return report


def screenshot(
    html: Path, png: Path, width: int = 1280, height: int | None = None
) -> Path:
    """Write a PNG of ``html`` rendered by headless Chromium (``--screenshot``).

    Args:
        html: The HTML file.
        png: The PNG to write (its folder is created).
        width: Window width in CSS pixels.
        height: Window height; default: the full height of the page,
            measured with :func:`inspect_page`.

    Returns:
        ``png``.

    Raises:
        ChromiumError: Chromium is missing or wrote no screenshot.
    """
    binary = find_chromium()
    if height is None:
        height = max(inspect_page(html, width=width).height, 200)
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="olist-chromium-") as profile:
        result = subprocess.run(
            [
                binary,
                *HEADLESS_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                Path(html).resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0 or not png.exists():
        raise ChromiumError(
            f"Chromium wrote no screenshot {png} (exit {result.returncode}):\n"
            f"{result.stderr[-2000:]}"
        )
    return png
