"""The estimation sample of an observational comparison: treatment coding, covariate design, rows.

One job: turn a data frame and the user's column names into arrays (outcome, 0/1 treatment,
design matrix with an intercept, weights, cluster codes), dropping incomplete rows and counting
them, and raising :class:`~jbp_analysis.core.errors.JBPInputError` for input that cannot be used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError

__all__ = ["Sample", "prepare", "design_matrix", "treatment_indicator"]


@dataclass(frozen=True)
class Sample:
    """Arrays of the complete rows used by an estimator.

    Attributes
    ----------
    y
        Outcome (``None`` when no outcome was asked for, e.g. for :func:`overlap`).
    d
        Treatment indicator, 0.0 or 1.0.
    X
        Design matrix of the propensity score (and outcome) model, intercept first.
    names
        Column names of ``X``.
    w
        Sampling weights, normalised to mean 1 (ones when none were given).
    cluster
        Integer cluster codes (``None`` without clustering).
    index
        Index labels of the rows used, in ``data``.
    n_dropped
        Rows dropped as incomplete (or as belonging to another treated arm).
    """

    y: np.ndarray | None
    d: np.ndarray
    X: np.ndarray
    names: tuple[str, ...]
    w: np.ndarray
    cluster: np.ndarray | None
    index: pd.Index
    n_dropped: int

    @property
    def n_treated(self) -> int:
        return int(np.count_nonzero(self.d == 1))

    @property
    def n_control(self) -> int:
        return int(np.count_nonzero(self.d == 0))

    def subset(self, keep: np.ndarray) -> Sample:
        """The rows where ``keep`` is true (used after trimming)."""
        return Sample(
            y=None if self.y is None else self.y[keep],
            d=self.d[keep],
            X=self.X[keep],
            names=self.names,
            w=self.w[keep] / self.w[keep].mean(),
            cluster=None if self.cluster is None else self.cluster[keep],
            index=self.index[keep],
            n_dropped=self.n_dropped,
        )


def _shown(value: object) -> str:
    """A value as a message shows it: ``0``, ``'kontrol'``, never ``np.int64(0)``.

    Examples
    --------
    >>> _shown(np.int64(2)), _shown("kontrol"), _shown(np.float64(0.5))
    ('2', "'kontrol'", '0.5')
    """
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _require(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise JBPInputError(
            f"column(s) {', '.join(map(repr, missing))} not found in the data",
            hint=f"Available columns: {', '.join(map(str, data.columns[:30]))}.",
        )


def formula_columns(covariates: str | Sequence[str], data: pd.DataFrame) -> list[str]:
    """Data columns referred to by ``covariates`` (a list of names or a formula right-hand side)."""
    if isinstance(covariates, str):
        tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", covariates))
        return [c for c in data.columns if isinstance(c, str) and c in tokens]
    cols = list(covariates)
    _require(data, cols)
    return cols


def design_matrix(
    covariates: str | Sequence[str], data: pd.DataFrame
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The design matrix (intercept first) of a covariate list or formula right-hand side.

    ``covariates`` is either column names, entered linearly, or a formula right-hand side as
    statsmodels reads it, e.g. ``"age + I(age**2) + educ + C(district)"`` (the user's own
    specification of the propensity score).

    Examples
    --------
    >>> d = pd.DataFrame({"age": [20.0, 30.0, 40.0], "educ": [9, 12, 6]})
    >>> X, names = design_matrix("age + I(age**2)", d)
    >>> names, X[:, 2].tolist()
    (('Intercept', 'age', 'I(age ** 2)'), [400.0, 900.0, 1600.0])
    """
    if isinstance(covariates, str):
        import statsmodels.formula.api as smf

        frame = data.copy()
        for c in formula_columns(covariates, data):  # nullable dtypes -> float (patsy needs numpy)
            if isinstance(frame[c].dtype, pd.api.extensions.ExtensionDtype) and (
                pd.api.types.is_bool_dtype(frame[c]) or pd.api.types.is_numeric_dtype(frame[c])
            ):
                frame[c] = frame[c].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        frame["__d__"] = 0.0
        try:
            model = smf.ols(f"__d__ ~ {covariates}", frame, missing="raise")
        except Exception as err:  # patsy/formulaic errors have many types
            raise JBPInputError(
                f"cannot read the covariate specification {covariates!r}: {err}",
                hint="Write it as a formula right-hand side, e.g. 'age + I(age**2) + educ'.",
            ) from err
        X = np.asarray(model.exog, dtype=np.float64)
        names = tuple(model.exog_names)
    else:
        cols = list(covariates)
        parts = [np.ones(len(data))]
        for c in cols:
            col = data[c]
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                raise JBPInputError(
                    f"covariate {c!r} is not numeric ({col.dtype})",
                    column=c,
                    hint="Give a formula such as 'C(" + c + ")' to enter it as categories.",
                )
            parts.append(col.to_numpy(dtype=np.float64, na_value=np.nan))
        X = np.column_stack(parts)
        names = ("Intercept", *cols)
    return X, names


def treatment_indicator(
    values: pd.Series, *, control: object = None, treated: object = None, column: str = "treatment"
) -> np.ndarray:
    """1.0 for treated, 0.0 for comparison rows, NaN for rows outside the comparison.

    ``values`` is a 0/1 (or boolean) column, or an arm column together with ``control`` (and
    ``treated`` when there is more than one other arm).

    Examples
    --------
    >>> treatment_indicator(pd.Series(["k", "p", "k"]), control="k").tolist()
    [0.0, 1.0, 0.0]
    >>> treatment_indicator(pd.Series([0, 1, 1])).tolist()
    [0.0, 1.0, 1.0]
    """
    present = values.dropna()
    if control is None:
        levels = set(pd.unique(present))
        if pd.api.types.is_bool_dtype(values):
            return values.astype("float64").to_numpy()
        if not levels <= {0, 1}:
            shown = ", ".join(map(_shown, sorted(levels, key=str)[:6]))
            raise JBPInputError(
                f"the treatment column is not binary: it takes the values {shown}",
                column=column,
                hint="Code it 0/1, or name the comparison arm with control=... "
                "(and the treated arm with treated=... when there are several).",
            )
        return pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
    levels = list(pd.unique(present))
    if control not in levels:
        raise JBPInputError(
            f"the control arm {control!r} does not occur in the treatment column",
            column=column,
            hint=f"Values present: {', '.join(map(_shown, levels[:10]))}.",
        )
    others = [v for v in levels if v != control]
    if treated is None:
        if len(others) != 1:
            raise JBPInputError(
                f"the treatment column has {len(others)} arms besides {control!r}",
                column=column,
                hint="Name the treated arm with treated=... (rows of other arms are dropped).",
            )
        treated = others[0]
    elif treated not in others:
        raise JBPInputError(f"the treated arm {treated!r} does not occur", column=column)
    out = np.full(len(values), np.nan)
    out[(values == control).to_numpy(dtype=bool, na_value=False)] = 0.0
    out[(values == treated).to_numpy(dtype=bool, na_value=False)] = 1.0
    return out


def prepare(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: str | Sequence[str],
    outcome: str | None = None,
    control: object = None,
    treated: object = None,
    cluster: str | None = None,
    weights: str | None = None,
) -> Sample:
    """Validate the inputs and build the :class:`Sample` of complete rows.

    Raises :class:`JBPInputError` when a column is missing, the treatment is not binary, or
    either group is empty.
    """
    if not isinstance(data, pd.DataFrame):
        raise JBPInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    cols = [treatment] + ([outcome] if outcome else []) + ([cluster] if cluster else [])
    cols += [weights] if weights else []
    _require(data, cols)
    d = treatment_indicator(data[treatment], control=control, treated=treated, column=treatment)
    used = formula_columns(covariates, data)
    keep = ~np.isnan(d)
    for c in used + ([outcome] if outcome else []) + ([weights] if weights else []):
        keep &= data[c].notna().to_numpy()
    if cluster:
        keep &= data[cluster].notna().to_numpy()
    frame = data.loc[keep]
    X, names = design_matrix(covariates, frame)
    finite = np.isfinite(X).all(axis=1)
    if not finite.all():
        frame = frame.loc[finite]
        X = X[finite]
        keep[np.flatnonzero(keep)[~finite]] = False
    d = d[keep]
    y = None
    if outcome:
        if not pd.api.types.is_numeric_dtype(frame[outcome]) and not pd.api.types.is_bool_dtype(
            frame[outcome]
        ):
            raise JBPInputError(
                f"the outcome is not numeric ({frame[outcome].dtype})", column=outcome
            )
        y = frame[outcome].to_numpy(dtype=np.float64)
    n_t, n_c = int((d == 1).sum()), int((d == 0).sum())
    if n_c == 0 or n_t == 0:
        which = "comparison (control)" if n_c == 0 else "treated"
        raise JBPInputError(
            f"no {which} units among the {len(d)} complete rows ({n_t} treated, {n_c} comparison)",
            column=treatment,
            hint="An observational comparison needs both groups with complete covariates.",
        )
    if weights:
        w = frame[weights].to_numpy(dtype=np.float64)
        if (w < 0).any() or w.sum() <= 0:
            raise JBPInputError(
                "sampling weights must be non-negative and not all 0", column=weights
            )
        w = w / w.mean()
    else:
        w = np.ones(len(d))
    codes = None
    if cluster:
        codes = pd.factorize(frame[cluster], sort=True)[0].astype(np.int64)
    return Sample(
        y=y,
        d=d,
        X=X,
        names=names,
        w=w,
        cluster=codes,
        index=frame.index,
        n_dropped=int(len(data) - len(frame)),
    )
