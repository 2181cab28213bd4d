"""One website of everything a reader gets: the mid-term reports, the bulletins by month, the
performance cards, the improvement notices and the yearly scores.

``kpitrack site`` writes the pages of a Quarto website project into ``reports/site/`` (generated,
not committed: ``_quarto.yml``, ``index.qmd`` ...), copies the rendered documents under
``reports/site/files/`` and renders it with Quarto (navigation and site search) into
``reports/site/_site/``; without Quarto, the fallback writes the same pages with pandoc and a plain
navigation bar. Every internal link points at a file of the site (``broken_links`` checks it).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from ...core.labels import SYNTHETIC_DATA_ZH, dates_zh
from ...core import paths
from ...core.exceptions import RenderError
from ...core.workspace import plan_info, workspace
from ..render.tools import run_tool
from ...data.regions import regions
from ..content.display import escape_markdown, table_html

log = logging.getLogger(__name__)

PAGES = (("index", "首页"), ("reports", "评估报告"), ("bulletins", "月度通报"), ("cards", "绩效卡"),
         ("notices", "绩效改进通知单"), ("scores", "年度得分"))


@dataclass(frozen=True)
class Site:
    folder: Path          # the site project (pages, files/)
    output: Path          # the rendered site (index.html ...)
    renderer: str


def _link(label: str, target: str) -> str:
    """A Markdown link to a file of the site: the target percent-encoded as a relative path (a
    document named ``a)[X](javascript:alert(1))`` stays a file name, never a link of its own or a
    scheme), in angle brackets so that Markdown reads it whole."""
    href = "".join(f"%{ord(ch):02X}" if ch in '()[]<>"%: \\`' or ord(ch) < 32 or ord(ch) == 127 else ch for ch in str(target))
    if href.startswith("/"):  # never an absolute path
        href = "." + href
    return f"[{escape_markdown(label)}](<{href}>)"


def site_title() -> str:
    """The website's title, from the workspace (``workspace.yaml``)."""
    return workspace().site_title_zh


def back_link(href: str) -> str:
    return ('<p class="kpitrack-back" style="margin:0.5em 1em;font-size:0.9em"><a href="' + href + '">← 返回'
            + html.escape(site_title()) + '网站</a></p>')


#: Where the site keeps the one copy of the chart library its pages share (under ``files/``).
SHARED_PLOTLY = "lib/plotly.min.js"


def _share_plotly(page: str, files: Path, rel: str) -> str:
    """The page with its inlined chart library replaced by the site's one shared copy (a document sent
    out stays self-contained in ``reports/``; the site's pages load the library once, from the site)."""
    from ..render.base import plotlyjs

    inline = f'<script type="text/javascript">{plotlyjs()}</script>'
    if inline not in page:
        return page
    lib = files / SHARED_PLOTLY
    if not lib.is_file():
        lib.parent.mkdir(parents=True, exist_ok=True)
        lib.write_text(plotlyjs(), encoding="utf-8")
    up = "../" * (len(Path(rel).parts) - 1)
    return page.replace(inline, f'<script type="text/javascript" src="{up}{SHARED_PLOTLY}"></script>', 1)


#: an embedded file (``src``/``href`` of ``data:…;base64,…``) larger than this is shared: written once
#: into ``files/lib/`` under its content's hash, and loaded from there by every page that embeds it
SHARE_ABOVE = 2_000
_EMBEDDED = re.compile(r'(src|href)="data:([a-z]+/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]+)"')
_EXTENSIONS = {"text/css": "css", "text/javascript": "js", "application/javascript": "js", "font/woff2": "woff2",
               "font/woff": "woff", "image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg"}


def _share_embedded(page: str, files: Path, rel: str) -> str:
    """The page with its large embedded files (Quarto's theme, fonts and scripts, base64 in every
    self-contained page) replaced by one shared copy each in ``files/lib/``, named by the hash of
    its content: the site holds each once; the document in ``reports/`` stays self-contained."""
    import base64
    import hashlib

    up = "../" * (len(Path(rel).parts) - 1)

    def share(mo: re.Match) -> str:
        attr, mime, payload = mo.groups()
        if len(payload) <= SHARE_ABOVE or mime not in _EXTENSIONS:
            return mo.group(0)
        try:
            data = base64.b64decode(payload, validate=True)
        except ValueError:
            return mo.group(0)
        name = f"lib/{hashlib.sha256(data).hexdigest()[:20]}.{_EXTENSIONS[mime]}"
        target = files / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        return f'{attr}="{up}{name}"'

    return _EMBEDDED.sub(share, page)


def _copy(src: Path, files: Path, rel: str) -> str:
    """Copy a document into the site; an HTML document gets a link back to the site's home page and
    loads the chart library from the site's shared copy."""
    dst = files / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".html":
        page = _share_embedded(_share_plotly(src.read_text(encoding="utf-8"), files, rel), files, rel)
        back = back_link("../" * len(Path(rel).parts) + "index.html")
        page = re.sub(r"(<body[^>]*>)", lambda mo: mo.group(1) + back, page, count=1)
        dst.write_text(page, encoding="utf-8")
        shutil.copystat(src, dst)
    else:
        shutil.copy2(src, dst)
    return f"files/{rel}"


def publishable(folder: Path, name: str) -> Path | None:
    """``folder/name`` when it is a regular file of the folder itself: never a symbolic link (an output
    replaced by a link to /etc/passwd is not published), never a path that leaves the folder."""
    f = folder / name
    try:
        if f.is_symlink() or not f.is_file() or f.resolve().parent != folder.resolve():
            return None
    except OSError:
        return None
    return f


def _formats(folder: Path, stem: str, files: Path, prefix: str) -> str:
    links = []
    for fmt in ("html", "pdf"):
        f = publishable(folder, f"{stem}.{fmt}")
        if f is not None:
            links.append(_link(fmt.upper(), _copy(f, files, f"{prefix}/{f.name}")))
    return " · ".join(links) or "—"


def _reports_page(reports: Path, files: Path) -> str:
    """The reports listed from their manifest (reports/_output/manifest.json, written by every run):
    a file that no run wrote, or one renamed by hand, is not published."""
    out = reports / "_output"
    doc = _read_json(out / "manifest.json")
    items = {k: v for k, v in (doc.get("items") or {}).items() if isinstance(v, dict) and v.get("status") == "ok"}
    lines = ["# 评估报告", ""]
    if not items:
        return "\n".join(lines + ["尚未生成评估报告。"])
    lines += ["| 报告 | 数据 | 文件 |", "|:---|:---|:---|"]
    # the final evaluation first: the plan has ended; then by year, real data before synthetic
    order = sorted(items.items(), key=lambda kv: (kv[1].get("kind") != "final", -int((kv[1].get("parameters") or {}).get("as_of") or 0),
                                                 bool(kv[1].get("synthetic")), kv[0]))
    for stem, item in order:
        params = item.get("parameters") or {}
        if item.get("kind") == "final":  # every document with its year
            from ...plan.schema import plan_end_year

            kind = f"{params.get('as_of') or plan_end_year()}年终期评估"
        else:
            kind = f"{params.get('as_of', '')}年中期评估"
        data = SYNTHETIC_DATA_ZH if item.get("synthetic") else "测试数据（非正式数据）" if item.get("data_kind") == "test" else "公开数据"
        if params.get("data_as_of"):
            data += f"（截至{params['data_as_of']}已知）"
        links = []
        for fmt, name in (item.get("outputs") or {}).items():
            f = publishable(out, str(name)) if fmt in ("html", "pdf") and "/" not in str(name) else None
            if f is not None:
                links.append(_link(fmt.upper(), _copy(f, files, f"reports/{f.name}")))
        lines.append(f"| {escape_markdown(kind)} | {escape_markdown(data)} | {' · '.join(links) or '—'} |")
    return "\n".join(lines)


def _read_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def folder_label(name: str) -> str:
    """2018-06-synthetic -> 2018年6月（合成演示数据）; 2018 -> 2018年."""
    mo = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(.+))?", name)
    if not mo:
        return name
    text = f"{mo.group(1)}年" + (f"{int(mo.group(2))}月" if mo.group(2) else "")
    if mo.group(3):
        text += f"（{SYNTHETIC_DATA_ZH}）" if mo.group(3) == "synthetic" else f"（数据集{mo.group(3)}）"
    return text


def _plan_order() -> dict[str, int]:
    """The order documents are listed in, as the plan lists them: the city and its districts (GB/T
    2260 order), then the responsible units as the plan's tables first name them (never code-point order)."""
    from ...core.paths import file_name
    from ...plan.catalogue import catalogue
    from ...plan.responsible import responsible_units

    order = {r.code: i for i, r in enumerate(regions())}
    try:
        units = list(responsible_units(catalogue()))
    except Exception:  # a workspace whose plan is not imported yet: regions only
        units = []
    for i, name in enumerate(units):
        order.setdefault(file_name(name), len(order) + i)
    return order


def _place(kv: tuple[str, dict], items: dict, order: dict[str, int]) -> tuple:
    """Where a document goes in a folder's list: in the plan's order (then by name), a revised
    edition right after the edition it revises."""
    key, item = kv
    base = str(item.get("revises") or key)
    label = items.get(base, {}).get("label", base) if isinstance(items.get(base), dict) else base
    return order.get(base, len(order)), str(label), int(item.get("edition", 1) or 1)


def _batch_page(title: str, root: Path, files: Path, prefix: str, empty: str) -> str:
    lines = [f"# {title}", ""]
    folders = sorted((p for p in root.iterdir() if (p / "manifest.json").is_file()), reverse=True) if root.is_dir() else []
    if not folders:
        return "\n".join(lines + [empty])
    for folder in folders:
        doc = _read_json(folder / "manifest.json")  # an empty or broken manifest lists nothing
        items = doc.get("items") if isinstance(doc.get("items"), dict) else {}
        lines += [f"## {escape_markdown(folder_label(folder.name))}", "", "| 名称 | 文件 |", "|:---|:---|"]
        order = _plan_order()  # bulletins: the city, then the districts in official order; cards: the plan's order of units
        for key, item in sorted(((k, v) for k, v in items.items() if isinstance(v, dict)), key=lambda kv: _place(kv, items, order)):
            if item.get("status") != "ok":
                continue  # a document that failed is not published
            lines.append(f"| {escape_markdown(item.get('label', key))} | {_formats(folder, key, files, f'{prefix}/{folder.name}')} |")
        lines.append("")
    return "\n".join(lines)


def _notices_page(files: Path, reports: Path) -> str:
    """Every notice of every register with its state (the register is the record), linked to its
    document when the notices' manifest lists one made without failure."""
    from ...data.notices import read_register, states
    from ...plan.catalogue import catalogue
    from ..content.notice import STATE_ZH, file_stem, update_words
    from .notices import notice_folder

    lines = ["# 绩效改进通知单", ""]
    found = False
    names = {m.id: m.name_zh for m in catalogue().measures}
    from ...data.records import notice_registers

    for dataset, reg in notice_registers():
        current = states(read_register(reg))
        if not current:
            continue
        found = True
        docs = notice_folder(dataset, reports)
        made = _read_json(docs / "manifest.json").get("items")
        made = made if isinstance(made, dict) else {}
        heading = f"{SYNTHETIC_DATA_ZH}（非真实通知）" if dataset == "synthetic" else f"数据集 {dataset}"
        lines += [f"## {escape_markdown(heading)}", "", "| 编号 | 主送 | 指标 | 发出 | 反馈期限 | 状态 | 文件 |",
                  "|:---|:---|:---|:---|:---|:---|:---|"]
        for n in current.values():
            key = file_stem(n.number)
            item = made.get(key)
            ok = isinstance(item, dict) and item.get("status") == "ok"
            shown = _formats(docs, key, files, f'notices/{dataset}') if ok else "—"
            # the editions made since an answer or the closing, after the notice as issued
            later = sorted(((k, v) for k, v in made.items() if isinstance(v, dict) and v.get("revises") == key and v.get("status") == "ok"),
                           key=lambda kv: int(kv[1].get("edition", 1) or 1))
            for ek, ev in later:
                shown += f"；{update_words(int(ev.get('edition', 2) or 2)).lstrip('·')}：{_formats(docs, ek, files, f'notices/{dataset}')}"
            lines.append(f"| {escape_markdown(n.number)} | {escape_markdown(n.unit)} | {escape_markdown(names.get(n.measure_id, n.measure_id))} | "
                         f"{dates_zh(n.date)} | {dates_zh(n.due)} | {STATE_ZH.get(n.event, n.event)} | {shown} |")
        lines.append("")
    if not found:
        lines.append("尚未发出绩效改进通知单。")
    return "\n".join(lines)


#: the classes of an HTML table of the site's: Bootstrap's, as Quarto gives the pages' markdown tables
SITE_TABLE = "table table-sm table-striped"


def _scores_page(year: int, datasets: list[str]) -> str:
    from ...analysis.scores import READING_ZH, illustrative, load_challenges, scores_table, unit_scores
    from ...data.actuals import load_dataset
    from ...plan.catalogue import catalogue

    cat = catalogue()
    from ...data.records import challenges_file

    path = challenges_file(year)
    lines = [f"# {year}年度得分", "", "按规划第三部分第（一）项第3条第（2）款的规则：基本目标满分95%，挑战目标完成得满分、未完成不得分，"
             "关键性挑战目标超额完成在5%的空间内加分；申报的挑战目标未通过认定的，按基本目标计分。", ""]
    for name in datasets:
        ds = load_dataset(name, cat)
        challenges = load_challenges(path, cat, year) if path.is_file() else None
        note = illustrative(ds, challenges)
        lines += [f"## {escape_markdown(ds.label_zh)}", ""]
        if note and not ds.synthetic:  # real units are ranked only on the challenge targets the office chose
            lines += [f"**未发布。** {escape_markdown(note)}。真实单位的得分和位次只在录入考评办确定的{year}年挑战指标后发布。", ""]
            continue
        lines += [f"**{escape_markdown(note)}。**" if note else "", "",
                  ("挑战目标：" + ("演示选择（非考评办确定）" if challenges.demonstration else "考评办确定") if challenges
                   else "未指定挑战目标（均按基本目标计分）。"),
                  # the site is HTML only: an HTML table (the PDFs' markdown tables set figures in typst
                  # boxes), in the look of the site's other tables (Quarto's Bootstrap)
                  "", table_html(scores_table(unit_scores(cat, ds, year, challenges)), css_class=SITE_TABLE), "",
                  escape_markdown(READING_ZH), ""]
    return "\n".join(lines)


def _index_page(year: int) -> str:
    plan, ws = plan_info(), workspace()
    return "\n".join([f"# {escape_markdown(site_title())}", "",
                      escape_markdown(f"{plan.name_zh}（{plan.period_zh}）的跟踪与评估：关键绩效指标的终期评估和中期评估、"
                                      f"各{ws.districts_zh}月度通报、责任单位绩效卡、绩效改进通知单和年度得分。合成演示数据在每一页都有标注。"), "",
                      f"- {_link('评估报告（终期、中期）', 'reports.html')}", f"- {_link('月度通报', 'bulletins.html')}",
                      f"- {_link('绩效卡', 'cards.html')}", f"- {_link('绩效改进通知单', 'notices.html')}",
                      f"- {_link(f'{year}年度得分', 'scores.html')}"])


def write_pages(folder: Path, reports: Path, year: int, datasets: list[str]) -> dict[str, str]:
    """The site's pages as markdown, and the documents they link copied under ``folder/files``."""
    files = folder / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    return {"index": _index_page(year), "reports": _reports_page(reports, files),
            "bulletins": _batch_page("月度通报", reports / "bulletins", files, "bulletins",
                                     "尚未生成月度通报。"),
            "cards": _batch_page("绩效卡", reports / "cards", files, "cards", "尚未生成绩效卡。"),
            "notices": _notices_page(files, reports), "scores": _scores_page(year, datasets)}


QUARTO_SITE = """project:
  type: website
  output-dir: {output_dir}
  resources:
    - "files/**"
lang: zh
website:
  title: "{title}"
  search: true
  navbar:
    left:
{nav}
format:
  html:
    mainfont: "Noto Sans CJK SC"
    toc: false
"""


def build_site(reports: Path | None = None, *, year: int = 2018, datasets: list[str] | None = None,
               renderer: str = "auto") -> Site:
    """Write and render the site; see the module doc."""
    reports = Path(reports) if reports else paths.reports_dir()
    from ...data.actuals import list_datasets

    datasets = datasets or list_datasets()
    folder = reports / "site"
    folder.mkdir(parents=True, exist_ok=True)
    pages = write_pages(folder, reports, year, datasets)
    if renderer == "quarto" and shutil.which("quarto") is None:  # a tool missing: exit 3, saying what to install
        raise RenderError("--renderer quarto: quarto is not on PATH; install Quarto (https://quarto.org) or use "
                          "--renderer fallback; the published site is unchanged")
    use_quarto = renderer == "quarto" or (renderer == "auto" and shutil.which("quarto"))
    output = folder / "_site"
    # built aside and swapped in at the end: a failed build leaves the published site as it was
    building = folder / "_site.building"
    shutil.rmtree(building, ignore_errors=True)
    if use_quarto:
        nav = "\n".join(f'      - href: {name}.qmd\n        text: "{label}"' for name, label in PAGES)
        (folder / "_quarto.yml").write_text(QUARTO_SITE.format(title=site_title(), nav=nav, output_dir=building.name), encoding="utf-8")
        for name, text in pages.items():
            title = dict(PAGES)[name]
            (folder / f"{name}.qmd").write_text(f'---\ntitle: "{title}"\n---\n\n' + text.split("\n", 1)[1], encoding="utf-8")
        proc = run_tool([shutil.which("quarto") or "quarto", "render"], "quarto render of the site", cwd=folder)
        if proc.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RenderError(f"quarto render of the site failed ({proc.returncode}), the published site is unchanged:\n"
                              f"{proc.stderr[-3000:]}")
        _swap(building, output)
        return Site(folder, output, "quarto")
    try:
        _fallback_pages(folder, building, pages)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _swap(building, output)
    return Site(folder, output, "fallback")


def _swap(new: Path, current: Path) -> None:
    """Put a freshly built folder where the published one is, in two renames."""
    old = current.with_name(current.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.rename(old)
    new.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def _fallback_pages(folder: Path, output: Path, pages: dict[str, str]) -> None:
    import pypandoc

    output.mkdir(parents=True)
    shutil.copytree(folder / "files", output / "files")
    nav = " ｜ ".join(f'<a href="{name}.html">{html.escape(label)}</a>' for name, label in PAGES)
    for name, text in pages.items():
        proc = run_tool([pypandoc.get_pandoc_path(), "--from", "markdown", "--to", "html"], "pandoc (a site page)", input=text)
        if proc.returncode != 0:
            raise RenderError(f"pandoc could not convert the site page {name}: {proc.stderr[-2000:]}")
        body = proc.stdout
        page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(dict(PAGES)[name])} · '
                f'{html.escape(site_title())}</title><style>body{{font-family:"Noto Sans CJK SC",sans-serif;max-width:1100px;'
                f'margin:1rem auto;padding:0 1rem;line-height:1.6}}nav{{padding:.5rem 0;border-bottom:1px solid #ddd}}'
                f'table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #e5e5e5;padding:.3rem .6rem;text-align:left}}'
                f'</style></head><body><nav>{nav}</nav>{body}</body></html>')
        (output / f"{name}.html").write_text(page, encoding="utf-8")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)


def broken_links(output: Path) -> list[tuple[str, str]]:
    """(page, link) of every internal link of the site's own pages that points at no file."""
    bad = []
    for page in sorted(output.glob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            u = urlparse(link)
            if u.scheme or link.startswith(("#", "//", "data:", "mailto:")):
                continue
            target = (page.parent / unquote(u.path)).resolve()
            if u.path and not target.exists():
                bad.append((page.name, link))
    return bad
