"""Pages opened in the system's headless Chromium through Playwright (a maintained driver; no
browser is downloaded: ``executable_path`` is the Chromium kpitrack itself finds), and what went
wrong in them collected: uncaught exceptions, console errors, failed loads.

Every launch has a profile of its own (Playwright makes a fresh ``--user-data-dir`` and removes it)
and a time limit; a browser Playwright cannot drive fails with its version and Playwright's named.
On CI (``CI`` set) a missing Chromium fails the test rather than skipping it: ``.ci/run`` installs
one, so a skip there would hide a broken install step."""

from __future__ import annotations

import os
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Iterator

import pytest

from kpitrack.publish.render.chromium import HEADLESS_FLAGS, chromium_version, find_chromium

LAUNCH_TIMEOUT_MS = 60_000
LOAD_TIMEOUT_MS = 120_000


def chromium() -> str | None:
    return find_chromium()


def need_chromium() -> str:
    """The Chromium to drive; skips the test without one, or fails it on CI."""
    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium on CI: .ci/run installs Debian's chromium and chromium-headless-shell; the browser tests must run there")
        pytest.skip("no Chromium")
    return exe


@contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator:
    """A Playwright page in a freshly launched headless Chromium, closed afterwards."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    exe = need_chromium()
    with sync_playwright() as p:
        args = [f for f in HEADLESS_FLAGS if f != "--headless"]  # Playwright adds its own headless flag
        try:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=args, timeout=LAUNCH_TIMEOUT_MS)
        except PlaywrightError as exc:
            raise RuntimeError(f"Playwright {version('playwright')} could not drive {chromium_version(exe)} at {exe}: "
                               f"{str(exc).splitlines()[0]}") from exc
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def page_errors(page: Path | str, settle: float = 1.0) -> list[str]:
    """Errors of ``page`` (a local file, or an http:// address) until ``settle`` seconds after its
    load event: uncaught exceptions, ``console.error`` calls (Chromium reports failed resource loads
    there too, with their address) and requests that failed."""
    address = page if isinstance(page, str) else page.resolve().as_uri()
    errors: list[str] = []
    with browser_page() as tab:
        tab.on("pageerror", lambda exc: errors.append(f"exception: {exc}"))
        tab.on("console", lambda msg: errors.append(f"console: {msg.text} {msg.location.get('url', '')}".rstrip())
               if msg.type == "error" else None)
        tab.on("requestfailed", lambda req: errors.append(f"load: {req.url} {req.failure or ''}".rstrip()))
        tab.goto(address, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        tab.wait_for_timeout(settle * 1000)
    return errors


def screenshot(address: str, target: Path, *, width: int = 1400, height: int = 900, wait_for: str | None = None,
               settle: float = 2.0) -> Path:
    """A PNG of ``address`` as a reader sees it; ``wait_for`` a CSS selector that must appear first."""
    with browser_page(width, height) as tab:
        tab.goto(address, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        if wait_for:
            tab.wait_for_selector(wait_for, timeout=LOAD_TIMEOUT_MS)
        tab.wait_for_timeout(settle * 1000)
        tab.screenshot(path=str(target))
    return target
