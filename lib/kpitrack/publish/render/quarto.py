"""The Quarto renderer: ``quarto render`` inside the Quarto project in ``reports/``."""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from functools import lru_cache
from pathlib import Path

import nbformat
import yaml

from ...core.exceptions import ParameterError, RenderError
from .chart_images import start_chart_images
from .html_inline import inline_resources
from .notebook_read import forget as forget_notebooks
from .base import (WITHOUT_HTML, RenderResult, Renderer, _add_images, _atomic_write_bytes, _html_first, front_matter,
                          pdf_prerequisites, typst_header, with_plotlyjs)
from .tools import render_timeout, run_tool, stop_group

log = logging.getLogger(__name__)


class QuartoRenderer(Renderer):
    """``quarto render`` inside the Quarto project in ``reports/`` (see reports/_quarto.yml), HTML and
    PDF (typst) as two processes side by side, the PDF from a copy of the notebook that carries the
    charts' pictures. The HTML gets plotly.js once in its head and loses the CDN scripts Quarto adds
    for any notebook with HTML outputs (require.js, jQuery), which these reports do not use."""

    name = "quarto"
    #: a batch's documents rendered together (one ``quarto render`` of a folder per format): Quarto's
    #: start is paid once per group, not per document (a one-paragraph notebook takes about 3 s of CPU
    #: for the HTML and 2 s for the PDF on a 2-core machine here; each more document of a folder about
    #: 0.7 s and 1 s)
    group_limit = 8

    def check_available(self) -> None:
        exe = shutil.which("quarto")
        if exe is None:
            raise ParameterError("--renderer quarto: quarto is not on PATH; install Quarto (https://quarto.org) or use "
                                 "--renderer fallback")
        broken = _quarto_broken(exe)
        if broken:
            raise ParameterError(f"--renderer quarto: {exe} does not run ({broken}); reinstall Quarto "
                                 "(https://quarto.org) or use --renderer fallback")

    def identity(self) -> str:
        exe = shutil.which("quarto")
        return f"quarto {_quarto_version(exe)}" if exe else "quarto (absent)"

    def render(self, notebook: Path, formats: tuple[str, ...], out_dir: Path) -> RenderResult:
        self.check_formats(formats)
        exe = shutil.which("quarto")
        if exe is None:
            raise RenderError("quarto is not on PATH; install Quarto (https://quarto.org) or use --renderer fallback")
        project = _quarto_project(notebook)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = RenderResult()
        wanted = []
        for fmt in formats:
            missing = pdf_prerequisites() if fmt == "pdf" else []
            if missing:
                (out_dir / f"{notebook.stem}.{fmt}").unlink(missing_ok=True)
                result.warnings.append("PDF not made: " + "; ".join(missing))
            else:
                wanted.append(fmt)
        if not wanted:
            _take_ahead(None, project, ())
            return result
        # started while the notebook ran (prepare), fed it as its last cell answered: taken when the
        # notebook written is the one it was fed
        ahead = _take_ahead(notebook, project, tuple(wanted))
        if ahead is not None:
            log.info("%s: rendered by the Quarto renders started while it ran", notebook.name)
        # the PDF's chart pictures are made while Quarto starts on the HTML; the PDF is rendered from a
        # copy with the pictures, alongside the HTML (two Quarto processes: most of each is start-up)
        images = start_chart_images(notebook) if "pdf" in wanted and ahead is None else None
        jobs: dict[str, tuple[subprocess.Popen, Path]] = dict(ahead.jobs) if ahead is not None else {}
        pdf_source = notebook.with_name(f"{notebook.stem}{PDF_SOURCE_SUFFIX}.ipynb")
        failures = []
        try:
            if "html" in wanted and ahead is None:
                jobs["html"] = (_start_quarto(exe, project, notebook, "html"), notebook)
            if "pdf" in wanted and ahead is None:
                shutil.copy(notebook, pdf_source)
                try:
                    _add_typst_header(pdf_source)
                    _add_images(pdf_source, images)
                    jobs["pdf"] = (_start_quarto(exe, project, pdf_source, "typst"), pdf_source)
                except RenderError as exc:  # no PDF; the HTML still comes
                    (out_dir / f"{notebook.stem}.pdf").unlink(missing_ok=True)
                    failures.append(f"PDF of {notebook.name} failed ({exc}); an earlier {notebook.stem}.pdf, if any, was removed")
            deadline = time.monotonic() + render_timeout()
            for fmt in [f for f in _html_first(tuple(wanted)) if f in jobs]:
                proc, source = jobs[fmt]
                if fmt == "pdf" and "html" in wanted and "html" not in result.outputs:
                    # as with the fallback renderer: no PDF is published without its HTML
                    stop_group(proc)
                    _forget_render(project, source, fmt)
                    (out_dir / f"{notebook.stem}.pdf").unlink(missing_ok=True)
                    failures.append(f"{WITHOUT_HTML}; an earlier {notebook.stem}.pdf, if any, was removed")
                    continue
                try:
                    stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
                    # a render started ahead that did not say it waited (a Quarto profile's pre-render
                    # replaced the project's, say) may have rendered the placeholder: rendered again
                    unwaited = ahead is not None and proc.returncode == 0 and AHEAD_WENT_ON not in stderr
                    if unwaited:
                        log.warning("the Quarto render of %s to %s started ahead did not wait for the notebook (its "
                                    "project's pre-render did not run %s); rendering it again", notebook.name, fmt, AHEAD_SCRIPT)
                    if proc.returncode != 0 or unwaited:
                        # once seen in a batch of 33 (no message, not reproducible): one more try, alone
                        if not unwaited:
                            log.warning("quarto render of %s to %s failed (%s); trying once more", notebook.name, fmt, proc.returncode)
                        retry = run_tool([exe, "render", str(source.relative_to(project)), "--to", "typst" if fmt == "pdf" else fmt,
                                          *(["-M", "embed-resources:false"] if fmt == "html" else [])],
                                         f"quarto render of {notebook.name} to {fmt}", cwd=project, env=_quarto_env(ahead=False))
                        proc.returncode = retry.returncode
                        # what the second try said (the first said the same, or nothing)
                        if retry.stdout.strip() or retry.stderr.strip():
                            stdout, stderr = retry.stdout, retry.stderr
                except subprocess.TimeoutExpired:
                    stop_group(proc)
                    (out_dir / f"{notebook.stem}.{fmt}").unlink(missing_ok=True)
                    failures.append(f"quarto render of {notebook.name} to {fmt} took longer than {render_timeout()} s "
                                    f"(KPITRACK_RENDER_TIMEOUT) and was stopped; an earlier {notebook.stem}.{fmt}, if any, was removed")
                    continue
                rel = source.relative_to(project).with_suffix("")
                produced = project / "_output" / f"{rel}.{fmt}"
                if not produced.is_file():  # a file Quarto rendered in place, outside the project's output folder
                    produced = source.with_suffix(f".{fmt}")
                target = out_dir / f"{notebook.stem}.{fmt}"
                if proc.returncode != 0 or not produced.is_file():
                    target.unlink(missing_ok=True)
                    failures.append(f"quarto render of {notebook.name} to {fmt} failed ({proc.returncode}); an earlier "
                                    f"{target.name}, if any, was removed:\n{(stderr.strip() or stdout.strip())[-3000:]}")
                    continue
                if fmt == "html":
                    _finish_html(project, produced)
                if produced.resolve() != target.resolve():
                    _atomic_write_bytes(target, produced.read_bytes())
                    produced.unlink()
                result.outputs[fmt] = target
                _tidy_quarto_output(project, rel)
            if failures:
                written = ", ".join(f"{k}: {v}" for k, v in result.outputs.items()) or "nothing"
                raise RenderError("; ".join(failures) + f"; written: {written}", outputs=result.outputs)
        finally:
            for fmt, (proc, source) in jobs.items():
                if proc.poll() is None:  # stopped half way (an error, a timeout): nothing of it is left
                    stop_group(proc)
                    _forget_render(project, source, fmt)
            pdf_source.unlink(missing_ok=True)
            if ahead is not None:
                ahead.remove_sources()
        return result

    def prepare(self, formats: tuple[str, ...], where: Path | None = None) -> None:
        """As every renderer prepares (:meth:`Renderer.prepare`); and, given ``where`` (the folder the
        notebook to come is executed into, inside a Quarto project whose pre-render script is
        :data:`AHEAD_SCRIPT`), a ``quarto render`` of each format started now, waiting for the notebook
        (:class:`_Ahead`): Quarto's start, about 0.45 s a process, is then paid while the notebook runs."""
        _take_ahead(None, None, ())  # one this thread started before and no render took
        super().prepare(formats, where)
        exe = shutil.which("quarto")
        if where is None or exe is None:
            return
        try:
            project = _quarto_project(Path(where) / "notebook.ipynb")
        except RenderError:
            return
        if not _waits_ahead(project):
            return
        wanted = tuple(f for f in _html_first(tuple(formats)) if f in self.FORMATS and not (f == "pdf" and pdf_prerequisites()))
        if wanted:
            _aheads.current = _Ahead.begin(exe, project, Path(where), wanted)

    def executed(self, nb: nbformat.NotebookNode, formats: tuple[str, ...]) -> None:
        """The notebook as its last cell answered goes to the renders started ahead (:meth:`_Ahead.feed`)."""
        ahead = getattr(_aheads, "current", None)
        if ahead is not None:
            ahead.feed(nb)

    def release(self) -> None:
        _take_ahead(None, None, ())

    def render_many(self, docs: list[tuple[Path, tuple[str, ...], Path]]) -> list[RenderResult | Exception]:
        """Documents of one batch rendered together: their notebooks copied into a folder of the project,
        one ``quarto render`` of that folder per format (HTML and PDF side by side), each output moved
        to where its document's go. A document any of whose formats the group did not make (Quarto
        failed on it, its page could not be finished, the group was still running at the render
        timeout) is rendered again alone (:meth:`render`: its own error, retry and timeout), so a
        group gives each document what a render of it alone would. Each result's ``seconds``: its
        share of the group's time, and its render alone if it had one."""
        docs = [(Path(nb), tuple(fmts), Path(out)) for nb, fmts, out in docs]
        same = len({d[1] for d in docs}) == 1 and len({d[0].stem for d in docs}) == len(docs)
        exe = shutil.which("quarto")
        if len(docs) < 2 or not same or exe is None:
            return super().render_many(docs)
        formats = docs[0][1]
        self.check_formats(formats)
        project = _quarto_project(docs[0][0])
        if any(_quarto_project(nb) != project for nb, _, _ in docs):
            return super().render_many(docs)
        missing = pdf_prerequisites() if "pdf" in formats else []
        warnings = ["PDF not made: " + "; ".join(missing)] if missing else []
        wanted = [f for f in _html_first(formats) if not (f == "pdf" and missing)]
        for nb, _, out_dir in docs:
            out_dir.mkdir(parents=True, exist_ok=True)
            if missing:
                (out_dir / f"{nb.stem}.pdf").unlink(missing_ok=True)
        if not wanted:
            return [RenderResult(warnings=list(warnings)) for _ in docs]
        made: dict[str, dict[int, Path]] = {fmt: {} for fmt in wanted}
        began = time.monotonic()
        try:
            _render_group(exe, project, docs, wanted, made)
        except Exception as exc:  # noqa: BLE001 - each document is rendered alone, which says why
            log.warning("rendering %d documents together failed (%s: %s); rendering them one by one",
                        len(docs), type(exc).__name__, exc)
        share = (time.monotonic() - began) / len(docs)
        results: list[RenderResult | Exception] = []
        for i, (nb, fmts, out_dir) in enumerate(docs):
            if all(i in made[fmt] for fmt in wanted):
                results.append(RenderResult({fmt: made[fmt][i] for fmt in wanted}, list(warnings), round(share, 2)))
                continue
            for fmt in wanted:  # what the group made of it goes: the render alone makes every format again
                if i in made[fmt]:
                    made[fmt][i].unlink(missing_ok=True)
            alone = time.monotonic()
            try:
                result = self.render(nb, fmts, out_dir)
                result.seconds = round(share + time.monotonic() - alone, 2)
                results.append(result)
            except Exception as exc:  # noqa: BLE001 - this document's failure, not the group's
                results.append(exc)
        return results


def _render_group(exe: str, project: Path, docs: list[tuple[Path, tuple[str, ...], Path]], wanted: list[str],
                  made: dict[str, dict[int, Path]]) -> None:
    """One ``quarto render`` of a folder per format for ``docs``; each complete output goes to its
    document's folder and into ``made`` (format -> the document's place -> the file). What could not
    be made (or finished) for one document is left out of ``made``, never an error for the others.

    Quarto renders a folder's files in an order of its own, moves their outputs into the project's
    output folder only at the end, and stops at the first file that fails: what it moved counts, the
    rest is rendered alone. The group may take the render timeout once per document (each would
    have had it alone); stopped then, it has moved nothing. A folder whose render failed without
    making anything is rendered once more (as a document alone is: Quarto's files in ``.quarto/``
    are shared by the renders of the project running at the same time)."""
    group = None
    procs: dict[str, subprocess.Popen] = {}
    # not hidden, inside the project, outside its output folder: where Quarto renders from
    base = docs[0][0].parent.parent
    base = base if base.is_relative_to(project) and not base.is_relative_to(project / "_output") else project
    try:
        while group is None:
            try:
                group = base / f"work-group-{os.getpid()}-{time.time_ns()}"
                group.mkdir()
            except FileExistsError:  # another thread of this process, the same nanosecond
                group = None
        images = [start_chart_images(nb) for nb, _, _ in docs] if "pdf" in wanted else []
        if "html" in wanted:
            (group / "html").mkdir()
            for nb, _, _ in docs:
                shutil.copy(nb, group / "html" / nb.name)
            procs["html"] = _start_quarto(exe, project, group / "html", "html")
        if "pdf" in wanted:
            (group / "pdf").mkdir()
            for (nb, _, _), pictures in zip(docs, images):
                source = group / "pdf" / nb.name
                shutil.copy(nb, source)
                try:
                    _add_typst_header(source)
                    _add_images(source, pictures)
                except Exception as exc:  # noqa: BLE001 - rendered again alone, which says why
                    log.info("the PDF of %s is rendered alone: %s", nb.name, exc)
                    source.unlink(missing_ok=True)
            if any((group / "pdf").iterdir()):
                procs["pdf"] = _start_quarto(exe, project, group / "pdf", "typst")
        deadline = time.monotonic() + render_timeout() * len(docs)
        for fmt in wanted:
            if fmt not in procs:
                continue
            rel = (group / fmt).relative_to(project)
            for attempt in (1, 2):
                proc = procs[fmt]
                try:
                    _, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    stop_group(proc)
                    log.warning("quarto render of %d documents to %s took longer than %s s each; rendering them "
                                "one by one", len(docs), fmt, render_timeout())
                    break
                produced = [project / "_output" / rel / f"{nb.stem}.{fmt}" for nb, _, _ in docs]
                if proc.returncode == 0 or attempt == 2 or any(path.is_file() for path in produced):
                    if proc.returncode != 0:
                        log.info("quarto render of %d documents to %s failed (%s); those it did not make are rendered "
                                 "alone:\n%s", len(docs), fmt, proc.returncode, stderr.strip()[-2000:])
                    _collect(project, docs, fmt, produced, made)
                    break
                log.warning("quarto render of %d documents to %s failed (%s) and made nothing; trying once more",
                            len(docs), fmt, proc.returncode)
                procs[fmt] = _start_quarto(exe, project, group / fmt, "typst" if fmt == "pdf" else fmt)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                stop_group(proc)
        if group is not None:
            rel = group.relative_to(project)
            shutil.rmtree(project / "_output" / rel, ignore_errors=True)
            _tidy_quarto_output(project, rel)
            shutil.rmtree(group, ignore_errors=True)
        for nb, _, _ in docs:
            forget_notebooks(nb)


def _collect(project: Path, docs: list[tuple[Path, tuple[str, ...], Path]], fmt: str, produced: list[Path],
             made: dict[str, dict[int, Path]]) -> None:
    """Each complete output of a group's render of ``fmt`` finished (an HTML page made self-contained)
    and written where its document's outputs go."""
    for i, ((nb, _, out_dir), path) in enumerate(zip(docs, produced)):
        try:
            if not _complete(path, fmt):
                continue
            if fmt == "html":
                _finish_html(project, path)
            target = out_dir / f"{nb.stem}.{fmt}"
            _atomic_write_bytes(target, path.read_bytes())
            made[fmt][i] = target
        except Exception as exc:  # noqa: BLE001 - rendered again alone, which says why
            log.info("the %s of %s is rendered alone: %s", fmt.upper(), nb.name, exc)


def _complete(path: Path, fmt: str) -> bool:
    """Whether Quarto finished writing ``path``: an HTML page that ends with its closing tag, a PDF
    with its end-of-file mark (a render stopped half way may have left the start of one)."""
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        fh.seek(max(path.stat().st_size - 1024, 0))
        tail = fh.read()
    return (b"</html>" in tail.lower()) if fmt == "html" else (b"%%EOF" in tail)


PDF_SOURCE_SUFFIX = "__pdf"


@lru_cache(maxsize=4)
def _quarto_version_run(exe: str) -> tuple[int, str, str]:
    try:
        proc = run_tool([exe, "--version"], "quarto --version", timeout=VERSION_TIMEOUT)
    except (RenderError, OSError) as exc:
        return -1, "", str(exc)
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def _quarto_version(exe: str) -> str:
    code, out, _ = _quarto_version_run(exe)
    return out if code == 0 and out else "unknown"


def _quarto_broken(exe: str) -> str:
    """Why ``quarto --version`` fails (its own last line), or "" when it runs."""
    code, out, err = _quarto_version_run(exe)
    if code == 0 and out:
        return ""
    last = (err or out).strip().splitlines()
    if last:
        return last[-1]
    return "quarto --version printed no version" if code == 0 else f"quarto --version exited with {code}"


#: seconds `quarto --version` may take (it answers in well under one; a hung one is refused, not waited for)
VERSION_TIMEOUT = 60
def _start_quarto(exe: str, project: Path, source: Path, to: str, *, ahead: bool = False) -> subprocess.Popen:
    """``quarto render`` of ``source`` to ``to``; ``ahead``: one that waits at the project's pre-render
    script until told on its input (:class:`_Ahead`)."""
    cmd = [exe, "render", str(source.relative_to(project)), "--to", to]
    if to == "html":  # inlined by _finish_html, in a fraction of the time of Quarto's own pandoc pass
        cmd += ["-M", "embed-resources:false"]
    log.info("running %s in %s%s", " ".join(cmd), project, " (waiting for its notebook)" if ahead else "")
    return subprocess.Popen(cmd, cwd=project, stdin=subprocess.PIPE if ahead else None, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=_quarto_env(ahead))


def _quarto_env(ahead: bool) -> dict[str, str]:
    """The environment of a ``quarto render``: :data:`AHEAD_VARIABLE` set for a render started ahead,
    never for another (not even when the user's shell has it)."""
    env = {k: v for k, v in os.environ.items() if k != AHEAD_VARIABLE}
    return {**env, AHEAD_VARIABLE: "1"} if ahead else env


#: the project's pre-render script (``pre-render: sh _kpitrack-ahead.sh`` in reports/_quarto.yml): a
#: render started with :data:`AHEAD_VARIABLE` set waits in it until it reads ``go`` on its input; any
#: other render (a user's ``quarto render``) goes on at once
AHEAD_SCRIPT = "_kpitrack-ahead.sh"
AHEAD_VARIABLE = "KPITRACK_QUARTO_AHEAD"
#: what the script says once told to go on: a render started ahead that did not say it is not used
AHEAD_WENT_ON = "kpitrack-ahead: went on"
#: seconds a render started ahead and not used is given to end by itself (Quarto then removes its
#: temporary folders, which a killed one leaves) before it is killed
AHEAD_END_WAIT = 3.0


def _waits_ahead(project: Path) -> bool:
    """Whether ``project`` runs :data:`AHEAD_SCRIPT` before its renders (an older workspace's project may not)."""
    try:
        config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8")) or {}
        scripts = (config.get("project") or {}).get("pre-render") or []
    except (OSError, yaml.YAMLError, AttributeError):
        return False
    scripts = [scripts] if isinstance(scripts, str) else scripts
    return (project / AHEAD_SCRIPT).is_file() and any(isinstance(x, str) and AHEAD_SCRIPT in x.split() for x in scripts)


class _Ahead:
    """A ``quarto render`` of each format started before the notebook is written (:meth:`begin`), each
    waiting at the project's pre-render script (:data:`AHEAD_SCRIPT`) with a placeholder source in the
    notebook's scratch folder. :meth:`feed` writes the notebook as its last cell answered into the
    sources (the PDF's with its typst header and, once drawn, its charts' pictures) and lets each go on;
    :func:`_take_ahead` gives them to the render of a notebook whose file holds the same cells and
    front matter, else stops them. Quarto's start (deno, the project: about 0.45 s a process, 1 s of
    CPU for both) overlaps the kernel's work instead of following it."""

    def __init__(self, project: Path, formats: tuple[str, ...]) -> None:
        self.project, self.formats = project, formats
        self.jobs: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.lock = threading.Lock()
        self.state = "started"  # started -> fed -> taken, or closed
        self.pdf_ready: threading.Thread | None = None
        self.pdf_failed = ""
        self.fed = ""  # the notebook's text the sources were given

    @classmethod
    def begin(cls, exe: str, project: Path, folder: Path, formats: tuple[str, ...]) -> _Ahead | None:
        """The renders started now, beside the kernel's start (started once the kernel had, they met
        Chromium's start and gained nothing on two cores); None if they could not be."""
        ahead = cls(project, formats)
        with _LIVE_LOCK:
            _LIVE.add(ahead)
        stamp = f"{os.getpid()}-{time.time_ns()}"
        try:
            for fmt in formats:
                source = folder / f"ahead-{fmt}-{stamp}.ipynb"
                nbformat.write(nbformat.v4.new_notebook(), str(source))  # the render's file must exist as it starts
                ahead.jobs[fmt] = (_start_quarto(exe, project, source, "typst" if fmt == "pdf" else fmt, ahead=True), source)
        except Exception as exc:  # noqa: BLE001 - the render after the notebook does it all, as without this
            log.info("Quarto not started ahead of the notebook: %s", exc)
            ahead.close()
            return None
        return ahead

    def feed(self, nb: nbformat.NotebookNode) -> None:
        """The notebook as it will be written: into each source, and each render told to go on (the
        PDF's once its pictures are in, in a thread of its own); returns at once."""
        with self.lock:
            if self.state != "started":
                return
            self.state = "fed"
        try:
            if any(proc.poll() is not None for proc, _ in self.jobs.values()):  # ended before the notebook came
                raise RenderError("a render ended before it was handed the notebook")
            self.fed = nbformat.writes(nb)
            for _, source in self.jobs.values():
                source.write_text(self.fed, encoding="utf-8")
            if "html" in self.jobs:
                _go(self.jobs["html"][0])
            if "pdf" in self.jobs:
                self.pdf_ready = threading.Thread(target=self._pdf_source, name="kpitrack-quarto-ahead-pdf", daemon=True)
                self.pdf_ready.start()
        except Exception as exc:  # noqa: BLE001 - not taken: the render does it all
            log.info("the notebook was not handed to the Quarto renders started ahead: %s", exc)
            self.close()

    def _pdf_source(self) -> None:
        proc, source = self.jobs["pdf"]
        try:
            _add_typst_header(source)
            _add_images(source, start_chart_images(source))
            _go(proc)
        except Exception as exc:  # noqa: BLE001 - not taken: the render makes the PDF itself and says why
            self.pdf_failed = str(exc) or type(exc).__name__
        finally:
            if self.state == "closed":  # closed meanwhile: the pictures' write may have put the file back
                source.unlink(missing_ok=True)

    def same_notebook(self, notebook: Path) -> bool:
        """Whether ``notebook``'s file holds what the sources were fed, as Quarto reads it: the same
        cells, outputs and front matter. papermill completes two things after the last cell: its
        record of the run, and the kernel's language_info, of which Quarto reads only the name."""
        try:
            written, fed = json.loads(notebook.read_text(encoding="utf-8")), json.loads(self.fed)
        except (OSError, ValueError):
            return False
        for nb in (written, fed):
            meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
            meta.pop("papermill", None)
            if isinstance(meta.get("language_info"), dict):
                meta["language_info"] = {"name": meta["language_info"].get("name")}
        return written == fed

    def close(self) -> None:
        """Stop the renders (those still running) and remove what they wrote and their sources. One still
        waiting is told so (its input ends, the script fails, Quarto ends and removes its temporary
        folders); one told to go on is asked to stop (SIGTERM: Quarto's own clean-up); either is
        killed with what it started if it has not ended within :data:`AHEAD_END_WAIT` s."""
        with self.lock:
            self.state = "closed"
        for proc, _ in self.jobs.values():
            waiting = proc.stdin is not None and not proc.stdin.closed  # never told to go on
            _close_pipes(proc, stdin_only=True)
            if proc.poll() is None and not waiting:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass
        end = time.monotonic() + AHEAD_END_WAIT
        for fmt, (proc, source) in self.jobs.items():
            try:
                proc.communicate(timeout=max(end - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                stop_group(proc)
            except (OSError, ValueError):  # its pipes were closed already
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
            _close_pipes(proc)
            _forget_render(self.project, source, fmt)
        self.remove_sources()

    def remove_sources(self) -> None:
        for _, source in self.jobs.values():
            source.unlink(missing_ok=True)
        with _LIVE_LOCK:
            _LIVE.discard(self)


def _go(proc: subprocess.Popen) -> None:
    """Tell a render waiting at the pre-render script to go on (one that has ended meanwhile is left to
    its render, which reads its exit)."""
    try:
        proc.stdin.write("go\n")
        proc.stdin.close()
    except (OSError, ValueError):
        pass
    proc.stdin = None  # communicate() must not flush it


def _close_pipes(proc: subprocess.Popen, *, stdin_only: bool = False) -> None:
    for pipe in (proc.stdin,) if stdin_only else (proc.stdin, proc.stdout, proc.stderr):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    proc.stdin = None  # communicate() must not flush it


def _take_ahead(notebook: Path | None, project: Path | None, formats: tuple[str, ...]) -> _Ahead | None:
    """This thread's renders started ahead, for the render of ``notebook`` to ``formats`` in
    ``project``: when they were fed and ``notebook`` holds what they were fed; else they are stopped
    (None: the render starts its own)."""
    ahead = getattr(_aheads, "current", None)
    _aheads.current = None
    if ahead is None:
        return None
    with ahead.lock:
        usable = (notebook is not None and ahead.state == "fed" and ahead.project == project
                  and set(ahead.formats) == set(formats))
        if usable:
            ahead.state = "taken"
    if usable and ahead.pdf_ready is not None:
        ahead.pdf_ready.join()  # the PDF's source has its pictures (the render would wait for them too)
    if usable and not ahead.pdf_failed and ahead.same_notebook(notebook):
        return ahead
    if usable:
        log.info("the Quarto renders started ahead of %s were not used (%s)", notebook.name,
                 f"its PDF's source: {ahead.pdf_failed}" if ahead.pdf_failed else "the notebook written is not the one they were fed")
    ahead.close()
    return None


#: the renders this thread started ahead of its notebook (:meth:`QuartoRenderer.prepare`)
_aheads = threading.local()
#: every one not yet taken or closed, stopped as the process ends
_LIVE: set[_Ahead] = set()
_LIVE_LOCK = threading.Lock()


def _close_live() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for ahead in live:
        ahead.close()


def _forget_live_in_child() -> None:
    """A forked child leaves its parent's renders alone (their processes are the parent's)."""
    global _LIVE_LOCK
    _LIVE_LOCK = threading.Lock()
    _LIVE.clear()
    _aheads.current = None


atexit.register(_close_live)
os.register_at_fork(after_in_child=_forget_live_in_child)


def _finish_html(project: Path, produced: Path) -> None:
    """Quarto's page, made self-contained: its stylesheets, scripts and fonts inlined, the CDN
    scripts removed, plotly.js put in once (after Quarto: its HTML post-processing would parse
    1.5 MB more). The copies Quarto made beside the page are removed, except in the project's
    output folder itself, where another render may be reading the same copy of report.css."""
    page = produced.read_text(encoding="utf-8")
    page, used = inline_resources(without_cdn_scripts(page), produced)
    produced.write_text(with_plotlyjs(page), encoding="utf-8")
    output_root = (project / "_output").resolve()
    for path in used:
        if path.parent != output_root and path.is_relative_to(output_root):
            path.unlink(missing_ok=True)


def _add_typst_header(notebook: Path) -> None:
    """Put :func:`typst_header` into the notebook's front matter for Quarto's typst format."""
    nb = nbformat.read(str(notebook), as_version=4)
    meta = front_matter(nb)
    text = typst_header(meta)
    if not text:
        return
    fmt = meta.setdefault("format", {}) if isinstance(meta.get("format", {}), dict) else {}
    typst_opts = fmt.setdefault("typst", {}) if isinstance(fmt.get("typst", {}), dict) else {}
    typst_opts["include-in-header"] = {"text": text}
    meta["format"] = {**fmt, "typst": typst_opts}
    source = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---"
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.strip().startswith("---"):
        nb.cells[0].source = source
    else:
        nb.cells.insert(0, nbformat.v4.new_raw_cell(source))
    nbformat.write(nb, str(notebook))






def _forget_render(project: Path, source: Path, fmt: str) -> None:
    """Remove what a stopped render of ``source`` may have written: its output in the project's output
    folder or beside it, its typst file, its ``_files`` folder."""
    rel = source.relative_to(project).with_suffix("")
    for path in (project / "_output" / f"{rel}.{fmt}", source.with_suffix(f".{fmt}"),
                 *([project / "_output" / f"{rel}.typ", source.with_suffix(".typ")] if fmt == "pdf" else [])):
        if path.resolve() != source.resolve():
            path.unlink(missing_ok=True)
    shutil.rmtree(source.parent / f"{source.stem}_files", ignore_errors=True)
    _tidy_quarto_output(project, rel)


def _tidy_quarto_output(project: Path, rel: Path) -> None:
    """Remove what Quarto left for a rendered file (its ``_files`` folder, folders left empty). Renders
    of one batch run side by side and tidy the same folders: one that another has just removed, or
    filled again, is left to it (never an error that fails a finished document)."""
    out = project / "_output"
    shutil.rmtree(out / rel.parent / f"{rel.name}_files", ignore_errors=True)
    folder = (out / rel).parent
    while folder != out:
        try:
            if any(folder.iterdir()):
                return
            folder.rmdir()
        except OSError:  # gone already (another render tidied it) or not empty any more
            return
        folder = folder.parent


_CDN_SCRIPTS = re.compile(
    r'<script src="https://(?:cdnjs\.cloudflare\.com/ajax/libs/(?:require\.js|jquery)/|unpkg\.com/@jupyter-widgets/)[^"]*"[^>]*>\s*</script>\s*'
    r'|<script type="application/javascript">define\(\'jquery\', \[\],function\(\) \{return window\.jQuery;\}\)</script>\s*')


def without_cdn_scripts(page: str) -> str:
    """The page without the require.js, jQuery and widget scripts Quarto loads from CDNs for any
    notebook with HTML outputs (offline they fail; the reports' tables and plotly need none)."""
    return _CDN_SCRIPTS.sub("", page)


def _quarto_project(notebook: Path) -> Path:
    """The Quarto project (folder with _quarto.yml) the notebook lies in."""
    for folder in [notebook.parent, *notebook.parent.parents]:
        if (folder / "_quarto.yml").is_file():
            return folder
    raise RenderError(f"{notebook} is not inside a Quarto project (no _quarto.yml above it)")
