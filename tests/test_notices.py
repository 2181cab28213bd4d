"""Improvement notices (issue 10, part 2): the rule on a constructed history, no duplicates,
answers and closing kept in an append-only register, documents escaped and one page."""

from __future__ import annotations

import dataclasses
from datetime import date
import json
import re
import subprocess
import shutil

import pytest

from kpitrack.analysis.notices import NoticeRules, issue, load_rules, triggers
from kpitrack.cli import main
from kpitrack.core.exceptions import ParameterError
from kpitrack.data.notices import read_register, record, states
from kpitrack.publish.content.notice import file_stem

from .test_pace import A, B, Cat, dataset, monthly

RULES = NoticeRules(number_format="杭绩改〔{year}〕{seq}号")  # the bundled workspace's format (data/plan/notices.yaml)


def _lagging_history(months_off: list[int]):
    """District A off pace (far behind its share) in the given months of 2018, B always on pace."""
    m = monthly("K12.income", unit="元")
    rows = []
    for code in (A, B):
        for y in (2016, 2017):
            rows += [(m.id, code, f"{y}-{mm:02d}", 10.0 * mm) for mm in range(1, 13)]
    for mm in range(1, 8):
        rows.append((m.id, A, f"2018-{mm:02d}", (5.0 if mm in months_off else 11.0) * mm))
        rows.append((m.id, B, f"2018-{mm:02d}", 11.0 * mm))
    ds = dataset(rows, [(m.id, A, 2018, 120.0), (m.id, B, 2018, 120.0)])
    return m, ds


class KCat(Cat):
    """A catalogue of one measure whose KPI the helpers can look up."""

    def kpi(self, kid):
        return dataclasses.make_dataclass("K", [("responsible", tuple)])(("市统计局",))

    def measure(self, mid):
        return self.measures[0]


def test_three_lagging_months_give_one_notice_and_a_rerun_none(tmp_path):
    m, ds = _lagging_history([4, 5, 6])
    cat = KCat(m)
    found = triggers(cat, ds, 2018, 6, RULES)
    assert [(t.region, t.measure_id, t.units) for t in found] == [(A, m.id, ("西湖区人民政府",))]
    assert "连续3期" in found[0].evidence_zh
    register = tmp_path / "register.csv"
    first = issue(cat, ds, register, 2018, 6, RULES)
    # out with the month's bulletin (the 15th of the next month), answered within 15 days
    assert [e.number for e in first] == ["杭绩改〔2018〕1号"] and first[0].date == "2018-07-15" and first[0].due == "2018-07-30"
    assert issue(cat, ds, register, 2018, 6, RULES) == []   # running it twice issues nothing twice
    assert len(states(read_register(register))) == 1


def test_a_notice_on_december_is_numbered_in_the_year_it_goes_out(tmp_path):
    m, ds = _lagging_history([4, 5, 6])
    first = issue(KCat(m), ds, tmp_path / "register.csv", 2018, 6, RULES, on=date(2019, 1, 15))
    assert [e.number for e in first] == ["杭绩改〔2019〕1号"]  # a 文号's year is the year of issue
    from kpitrack.analysis.notices import notice_date

    assert notice_date(2020, 12) == date(2021, 1, 15)


def test_two_lagging_months_are_not_enough():
    m, ds = _lagging_history([5, 6])
    assert triggers(KCat(m), ds, 2018, 6, RULES) == []
    assert triggers(KCat(m), ds, 2018, 2, RULES) == []  # a streak does not reach back into last year


def test_answer_and_close_are_appended_never_rewritten(tmp_path):
    m, ds = _lagging_history([4, 5, 6, 7])
    cat = KCat(m)
    register = tmp_path / "register.csv"
    issue(cat, ds, register, 2018, 6, RULES)
    before = register.read_bytes()
    record(register, "杭绩改〔2018〕1号", "answered", "2018-07-18", "已查明原因：<b>某企业停产</b>，正在整改")
    assert register.read_bytes().startswith(before)
    after_answer = register.read_bytes()
    record(register, "杭绩改〔2018〕1号", "closed", "2018-08-01", "整改到位")
    assert register.read_bytes().startswith(after_answer)
    events = read_register(register)
    assert [e.event for e in events] == ["issued", "answered", "closed"]
    assert states(events)["杭绩改〔2018〕1号"].event == "closed"
    with pytest.raises(ParameterError, match="cannot be answered again"):
        record(register, "杭绩改〔2018〕1号", "answered", "2018-08-02", "再次反馈")
    with pytest.raises(ParameterError, match="no notice numbered"):
        record(register, "杭绩改〔2018〕9号", "answered", "2018-08-02", "x")
    # closed: a streak still running in July is noticed again, with the next number
    again = issue(cat, ds, register, 2018, 7, RULES)
    assert [e.number for e in again] == ["杭绩改〔2018〕2号"]


def _notices_in(tmp_path, monkeypatch):
    """Notice documents into a scratch folder (the fallback renderer needs no Quarto project)."""
    from kpitrack.publish.runs import notices

    out = tmp_path / "notices"
    monkeypatch.setattr(notices, "notice_folder", lambda dataset, reports_dir=None: out)
    return out


@pytest.mark.slow
def test_notice_documents_are_made_by_the_runner_escaped_and_up_to_date(data_copy, tmp_path, monkeypatch, capsys):
    from kpitrack.publish import render

    out = _notices_in(tmp_path, monkeypatch)
    run = ["--dataset", "synthetic", "--renderer", "fallback"]
    assert main(["notices", "--month", "2018-05", *run]) == 0
    first = capsys.readouterr().out
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert made["kind"] == "notices" and made["items"]["2018-001"]["status"] == "ok"
    count = len(made["items"])
    assert f"{count} written" in first and (out / "2018-001.html").is_file()
    stamp = (out / "2018-001.html").stat().st_mtime_ns
    note = '<script>alert("x")</script> #标题 $1 @人 "引号" \\ 反斜杠 [链接](javascript:alert(1))'
    issued = (out / "2018-001.html").read_bytes()
    assert main(["notices", "answer", "杭绩改〔2018〕1号", "--note", note, "--date", "2018-07-18", *run]) == 0
    second = capsys.readouterr().out
    # the notice as issued is a record, left as it is; the answer makes a new edition beside it
    assert f"1 written, 0 up to date, {count} issued" in second, second
    assert (out / "2018-001.html").stat().st_mtime_ns == stamp and (out / "2018-001.html").read_bytes() == issued
    page = (out / "2018-001-r1.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "合成演示数据" in page and "已反馈" in page
    assert "办理情况更新" in page and 'href="javascript' not in page
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["items"]
    assert made["2018-001-r1"]["revises"] == "2018-001" and made["2018-001-r1"]["edition"] == 2
    assert main(["notices", "--month", "2018-05", *run]) == 0  # nothing new: every document issued
    assert f"0 written, 0 up to date, {count} issued" in capsys.readouterr().out
    if (out / "2018-001-r1.pdf").is_file() and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "2018-001-r1.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        flat = "".join(text.split()).replace("\u200b", "")
        assert '<script>alert("x")</script>' in flat and '#标题$1@人"引号"' in flat  # printed as typed, not as markup
        pages = subprocess.run(["pdfinfo", str(out / "2018-001-r1.pdf")], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", pages, re.M), pages  # one page
    # an issued document removed by hand is not made again from what is known now: the run says so
    (out / "2018-001.html").unlink()
    assert main(["notices", "list", "--dataset", "synthetic"]) == 0
    assert main(["notices", "--month", "2018-05", *run]) == 0
    said = capsys.readouterr().out
    assert "2018-001.html are missing" in said and not (out / "2018-001.html").exists()
    (out / "2018-001.html").write_bytes(issued)  # restored from a backup
    # a damaged manifest is a damaged record: exit 2 naming it, and nothing rewritten
    manifest = (out / "manifest.json").read_bytes()
    (out / "manifest.json").write_text("garbage{", encoding="utf-8")
    assert main(["notices", "--month", "2018-05", *run]) == 2
    assert "manifest.json" in capsys.readouterr().err and (out / "2018-001.html").read_bytes() == issued
    (out / "manifest.json").write_bytes(manifest)
    # another renderer is no reason to make an issued notice again
    monkeypatch.setattr(render.FallbackRenderer, "identity", lambda self: "fallback (another pandoc)")
    assert main(["notices", "--month", "2018-05", *run]) == 0
    assert f"0 written, 0 up to date, {count} issued" in capsys.readouterr().out


def test_notice_formats_and_renderer_are_checked_before_the_register_is_written(data_copy):
    from kpitrack.data.notices import register_path

    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", "--to", "docx"]) == 2
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", "--renderer", "word"]) == 2
    assert read_register(register_path("synthetic")) == []


def test_notice_file_names():
    assert file_stem("杭绩改〔2018〕7号") == "2018-007"


def test_rules_file_is_checked(tmp_path):
    assert load_rules().consecutive_months == 3
    bad = tmp_path / "notices.yaml"
    bad.write_text("consecutive_months: 1\nlagging_statuses: [late]\nfeedback_days: 0\nnumber_format: x\n", encoding="utf-8")
    with pytest.raises(Exception) as err:
        load_rules(bad)
    for field in ("consecutive_months", "lagging_statuses", "feedback_days", "number_format"):
        assert field in str(err.value)


FAST = ("--to", "html", "--renderer", "fallback")


def test_notices_command_on_the_synthetic_data(data_copy, tmp_path, monkeypatch, capsys):
    _notices_in(tmp_path, monkeypatch)
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", *FAST]) == 0
    out = capsys.readouterr().out
    assert "issued 杭绩改〔2018〕1号" in out
    assert main(["notices", "--month", "2018-05", "--dataset", "synthetic", *FAST]) == 0
    assert "0 notice(s) issued" in capsys.readouterr().out
    assert main(["notices", "answer", "杭绩改〔2018〕1号", "--note", "已整改", "--dataset", "synthetic", "--date", "2018-07-10", *FAST]) == 0
    assert main(["notices", "list", "--dataset", "synthetic"]) == 0
    listing = capsys.readouterr().out
    assert "杭绩改〔2018〕1号\tanswered" in listing
    assert main(["notices", "answer", "杭绩改〔2018〕1号", "--dataset", "synthetic"]) == 2  # no note
    assert main(["notices", "--dataset", "synthetic"]) == 2  # no month
    from kpitrack.data.notices import register_path

    events = [e.event for e in read_register(register_path("synthetic"))]  # in the workspace's store
    assert events[-1] == "answered" and set(events[:-1]) == {"issued"} and len(events) >= 2


def _quarterly_history(quarters_off: list[int], upto: int = 9):
    """A quarterly measure: district A far behind in the given quarters (3, 6, 9) of 2018."""
    m = dataclasses.replace(monthly("K12.income", unit="元"), frequency="quarterly")
    rows = []
    for code in (A, B):
        for y in (2016, 2017):
            rows += [(m.id, code, f"{y}-{q:02d}", 10.0 * q) for q in (3, 6, 9, 12)]
    for q in (3, 6, 9, 12):
        if q <= upto:
            rows.append((m.id, A, f"2018-{q:02d}", (5.0 if q in quarters_off else 11.0) * q))
            rows.append((m.id, B, f"2018-{q:02d}", 11.0 * q))
    return m, dataset(rows, [(m.id, A, 2018, 120.0), (m.id, B, 2018, 120.0)])


def test_one_lagging_quarter_repeated_in_three_bulletins_is_one_figure_not_three():
    m, ds = _quarterly_history([3])
    cat = KCat(m)
    for month in (3, 4, 5):  # the bulletins of March, April and May all show the first quarter
        assert triggers(cat, ds, 2018, month, RULES) == []


def test_three_lagging_quarters_give_a_notice_when_the_third_comes_out():
    m, ds = _quarterly_history([3, 6, 9], upto=9)
    cat = KCat(m)
    assert triggers(cat, ds, 2018, 8, RULES) == []  # two figures so far
    found = triggers(cat, ds, 2018, 9, RULES)
    assert [(t.region, t.measure_id) for t in found] == [(A, m.id)]
    assert all(w in found[0].evidence_zh for w in ("连续3期", "一季度", "上半年", "前三季度"))
    assert triggers(cat, ds, 2018, 10, RULES) == []  # the October bulletin brings no new figure


def test_a_late_month_shows_the_previous_figure_again_and_is_not_counted_twice():
    m, ds = _lagging_history([3, 4, 5, 6])
    late = ds.observations[~((ds.observations["period"] == "2018-05"))]  # May's figures came too late
    ds = dataclasses.replace(ds, observations=late)
    cat = KCat(m)
    assert triggers(cat, ds, 2018, 5, RULES) == []  # April's figure again: nothing new this month
    found = triggers(cat, ds, 2018, 6, RULES)  # March, April, June: three figures, all lagging
    assert [(t.region, t.measure_id) for t in found] == [(A, m.id)] and "1—5月" not in found[0].evidence_zh
    assert all(w in found[0].evidence_zh for w in ("1—3月", "1—4月", "1—6月"))


def test_a_notice_closed_after_the_day_a_new_one_would_go_out_still_holds_it(tmp_path):
    """Closed on 20 July, a notice was still open on 15 July: a run for June made after the closing
    issues nothing beside it (the hostile test of issue 34)."""
    from kpitrack.data.notices import record

    m, ds = _lagging_history([4, 5, 6])
    register = tmp_path / "register.csv"
    first = issue(KCat(m), ds, register, 2018, 6, RULES, on=date(2018, 7, 1))
    record(register, first[0].number, "closed", "2018-07-20", "已整改")
    assert issue(KCat(m), ds, register, 2018, 6, RULES, on=date(2018, 7, 15)) == []
    # nor after the closing: the same figures never call for a second notice
    assert issue(KCat(m), ds, register, 2018, 6, RULES, on=date(2018, 7, 25)) == []
