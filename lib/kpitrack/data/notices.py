"""The register of improvement notices (绩效改进通知单): an append-only log of events.

A dataset's register (named by :func:`register_path`, kept by the store: :mod:`kpitrack.data.store`)
holds one row per event: a notice is ``issued``, then ``answered`` (the unit's feedback) and
``closed``. Rows are never changed or removed: a notice's state is its last event. Every append is
one transaction of the store that reads the events, decides and writes, so two processes never
number two notices alike or interleave rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.settings import default_dataset
from ..core import paths
from ..core.exceptions import KpitrackError, ParameterError

COLUMNS = ["number", "event", "date", "unit", "region", "measure_id", "rule", "evidence", "due", "note"]
EVENTS = ("issued", "answered", "closed")
NEXT = {"issued": ("answered", "closed"), "answered": ("answered", "closed"), "closed": ()}


@dataclass(frozen=True)
class Event:
    number: str
    event: str
    date: str
    unit: str
    region: str
    measure_id: str
    rule: str
    evidence: str
    due: str = ""
    note: str = ""


def register_path(dataset: str | None = None) -> Path:
    dataset = dataset or default_dataset()
    name = "register.csv" if dataset == default_dataset() else f"register-{dataset}.csv"
    return paths.data_dir() / "notices" / name


def read_register(path: Path) -> list[Event]:
    from .store import locate

    store, scope = locate(path)
    return _events(path, store.notice_events(scope))


def _events(path: Path, rows: list[dict[str, str]]) -> list[Event]:
    bad = [r["_line"] for r in rows if r.get("event") not in EVENTS or not r.get("number")]
    if bad:
        raise KpitrackError(f"{path}:{bad[0]}:event: not a register row (number and one of {', '.join(EVENTS)} expected)")
    return [Event(**{k: r.get(k, "") or "" for k in COLUMNS}) for r in rows]


def states(events: list[Event]) -> dict[str, Event]:
    """Each notice's first event (what was issued) with the state of its last event."""
    first: dict[str, Event] = {}
    last: dict[str, str] = {}
    for e in events:
        first.setdefault(e.number, e)
        last[e.number] = e.event
    return {n: Event(**{**asdict(e), "event": last[n]}) for n, e in first.items()}


def append(path: Path, make: "callable") -> list[Event]:
    """In one transaction of the store: ``make(existing events)`` returns the events to add; they are
    appended and returned. Two processes never number two notices alike or interleave rows."""
    from .store import locate

    store, scope = locate(path)
    added = store.append_notices(scope, lambda rows: [asdict(e) for e in make(_events(path, rows))])
    return [Event(**{k: str(e.get(k, "") or "") for k in COLUMNS}) for e in added]


def record(path: Path, number: str, event: str, date: str, note: str) -> Event:
    """Record the unit's feedback (``answered``) or the closing (``closed``) of a notice."""
    if event not in ("answered", "closed"):
        raise ParameterError(f"unknown notice action {event!r}; known: answer, close")
    if not note.strip():
        raise ParameterError("--note is required: what the unit answered, or why the notice is closed")

    def make(events: list[Event]) -> list[Event]:
        st = states(events).get(number)
        if st is None:
            known = ", ".join(sorted(states(events))[-5:]) or "none yet"
            raise ParameterError(f"no notice numbered {number!r} in the register {path.name} (latest: {known})")
        if event not in NEXT[st.event]:
            raise ParameterError(f"{number} is {st.event}: it cannot be {event} again")
        last = [e for e in events if e.number == number][-1]  # its latest event: nothing is recorded before it
        if date < last.date:
            raise ParameterError(f"{number} was {last.event} on {last.date}: it cannot be {event} on {date}, before that")
        return [Event(**{**asdict(st), "event": event, "date": date, "note": note.strip()})]

    return append(path, make)[0]
