"""The reports' peer section: the same ranks as kpitrack peers, sparse years left out, gaps kept."""

from __future__ import annotations

from kpitrack.analysis.peers import ranking
from kpitrack.data.peers import load_peers
from kpitrack.publish.content import peer_section


def test_the_rank_table_shows_the_ranks_of_kpitrack_peers():
    peers = load_peers()
    table = peer_section.rank_table(2019, peers)
    row = table[(table["对标组"] == "副省级城市") & (table["指标"] == peers.indicator("gdp_real_growth").name_zh)].iloc[0]
    r = ranking(peers, "gdp_real_growth", 2019, "sub-provincial")
    assert row["2019年"] == f"{r.home_rank}/{r.n}"
    assert row["2017年"] == "—"  # fewer than half the group ranked that year: left out


def test_the_rank_chart_breaks_where_a_year_has_no_rank():
    fig = peer_section.rank_figure(2019, "sub-provincial")
    growth = next(t for t in fig.data if t.name == load_peers().indicator("gdp_real_growth").name_zh)
    ys = dict(zip(growth.x, growth.y))
    assert ys[2017] != ys[2017]  # NaN: no line drawn through the missing year
    assert "kpitrack" not in peer_section.note() and "`" not in peer_section.note()  # no commands, no monospace in the PDF
    assert all("/" not in s for t in peer_section.rank_figure(2019).data for s in t.customdata[:, 1])  # sources by name
