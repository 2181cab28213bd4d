"""The main job (``kpitrack build``, ``make report``): every document a reader gets, step by step,
with progress and an estimate of the time left.

The steps are the workspace's ``params/build.yaml``: ``first`` (run in order before anything else:
the checks), ``streams`` (lists of steps; the steps of one stream run in order, the streams side by
side, as many at a time as ``--jobs``), ``then`` (in order, once every stream has finished: what
reads all the others, such as the site). A step is a kpitrack command line (``run
params/midterm-2018.yaml``) and the seconds it took on a 2-core machine, the first estimate; later
builds estimate from the times the workspace's last build took (``reports/_build/times.json``).

Each step runs as its own ``kpitrack`` process in the workspace, its output kept in
``reports/_build/<n>-<command>.log``; a step that fails stops its stream and the steps after the
streams, and the build exits with the step's exit code after printing the end of its log. Every
document still goes through the one runner (lock, up-to-date check, execute, render, atomic move,
manifest): the build only orders them. One build at a time per workspace (a lock).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ...core.exceptions import Problem, Reason, ValidationError

#: the commands a step may run (the main job makes documents; it never ingests or imports a plan)
ALLOWED = ("validate", "run", "bulletins", "cards", "notices", "scores", "site", "status", "peers", "challenges",
           "standards", "rectification", "special")


@dataclass(frozen=True)
class Step:
    command: str  # a kpitrack command line, without "kpitrack"
    seconds: float  # the first estimate (a 2-core machine)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)


@dataclass(frozen=True)
class BuildPlan:
    first: tuple[Step, ...]
    streams: tuple[tuple[Step, ...], ...]
    then: tuple[Step, ...]
    source: str = ""

    @property
    def steps(self) -> list[Step]:
        return [*self.first, *(s for stream in self.streams for s in stream), *self.then]


def load_build(path: Path) -> BuildPlan:
    """The build file, checked: every problem names the file, the step and the field."""
    from ...core.yamlio import load_yaml

    name = str(path)
    if not Path(path).is_file():
        raise ValidationError([Problem(name, None, "-", "file not found (the main job's steps: see kpitrack build --help)",
                                       Reason.MISSING)], "build file")
    doc = load_yaml(path, name)
    problems: list[Problem] = []

    def steps(items, where: str) -> tuple[Step, ...]:
        if items is None:
            return ()
        if not isinstance(items, list):
            problems.append(Problem(name, None, where, "a list of steps ({run: COMMAND, seconds: N})", Reason.WRONG_TYPE))
            return ()
        out = []
        for i, item in enumerate(items, 1):
            field_ = f"{where}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("run"), str) or not item["run"].strip():
                problems.append(Problem(name, i, field_, "a step needs run: a kpitrack command line", Reason.MISSING))
                continue
            try:
                argv = shlex.split(item["run"])
            except ValueError as exc:
                problems.append(Problem(name, i, f"{field_}.run", f"cannot split {item['run']!r}: {exc}", Reason.WRONG_TYPE))
                continue
            if not argv or argv[0] not in ALLOWED:
                problems.append(Problem(name, i, f"{field_}.run", f"{argv[0] if argv else ''!r} is not a command the main job "
                                        f"runs; one of: {', '.join(ALLOWED)}", Reason.NOT_ALLOWED))
                continue
            secs = item.get("seconds", 30)
            if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not 0 <= secs <= 36000:
                problems.append(Problem(name, i, f"{field_}.seconds", f"seconds 0-36000, got {secs!r}", Reason.OUT_OF_RANGE))
                continue
            out.append(Step(item["run"].strip(), float(secs)))
        return tuple(out)

    if not isinstance(doc, dict):
        raise ValidationError([Problem(name, None, "-", "expected first:, streams: and then:", Reason.WRONG_TYPE)], "build file")
    unknown = set(doc) - {"first", "streams", "then"}
    for key in sorted(unknown):
        problems.append(Problem(name, None, key, "unknown key (first, streams, then)", Reason.UNKNOWN_FIELD))
    streams_doc = doc.get("streams") or {}
    if not isinstance(streams_doc, dict):
        problems.append(Problem(name, None, "streams", "a mapping of stream names to lists of steps", Reason.WRONG_TYPE))
        streams_doc = {}
    plan = BuildPlan(steps(doc.get("first"), "first"), tuple(steps(v, f"streams.{k}") for k, v in streams_doc.items()),
                     steps(doc.get("then"), "then"), name)
    seen: set[str] = set()
    for step in plan.steps:
        if step.command in seen:
            problems.append(Problem(name, None, "run", f"{step.command!r} is listed twice", Reason.DUPLICATE))
        seen.add(step.command)
    if problems:
        raise ValidationError(problems, "build file")
    if not plan.steps:
        raise ValidationError([Problem(name, None, "-", "no steps", Reason.MISSING)], "build file")
    return plan


def _slug(command: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", command).strip("-")[:60] or "step"


@dataclass
class _Progress:
    """The steps' states and times; prints a line per start and finish, with the time left."""

    plan: BuildPlan
    known: dict[str, float]
    jobs: int
    stream: TextIO
    began: float = field(default_factory=time.monotonic)
    done: dict[str, float] = field(default_factory=dict)
    running: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def estimate(self, step: Step) -> float:
        return self.known.get(step.command, step.seconds)

    def left(self) -> float:
        """Seconds left: the steps still to run, the streams side by side (the longest path, or their
        sum shared by ``jobs`` when there are more streams than jobs), a running step by what remains of it."""
        now = time.monotonic()

        def rest(steps) -> float:
            total = 0.0
            for s in steps:
                if s.command in self.done:
                    continue
                e = self.estimate(s)
                total += max(e - (now - self.running[s.command]), 1.0) if s.command in self.running else e
            return total

        streams = [rest(s) for s in self.plan.streams]
        side = max(max(streams, default=0.0), sum(streams) / max(self.jobs, 1))
        return rest(self.plan.first) + side + rest(self.plan.then)

    def line(self, text: str) -> None:
        with self.lock:
            n = len(self.plan.steps)
            elapsed = time.monotonic() - self.began
            left = self.left()
            self.stream.write(f"[{len(self.done)}/{n}] {text}   ({_clock(elapsed)} so far, about {_clock(left)} left)\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def run_build(plan: BuildPlan, workspace: Path, *, jobs: int = 2, stream: TextIO | None = None) -> int:
    """Run the build's steps in ``workspace`` (see the module); returns 0, or the first failing step's exit code."""
    from ...core.fileio import atomic_write_text, locked

    stream = stream or sys.stderr
    logs = workspace / "reports" / "_build"
    logs.mkdir(parents=True, exist_ok=True)
    times_file = logs / "times.json"
    known: dict[str, float] = {}
    progress = _Progress(plan, known, max(jobs, 1), stream)
    numbers = {s.command: i for i, s in enumerate(plan.steps, 1)}
    failures: list[tuple[Step, int, Path]] = []

    def one(step: Step) -> bool:
        log = logs / f"{numbers[step.command]:02d}-{_slug(step.command)}.log"
        with progress.lock:
            progress.running[step.command] = time.monotonic()
        progress.line(f"start  kpitrack {step.command}")
        start = time.monotonic()
        with log.open("w", encoding="utf-8") as f:
            code = subprocess.call([sys.executable, "-m", "kpitrack", *step.argv], cwd=workspace, stdout=f,
                                   stderr=subprocess.STDOUT)
        secs = time.monotonic() - start
        with progress.lock:
            progress.running.pop(step.command, None)
            progress.done[step.command] = secs
            if code == 0:
                known[step.command] = round(secs, 1)
            else:
                failures.append((step, code, log))
        progress.line(f"{'ok    ' if code == 0 else 'FAILED'} kpitrack {step.command}  {secs:.1f} s  (log: {log.relative_to(workspace)})")
        return code == 0

    def sequence(steps) -> bool:
        return all(one(s) for s in steps)  # stops at the first failure

    with locked(logs / ".build.lock", what="the main job (another kpitrack build is running in this workspace)"):
        # what a build waiting here reads is what the one before it wrote; its clock starts now
        try:
            known.update({k: float(v) for k, v in json.loads(times_file.read_text(encoding="utf-8")).items()
                          if isinstance(v, (int, float)) and not isinstance(v, bool)})
        except (OSError, ValueError, AttributeError):
            pass
        progress.began = time.monotonic()
        stream.write(f"kpitrack build: {len(plan.steps)} steps from {plan.source}, {len(plan.streams)} streams side by side "
                     f"({jobs} at a time); about {_clock(progress.left())} on a machine like the one that timed them\n")
        ok = sequence(plan.first)
        if ok and plan.streams:
            with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(plan.streams)))) as pool:
                ok = all(list(pool.map(sequence, plan.streams)))
        if ok:
            ok = sequence(plan.then)
        atomic_write_text(times_file, json.dumps(known, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    total = time.monotonic() - progress.began
    if failures:
        for step, code, log in failures:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            stream.write(f"\nkpitrack {step.command} failed (exit {code}); the end of {log}:\n" + "\n".join(tail) + "\n")
        stream.write(f"build stopped after {_clock(total)}: {len(failures)} step(s) failed\n")
        return failures[0][1] or 1
    stream.write(f"build finished in {_clock(total)}: {len(plan.steps)} steps\n")
    return 0
