"""Stage 4, publishing, in three roles, each a folder; no module imports a module of a later role
(``tests/test_layers.py`` checks it against :data:`ROLES`).

``content/``: what each document shows, as tables, text and charts computed once (``report``,
``final_report``, ``bulletin``, ``bulletin_charts``, ``card``, ``notice``, ``figures``, ``masthead``,
``sources``, ``listings``, ``peer_section``, ``plan_sections``; ``params`` and ``documents``: the
kinds of document and their parameters checked), and how a table or chart is handed to every
renderer (``display``: escaped HTML, Markdown and typst; ``tables``: text, CSV and JSON for commands).

``render/``: a notebook made into HTML and PDF (the package itself: the renderers' registry and
public face; ``base``: what they share; ``quarto``, ``fallback``: each renderer; ``chart_images``:
the PDF's chart pictures; ``chromium``: the browser found, started and stopped; ``html_inline``:
self-contained pages; ``tools``: outside programs run under a timeout).

``runs/``: documents made the one way (``batch``: lock, up-to-date check, execute, render, move into
place, manifest; ``execute``: a notebook run by papermill; ``jobs``: a document to make and its
result; ``executors``: local processes or Dask; ``provenance``: versions and manifests; ``run``,
``monthly``, ``cards``, ``notices``: the jobs of each command; ``worker_guard``: workers that die
with their driver; ``site``: the website built from the manifests).
"""

#: The roles, in the order they may import each other (a later one imports earlier ones only).
ROLES: tuple[str, ...] = ("content", "render", "runs")
