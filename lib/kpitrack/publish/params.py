"""The notebook parameters every report, bulletin and card shares (dataset, language, data date),
checked before any work starts; each problem is a ParameterError naming the parameter."""

from __future__ import annotations

from ..core.exceptions import ParameterError
from ..core.labels import LANGUAGES
from ..data.actuals import check_date, list_datasets


def check_common(dataset: object, language: object, data_as_of: object) -> tuple[str, str, str]:
    """(dataset, language, data_as_of) checked: a known dataset, zh or en, an empty or real date."""
    known = list_datasets()
    if dataset not in known:
        raise ParameterError(f"parameter dataset: unknown dataset {dataset!r}; known: {', '.join(known)}")
    if language not in LANGUAGES:
        raise ParameterError(f"parameter language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    data_as_of = "" if data_as_of is None else str(data_as_of)
    if data_as_of:
        try:
            check_date(data_as_of, "data_as_of")
        except ValueError as exc:
            raise ParameterError(f"parameter {exc}") from None
    return str(dataset), str(language), data_as_of
