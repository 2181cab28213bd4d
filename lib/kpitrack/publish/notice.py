"""Each improvement notice (绩效改进通知单) as a one-page official document, in HTML and PDF.

Text from the register (units, evidence, notes) is escaped for HTML, and reaches typst only as
string literals, never as markup.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..core.fileio import atomic_write_bytes, atomic_write_text
from ..data.notices import Event
from ..data.regions import regions
from ..plan.catalogue import Catalogue

STATE_ZH = {"issued": "待反馈", "answered": "已反馈", "closed": "已办结"}
EVENT_ZH = {"issued": "发出", "answered": "单位反馈", "closed": "办结"}


def file_stem(number: str) -> str:
    """A file name for a notice number: 杭绩改〔2018〕7号 -> 2018-007."""
    digits = re.findall(r"\d+", number)
    return f"{digits[0]}-{int(digits[-1]):03d}" if len(digits) >= 2 else re.sub(r"\W+", "-", number)


def _fields(n: Event, cat: Catalogue, synthetic: bool) -> list[tuple[str, str]]:
    region = next((r.name_zh for r in regions() if r.code == n.region), n.region)
    m = cat.measure(n.measure_id)
    return [("编号", n.number), ("主送", n.unit), ("地区", region), ("指标", f"{m.kpi_id} {m.name_zh}"),
            ("问题", n.evidence), ("要求", f"请于{n.due}前分析原因、提出整改措施，书面反馈市考评办（即知即改）。"),
            ("发出日期", n.date), ("状态", STATE_ZH.get(n.event, n.event))] + (
        [("说明", "本通知单依据合成演示数据生成，不是真实通知。")] if synthetic else [])


def notice_html(n: Event, cat: Catalogue, synthetic: bool, history: list[Event]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _fields(n, cat, synthetic))
    hist = "".join(f"<li>{html.escape(e.date)} {html.escape(EVENT_ZH.get(e.event, e.event))}"
                   f"{'：' + html.escape(e.note) if e.note else ''}</li>" for e in history)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(n.number)} 绩效改进通知单</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:760px;margin:2rem auto;line-height:1.7;color:#222}}
h1{{text-align:center;color:#b00;letter-spacing:.3em;font-size:1.6rem}}.no{{text-align:center;color:#555}}
table{{border-collapse:collapse;width:100%}}th{{width:6em;text-align:left;vertical-align:top;padding:.4rem;border-bottom:1px solid #ddd}}
td{{padding:.4rem;border-bottom:1px solid #ddd;overflow-wrap:anywhere}}</style></head><body>
<h1>绩效改进通知单</h1><p class="no">{html.escape(n.number)}</p><table>{rows}</table>
<h2>办理记录</h2><ul>{hist}</ul><p style="text-align:right">杭州市绩效管理考评办公室</p></body></html>
"""


def _typst_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a typst string literal: quotes and backslashes escaped


def notice_typst(n: Event, cat: Catalogue, synthetic: bool, history: list[Event]) -> str:
    cells = ",\n  ".join(f"text(weight: \"bold\", {_typst_str(k)}), text({_typst_str(v)})" for k, v in _fields(n, cat, synthetic))
    hist = "\n".join(f"- #text({_typst_str(e.date + ' ' + EVENT_ZH.get(e.event, e.event) + ('：' + e.note if e.note else ''))})"
                     for e in history)
    return f"""#set page(paper: "a4", margin: 2.2cm)
#set text(font: ("Noto Sans CJK SC",), lang: "zh", region: "cn", size: 11pt)
#set par(justify: false, leading: 0.8em)
#align(center, text(size: 22pt, fill: rgb("#b00000"), weight: "bold", tracking: 0.3em)[绩效改进通知单])
#align(center, text({_typst_str(n.number)}))
#v(1em)
#table(columns: (6em, 1fr), stroke: (x, y) => (bottom: 0.5pt + luma(200)), inset: 6pt,
  {cells}
)
#v(1em)
#text(weight: "bold")[办理记录]
{hist}
#v(2em)
#align(right)[杭州市绩效管理考评办公室]
"""


def write_notice(n: Event, cat: Catalogue, synthetic: bool, history: list[Event], out_dir: Path, pdf: bool = True) -> dict[str, Path]:
    """Write ``<out_dir>/<2018-007>.html`` (and ``.pdf`` when fonts allow), atomically."""
    stem = file_stem(n.number)
    out = {"html": atomic_write_text(out_dir / f"{stem}.html", notice_html(n, cat, synthetic, history))}
    if pdf:
        from .render import find_cjk_font, typst_pdf

        font = find_cjk_font()
        if font is not None:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "notice.typ"
                src.write_text(notice_typst(n, cat, synthetic, history), encoding="utf-8")
                out["pdf"] = atomic_write_bytes(out_dir / f"{stem}.pdf", typst_pdf(src, font))
    return out
