"""The reasons' words in English: the same codes and facts as :mod:`kpitrack.core.vocabulary`, the
sentences a researcher reads with ``language="en"`` (``reason_text``, ``what_it_takes``). A reason
code has its words in both modules (a test checks it)."""

from __future__ import annotations

from collections.abc import Mapping

from .english import fmt_en, plan_words_en
from .labels import fmt_pair
from .vocabulary import HORIZON_CAP

WHY_EN = {"one_point": "only one comparable figure"}


def _v(value: float | None, unit: str) -> str:
    return fmt_en(value, unit)


def _what(f: Mapping) -> str:
    unit = f.get("unit", "")
    if f.get("what") == "mean_so_far":
        return f"mean of {f['n']} years so far {_v(f['value'], unit)}, target {_v(f['target'], unit)}"
    years = f["years"]
    shown = f"{years[-1]}: {_v(f['value'], unit)}" if len(years) == 1 else f"{years[0]}-{years[-1]} mean {_v(f['value'], unit)}"
    if f.get("text") is not None and f.get("what") != "requirement":
        return f"{shown}, yearly target: {plan_words_en(f['text'])}"
    return shown


def _difference(value: float, target: float, unit: str) -> str:
    a, b = fmt_pair(value, target, unit)
    num = lambda t: t.replace(",", "").removesuffix(unit) if unit else t.replace(",", "")  # noqa: E731
    try:
        x, y = float(num(a)), float(num(b))
    except ValueError:
        return "-"
    digits = max(len(t.split(".")[1]) if "." in t else 0 for t in (num(a), num(b)))
    d = f"{abs(x - y):,.{digits}f}"
    return f"{d} percentage points" if unit == "%" else fmt_en(float(d.replace(",", "")), unit)


def status_reason_en(code: str, f: Mapping) -> str:
    """The English sentence for reason ``code`` with facts ``f`` (:func:`kpitrack.core.vocabulary.status_reason_zh`)."""
    unit = f.get("unit", "")
    text = _reason(code, f, unit)
    if f.get("later"):
        later = f["later"]
        asked = f"the plan's target for that year: {plan_words_en(later['text'])}, no number" if later.get("text") \
            else "no number in the plan for that year"
        text += f"; {later['year']}: {_v(later['value'], unit)}, {asked}"
    if f.get("dated_from") is not None:
        text += f" (on {f['dated_from']} figures; {f['as_of']} not yet known)"
    return text


def _reason(code: str, f: Mapping, unit: str) -> str:
    if code == "no_target_plan":
        return "the plan sets no number for it"
    if code == "tracked_only":
        return "tracked only: no target of its own"
    if code == "no_figures":
        return f"no figures up to {f['as_of']}"
    if code == "met":
        return (f"{f['year']} figure already meets the {f['target_year']} target: to be kept" if f["early"]
                else f"{f['year']} figure meets the {f['target_year']} target")
    if code == "base_only":
        return f"only the base year's ({f['base_year']}) figure"
    why = WHY_EN.get(f.get("why", ""), "")
    if code == "single_no_trajectory":
        return f"{why}, and no trajectory value for {f['year']} to compare with"
    if code == "single_meets_trajectory":
        return f"{why}; the {f['year']} figure meets that year's trajectory value {_v(f['trajectory'], unit)}"
    if code == "single_short":
        return f"{why}; the {f['year']} figure is {f['gap']:.1%} short of that year's trajectory value {_v(f['trajectory'], unit)}"
    if code == "no_growth":
        return "no growth rate can be computed"
    note = " (the base is implied by the plan)" if f.get("implied_base") else ""
    if code == "moved_away":
        return f"target met in {f['base_year']}, below it again in {f['year']}{note}"
    if code == "ratio":
        what = {("compound", "higher"): "average yearly growth", ("compound", "lower"): "average yearly fall",
                ("linear", "higher"): "average yearly increase", ("linear", "lower"): "average yearly decrease"}[(f["model"], f["direction"])]
        if f["ratio"] < 0:
            moved = {"higher": "fell", "lower": "rose"}[f["direction"]]
            return f"{f['base_year']}-{f['year']}: {moved}, away from the target{note}"
        if f.get("path") is not None:
            return (f"{f['base_year']}-{f['year']}: {what} {f['ratio']:.0%} of what reaching the {f['year']} trajectory "
                    f"value {_v(f['path'], unit)} needs{note}")
        return f"{f['base_year']}-{f['year']}: {what} {f['ratio']:.0%} of what is needed{note}"
    if code in ("yearly_bound", "end_bound"):
        words = ("below" if f["strict"] else "not above") if f["ok"] else ("not below" if f["strict"] else "above")
        if code == "yearly_bound":
            return f"{f['year']} figure {_v(f['value'], unit)} {words} that year's ceiling {_v(f['bound'], unit)}"
        tail = f", the {f['target_year']} target met early: to be kept" if f["ok"] and f["early"] else ""
        return f"{f['year']} figure {_v(f['value'], unit)} {words} the ceiling {_v(f['bound'], unit)}{tail}"
    if code == "cumulative_missing":
        return f"a cumulative target needs every year's figure; missing: {', '.join(map(str, f['missing'])) or 'every year'}"
    if code == "cumulative_met":
        return f"{f['first']}-{f['last']} total {_v(f['done'], unit)} meets the cumulative target {_v(f['target'], unit)}"
    if code == "no_cumulative_trajectory":
        return "the plan gives no cumulative path to this year"
    if code == "cumulative_ratio":
        return (f"{f['first']}-{f['last']} total {_v(f['done'], unit)}, {f['ratio']:.0%} of the cumulative path "
                f"{_v(f['required'], unit)} for those years")
    if code == "average_none":
        return f"no figures since {f['first']}"
    if code == "average_met":
        return f"mean over the period {_v(f['value'], unit)}, meets the target {_v(f['target'], unit)}"
    if code == "yearly_requirement":
        return f"{_what(f)}; yearly requirement ({plan_words_en(f['text'])}) {'met' if f['ok'] else 'not met'}"
    if code == "yearly_no_figures":
        if f.get("years"):
            return f"the plan's yearly target for {', '.join(str(y) for y in f['years'])} ({plan_words_en(f['text'])}) has no figure yet"
        return "no figures yet for the years with a yearly target"
    if code == "level_met":
        return _what(f) + ": met"
    if code == "rate_ratio":
        return f"{_what(f)}: {f['ratio']:.0%} of the target"
    if code == "level_short":
        return f"{_what(f)}: {_difference(f['value'], f['target'], unit)} short ({f['gap']:.1%})"
    raise KeyError(f"no English words for the reason code {code!r}")


def outlook_reason_en(code: str, n_points: int = 0) -> str:
    """Why an outlook has no forecast (:func:`kpitrack.core.vocabulary.outlook_reason_zh`)."""
    return {"": "", "end_year": "the target year is reached: judged on the figures",
            "few_points": f"only {n_points} comparable figures; a forecast needs at least 3",
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
        return f"the {o.target_year} target is met in {o.latest_year}: to be kept {bound} {fmt_en(o.target_value, o.unit)}"
    if advice == "none":
        if o.probability is not None and round(o.probability * 20) / 20 < 0.66:
            return "on the present course the median forecast reaches the target, but not with confidence: keep up and speed up"
        return "on course to be met"
    lead = "the remaining years need" if o.target_kind in ("cumulative", "average") else "needs"
    if o.strict and o.required_rate is not None and abs(o.required_rate) < 1e-12:
        parts = [f"needs to {'rise above' if o.direction == 'higher' else 'fall below'} {fmt_en(o.target_value, o.unit)}"]
    else:
        parts = [f"{lead} {rate_en(o, o.required_rate)}"]
    if o.best_rate is not None:
        best = rate_en(o, o.best_rate)
        if best == rate_en(o, o.required_rate):
            parts[-1] += ", as the best the record shows"
        elif best == rate_en(o, 0.0):
            parts.append("no year so far shows an increase")
        else:
            parts.append(f"the best so far: {best}")
    if o.target_kind in ("level", "floor", "ceiling"):
        if o.year_reached is None:
            parts.append("the present pace never reaches the target")
        elif o.year_reached > HORIZON_CAP:
            parts.append(f"the present pace reaches it after {HORIZON_CAP}")
        elif o.year_reached <= o.target_year:
            parts.append(f"the average pace so far reaches it in {o.year_reached}, but with recent years and their "
                         "swings the chance is below one half")
        else:
            parts.append(f"the present pace reaches it in {o.year_reached}")
    return "; ".join(parts)
