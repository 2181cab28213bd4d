"""The catalogue exported: JSON (everything) and CSV (one row per KPI measure with its targets)."""

from __future__ import annotations

import io
import json

from .model import Catalogue

def export_json(cat: Catalogue) -> str:
    """The whole catalogue as JSON (UTF-8 text, Chinese kept as is)."""
    return json.dumps(cat.to_dict(), ensure_ascii=False, indent=2)


def export_csv(cat: Catalogue) -> str:
    """The catalogue as one long CSV: one row per target statement, with its table and ids."""
    buf = io.StringIO()
    from ..core.fileio import safe_csv_writer

    w = safe_csv_writer(buf)
    w.writerow(["table", "id", "parent_id", "name_zh", "name_en", "unit", "direction", "kind", "years", "value", "text_zh", "responsible"])
    for k in cat.kpis:
        for m in k.measures:
            e = m.end_target
            w.writerow(["1", m.id, k.id, m.name_zh, m.name_en, m.unit, m.direction, f"end:{e.kind}", e.year, _fmt(e.value), e.text_zh, "；".join(k.responsible)])
            for t in m.yearly_targets:
                w.writerow(["1", m.id, k.id, m.name_zh, m.name_en, m.unit, m.direction, f"yearly:{t.kind}", " ".join(map(str, t.years)), _fmt(t.value), t.text_zh, "；".join(k.responsible)])
    for s in cat.special_targets:
        w.writerow(["2", s.id, "", s.name_zh, s.name_en, "", "", "special_target", "", "", "；".join(s.assessment_methods), "；".join(s.lead_units)])
        for t in s.subtargets:
            w.writerow(["2", t.id, s.id, t.name_zh, "", t.unit, "", t.kind, t.year, _fmt(t.value), t.text_zh, "；".join(s.lead_units)])
    for a in cat.problem_areas:
        for p in a.problems:
            w.writerow(["3", p.id, a.id, a.name_zh, a.name_en, "", "", "problem", "", "", p.text_zh, "；".join(p.lead_units)])
    for st in cat.standards:
        w.writerow(["5", f"STD{st.no:03d}", st.subsystem, st.name_zh, "", "", "", st.action, st.year, "", st.note_zh, st.responsible_unit])
    sc = cat.scoring
    w.writerow(["scoring", "base_share", "", "基本目标满分分值占比", "base score share", "", "", "parameter", "", _fmt(sc.base_share), "", ""])
    w.writerow(["scoring", "bonus_share", "", "关键性挑战指标加分空间", "bonus share", "", "", "parameter", "", _fmt(sc.bonus_share), "", ""])
    w.writerow(["scoring", "challenge_all_or_nothing", "", "挑战目标完成赋满分、未实现不得分", "challenge all-or-nothing", "", "", "parameter", "", str(sc.challenge_all_or_nothing).lower(), "", ""])
    return buf.getvalue()


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))
