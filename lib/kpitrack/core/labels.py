"""Words shown to readers, in Chinese first and English second."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """The fixed vocabulary of progress statuses, from best to worst; ``INSUFFICIENT`` is apart."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    INSUFFICIENT = "insufficient_data"


STATUS_ZH = {
    Status.ACHIEVED: "已实现",
    Status.ON_TRACK: "进度正常",
    Status.AT_RISK: "存在风险",
    Status.OFF_TRACK: "进度滞后",
    Status.INSUFFICIENT: "数据不足",
}
STATUS_EN = {
    Status.ACHIEVED: "achieved",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.INSUFFICIENT: "insufficient data",
}
#: Colours of the status, shared by tables and charts (colour-blind-safe, Okabe-Ito based).
STATUS_COLOUR = {
    Status.ACHIEVED: "#009E73",
    Status.ON_TRACK: "#56B4E9",
    Status.AT_RISK: "#E69F00",
    Status.OFF_TRACK: "#D55E00",
    Status.INSUFFICIENT: "#999999",
}
#: Severity for combining measure statuses into a KPI status (higher is worse).
SEVERITY = {Status.ACHIEVED: 0, Status.ON_TRACK: 1, Status.AT_RISK: 2, Status.OFF_TRACK: 3}

QUALITY_ZH = {"reported": "公布数", "preliminary": "初步数", "derived": "推算", "synthetic": "合成", "plan-implied": "规划推算基数"}
LANGUAGES = ("zh", "en")


def status_label(status: Status, language: str = "zh") -> str:
    return (STATUS_ZH if language == "zh" else STATUS_EN)[Status(status)]


def fmt(value: float | None, unit: str = "") -> str:
    """A number as a reader expects it: thousands separators for large numbers, few decimals."""
    if value is None or value != value:  # NaN
        return "—"
    a = abs(value)
    if a >= 1000:
        text = f"{value:,.0f}"
    elif a >= 100:
        text = f"{value:,.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"
