"""Words that are not for readers (issue 32): no page of any kind says a file name, a command, a
repository folder or a method's Latin name. Every document kind of both bundled datasets is executed
as ``kpitrack`` executes it (papermill) and every output a reader sees is scanned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: What a reader of an official document must never see (``language=en`` aside).
FORBIDDEN = [r"\.csv\b", r"\.ya?ml\b", r"\.xlsx\b", r"\.ipynb\b", r"kpitrack\s", r"--[a-z]", r"\bTheta\b", r"\bM1\b", r"\bTourism\b",
             r"\bSDG\b", r"布里尔", r"\bBrier\b", r"\bpeers/", r"\bactuals/", r"\bparams/", r"Traceback", r"\bNone\b", r"\bnan\b",
             # a date as a reader reads it is 2019年6月5日, never ISO (addresses aside)
             r"(?<![\w/=.%-])\d{4}-\d{2}-\d{2}(?![\w/])"]


def _reader_text(nb: dict) -> str:
    """What a reader sees of an executed notebook: its Markdown cells and its outputs (Markdown, HTML
    with tags removed, plain text of displays), without code."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                parts.append("".join(data["text/markdown"]))
            elif "text/html" in data:
                html = "".join(data["text/html"])
                html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
                parts.append(re.sub(r"<[^>]+>", " ", html))
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                parts.append("".join(out.get("text", "")))
    return "\n".join(parts)


CASES = [("midterm_evaluation", {"as_of": 2018, "dataset": "hangzhou"}),
         ("midterm_evaluation", {"as_of": 2018, "dataset": "synthetic"}),
         ("final_evaluation", {"dataset": "hangzhou"}),
         ("performance_card", {"unit": "市科委", "as_of": 2018, "dataset": "synthetic"}),
         ("monthly_bulletin", {"month": "2020-12", "region": "330106", "dataset": "synthetic"})]


@pytest.mark.slow
@pytest.mark.parametrize("notebook,params", CASES, ids=[f"{n}-{p.get('dataset')}" for n, p in CASES])
def test_no_page_speaks_to_a_programmer(notebook, params, tmp_path):
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(REPO / "notebooks" / f"{notebook}.ipynb"), str(out), parameters=params, kernel_name="kpitrack",
                        progress_bar=False)
    text = _reader_text(json.loads(out.read_text(encoding="utf-8")))
    found = {p: re.findall(r".{0,30}" + p + r".{0,30}", text) for p in FORBIDDEN}
    found = {p: hits[:3] for p, hits in found.items() if hits}
    assert not found, found
