# Run by Quarto before each render of this project (pre-render in _quarto.yml). kpitrack starts the
# render of a report while its notebook is still running (KPITRACK_QUARTO_AHEAD set): the render waits
# here until kpitrack writes "go" on its input, and ends when kpitrack has gone. Any other render (a
# user's `quarto render`) goes on at once.
if [ -n "${KPITRACK_QUARTO_AHEAD:-}" ]; then
  read -r word || exit 1
  [ "$word" = go ]
fi
