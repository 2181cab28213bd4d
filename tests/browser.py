"""Open a page in headless Chromium and collect what went wrong in it: uncaught exceptions, console
errors, failed loads (the DevTools protocol over a websocket; websocket-client comes with
jupyter_server)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def page_errors(page: Path | str, settle: float = 1.0) -> list[str]:
    """Errors of ``page`` (a local file, or an http:// address) until ``settle`` seconds after its
    load event."""
    import websocket

    exe = chromium()
    assert exe, "no Chromium"
    with tempfile.TemporaryDirectory(prefix="kpitrack-cdp-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen([exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
                                 f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            url = None
            deadline = time.monotonic() + 30
            while url is None and time.monotonic() < deadline:
                line = proc.stderr.readline()
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                url = m.group(1) if m else None
            assert url, "Chromium did not start its DevTools endpoint"
            ws = websocket.create_connection(url, timeout=60)
            ids = iter(range(1, 10_000))
            events: list[dict] = []

            def call(method: str, params: dict | None = None, session: str | None = None) -> dict:
                i = next(ids)
                msg = {"id": i, "method": method, "params": params or {}}
                if session:
                    msg["sessionId"] = session
                ws.send(json.dumps(msg))
                while True:
                    reply = json.loads(ws.recv())
                    if reply.get("id") == i:
                        return reply.get("result", {})
                    events.append(reply)

            target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Page"):
                call(f"{domain}.enable", session=session)
            address = page if isinstance(page, str) else page.resolve().as_uri()
            call("Page.navigate", {"url": address}, session=session)
            ws.settimeout(0.5)
            loaded, end = False, time.monotonic() + 120
            while time.monotonic() < end:
                try:
                    events.append(json.loads(ws.recv()))
                except websocket.WebSocketTimeoutException:
                    continue
                if not loaded and events[-1].get("method") == "Page.loadEventFired":
                    loaded, end = True, time.monotonic() + settle
            assert loaded, f"{page} did not finish loading in Chromium"
            ws.close()
        finally:
            proc.kill()
            proc.wait()
    errors = []
    for e in events:
        p = e.get("params", {})
        if e.get("method") == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            errors.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") == "error":
            errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            errors.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    return errors
