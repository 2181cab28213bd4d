"""Where a batch's jobs run: a pool of local worker processes (default, one per core) or a Dask
distributed cluster (``submit``/``as_completed``, the engine's own pattern for fanning out). Each
yields results as jobs finish; a worker that dies is a failed job, never a failed batch.

A work item is a job, or a :class:`~.jobs.JobGroup` whose function returns one result per job:
the executor yields each (a group whose worker dies fails each of its jobs)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from ...core.exceptions import KpitrackError, ParameterError
from .jobs import Job, JobResult, failed_results, results_of

log = logging.getLogger(__name__)

EXECUTORS = ("local", "dask")


class Executor:
    """Runs jobs and yields their results as they finish."""

    name = "base"
    #: how many jobs run at once (None: not known before the run)
    workers: int | None = None
    #: whether it may be given :class:`~.jobs.JobGroup` work items (their function returns a list of
    #: results, and a group that fails fails each of its jobs): the executors here do, and a
    #: subclass of this one does only if it says so
    takes_groups: bool = False

    def map_unordered(self, fn: Callable[[Job], JobResult], jobs: list[Job]) -> Iterator[JobResult]:
        raise NotImplementedError


class LocalExecutor(Executor):
    """A pool of local worker processes (each job's kernel is a further process)."""

    name = "local"
    takes_groups = True

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    @property
    def workers(self) -> int:  # type: ignore[override]
        return self.jobs

    def map_unordered(self, fn: Callable[[Job], JobResult], jobs: list[Job]) -> Iterator[JobResult]:
        if self.jobs == 1 or len(jobs) <= 1:
            for job in jobs:
                yield from results_of(fn(job))
            return
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from .worker_guard import die_with_parent

        with ProcessPoolExecutor(max_workers=min(self.jobs, len(jobs)), mp_context=_context(),
                                 initializer=die_with_parent) as pool:
            futures = {pool.submit(fn, job): job for job in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    value = fut.result()
                except Exception as exc:  # the worker process died (killed, out of memory)
                    yield from failed_results(job, f"worker died: {type(exc).__name__}: {exc}")
                    continue
                yield from results_of(value)


def _context():
    """Worker processes forked from a server that imported the batch runner once (safe with the
    driver's threads, unlike a plain fork; cheaper than spawn, which imports everything per worker)."""
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["kpitrack.publish.runs.worker_guard", "kpitrack.publish.runs.batch", "kpitrack.publish.runs.execute",
                                    "kpitrack.publish.render", "papermill", "nbconvert"])
        return ctx
    return mp.get_context("spawn")


class DaskExecutor(Executor):
    """Each job a task on a Dask distributed cluster; workers need kpitrack and the same data and
    reports paths (a shared folder)."""

    name = "dask"

    def __init__(self, scheduler: str | Any) -> None:
        self.scheduler = scheduler

    @property
    def workers(self) -> int | None:  # type: ignore[override]
        """The cluster's threads, when given a connected client; else not known (no groups: every job
        a task of its own, as many at once as the cluster runs)."""
        try:
            return sum(self.scheduler.nthreads().values()) or None
        except Exception:  # noqa: BLE001 - an address, or a client that cannot answer
            return None

    @property
    def takes_groups(self) -> bool:  # type: ignore[override]
        return self.workers is not None

    def map_unordered(self, fn: Callable[[Job], JobResult], jobs: list[Job]) -> Iterator[JobResult]:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ParameterError("--executor dask needs the dask.distributed package: pip install -e .[dask]") from None
        client = self.scheduler if isinstance(self.scheduler, Client) else None
        own = client is None
        if own:
            try:
                client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise KpitrackError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        try:
            futures = {client.submit(fn, job, pure=False, key=f"kpitrack-{job.key}-{time.time_ns()}"): job for job in jobs}
            for fut in as_completed(list(futures)):
                job = futures[fut]
                try:
                    value = fut.result()
                except Exception as exc:
                    yield from failed_results(job, f"Dask task failed: {type(exc).__name__}: {exc}")
                    continue
                yield from results_of(value)
        finally:
            _end_workers_kernels(client)
            if own:
                client.close()


def _end_workers_kernels(client: Any) -> None:
    """End the warm kernels the workers hold idle: the next batch starts them afresh (what a kernel
    keeps by path, the plan and the regions, is kept for one batch only). A worker that cannot be
    reached is left to its kernels' idle watch."""
    from .warm_kernel import discard_all

    try:
        client.run(discard_all, busy_too=False)
    except Exception as exc:  # noqa: BLE001 - the results are in; the workers' idle watch ends them
        log.warning("the Dask workers' warm kernels were not ended (%s); their idle watch ends them", exc)


def get_executor(name: str, jobs: int | None = None, scheduler: str | None = None) -> Executor:
    if name == "local":
        return LocalExecutor(jobs)
    if name == "dask":
        if not scheduler:
            raise ParameterError("--executor dask needs --scheduler tcp://HOST:8786")
        return DaskExecutor(scheduler)
    raise ParameterError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
