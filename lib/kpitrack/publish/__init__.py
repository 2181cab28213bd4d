"""Stage 4, publishing, in three roles (no module of one role imports the role after it):

**Content**: what each document shows, as tables, text and charts computed once
(``report``, ``final_report``, ``bulletin``, ``bulletin_charts``, ``card``, ``notice``, ``figures``,
``masthead``, ``sources``, ``listings``), and how a table or chart is handed to every renderer
(``display``: escaped HTML, Markdown and typst; ``tables``: text, CSV and JSON for commands).

**Rendering**: a notebook made into HTML and PDF (``render``: Quarto or the fallback; ``chart_images``:
the PDF's chart pictures; ``html_inline``: self-contained pages; ``tools``: outside programs found and
run under a timeout; ``site``: the website).

**Runs**: documents made the one way (``documents``: the kinds of document; ``params``: checked
parameters; ``batch``: lock, up-to-date check, execute, render, move into place, manifest;
``provenance``: versions and manifests; ``run``, ``monthly``, ``cards``, ``notices``: the jobs of each
command; ``worker_guard``: workers that die with their driver).
"""
