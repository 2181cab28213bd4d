"""The reasons' words in English: the same codes and facts as :mod:`kpitrack.core.vocabulary`, the
sentences a researcher reads with ``language="en"`` (``reason_text``, ``what_it_takes``). A reason
code has its words in both modules (a test checks it)."""

from __future__ import annotations

from collections.abc import Mapping

from .english import fmt_en, plan_words_en
from .vocabulary import HORIZON_CAP, printed_difference

WHY_EN = {"one_point": "only one comparable figure"}


def _v(value: float | None, unit: str) -> str:
    return fmt_en(value, unit)


def _target_words(f: Mapping) -> str:
    """The yearly target as the English reader needs it: the plan's stock phrase in English, else its number."""
    phrase = plan_words_en(f.get("text"))
    if phrase and phrase != "the plan's words":
        return phrase
    return _v(f["target"], f.get("unit", "")) if f.get("target") is not None else "the plan's yearly target"


def _shown(f: Mapping) -> str:
    unit = f.get("unit", "")
    if f.get("what") == "mean_so_far":
        return f"mean of the {f['n']} years so far {_v(f['value'], unit)}"
    years = f["years"]
    return f"{years[-1]}: {_v(f['value'], unit)}" if len(years) == 1 else f"{years[0]}-{years[-1]} mean {_v(f['value'], unit)}"


def _difference(value: float, target: float, unit: str) -> str:
    d = printed_difference(value, target, unit)  # the one rule, core.vocabulary
    if d is None:
        return "-"
    return f"{d} percentage points" if unit == "%" else fmt_en(float(d.replace(",", "")), unit)


def _phrase(text: object) -> str:
    """The plan's stock phrase in English, or "" when it is not one."""
    phrase = plan_words_en(text)
    return "" if phrase == "the plan's words" else phrase


def status_reason_en(code: str, f: Mapping) -> str:
    """The English sentence for reason ``code`` with facts ``f`` (:func:`kpitrack.core.vocabulary.status_reason_zh`)."""
    unit = f.get("unit", "")
    text = _reason(code, f, unit)
    if f.get("later"):
        later = f["later"]
        why = f" ({_phrase(later.get('text'))})" if _phrase(later.get("text")) else ""
        text += f"; {later['year']}: {_v(later['value'], unit)}, a year for which the plan sets no number{why}"
    if f.get("dated_from") is not None:
        text += f" (on the {f['dated_from']} figure; {f['as_of']} not yet published)"
    return text


def _reason(code: str, f: Mapping, unit: str) -> str:
    if code == "no_target_plan":
        return f"the plan sets no number for it ({_phrase(f.get('text'))})" if _phrase(f.get("text")) else "the plan sets no number for it"
    if code == "tracked_only":
        return "tracked only: no target of its own"
    if code == "no_figures":
        return f"no figures up to {f['as_of']}"
    if code == "met":
        return (f"the {f['year']} figure already meets the {f['target_year']} target and must be maintained" if f["early"]
                else f"the {f['year']} figure meets the {f['target_year']} target")
    if code == "base_only":
        return f"only the base year's ({f['base_year']}) figure"
    why = WHY_EN.get(f.get("why", ""), "")
    if code == "single_no_trajectory":
        return f"{why}, and no trajectory value for {f['year']} to compare it with"
    if code == "single_meets_trajectory":
        return f"{why}; the {f['year']} figure meets that year's trajectory value of {_v(f['trajectory'], unit)}"
    if code == "single_short":
        return f"{why}; the {f['year']} figure is {f['gap']:.1%} short of that year's trajectory value of {_v(f['trajectory'], unit)}"
    if code == "no_growth":
        return "no growth rate can be computed"
    note = " (the base is implied by the plan)" if f.get("implied_base") else ""
    if code == "moved_away":
        return f"the target was met in {f['base_year']}, but not in {f['year']}{note}"
    if code == "ratio":
        what = {("compound", "higher"): "Average annual growth", ("compound", "lower"): "The average annual fall",
                ("linear", "higher"): "The average annual increase", ("linear", "lower"): "The average annual decrease"}[
            (f["model"], f["direction"])]
        span = f"{f['base_year']}-{f['year']}"
        if f["ratio"] < 0:
            moved = {"higher": "fell", "lower": "rose"}[f["direction"]]
            return f"it {moved} over {span}, moving away from the target{note}"
        if f.get("path") is not None:
            return (f"{what} over {span} was {f['ratio']:.0%} of the rate needed to reach the {f['year']} "
                    f"trajectory value of {_v(f['path'], unit)}{note}")
        return f"{what} over {span} was {f['ratio']:.0%} of the rate needed{note}"
    if code in ("yearly_bound", "end_bound"):
        words = ("below" if f["strict"] else "at or below") if f["ok"] else ("not below" if f["strict"] else "above")
        if code == "yearly_bound":
            return f"{f['year']}: {_v(f['value'], unit)}, {words} that year's ceiling of {_v(f['bound'], unit)}"
        tail = f", already meeting the {f['target_year']} target: it must be maintained" if f["ok"] and f["early"] else ""
        return f"{f['year']}: {_v(f['value'], unit)}, {words} the ceiling of {_v(f['bound'], unit)}{tail}"
    if code == "cumulative_missing":
        return f"a cumulative target needs every year's figure; missing: {', '.join(map(str, f['missing'])) or 'every year'}"
    span = f"{f.get('first')}" if f.get("first") == f.get("last") else f"{f.get('first')}-{f.get('last')}"
    if code == "cumulative_met":
        return f"the {span} total of {_v(f['done'], unit)} meets the cumulative target of {_v(f['target'], unit)}"
    if code == "no_cumulative_trajectory":
        return "the plan gives no cumulative path to this year"
    if code == "cumulative_ratio":
        return (f"the {span} total of {_v(f['done'], unit)} is {f['ratio']:.0%} of the cumulative path "
                f"({_v(f['required'], unit)}) for those years")
    if code == "average_none":
        return f"no figures since {f['first']}"
    if code == "average_met":
        return f"the mean over the period, {_v(f['value'], unit)}, meets the target of {_v(f['target'], unit)}"
    if code == "yearly_requirement":
        return f"{_shown(f)}, {'meeting' if f['ok'] else 'not meeting'} the yearly requirement ({_target_words(f)})"
    if code == "yearly_no_figures":
        if f.get("years"):
            years = ", ".join(str(y) for y in f["years"])
            return f"no figure yet for {years}, the years of the plan's yearly target ({_target_words(f)})"
        return "no figures yet for the years with a yearly target"
    if code == "level_met":
        if f.get("what") == "mean_so_far":
            return f"{_shown(f)}, meeting the target of {_v(f['target'], unit)}"
        return f"{_shown(f)}, meeting the yearly target ({_target_words(f)})"
    if code == "rate_ratio":
        return f"{_shown(f)}, {f['ratio']:.0%} of the yearly target ({_target_words(f)})"
    if code == "level_short":
        return (f"{_shown(f)}, {_difference(f['value'], f['target'], unit)} ({f['gap']:.1%}) short of the yearly target of "
                f"{_v(f['target'], unit)}")
    raise KeyError(f"no English words for the reason code {code!r}")


def outlook_reason_en(code: str, n_points: int = 0) -> str:
    """Why an outlook has no forecast (:func:`kpitrack.core.vocabulary.outlook_reason_zh`)."""
    return {"": "", "end_year": "the target year has arrived: judged on its figures (kt.final())",
            "few_points": f"only {n_points} comparable figure{'' if n_points == 1 else 's'}; a forecast needs at least 3",
            "no_end_number": "no number in the end target: no forecast against it",
            "cumulative_gaps": "a cumulative target needs every year's figure; some are missing"}[code]


def rate_en(o, rate: float | None) -> str:
    """A yearly change in words (:func:`kpitrack.core.vocabulary.rate_zh`)."""
    if rate is None:
        return "-"
    if o.target_kind == "cumulative":
        return f"{fmt_en(rate, o.unit)} a year"
    if o.target_kind == "average":
        return f"a mean of {fmt_en(rate, o.unit)}"
    if o.rate_kind == "compound":
        return f"{'growth' if rate >= 0 else 'a fall'} of {abs(rate) * 100:.1f}% a year"
    change = fmt_en(abs(rate), "个百分点" if o.unit == "%" else o.unit)
    return f"{'an increase' if rate >= 0 else 'a decrease'} of {change} a year"


def what_it_takes_en(o) -> str:
    """What meeting the target takes, in English (:func:`kpitrack.core.vocabulary.what_it_takes_zh`)."""
    if not o.assessable:
        return outlook_reason_en(o.reason, o.n_points)
    advice = o.advice.value
    if advice == "keep":
        bound = ("above" if o.strict else "at or above") if o.direction == "higher" else ("below" if o.strict else "at or below")
        return f"the {o.target_year} target was already met in {o.latest_year} and must be kept {bound} {fmt_en(o.target_value, o.unit)}"
    if advice == "none":
        if o.probability is not None and round(o.probability * 20) / 20 < 0.66:
            return "on the present course the median forecast reaches the target, but with little confidence: maintain and accelerate the current pace"
        return "on course to be met"
    lead = "the remaining years need" if o.target_kind in ("cumulative", "average") else "needs"
    if o.strict and o.required_rate is not None and abs(o.required_rate) < 1e-12:
        parts = [f"needs to {'rise above' if o.direction == 'higher' else 'fall below'} {fmt_en(o.target_value, o.unit)}"]
    else:
        parts = [f"{lead} {rate_en(o, o.required_rate)}"]
    if o.best_rate is not None:
        best = rate_en(o, o.best_rate)
        if best == rate_en(o, o.required_rate):
            parts[-1] += ", matching the best year on record"
        elif best == rate_en(o, 0.0) and o.target_kind in ("level", "floor", "ceiling"):  # a change per year, never a level
            parts.append("no year so far shows a " + ("fall" if o.direction == "lower" else "rise"))
        else:
            parts.append(f"the best on record: {best}")
    if o.target_kind in ("level", "floor", "ceiling"):
        if o.year_reached is None:
            parts.append("at the present pace it is never reached")
        elif o.year_reached > HORIZON_CAP:
            parts.append(f"at the present pace not before {HORIZON_CAP}")
        elif o.year_reached <= o.target_year:
            parts.append(f"at the average pace so far it would be reached in {o.year_reached}, but allowing for the recent "
                         "trend and volatility the chance is below 50%")
        else:
            parts.append(f"at the present pace it is reached in {o.year_reached}")
    return "; ".join(parts)
