"""Stage 4, publishing, in three roles; no module imports a module of a later role
(``tests/test_layers.py`` checks it against :data:`ROLES`).

**Content**: what each document shows, as tables, text and charts computed once (``report``,
``final_report``, ``bulletin``, ``bulletin_charts``, ``card``, ``notice``, ``figures``, ``masthead``,
``sources``, ``listings``; ``params`` and ``documents``: the kinds of document and their parameters checked), and how a table or chart is
handed to every renderer (``display``: escaped HTML, Markdown and typst; ``tables``: text, CSV and
JSON for commands).

**Rendering**: a notebook made into HTML and PDF (``render``: the renderers' registry and public face;
``render_base``: what they share; ``render_quarto``, ``render_fallback``: each renderer;
``chart_images``: the PDF's chart pictures; ``chromium``: the browser found, started and stopped; ``html_inline``: self-contained pages; ``tools``:
outside programs found and run under a timeout).

**Runs**: documents made the one way (``documents``: the kinds of document; ``batch``: lock,
up-to-date check, execute, render, move into place, manifest; ``execute``: a notebook run by papermill; ``jobs``: a document to make and its result; ``executors``: local processes or Dask;
``provenance``: versions and
manifests; ``run``, ``monthly``, ``cards``, ``notices``: the jobs of each command;
``worker_guard``: workers that die with their driver; ``site``: the website built from the
manifests).
"""

ROLES: dict[str, tuple[str, ...]] = {
    "content": ("params", "display", "tables", "masthead", "sources", "figures", "report", "final_report", "bulletin",
                "bulletin_charts", "card", "notice", "listings", "documents", "peer_section", "plan_sections"),
    "rendering": ("tools", "chromium", "html_inline", "chart_images", "render_base", "render_quarto", "render_fallback", "render"),
    "runs": ("provenance", "worker_guard", "execute", "jobs", "executors", "batch", "run", "monthly", "cards", "notices", "site"),
}
