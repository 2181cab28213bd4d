# Run by Quarto before each render of this project (pre-render in _quarto.yml). kpitrack starts the
# render of a report while its notebook is still running (KPITRACK_QUARTO_AHEAD=1): the render waits
# here until kpitrack writes "go" on its input, says it went on (kpitrack uses no render that did not
# say so), and ends if kpitrack has gone. Any other render (a user's `quarto render`) goes on at once.
if [ "${KPITRACK_QUARTO_AHEAD:-}" = 1 ]; then
  if [ -t 0 ]; then
    echo "_kpitrack-ahead.sh: KPITRACK_QUARTO_AHEAD=1 is kpitrack's own setting; not waiting for kpitrack" >&2
    exit 0
  fi
  read -r word || exit 1
  [ "$word" = go ] || exit 1
  echo "kpitrack-ahead: went on" >&2
fi
