"""The codebook: one YAML file, the single source of truth for every survey variable.

It maps export headers to canonical names and records type, unit, range, codes, missing codes,
skip logic, PII status and labels in Bahasa Indonesia and English. The simulator writes what it
describes; the cleaning step reads exports through it.

The model and the parser of one file (:class:`Variable`, :class:`Codebook`,
:func:`read_codebook`) live in :mod:`jbp_analysis.study.codebook_file`, below the study folder
that reads them; this module adds what needs the study in use: :func:`load_codebook` (the
active study's codebook) and :func:`processed_dtype`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jbp_analysis.study.codebook_file import (
    CODEBOOK_PATH,
    GROUP_COLUMNS,
    Codebook,
    Variable,
    read_codebook,
)
from jbp_analysis.study.folder import active_study

__all__ = [
    "Variable",
    "Codebook",
    "load_codebook",
    "read_codebook",
    "processed_dtype",
    "CODEBOOK_PATH",
    "GROUP_COLUMNS",
]


def load_codebook(path: str | Path | None = None) -> Codebook:
    """The codebook of the active study folder, or of one codebook file.

    With no ``path``: the codebook of the study folder in use (``--study``/``JBP_STUDY``, default
    ``study/``), with the user's ``aliases.yaml`` merged in (see
    :func:`jbp_analysis.study.folder.load_study_folder`). With a ``path``: that file as written.

    Examples
    --------
    >>> load_codebook().variable("respondent", "age").range
    (16, 30)
    """
    if path is None:
        return active_study().codebook
    return read_codebook(Path(path).resolve())


def processed_dtype(variable: Variable, codebook: Codebook | None = None) -> Any:
    """The pandas dtype a variable has in ``data/processed`` (and in the simulator's clean truth).

    yes/no items become nullable booleans, five-point items ``Int8``, other coded sets a
    ``Categorical`` of the value-set ``value`` names, rupiah ``Int64`` whole rupiah, dates
    ``datetime64[ns]``. District names become the four-digit BPS code (``district_code``).

    Examples
    --------
    >>> cb = load_codebook()
    >>> processed_dtype(cb.variable("respondent", "worked_last_week"))
    'boolean'
    >>> processed_dtype(cb.variable("respondent", "sex")).categories.tolist()
    ['male', 'female']
    """
    import pandas as pd

    cb = codebook or load_codebook()
    if variable.type == "category":
        if variable.codes == "yes_no":
            return "boolean"
        if variable.codes == "likert5":
            return "Int8"
        values = [v.get("value", k) for k, v in cb.value_sets[variable.codes].items()]
        return pd.CategoricalDtype(values, ordered=variable.codes == "education")
    return {
        "integer": "Int64",
        "number": "Float64",
        "rupiah": "Int64",
        "date": "datetime64[ns]",
        "datetime": "datetime64[ns]",
        "district": "string",
        "string": "string",
        "multiple": "string",  # select_multiple: the chosen codes, space-separated, sorted
    }[variable.type]
