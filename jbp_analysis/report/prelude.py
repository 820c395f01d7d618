"""Imported once into each warm kernel by the runner, so notebooks find these modules loaded.

Importing pandas, matplotlib, statsmodels and the analysis modules costs seconds per kernel;
the runner's workers pay it once, not once per district.
"""

from __future__ import annotations

import importlib

__all__ = ["MODULES", "loaded", "notebook_parameters", "check_parameters"]

MODULES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_pdf",
    "matplotlib.backends.backend_svg",
    "scipy.stats",
    "statsmodels.api",
    "IPython.display",
    "jbp_analysis.plots",
    "jbp_analysis.report.export",
    "jbp_analysis.report.setup",
    "jbp_analysis.report.narrative",
    "jbp_analysis.report.tables",
    "jbp_analysis.report.estimable",
    "jbp_analysis.outcomes.build",
    "jbp_analysis.estimate",
    "jbp_analysis.analyses.balance",
    "jbp_analysis.analyses.attrition",
    "jbp_analysis.analyses.cost_effectiveness",
)

loaded: list[str] = []
for _name in MODULES:
    try:  # warming is an optimisation: a module that is not there yet is simply not warmed
        importlib.import_module(_name)
        loaded.append(_name)
    except ImportError:
        pass


# ------------------------------------------------------------------ notebook parameter checking
def notebook_parameters(namespace: dict) -> dict[str, object]:
    """Names set by the notebook's parameter cells, read from the kernel's input history.

    A parameters cell (the notebook's own, or the ``injected-parameters`` cell papermill adds)
    is a cell made only of assignments of literal values; every name it assigns is a
    parameter. Outside IPython (no ``In`` history) nothing is found.

    Examples
    --------
    >>> notebook_parameters({"In": ["", "district = '3322'\\nlang = 'en'", "import os"]})
    {'district': '3322', 'lang': 'en'}
    """
    import ast

    found: dict[str, object] = {}
    for source in namespace.get("In", []) or []:
        try:
            tree = ast.parse(str(source))
        except SyntaxError:
            continue
        if not tree.body:
            continue
        names: dict[str, object] = {}
        for node in tree.body:
            target = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target = node.target
            if not isinstance(target, ast.Name):
                names = {}
                break
            try:
                names[target.id] = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError):
                names = {}
                break
        found.update(names)
    return found


def check_parameters(namespace: dict, known: set[str] | frozenset[str]) -> None:
    """Refuse parameters the notebook does not have, naming the closest one.

    ``papermill -p distrcit 3322`` only warns and runs the notebook with its default district;
    here it is an error raised before anything is built.

    Raises
    ------
    ConfigError
        An unknown parameter, e.g. "unknown notebook parameter 'distrcit'; did you mean
        'district'?".

    Examples
    --------
    >>> check_parameters({"In": ["distrcit = '3322'"]}, {"district", "lang"})
    Traceback (most recent call last):
    ...
    jbp_analysis.core.errors.ConfigError: unknown notebook parameter 'distrcit' (did you mean 'district'?); the parameters are: district, lang. Nothing was built.
    """
    import difflib

    from jbp_analysis.core.errors import ConfigError

    unknown = sorted(set(notebook_parameters(namespace)) - set(known))
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ConfigError(
        f"unknown notebook parameter{'s' if len(unknown) > 1 else ''} {', '.join(parts)}; "
        f"the parameters are: {', '.join(sorted(known))}. Nothing was built."
    )
