"""A job's settings hold for it only, and jobs in threads side by side (a Dask worker) never take them
from each other: the same settings are shared and put back when the last job ends; other settings
wait (publish/runs/job_env.py)."""

from __future__ import annotations

import os
import threading

from kpitrack.publish.runs.job_env import job_environment

KEY = "KPITRACK_JOB_ENV_PROBE"


def test_jobs_of_the_same_settings_share_them_until_the_last_ends(monkeypatch):
    monkeypatch.setenv(KEY, "before")
    first_in, first_out, second_done = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def second():
        with job_environment({KEY: "batch"}):
            first_in.wait(10)
            first_out.wait(10)  # the first job has ended and put nothing back yet
            seen.append(os.environ.get(KEY))
        second_done.set()

    t = threading.Thread(target=second)
    with job_environment({KEY: "batch"}):
        t.start()
        first_in.set()
        assert os.environ[KEY] == "batch"
    first_out.set()
    t.join(10)
    assert second_done.is_set() and seen == ["batch"]
    assert os.environ[KEY] == "before"  # put back once the last job ended


def test_a_job_of_other_settings_waits_for_the_running_ones(monkeypatch):
    monkeypatch.delenv(KEY, raising=False)
    other_started = threading.Event()
    order = []

    def other():
        other_started.set()
        with job_environment({KEY: "other"}):
            order.append(("other", os.environ.get(KEY)))

    t = threading.Thread(target=other)
    with job_environment({KEY: "batch"}):
        t.start()
        other_started.wait(10)
        t.join(0.5)  # still waiting for this job
        assert t.is_alive()
        order.append(("batch", os.environ.get(KEY)))
    t.join(10)
    assert order == [("batch", "batch"), ("other", "other")]
    assert KEY not in os.environ  # as before: unset


def test_settings_that_cannot_be_set_are_refused_before_any_is_set(monkeypatch):
    import pytest

    monkeypatch.delenv(KEY, raising=False)
    for bad in ({KEY: "x", "BAD=NAME": "y"}, {KEY: "x", "OTHER": None}):
        with pytest.raises(ValueError, match="names and texts"):
            with job_environment(bad):
                pass
        assert KEY not in os.environ
    with job_environment({KEY: "after"}):  # nothing was left held
        assert os.environ[KEY] == "after"
    assert KEY not in os.environ
