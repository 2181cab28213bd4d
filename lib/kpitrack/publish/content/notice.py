"""What an improvement notice (绩效改进通知单) shows: its number, addressee, region, measure, the
problem found, what is asked and by when, its state, and the record of what followed.

``notebooks/improvement_notice.ipynb`` only calls these functions and shows their results; the
document is made like every other one (``kpitrack.publish.runs.notices`` builds the jobs, the batch
runner executes, renders and lists them). Text from the register (units, evidence, notes) reaches
the page only inside escaped table cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ...core.labels import SYNTHETIC_DATA_ZH
from ...core.exceptions import ParameterError
from ...data.actuals import load_dataset
from ...data.notices import Event, read_register, register_path, states
from ...data.regions import regions
from ...plan.catalogue import Catalogue, catalogue
from .masthead import check_edition
from .params import check_common

STATE_ZH = {"issued": "待反馈", "answered": "已反馈", "closed": "已办结"}
EVENT_ZH = {"issued": "发出", "answered": "单位反馈", "closed": "办结"}
TITLE_ZH = "绩效改进通知单"


def file_stem(number: str) -> str:
    """A file name for a notice number: 杭绩改〔2018〕7号 -> 2018-007."""
    digits = re.findall(r"\d+", number)
    return f"{digits[0]}-{int(digits[-1]):03d}" if len(digits) >= 2 else re.sub(r"\W+", "-", number)


@dataclass(frozen=True)
class Notice:
    state: Event            # as issued, with the state of its last event
    history: list[Event]    # every event of the notice, oldest first
    cat: Catalogue
    synthetic: bool
    #: 1 as first issued; 2, 3 ... the record brought up to date after an answer or the closing
    edition: int = 1


def prepare(number: str, dataset: str, edition: int = 1) -> Notice:
    """The notice ``number`` of ``dataset``'s register (ParameterError when there is none)."""
    dataset, _, _ = check_common(dataset, "zh", "")
    events = read_register(register_path(dataset))
    current = states(events)
    if number not in current:
        # in the order of their numbers (10号 after 9号), not of their text
        ordered = sorted(current, key=lambda n: tuple(int(x) for x in re.findall(r"\d+", n)) or (0,))
        latest = "、".join(ordered[-3:]) or "none yet"
        raise ParameterError(f"parameter number: no notice numbered {number!r} in the register of dataset {dataset} (latest: {latest})")
    cat = catalogue()
    return Notice(current[number], [e for e in events if e.number == number], cat, load_dataset(dataset, cat).synthetic,
                  check_edition(edition))


def fields(n: Notice) -> pd.DataFrame:
    """The notice itself, one row per field (项目, 内容)."""
    e = n.state
    region = next((r.name_zh for r in regions() if r.code == e.region), e.region)
    try:
        m = n.cat.measure(e.measure_id)
        measure = f"{m.kpi_id} {m.name_zh}"
    except KeyError:
        measure = e.measure_id
    rows = [("地区", region), ("指标", measure), ("问题", e.evidence),
            ("要求", f"请于{_cn(e.due)}前分析原因、提出整改措施，书面反馈本办。"),
            ("发出日期", _cn(e.date)), ("状态", STATE_ZH.get(e.event, e.event))]
    if n.synthetic:
        rows.append(("说明", f"本通知单依据{SYNTHETIC_DATA_ZH}生成，不是真实通知。"))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def _cn(day: object) -> str:
    """A date as official documents write it (2019年7月20日); text that is not a date as it is."""
    from datetime import date

    from .masthead import chinese_date

    try:
        return chinese_date(date.fromisoformat(str(day)[:10]))
    except ValueError:
        return str(day)


def history(n: Notice) -> pd.DataFrame:
    """What followed: date, event, note."""
    return pd.DataFrame([(_cn(e.date), EVENT_ZH.get(e.event, e.event), e.note or "—") for e in n.history],
                        columns=["日期", "事项", "说明"])


def title(n: Notice) -> str:
    return f"{TITLE_ZH}（{n.state.number}{update_words(n.edition)}）"


def update_words(edition: int) -> str:
    """What a notice's title says of its edition: nothing as first issued; ·办理情况更新 when an
    answer or the closing was recorded since (·办理情况第二次更新 ...)."""
    from ...core.labels import chinese_number

    if edition <= 1:
        return ""
    return "·办理情况更新" if edition == 2 else f"·办理情况第{chinese_number(edition - 1)}次更新"


def signature() -> str:
    from ...core.workspace import workspace

    return workspace().office_zh


def masthead(n: Notice):
    """The notice's head: the office, its own number as the 文号, 主送 the unit it is addressed to."""
    from datetime import date

    from .masthead import notice_head

    return notice_head(n.state.number, n.state.unit, date.fromisoformat(str(n.history[0].date)[:10]), n.synthetic,
                       update_words(n.edition).lstrip("·"))


def signoff(n: Notice):
    """The 落款: the office and the day the notice was issued (an update: the day of the latest event
    it records)."""
    from datetime import date

    from .masthead import Signoff, office_lines

    day = n.history[-1].date if n.edition > 1 else n.history[0].date
    return Signoff((), office_lines(), date.fromisoformat(str(day)[:10]))
