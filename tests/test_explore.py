"""The researcher's notebook: explore.ipynb under papermill on both datasets, and in a real
JupyterLab server (REST API, a server kernel, and a Chromium screenshot of the Lab page)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpitrack.core.paths import repo_root

from .browser import need_chromium, screenshot

NOTEBOOK = repo_root() / "notebooks" / "explore.ipynb"


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("dataset,measure", [("hangzhou", "K08.pm25"), ("synthetic", "K02.revenue")])
def test_explore_runs_under_papermill(tmp_path, dataset, measure):
    import papermill as pm

    out = tmp_path / "explore.ipynb"
    export = tmp_path / "export"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(repo_root()),
                        # widgets=False, as the notebook says for papermill: nbclient can deadlock on a
                        # cell whose ipywidgets Output redraws (jupyter/nbclient#312); the drop-downs are
                        # tested below in-process and in a real JupyterLab
                        parameters={"dataset": dataset, "measure": measure, "widgets": False, "export_dir": str(export)},
                        execution_timeout=300)
    nb = nbformat.read(str(out), as_version=4)
    outs = _outputs(nb)
    assert not [o for o in outs if o.get("output_type") == "error"]
    charts = [o for o in outs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert charts and measure.split(".")[0] in charts[0]["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]["text"]
    # a static picture beside the interactive chart: nbconvert and GitHub show it without JavaScript
    assert all(o["data"].get("image/svg+xml", "").lstrip().startswith("<svg") for o in charts)
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outs)
    exported = pd.read_csv(export / f"{measure}.csv", dtype={"period": str})
    assert set(exported["measure_id"]) == {measure} and len(exported) > 0
    assert pd.read_excel(export / f"{measure}.xlsx").shape == exported.shape
    if dataset == "synthetic":
        assert set(exported["quality"]) == {"synthetic"}  # labelled so in the export too
    else:
        assert "synthetic" not in set(exported["quality"])


def test_explore_in_english_shows_no_chinese(tmp_path):
    """Issue 35: language="en" makes every table, chart and heading the notebook's code draws English
    (its own markdown stays bilingual)."""
    import papermill as pm

    from kpitrack.core.english import has_cjk

    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(repo_root()),
                        parameters={"dataset": "hangzhou", "widgets": False, "language": "en", "export_dir": str(tmp_path / "x")},
                        execution_timeout=300)
    nb = nbformat.read(str(out), as_version=4)
    outs = _outputs(nb)
    assert not [o for o in outs if o.get("output_type") == "error"]
    shown = [(k, v) for o in outs for k, v in (o.get("data") or {"text": o.get("text", "")}).items() if k != "image/svg+xml"]
    chinese = [(k, str(v)[:200]) for k, v in shown if has_cjk(json.dumps(v, ensure_ascii=False))]
    assert not chinese, chinese[:3]
    assert any(k == "application/vnd.plotly.v1+json" for k, _ in shown)
    # jupyter nbconvert --to html: the page has no plotly.js, so the chart shows as its picture
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(out)], check=True, capture_output=True, timeout=300)
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    chart = page.split('class="kt-static-chart"', 1)
    assert len(chart) == 2 and "<svg" in chart[1][:2000] and "<text" in chart[1], "no static chart in the nbconvert page"


def test_the_notebook_opens_on_a_measure_with_a_target_and_figures():
    import kpitrack as kt
    from kpitrack.api.explore import DEFAULT_MEASURE

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    assert f'measure = "{DEFAULT_MEASURE}"' in nb.cells[1].source
    for dataset in ("hangzhou", "synthetic"):
        o = kt.outlook(dataset, 2018).set_index("measure").loc[DEFAULT_MEASURE]
        assert o["target_value"] == o["target_value"] and bool(o["assessable"])  # a target, and a forecast against it
        assert len(kt.figures(dataset, measure=DEFAULT_MEASURE)) >= 3


def test_the_drop_downs_follow_each_other_and_redraw_every_section(monkeypatch):
    """Domain -> KPI -> measure: each choice narrows the next; a measure or region chosen draws all
    sections again for it (the widget logic, without a kernel)."""
    pytest.importorskip("ipywidgets")
    from kpitrack.api import explore
    from kpitrack.api.explore import explorer

    drawn = []
    monkeypatch.setattr(explore, "sections", lambda dataset, as_of, measure, region, month="latest", language="zh":
                        drawn.append((measure, region)))
    box = explorer("synthetic", 2018, "K02.revenue", "西湖区")
    assert drawn == [("K02.revenue", "330106")]
    (domain, kpi), (meas, reg) = (box.children[0].children, box.children[1].children)
    assert kpi.value == "K02" and meas.value == "K02.revenue" and reg.value == "330106"
    reg.value = "330102"
    assert drawn[-1] == ("K02.revenue", "330102")
    meas.value = "K02.revenue_growth"
    assert drawn[-1] == ("K02.revenue_growth", "330102")
    assert {v for _, v in meas.options} >= {"K02.revenue", "K02.revenue_growth"}
    kpi.value = "K01"
    assert meas.options and all(v.startswith("K01.") for _, v in meas.options)
    other = next(v for _, v in domain.options if v != domain.value)
    domain.value = other
    assert kpi.options and all(k != "K01" for _, k in kpi.options)


# --------------------------------------------------------------------------- a real JupyterLab

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def _run_cell(ws, code: str, timeout: float = 120) -> list[dict]:
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": msg_id,
                                   "version": "5.3"}, "parent_header": {}, "metadata": {}, "channel": "shell",
                        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                    "allow_stdin": False, "stop_on_error": True}}))
    got, end = [], time.time() + timeout
    while time.time() < end:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id or msg.get("channel") != "iopub":
            continue
        kind = msg["header"]["msg_type"]
        if kind in ("execute_result", "display_data", "error", "stream"):
            got.append({"type": kind, **msg["content"]})
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return got
    raise TimeoutError(code[:60])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    pytest.importorskip("websocket", reason="websocket-client comes with jupyter_server")
    home = tmp_path_factory.mktemp("lab")
    # the kernel `make lab` registers, into a scratch prefix rather than .venv
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(home), "--name", "kpitrack",
                    "--display-name", "Python (kpitrack)"], check=True, capture_output=True)
    root = home / "notebooks"  # a copy: the Lab page writes checkpoints where it opens a notebook
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_PATH": str(home / "share" / "jupyter"), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--allow-root"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("JupyterLab exited: " + proc.stderr.read()[-2000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer on " + base)
        yield base, port, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_explore_runs_in_jupyterlab(lab, tmp_path):
    import websocket

    base, port, token = lab
    assert "kpitrack" in _get(f"{base}/api/kernelspecs", token)["kernelspecs"]
    model = _get(f"{base}/api/contents/explore.ipynb?content=1", token)
    nb = nbformat.from_dict(model["content"])
    assert nb.metadata["kernelspec"]["name"] == "kpitrack"
    kernel = _get(f"{base}/api/kernels", token, "POST", {"name": "kpitrack"})
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels?token={token}", timeout=120)
    try:
        results = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            code = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                code += f'\ndataset = "synthetic"\nmeasure = "K02.revenue"\nexport_dir = r"{tmp_path}"'
            results.append(_run_cell(ws, code))
    finally:
        ws.close()
        _get(f"{base}/api/kernels/{kernel['id']}", token, "DELETE")
    flat = [o for r in results for o in r]
    assert not [o for o in flat if o["type"] == "error"], [o for o in flat if o["type"] == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in flat)  # the drop-downs
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in flat)
    assert (tmp_path / "K02.revenue.xlsx").is_file()

    need_chromium()  # what a researcher sees: the Lab page with the notebook open
    shot = screenshot(f"{base}/lab/tree/explore.ipynb?token={token}", tmp_path / "lab.png", wait_for=".jp-Notebook .jp-Cell")
    assert shot.is_file() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("KPITRACK_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "jupyterlab-explore.png")
