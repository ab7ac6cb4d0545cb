"""Headless Chromium for the browser tests (the book's site, the chapters in JupyterLab), driven by Selenium.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``;
``.ci/run`` installs them) and the ``selenium`` package (a dev dependency). :data:`MISSING` says
what is missing (the skip reason), or is None; with ``PHASELAB_BROWSER_TESTS=required`` (CI)
a missing browser fails the tests instead. Pages get no network beyond the loopback (a proxy
that does not exist), so a page that needs a CDN fails its test.

Every screenshot taken through :meth:`Browser.screenshot` is listed in :data:`SHOTS`; the test
session prints the list at its end (``tests/conftest.py``).
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("PHASELAB_SCREENSHOTS", REPO / "build" / "screenshots"))
"""Where the browser tests save their screenshots (``build/screenshots/`` unless ``PHASELAB_SCREENSHOTS``)."""
SHOTS: list[Path] = []
"""Every screenshot saved in this test session, in order."""

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVERS = ("chromedriver", "chromium-driver")


def _which(names: tuple[str, ...]) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


def _missing() -> str | None:
    if _which(BINARIES) is None:
        return "no chromium on the PATH (Debian: apt-get install chromium chromium-driver)"
    if _which(DRIVERS) is None:
        return "no chromedriver on the PATH (Debian: apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


MISSING = _missing()
"""Why the browser tests cannot run here, or None when they can."""
REQUIRED = os.environ.get("PHASELAB_BROWSER_TESTS") == "required"
"""Whether the browser tests must run (``.ci/run`` sets ``PHASELAB_BROWSER_TESTS=required``)."""


def skip_without_chromium(what: str) -> Any:
    """A pytest mark: skip ``what`` where Chromium is missing (printing why), unless :data:`REQUIRED`."""
    import pytest

    return pytest.mark.skipif(MISSING is not None and not REQUIRED, reason=f"{what} needs headless Chromium: {MISSING}")


class Browser:
    """One headless Chromium window; use as a context manager.

    Parameters
    ----------
    width, height : int
        Window size in CSS pixels.
    """

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        if MISSING is not None:
            raise RuntimeError(f"cannot start headless Chromium: {MISSING}")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = _which(BINARIES) or ""
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                         f"--window-size={width},{height}", "--proxy-server=127.0.0.1:9"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service(_which(DRIVERS)), options=options)
        self.driver.set_script_timeout(60)

    def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.driver.get(url)
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        return self.driver.execute_script(f"return ({expression});")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Wait until a JavaScript expression is truthy in the page; return its value."""
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout} s waiting for {expression}")
            time.sleep(0.2)
        return value

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page, up to 6000 px high) as ``SCREENSHOTS/name``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        if full_page:
            size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}})
            path.write_bytes(base64.b64decode(shot["data"]))
        else:
            self.driver.save_screenshot(str(path))
        SHOTS.append(path)
        return path

    def close(self) -> None:
        self.driver.quit()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
