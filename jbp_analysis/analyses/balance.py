"""Balance table, like DIME's ``iebaltab``: is the randomisation balanced on baseline variables?

For every variable: N, mean and SD by arm; for every pair of arms, the difference in means with
a cluster-robust p-value (a regression of the variable on the arm dummy within the pair, with
strata fixed effects if given; CR1, t with G - 1 df, Cameron & Miller 2015) and the normalised
difference ``(mean_b - mean_a) / sqrt((sd_a^2 + sd_b^2) / 2)`` (Imbens & Rubin 2015, ch. 14).
For every pair, a joint test of orthogonality: the pair's arm dummy regressed on all the
variables (and strata fixed effects), clustered Wald test that every coefficient is 0.

With few clusters the per-variable p-values and the joint F-test over-reject: with 12 groups and
six variables, F(6, G - 1) rejected 73-100% of re-randomisations of a district. With
``inference="auto"`` (the package's one rule: few-cluster inference below 50 clusters) or
``"wild"``/``"cr2"``/``"ri"``, the per-variable p-values come from
:func:`~jbp_analysis.estimate.impact` with that inference, and the joint test is the
randomisation test of the same Wald statistic, re-randomising the groups' arms within strata
(Fisher 1935; Young 2019), which is exact in any sample. With the default CR1/HC1 F-test below
50 clusters, the ``note`` column of :meth:`BalanceTable.ftest` says that it over-rejects.

References
----------
Imbens, G. W., & Rubin, D. B. (2015). *Causal Inference for Statistics, Social, and Biomedical
Sciences*. Cambridge University Press, section 14.2.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
Bruhn, M., & McKenzie, D. (2009). In pursuit of balance: randomization in practice in development
field experiments. *AEJ: Applied Economics*, 1(4), 200-232.
Fisher, R. A. (1935). *The Design of Experiments*. Oliver & Boyd.
Young, A. (2019). Channeling Fisher: randomization tests and the statistical insignificance of
seemingly significant experimental results. *Quarterly Journal of Economics*, 134(2), 557-598.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.estimate import contrast_labels, impact
from jbp_analysis.estimate.covariance import (
    AUTO_WILD_BELOW_CLUSTERS,
    WaldTest,
    cr1,
    hc1,
    replication_count,
    resolve_inference,
    wald_test,
)
from jbp_analysis.estimate.design import arm_levels, as_tuple, demean, numeric
from jbp_analysis.estimate.ols import fit_ols
from jbp_analysis.inference.joint import randomization_balance_test
from jbp_analysis.study.design import uses_design

__all__ = ["BalanceTable", "balance_table"]


def _frame_copy(df: pd.DataFrame) -> pd.DataFrame:
    return df.copy(deep=True)


@dataclass(frozen=True, eq=False)
class BalanceTable(Result):
    """An iebaltab-style balance table; build it with :func:`balance_table`.

    Accessors return copies: :meth:`by_arm` (N, mean, SD), :meth:`tidy` (pairwise differences),
    :meth:`ftest` (joint orthogonality tests) and :meth:`wide` (the familiar one-row-per-variable
    layout, with the F-tests as the last rows).
    """

    arm_levels: tuple[Any, ...]
    variables: tuple[str, ...]
    contrasts: tuple[str, ...]
    inference: str
    _by_arm: pd.DataFrame = field(repr=False)
    _tidy: pd.DataFrame = field(repr=False)
    _ftest: pd.DataFrame = field(repr=False)

    # the estimate is the ``difference`` between arms, with no confidence interval
    tidy_statistics = ("std_error", "p_value")
    html_float_format = "{:.3f}"
    html_na_rep = ""

    def by_arm(self) -> pd.DataFrame:
        """``variable, arm, n, mean, sd``."""
        return _frame_copy(self._by_arm)

    def tidy(self) -> pd.DataFrame:
        """``variable, contrast, difference, std_error, p_value, normalized_difference, n_obs,
        n_clusters``, one row per variable and pair of arms."""
        return _frame_copy(self._tidy)

    def ftest(self) -> pd.DataFrame:
        """``contrast, f_statistic, df_num, df_denom, p_value, n_obs, n_clusters, dropped,
        test, note``: ``test`` says how ``p_value`` was obtained (``"F(6, 11)"`` or
        ``"randomisation Wald (all assignments)"``); ``note`` warns when an F-test is known to
        over-reject (fewer than 50 clusters)."""
        return _frame_copy(self._ftest)

    def wide(self) -> pd.DataFrame:
        """One row per variable: ``{arm} N/mean/SD`` then ``{contrast} diff/p/norm. diff``;
        four last rows give each contrast's joint test: the Wald statistic in F form, its
        p-value, how the p-value was obtained (F distribution or randomisation) and N."""
        out = pd.DataFrame({"variable": list(self.variables)})
        ba = self._by_arm.set_index(["variable", "arm"])
        for a in self.arm_levels:
            for stat, label in (("n", "N"), ("mean", "mean"), ("sd", "SD")):
                out[f"{a} {label}"] = [ba.loc[(v, a), stat] for v in self.variables]
        td = self._tidy.set_index(["variable", "contrast"])
        for c in self.contrasts:
            for stat, label in (
                ("difference", "diff"),
                ("p_value", "p"),
                ("normalized_difference", "norm. diff"),
            ):
                out[f"{c} {label}"] = [td.loc[(v, c), stat] for v in self.variables]
        ft = self._ftest.set_index("contrast")
        extra = []
        for label, stat in (
            ("F-test of joint orthogonality: F", "f_statistic"),
            ("F-test of joint orthogonality: p-value", "p_value"),
            ("F-test of joint orthogonality: test", "test"),
            ("F-test of joint orthogonality: N", "n_obs"),
        ):
            row: dict[str, Any] = {"variable": label}
            for c in self.contrasts:
                row[f"{c} diff"] = ft.loc[c, stat]
            extra.append(row)
        return pd.concat([out, pd.DataFrame(extra)], ignore_index=True)

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write :meth:`wide` as UTF-8 CSV (atomically: nothing is left on failure)."""
        from jbp_analysis.core.io import atomic_write_text, neutralise_frame

        text = neutralise_frame(self.wide()).to_csv(index=False, lineterminator="\n")
        return atomic_write_text(Path(path), text)

    def to_excel(self, path: str | os.PathLike) -> Path:
        """Write an XLSX workbook (sheets: balance, by arm, differences, F-tests); byte-stable."""
        tables = {
            "balance": self.wide(),
            "by arm": self.by_arm(),
            "differences": self.tidy(),
            "F-tests": self.ftest(),
        }
        return _write_xlsx(tables, Path(path))

    def _html_caption(self) -> str:
        return (
            f"Balance table: {len(self.variables)} variables, arms "
            f"{html.escape(', '.join(map(str, self.arm_levels)))}; p-values "
            f"{html.escape(self.inference)}"
        )

    def _html_notes(self) -> tuple[str, ...]:
        return tuple(sorted({n for n in self._ftest.get("note", pd.Series(dtype=str)) if n}))

    def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.wide())]


def _write_xlsx(tables: dict[str, pd.DataFrame], target: Path) -> Path:
    """Byte-stable workbook, formula cells neutralised, written atomically
    (:func:`jbp_analysis.core.io.write_xlsx`)."""
    from jbp_analysis.core.io import write_xlsx

    return write_xlsx(tables, target)


def _mean_sd(x: np.ndarray, w: np.ndarray | None) -> tuple[int, float, float]:
    ok = ~np.isnan(x)
    x = x[ok]
    n = int(x.size)
    if n == 0:
        return 0, float("nan"), float("nan")
    if w is None:
        return n, float(x.mean()), float(x.std(ddof=1)) if n > 1 else float("nan")
    ww = w[ok]
    m = float((ww * x).sum() / ww.sum())
    var = float((ww * (x - m) ** 2).sum() / ww.sum()) * n / (n - 1) if n > 1 else float("nan")
    return n, m, float(np.sqrt(var))


def _joint_test(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    arm: str,
    a: Any,
    b: Any,
    strata: str | None,
    cluster: str | None,
    weights: str | None,
    randomisation: bool = False,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    draws: int = 9999,
    seed: int = 0,
) -> dict[str, Any]:
    """Regress 1[arm == b] on the variables within the pair (a, b); clustered Wald test.

    The p-value is F(q, G - 1) or, with ``randomisation``, the share of re-randomisations of the
    groups' arms within strata whose Wald statistic is as large (exact in any sample)."""
    need = [*variables, arm, *[c for c in (strata, cluster, weights) if c is not None]]
    sub = data.loc[data[arm].isin([a, b]).to_numpy(dtype=bool), need]
    X = np.column_stack([numeric(sub[v], role="balance variable") for v in variables])
    d = (sub[arm] == b).to_numpy(dtype=np.float64)
    ok = ~np.isnan(X).any(axis=1)
    extra = [c for c in (strata, cluster) if c is not None]
    if extra:
        ok &= sub[extra].notna().all(axis=1).to_numpy()
    w = None
    if weights is not None:
        w = numeric(sub[weights], role="weights")
        ok &= ~np.isnan(w)
        w = w[ok]
    X, d = X[ok], d[ok]
    n = int(ok.sum())
    if strata is not None:
        groups, uniq = pd.factorize(sub.loc[ok, strata])
        n_groups = len(uniq)
    else:
        groups, n_groups = np.zeros(n, dtype=np.int64), 1
    Xt = demean(np.asfortranarray(X), groups, n_groups, w)
    dt = demean(d[:, None], groups, n_groups, w)[:, 0]
    if w is not None:
        Xt *= np.sqrt(w)[:, None]
        dt *= np.sqrt(w)
    fit = fit_ols(Xt, dt, names=list(variables))
    if cluster is not None:
        clusters, uniq = pd.factorize(sub.loc[ok, cluster])
        G = len(uniq)
        cov = cr1(fit.X, fit.resid, fit.bread, clusters, G, n_absorbed=n_groups)
        df_denom: float = G - 1
    else:
        G = None
        cov = hc1(fit.X, fit.resid, fit.bread, n_absorbed=n_groups)
        df_denom = n - fit.k - n_groups
    if randomisation:  # the Wald statistic may be singular (q >= G): no F, the RI needs none
        test = WaldTest(float("nan"), fit.k, float(df_denom), float("nan"))
    else:
        test = wald_test(fit.params, cov, np.eye(fit.k), df_denom=df_denom)
    out = {
        "f_statistic": test.statistic,
        "df_num": test.df_num,
        "df_denom": test.df_denom,
        "p_value": test.p_value,
        "n_obs": n,
        "n_clusters": G,
        "dropped": ", ".join(fit.dropped),
        "test": f"F({test.df_num}, {test.df_denom:g})",
        "note": "",
    }
    if randomisation:
        kept = [variables.index(v) for v in fit.names]
        group = sub.loc[ok, cluster].to_numpy() if cluster is not None else np.arange(n)
        s_ok = None if strata is None else sub.loc[ok, strata].to_numpy()
        out.update(_randomisation(X[:, kept], d, group, s_ok, w, draws=draws, seed=seed))
    elif G is not None and G < few_cluster_threshold:
        out["note"] = (
            f"F-test with {G} clusters over-rejects (Cameron & Miller 2015; 73-100% of "
            "re-randomisations with 12 groups and 6 variables): do not read it as evidence of "
            "imbalance; use inference='auto' for the randomisation test"
        )
    return out


def _randomisation(
    X: np.ndarray,
    d: np.ndarray,
    group: np.ndarray,
    strata: np.ndarray | None,
    w: np.ndarray | None,
    *,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """The randomisation joint test's columns of :meth:`BalanceTable.ftest`."""
    rt = randomization_balance_test(
        X, d, group=group, strata=strata, weights=w, draws=draws, seed=seed
    )
    few = rt.enumerated and 1 / rt.draws > 0.01
    return {
        "f_statistic": rt.statistic,
        "df_denom": float("nan"),
        "p_value": rt.p_value,
        "test": rt.label,
        "note": (
            "randomisation test: groups' arms re-randomised within strata (Fisher 1935); "
            "exact whatever the number of clusters"
            + (
                f"; only {rt.draws} possible assignments, so the smallest attainable "
                f"p-value is {1 / rt.draws:.3f}"
                if few
                else ""
            )
        ),
    }


@uses_design
def balance_table(
    data: pd.DataFrame,
    *,
    variables: str | Sequence[str],
    arm: str,
    control: Any = None,
    cluster: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    inference: str | None = None,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    draws: int = 9999,
    seed: int = 0,
) -> BalanceTable:
    """Build an iebaltab-style balance table for numeric or yes/no ``variables``.

    Length: checks, means by arm, pairwise differences and each pair's joint test, in iebaltab's
    order; each step is a few lines.

    Parameters
    ----------
    data
        Any DataFrame, typically the baseline wave.
    variables
        Baseline characteristics and outcomes to compare across arms.
    arm
        Arm column (two or more categories).
    control
        The first arm of the table (default: the first category or smallest value).
    cluster
        Unit of randomisation: clustered p-values and F-tests (HC1 without it).
    strata
        Randomisation strata, as fixed effects in the difference and F-test regressions.
    weights
        Weights for the means, differences and tests.
    inference
        ``None`` (default): CR1 (HC1 without ``cluster``) p-values and F-tests, with a note on
        each F-test below ``few_cluster_threshold`` clusters. ``"auto"``: the rule of every
        function of the package (:func:`jbp_analysis.estimate.covariance.resolve_inference`):
        below ``few_cluster_threshold`` (50) clusters the
        per-variable p-values come from the wild cluster bootstrap and the joint test is the
        randomisation test; CR1 at or above. ``"wild"``, ``"cr2"``, ``"ri"``: per-variable
        p-values with that method (see :func:`~jbp_analysis.estimate.impact`) and the
        randomisation joint test.
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, as in
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    draws, seed
        Bootstrap draws / re-randomisations and their seed.

    Returns
    -------
    BalanceTable

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(12), 5)
    >>> df = pd.DataFrame({"arm": np.array(["c", "t"])[g % 2], "g": g,
    ...                    "age": rng.normal(25, 3, 60), "female": rng.uniform(size=60) < .5})
    >>> bt = balance_table(df, variables=["age", "female"], arm="arm", control="c", cluster="g")
    >>> bt.tidy()[["variable", "contrast", "n_obs", "n_clusters"]].values.tolist()
    [['age', 't - c', 60, 12], ['female', 't - c', 60, 12]]
    """
    variables = as_tuple(variables)
    if not variables:
        raise JBPInputError("balance_table needs at least one variable")
    for col in [*variables, arm, *[c for c in (cluster, strata, weights) if c is not None]]:
        if col not in data.columns:
            raise JBPInputError("unknown column", column=col)
    if control is None:
        ordered = _natural_order(data[arm], pd.unique(data[arm].dropna()).tolist())
        control = ordered[0] if ordered else None
    levels = arm_levels(data[arm], control)
    w = None if weights is None else numeric(data[weights], role="weights")
    by_rows = []
    for v in variables:
        x = numeric(data[v], role="balance variable")
        for a in levels:
            mask = (data[arm] == a).to_numpy(dtype=bool)
            n, m, s = _mean_sd(x[mask], None if w is None else w[mask])
            by_rows.append({"variable": v, "arm": a, "n": n, "mean": m, "sd": s})
    by_arm = pd.DataFrame(by_rows)
    stats_of = by_arm.set_index(["variable", "arm"])
    pairs = [(levels[i], levels[j]) for i in range(len(levels)) for j in range(i + 1, len(levels))]
    labels = [lab for lab, _, _ in _pair_labels(levels)]
    draws = replication_count(draws)
    diff_rows: list[dict[str, Any]] = []
    f_rows: list[dict[str, Any]] = []
    requested, inference = inference, "hc1"
    for (a, b), label in zip(pairs, labels, strict=True):
        sub = data.loc[data[arm].isin([a, b]).to_numpy(dtype=bool)]
        for v in variables:
            res = impact(
                sub,
                outcome=v,
                arm=arm,
                control=a,
                strata=strata,
                cluster=cluster,
                weights=weights,
                method="diff_in_means",
                inference=requested,
                few_cluster_threshold=few_cluster_threshold,
                draws=draws,
                seed=seed,
            )
            inference = res.inference
            row = res.tidy().iloc[0]
            sa, sb = stats_of.loc[(v, a)], stats_of.loc[(v, b)]
            pooled = np.sqrt((sa["sd"] ** 2 + sb["sd"] ** 2) / 2.0)
            nd = (sb["mean"] - sa["mean"]) / pooled if pooled > 0 else float("nan")
            diff_rows.append(
                {
                    "variable": v,
                    "contrast": label,
                    "difference": row["estimate"],
                    "std_error": row["std_error"],
                    "p_value": row["p_value"],
                    "normalized_difference": nd,
                    "n_obs": int(row["n_obs"]),
                    "n_clusters": row["n_clusters"],
                }
            )
        n_groups = None if cluster is None else int(sub[cluster].nunique())
        chosen = resolve_inference(
            requested, n_clusters=n_groups, auto_wild_below=few_cluster_threshold
        )
        jt = _joint_test(
            data,
            variables,
            arm=arm,
            a=a,
            b=b,
            strata=strata,
            cluster=cluster,
            weights=weights,
            randomisation=chosen in ("wild", "cr2", "ri"),
            few_cluster_threshold=few_cluster_threshold,
            draws=draws,
            seed=seed,
        )
        f_rows.append({"contrast": label, **jt})
    tidy = pd.DataFrame(diff_rows)
    tidy["n_clusters"] = tidy["n_clusters"].astype("Int64")
    ftest = pd.DataFrame(f_rows)
    ftest["n_clusters"] = ftest["n_clusters"].astype("Int64")
    return BalanceTable(
        arm_levels=levels,
        variables=variables,
        contrasts=tuple(labels),
        inference=inference,
        _by_arm=by_arm,
        _tidy=tidy,
        _ftest=ftest,
    )


def _natural_order(series: pd.Series, present: Sequence[Any]) -> list[Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if c in set(present)]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def _pair_labels(levels: Sequence[Any]) -> list[tuple[str, int, int]]:
    """Labels of every pair ``i < j`` of arms as ``"arm_j - arm_i"`` (treated - control first)."""
    out = []
    for i in range(len(levels)):
        for j in range(i + 1, len(levels)):
            out.append((contrast_labels([levels[i], levels[j]])[0][0], j, i))
    return out
