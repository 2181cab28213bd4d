"""Today and now in the workspace's time zone (``timezone`` in ``workspace.yaml``, China's by
default). A figure ingested at 07:00 in Hangzhou is known from that day, not from the day before
(which it still is in UTC), and a month is due, a date is in the future, by the city's calendar,
whatever the machine's own time zone."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def zone(name: str | None = None) -> ZoneInfo:
    """The time zone ``name``, else the active workspace's."""
    if name is None:
        from .workspace import workspace

        name = workspace().timezone
    return ZoneInfo(name)


def now(tz: str | None = None) -> datetime:
    """This moment, in the workspace's time zone (an aware datetime)."""
    return datetime.now(timezone.utc).astimezone(zone(tz))


def today(tz: str | None = None) -> date:
    """Today's date in the workspace's time zone."""
    return now(tz).date()


def local_day(moment: datetime, tz: str | None = None) -> date:
    """The workspace's date at ``moment`` (an aware datetime; a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone(tz)).date()
