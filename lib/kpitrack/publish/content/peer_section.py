"""The reports' section on peer cities (对标城市比较): the home city's rank among its peer group, year by
year, for every peer indicator that compares with a KPI measure and may be ranked; one source per
year (:func:`kpitrack.analysis.peers.ranking`), the same numbers as ``kpitrack peers``."""

from __future__ import annotations

import pandas as pd

from ...analysis.peers import rank_history
from ...data.peers import Peers, load_peers
from ...plan.schema import plan_base_year
from .display import escape_markdown, new_figure

GROUPS = ("sub-provincial", "yrd")


def _history(peers: Peers, indicator: str, group: str, years: range) -> pd.DataFrame:
    """The home city's ranks, only in years when at least half the group's cities were ranked (a rank
    among a few cities of a source that covers one province says little)."""
    h = rank_history(peers, indicator, group, years)
    return h[h["n"] * 2 >= len(peers.group(group).cities)].reset_index(drop=True)


def _indicators(peers: Peers):
    return [i for i in peers.indicators.values() if i.measure and i.rankable and i.direction != "none"]


def available() -> bool:
    """Whether the workspace holds peer cities' figures (``peers/``): a new city's may not yet."""
    from ...data.peers import available as peers_available

    return peers_available()


def missing_note() -> str:
    return "尚未录入对标城市数据，本节从略。"


def rank_caption() -> str:
    """The rank table's caption: the home city among its peers."""
    from ...core.workspace import workspace

    return f"{workspace().city_short_zh}在对标城市中的位次"


def known(data_as_of: str = "") -> Peers:
    """The peer figures as known on ``data_as_of`` (a report's date of its data; empty: all)."""
    return load_peers(known_at=data_as_of or None)


def rank_table(up_to: int, peers: Peers | None = None) -> pd.DataFrame:
    """One row per group and indicator: the home city's rank in each year (第r位/n), "—" without one."""
    peers = peers or load_peers()
    years = range(plan_base_year(), up_to + 1)
    rows = []
    for g in GROUPS:
        group = peers.group(g)
        for ind in _indicators(peers):
            h = _history(peers, ind.id, g, years).set_index("year")
            if h.empty:
                continue
            row = {"对标组": group.name_zh, "指标": ind.name_zh}
            for y in years:
                row[f"{y}年"] = f"{h.at[y, 'rank']}/{h.at[y, 'n']}" if y in h.index else "—"
            rows.append(row)
    return pd.DataFrame(rows)


def rank_figure(up_to: int, group: str = "sub-provincial", peers: Peers | None = None):
    """The home city's rank among ``group`` over the years, one line per indicator (1 at the top)."""
    peers = peers or load_peers()
    fig = new_figure()
    years = range(plan_base_year(), up_to + 1)
    most = 1
    for ind in _indicators(peers):
        h = _history(peers, ind.id, group, years)
        if h.empty:
            continue
        most = max(most, int(h["n"].max()))
        h = h.set_index("year").reindex(years).rename_axis("year").reset_index()  # a year without a rank breaks the line
        h["source"] = [peers.source_zh(s) if isinstance(s, str) else "" for s in h["source"]]
        fig.add_scatter(x=h["year"], y=h["rank"], mode="lines+markers", name=ind.name_zh,
                        customdata=h[["n", "source"]].to_numpy(),
                        hovertemplate="%{x}年：第%{y}位（共%{customdata[0]}个）<br>来源：%{customdata[1]}<extra></extra>")
    fig.update_layout(title=f"{peers.home}在{peers.group(group).name_zh}中的位次", height=360, meta={"kind": "peer_ranks"},
                      legend={"orientation": "h", "y": -0.25}, margin={"l": 50, "r": 20, "t": 50, "b": 80})
    fig.update_yaxes(title="位次（1为最好）", range=[most + 0.5, 0.5], dtick=1)  # descending: 1 at the top
    fig.update_xaxes(dtick=1, title=None)
    return fig


def note(peers: Peers | None = None, synthetic: bool = False) -> str:
    """What the section's numbers are, and what they are not (beside synthetic figures: that the peers'
    are real all the same)."""
    peers = peers or load_peers()
    caveats = "".join(f"{escape_markdown(i.name_zh)}：{escape_markdown(i.caveat_zh)}" for i in _indicators(peers) if i.caveat_zh)
    apart = "（与本报告所用的合成数据无关）" if synthetic else ""
    return (f"对标城市数据为公开来源的真实数据{apart}，每年只用同一来源的数据排名（覆盖城市最多的来源），"
            f"并列同位次，缺数据的城市不参与排名；“r/n”表示在有数据的n个城市中居第r位；有数据的城市不足对标组一半的年份不列。{caveats}"
            f"挑战目标是否符合规划的横向、纵向比较标准，另按挑战目标认定表逐项判断。")
