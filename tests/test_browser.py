"""Chromium driven through maintained libraries (Playwright for the tests' page checks, kaleido for the
PDF's chart pictures): errors in a page are caught, every start has its own profile that is gone
afterwards, and a browser that cannot be driven is named with its version."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from kpitrack.core.exceptions import RenderError
from kpitrack.publish.render import chart_images
from kpitrack.publish.render.chromium import chromium_version, major_version, static_export_available

from . import browser
from .browser import need_chromium, page_errors


def _fake_browser(folder: Path, name: str, version: str, body: str) -> Path:
    """An executable that answers --version like Chromium and then does ``body``."""
    exe = folder / name
    exe.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "{version}"; exit 0; fi\n{body}\n')
    exe.chmod(0o755)
    return exe


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary folders (the browsers' profiles among them) made inside the test's own folder."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def test_a_page_with_a_script_error_fails_the_check(tmp_path):
    """The browser tests still fail on a broken page: an uncaught exception, a console error and a
    script that does not load are each reported; a clean page reports nothing."""
    need_chromium()
    clean = tmp_path / "clean.html"
    clean.write_text("<!doctype html><meta charset=utf-8><p>好</p><script>document.title = '好';</script>")
    broken = tmp_path / "broken.html"
    broken.write_text(textwrap.dedent("""\
        <!doctype html><meta charset=utf-8>
        <script src="missing-library.js"></script>
        <script>console.error("图表未能绘制");</script>
        <script>undefinedFunction();</script>
        """))
    assert page_errors(clean, settle=0.2) == []
    errors = page_errors(broken, settle=0.2)
    assert any(e.startswith("exception:") and "undefinedFunction" in e for e in errors), errors
    assert any(e.startswith("console:") and "图表未能绘制" in e for e in errors), errors
    assert any("missing-library.js" in e for e in errors), errors


def test_the_real_chromium_is_named_by_its_version():
    exe = need_chromium()
    found = chromium_version(exe)
    assert major_version(found) is not None and major_version(found) >= 100, found


def test_need_chromium_fails_on_ci_rather_than_skipping(monkeypatch):
    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no Chromium on CI"):
        need_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        need_chromium()


def test_playwright_names_a_browser_it_cannot_drive(tmp_path, monkeypatch):
    fake = _fake_browser(tmp_path, "chromium", "Chromium 997.0.1.2", "echo 'no display' >&2; exit 1")
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    with pytest.raises(RuntimeError, match=r"Playwright [\d.]+ could not drive Chromium 997\.0\.1\.2 at .*chromium"):
        page_errors(tmp_path / "none.html")


def _exporter(monkeypatch) -> chart_images._Exporter:
    exporter = chart_images._Exporter()
    monkeypatch.setattr(chart_images, "_EXPORTER", exporter)
    return exporter


def test_a_chart_browser_that_will_not_start_is_named_and_leaves_no_profile(tmp_path, private_tmp, monkeypatch):
    fake = _fake_browser(tmp_path, "chromium", "Chromium 999.0.1.2 built on nowhere", "echo 'cannot start' >&2; exit 1")
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    assert static_export_available()[0] or pytest.skip("no kaleido")
    exporter = _exporter(monkeypatch)
    with pytest.raises(RenderError, match=r"could not be driven to draw the charts' pictures: Chromium 999\.0\.1\.2 at "):
        exporter.svgs([go.Figure().to_plotly_json()])
    assert not list(private_tmp.glob("kpitrack-chromium-*"))


def test_a_chart_browser_that_hangs_is_stopped_within_the_timeout(tmp_path, private_tmp, monkeypatch):
    fake = _fake_browser(tmp_path, "chromium", "Chromium 998.0.1.2", "exec sleep 300")
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "2")
    exporter = _exporter(monkeypatch)
    began = time.monotonic()
    with pytest.raises(RenderError, match=r"Chromium 998\.0\.1\.2 .*did not start within 2 s"):
        exporter.svgs([go.Figure().to_plotly_json()])
    assert time.monotonic() - began < 60
    assert not list(private_tmp.glob("kpitrack-chromium-*"))
    left = subprocess.run(["pgrep", "-f", f"{fake}"], capture_output=True, text=True).stdout.split()
    assert left == [], left


DRAW = """
import sys, tempfile
tempfile.tempdir = sys.argv[1]
import plotly.graph_objects as go
from kpitrack.publish.render import chart_images
svg = chart_images.svg_of(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": "图" + sys.argv[2]}))
assert svg and "图" + sys.argv[2] in svg, svg
chart_images._EXPORTER.close()
print("ok")
"""


def test_concurrent_processes_draw_in_profiles_of_their_own(private_tmp):
    """Three processes drawing at once each start Chromium in a profile of its own (none waits on or
    trips over another's), and every profile is gone when they are done."""
    if not static_export_available()[0]:
        need_chromium()
        pytest.skip(static_export_available()[1])
    procs = [subprocess.Popen([sys.executable, "-c", DRAW, str(private_tmp), str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1][-2000:] for o in outs]
    assert all(o[0].strip().endswith("ok") for o in outs)
    assert not list(private_tmp.glob("kpitrack-chromium-*"))


def test_the_chart_browser_profile_is_removed_on_close(private_tmp, monkeypatch):
    if not static_export_available()[0]:
        need_chromium()
        pytest.skip(static_export_available()[1])
    exporter = _exporter(monkeypatch)
    svg = exporter.svgs([go.Figure(go.Bar(x=["甲"], y=[1])).to_plotly_json()])[0]
    assert b"<svg" in svg if isinstance(svg, bytes) else "<svg" in svg
    assert len(list(private_tmp.glob("kpitrack-chromium-*"))) == 1  # in use while the browser runs
    exporter.close()
    assert not list(private_tmp.glob("kpitrack-chromium-*"))


def test_a_browser_that_floods_or_hangs_on_version_is_cut_short(tmp_path):
    """``--version`` is read for at most 10 s and 4 KB, and the program and all it started are
    killed: a flood cannot fill memory, a hang cannot outlive the call."""
    from kpitrack.publish.render import chromium

    flood = _fake_browser(tmp_path, "flood", "", "")
    flood.write_text("#!/bin/sh\nyes chromium\n")
    began = time.monotonic()
    assert chromium.chromium_version(str(flood)).startswith("unknown version")
    assert time.monotonic() - began < 15
    hang = tmp_path / "hang"
    hang.write_text("#!/bin/sh\nsleep 307\n")  # a child that is not exec'd: it must die with its shell
    hang.chmod(0o755)
    began = time.monotonic()
    assert "said nothing within" in chromium.chromium_version(str(hang))
    assert time.monotonic() - began < 15
    time.sleep(0.5)
    assert subprocess.run(["pgrep", "-f", "sleep 307"], capture_output=True).stdout == b""


def test_a_bad_browser_path_is_named_not_replaced(tmp_path, monkeypatch):
    from kpitrack.publish.render import chromium

    for bad, why in ((tmp_path, "is not a file"), (tmp_path / "missing", "does not exist")):
        monkeypatch.setenv("BROWSER_PATH", str(bad))
        assert chromium.find_chromium() is None
        ok, message = static_export_available()
        assert not ok and f"BROWSER_PATH='{bad}' {why}" in message
    plain = tmp_path / "plain"
    plain.write_text("not a program")
    monkeypatch.setenv("BROWSER_PATH", str(plain))
    assert "is not executable" in static_export_available()[1]


def test_a_limit_beyond_a_week_is_refused_up_front(monkeypatch):
    from kpitrack.core.exceptions import ParameterError
    from kpitrack.publish.render.tools import render_timeout

    monkeypatch.setenv("KPITRACK_RENDER_TIMEOUT", "99999999999")
    with pytest.raises(ParameterError, match="at most 604800 seconds"):
        render_timeout()


def test_the_profiles_of_a_killed_process_are_swept_by_the_next_start(private_tmp):
    from kpitrack.publish.render.chromium import PROFILE_PREFIX, new_profile, remove_profile

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = private_tmp / f"{PROFILE_PREFIX}{dead.pid}-abc"
    (stale / "Default").mkdir(parents=True)
    mine = private_tmp / f"{PROFILE_PREFIX}{os.getpid()}-xyz"  # this process's own: alive, kept
    mine.mkdir()
    fresh = new_profile()
    assert not stale.exists() and mine.exists() and fresh.is_dir()
    remove_profile(fresh)
    remove_profile(mine)


def test_the_html_is_published_when_the_pdf_cannot_be_made(tmp_path, monkeypatch):
    """A browser that cannot be driven costs the PDF only: the run exits 3 naming the browser, and
    the HTML it made is in the output folder and the manifest."""
    import json

    from kpitrack.core.exceptions import DocumentFailed
    from kpitrack.publish.render import pdf_prerequisites
    from kpitrack.publish.runs.run import run

    if [m for m in pdf_prerequisites() if "font" in m.lower()]:
        pytest.skip("no CJK font for a PDF")
    from kpitrack.publish.render import chart_images

    fake = _fake_browser(tmp_path, "chromium", "Chromium 996.0.1.2", "exit 1")
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    # no browser, and no pictures of this report kept from an earlier test of this process (they are
    # kept by the chart's content, and would let the PDF be made without any browser)
    chart_images._EXPORTER.close()
    params = tmp_path / "midterm-2018-synthetic.yaml"
    params.write_text("as_of: 2018\ndataset: synthetic\n", encoding="utf-8")
    reports = tmp_path / "reports"
    with pytest.raises(DocumentFailed) as failed:
        run(params, formats=("html", "pdf"), renderer="fallback", reports_dir=reports)
    assert failed.value.exit_code == 3 and "Chromium 996.0.1.2" in str(failed.value)
    out = reports / "_output"
    assert (out / "midterm-2018-synthetic.html").is_file() and not (out / "midterm-2018-synthetic.pdf").exists()
    assert str(out / "midterm-2018-synthetic.html") in str(failed.value)  # named where it is, not in a scratch folder
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]["midterm-2018-synthetic"]
    assert entry["status"] == "failed" and entry["outputs"].get("html") == "midterm-2018-synthetic.html"


def test_the_chart_browser_runs_with_the_closed_network_flags(private_tmp, monkeypatch):
    if not static_export_available()[0]:
        need_chromium()
        pytest.skip(static_export_available()[1])
    exporter = _exporter(monkeypatch)
    exporter.warm_up()
    try:
        cmd = Path(f"/proc/{exporter._kaleido.subprocess.pid}/cmdline").read_bytes().split(b"\0")
        assert all(f.encode() in cmd for f in chart_images.EXTRA_FLAGS), cmd
        assert any(a.startswith(f"--user-data-dir={private_tmp}".encode()) for a in cmd)  # its own profile
    finally:
        exporter.close()
