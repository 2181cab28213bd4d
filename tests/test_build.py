"""Issue 36: the main job (kpitrack build, make report): its steps from params/build.yaml, the streams
side by side, progress with the time left, a failing step stopping what depends on it."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

from kpitrack.core.exceptions import ValidationError
from kpitrack.publish.runs.build import BuildPlan, Step, load_build, run_build


def test_the_bundled_build_file_holds_the_main_job():
    from kpitrack.core import paths

    plan = load_build(paths.REPO_ROOT / "params" / "build.yaml")
    commands = [s.command.split()[0] for s in plan.steps]
    assert commands[0] == "validate" and commands[-1] == "site"
    assert {"run", "bulletins", "cards", "notices", "scores"} <= set(commands) and len(plan.streams) == 2


@pytest.mark.parametrize("text,field", [
    ("first:\n  - {run: 'ingest x.csv'}\n", "first[1].run"),
    ("first:\n  - {run: validate, seconds: -1}\n", "first[1].seconds"),
    ("first:\n  - {seconds: 3}\n", "first[1]"),
    ("first:\n  - {run: validate}\nthen:\n  - {run: validate}\n", "run"),
    ("first:\n  - {run: validate}\nstage: 1\n", "stage"),
    ("streams: [1, 2]\n", "streams"),
])
def test_a_wrong_build_file_names_the_step_and_field(tmp_path, text, field):
    f = tmp_path / "build.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_build(f)
    assert any(p.field == field for p in exc.value.problems), exc.value.problems
    assert exc.value.exit_code == 2


def test_a_build_runs_its_streams_side_by_side_with_progress(tmp_path, data_copy):
    plan = BuildPlan((Step("validate", 3),),
                     ((Step("status --as-of 2018 --dataset synthetic", 4),), (Step("status --as-of 2017 --dataset synthetic", 4),)),
                     (Step("catalogue", 2),), "test")
    out = io.StringIO()
    assert run_build(plan, tmp_path, jobs=2, stream=out) == 0
    text = out.getvalue()
    assert text.count("start  kpitrack") == 4 and text.count("ok     kpitrack") == 4 and "left)" in text
    assert "build finished" in text
    logs = tmp_path / "reports" / "_build"
    assert "K01" in (logs / "02-status---as-of-2018---dataset-synthetic.log").read_text(encoding="utf-8")
    times = json.loads((logs / "times.json").read_text(encoding="utf-8"))
    assert set(times) == {s.command for s in plan.steps} and all(v > 0 for v in times.values())
    # the next build estimates from these times
    again = io.StringIO()
    run_build(BuildPlan((Step("validate", 999),), (), (), "test"), tmp_path, jobs=1, stream=again)
    assert "about 999" not in again.getvalue().splitlines()[0] and "16m39s" not in again.getvalue().splitlines()[0]


def test_a_build_waiting_for_another_reads_the_times_that_one_wrote(tmp_path, data_copy):
    from kpitrack.core.fileio import atomic_write_text, locked

    logs = tmp_path / "reports" / "_build"
    logs.mkdir(parents=True)
    out = io.StringIO()
    with locked(logs / ".build.lock"):  # another build is running
        waiting = threading.Thread(target=run_build, args=(BuildPlan((Step("validate", 999),), (), (), "test"), tmp_path),
                                   kwargs={"jobs": 1, "stream": out})
        waiting.start()
        time.sleep(0.3)
        # ... and writes its times as it ends
        atomic_write_text(logs / "times.json", json.dumps({"validate": 125, "catalogue": 42}))
    waiting.join(120)
    assert "about 2m05s" in out.getvalue().splitlines()[0], out.getvalue()
    times = json.loads((logs / "times.json").read_text(encoding="utf-8"))
    assert times["catalogue"] == 42 and times["validate"] != 125  # kept, and this build's own time


def test_a_failing_step_stops_its_stream_and_the_site(tmp_path, data_copy):
    plan = BuildPlan((), ((Step("run params/no-such-file.yaml", 2), Step("status --as-of 2018", 2)),
                          (Step("status --as-of 2017 --dataset synthetic", 2),)),
                     (Step("site --year 2018", 5),), "test")
    out = io.StringIO()
    code = run_build(plan, tmp_path, jobs=2, stream=out)
    text = out.getvalue()
    assert code == 2, text
    assert "FAILED kpitrack run params/no-such-file.yaml" in text and "no-such-file" in text.split("failed (exit 2)")[1]
    assert "kpitrack status --as-of 2018\n" not in text and "start  kpitrack status --as-of 2018 " not in text
    assert "ok     kpitrack status --as-of 2017" in text  # the other stream finishes
    assert "kpitrack site" not in text and "1 step(s) failed" in text


def test_the_cli_runs_the_build_file_and_refuses_a_wrong_one(tmp_path, data_copy, capsys):
    from kpitrack.cli import main

    bad = tmp_path / "b.yaml"
    bad.write_text("first:\n  - {run: 'plan import x'}\n", encoding="utf-8")
    assert main(["build", "--file", str(bad)]) == 2
    assert "first[1].run" in capsys.readouterr().err
    assert main(["build", "--file", str(tmp_path / "none.yaml")]) == 2
    assert Path(data_copy).is_dir()
