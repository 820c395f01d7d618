"""A 2x2 difference-in-differences table, like DIME's ``ieddtab``.

For each arm: the mean outcome at baseline and at follow-up, the first difference (follow-up
minus baseline), and for each treated arm the difference-in-differences against control. All
come from one pooled regression (Card & Krueger 1994 style)::

    y_it = a + sum_k b_k T_ki + c post_t + sum_k d_k T_ki post_t + e_it

so the control means are ``a`` and ``a + c``, arm k's are ``a + b_k`` and ``a + b_k + c + d_k``,
the first differences ``c`` and ``c + d_k``, and the DiD ``d_k``; every standard error is from
the cluster-robust (CR1, t with G - 1 df) or HC1 covariance of that regression (Cameron & Miller
2015). Without covariates and with a balanced panel, ``d_k`` equals the unit fixed-effects DiD of
:func:`jbp_analysis.estimate.impact` with ``method="did"``.

References
----------
Card, D., & Krueger, A. B. (1994). Minimum wages and employment: a case study of the fast-food
industry in New Jersey and Pennsylvania. *American Economic Review*, 84(4), 772-793.
Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.results import Result
from jbp_analysis.estimate.covariance import (
    InferenceInput,
    inference_label,
    replication_count,
    resolve_inference,
    run_inference,
)
from jbp_analysis.estimate.design import arm_levels, numeric, time_levels
from jbp_analysis.estimate.ols import fit_ols
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS, cr2, wild_cluster_bootstrap
from jbp_analysis.study.design import uses_design

__all__ = ["DiDTable", "did_table", "QUANTITIES"]

#: Rows of the table for each arm, in order (control arms have no ``did`` row).
QUANTITIES: tuple[str, ...] = ("baseline_mean", "followup_mean", "first_difference", "did")


@dataclass(frozen=True, eq=False)
class DiDTable(Result):
    """The 2x2 DiD table of one outcome; build it with :func:`did_table`."""

    outcome: str
    arm_levels: tuple[Any, ...]
    periods: tuple[Any, Any]
    inference: str
    n_obs: int
    n_clusters: int | None
    _tidy: pd.DataFrame = field(repr=False)

    html_na_rep = ""

    def tidy(self) -> pd.DataFrame:
        """``outcome, arm, quantity, contrast, estimate, std_error, ci_low, ci_high, p_value,
        n_obs, inference``: one row per arm and quantity (:data:`QUANTITIES`)."""
        return self._tidy.copy()

    def wide(self) -> pd.DataFrame:
        """ieddtab layout: one row per arm; N, mean and SE per period, first difference, DiD."""
        t = self._tidy
        rows = []
        for a in self.arm_levels:
            r = t[t["arm"] == a].set_index("quantity")
            row: dict[str, Any] = {"arm": a}
            for q, label in (("baseline_mean", "baseline"), ("followup_mean", "follow-up")):
                row[f"{label} N"] = int(r.loc[q, "n_obs"])
                row[f"{label} mean"] = r.loc[q, "estimate"]
                row[f"{label} SE"] = r.loc[q, "std_error"]
            row["first difference"] = r.loc["first_difference", "estimate"]
            row["first difference SE"] = r.loc["first_difference", "std_error"]
            has = "did" in r.index
            row["DiD"] = r.loc["did", "estimate"] if has else np.nan
            row["DiD SE"] = r.loc["did", "std_error"] if has else np.nan
            row["DiD p-value"] = r.loc["did", "p_value"] if has else np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def _html_caption(self) -> str:
        return (
            f"Difference-in-differences: <b>{html.escape(self.outcome)}</b>, "
            f"{html.escape(str(self.periods[0]))} to {html.escape(str(self.periods[1]))}; "
            f"{html.escape(self.inference)}, n = {self.n_obs}"
        )

    def _html_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.wide())]


@uses_design
def did_table(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: Any,
    time: str,
    cluster: str | None = None,
    weights: str | None = None,
    level: float = 0.95,
    waves: Sequence[Any] | None = None,
    inference: str | None = None,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
    draws: int = 9999,
    seed: int = 0,
) -> DiDTable:
    """Build the 2x2 (or 2 x arms) DiD table of ``outcome`` between the two periods of ``time``.

    Length: the interacted regression and its contrast matrix (means, first differences, DiD) are
    built side by side, so rows of ``L`` and table rows cannot drift apart.

    Parameters
    ----------
    data
        Long data: one row per unit and period (two periods; the earlier is the baseline,
        from ``waves``, an ordered categorical or numbers: text such as ``"pre"``/``"post"``
        without an order is an error, since sorting it as text would flip the sign).
    outcome, arm, control, time
        Columns and the control category.
    cluster
        Unit of randomisation (CR1); HC1 without.
    weights
        Regression weights.
    level
        Confidence level.
    waves
        The time order of the periods (earliest first), e.g. the plan's waves.
    inference
        ``None`` (default): CR1 (HC1 without ``cluster``). ``"auto"``: the package's one rule
        (:func:`jbp_analysis.estimate.covariance.resolve_inference`): below
        ``few_cluster_threshold`` (50) clusters the DiD
        rows take their p-value and interval from the restricted wild cluster bootstrap of the
        table's pooled regression (Cameron, Gelbach & Miller 2008); ``"wild"`` the same at any
        size; ``"cr2"``: CR2 with Satterthwaite df (Bell & McCaffrey 2002). Means and first
        differences keep CR1 standard errors and intervals: they are descriptive. The
        ``inference`` column says what the DiD rows use.
    few_cluster_threshold
        Fewest clusters for CR1 under ``inference="auto"``, as in
        :func:`~jbp_analysis.estimate.impact` (the plan's ``models.few_cluster_threshold``).
    draws, seed
        Bootstrap draws and seed.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4, 2, 3, 6, 7], "arm": ["c"] * 4 + ["t"] * 4,
    ...                   "t": [0, 0, 1, 1] * 2})
    >>> did_table(d, outcome="y", arm="arm", control="c", time="t").wide()[
    ...     ["arm", "baseline mean", "follow-up mean", "first difference", "DiD"]]
      arm  baseline mean  follow-up mean  first difference  DiD
    0   c            1.5             3.5               2.0  NaN
    1   t            2.5             6.5               4.0  2.0
    """
    if not 0.0 < float(level) < 1.0:
        raise ConfigError(f"level must lie strictly between 0 and 1, not {level!r}")
    for col in (outcome, arm, time, cluster, weights):
        if col is not None and col not in data.columns:
            raise JBPInputError("unknown column", column=col)
    levels = arm_levels(data[arm], control)
    y = numeric(data[outcome], role="outcome")
    if np.isnan(y).all():
        raise JBPInputError("outcome is missing in every row", column=outcome)
    ok = ~np.isnan(y) & data[arm].notna().to_numpy() & data[time].notna().to_numpy()
    w = None
    if weights is not None:
        w = numeric(data[weights], role="weights")
        ok &= ~np.isnan(w)
    if cluster is not None:
        ok &= data[cluster].notna().to_numpy()
    sub = data.loc[ok]
    y = y[ok]
    post, periods = time_levels(sub[time], order=waves)
    codes = np.full(len(sub), -1)
    for j, lev in enumerate(levels):
        codes[(sub[arm] == lev).to_numpy(dtype=bool)] = j
    k = len(levels) - 1
    cols = [np.ones(len(sub))]
    cols += [(codes == j) * 1.0 for j in range(1, k + 1)]
    cols += [post * 1.0]
    cols += [(codes == j) * post * 1.0 for j in range(1, k + 1)]
    X = np.column_stack(cols)
    names = ["const", *[str(a) for a in levels[1:]], "post", *[f"{a} x post" for a in levels[1:]]]
    if w is not None:
        sw = np.sqrt(w[ok])
        X, y = X * sw[:, None], y * sw
    fit = fit_ols(X, y, names=names)
    if fit.dropped:
        raise JBPInputError(
            f"some arm has no rows in one of the periods ({', '.join(fit.dropped)} not estimable)",
            column=arm,
        )
    clusters = n_clusters = None
    if cluster is not None:
        clusters, uniq = pd.factorize(sub[cluster])
        n_clusters = len(uniq)
        if n_clusters < 2:
            raise JBPInputError("cluster column has a single cluster", column=cluster)
    # linear combinations: rows of L over [a, b_1..b_k, c, d_1..d_k]
    spec: list[tuple[Any, str, str, np.ndarray, int]] = []
    for j, a in enumerate(levels):
        base = np.zeros(2 * k + 2)
        base[0] = 1.0
        if j > 0:
            base[j] = 1.0
        fd = np.zeros(2 * k + 2)
        fd[k + 1] = 1.0
        if j > 0:
            fd[k + 1 + j] = 1.0
        n_pre = int(((codes == j) & (post == 0)).sum())
        n_post = int(((codes == j) & (post == 1)).sum())
        spec.append((a, "baseline_mean", "", base, n_pre))
        spec.append((a, "followup_mean", "", base + fd, n_post))
        spec.append((a, "first_difference", "", fd, n_pre + n_post))
        if j > 0:
            did = np.zeros(2 * k + 2)
            did[k + 1 + j] = 1.0
            n_pair = int(np.isin(codes, [0, j]).sum())
            spec.append((a, "did", f"{a} - {levels[0]}", did, n_pair))
    L = np.vstack([s[3] for s in spec])
    chosen = resolve_inference(
        inference, n_clusters=n_clusters, auto_wild_below=few_cluster_threshold
    )
    base = "cr1" if n_clusters is not None else "hc1"
    inf = run_inference(
        base,
        InferenceInput(
            fit=fit, L=L, clusters=clusters, n_clusters=n_clusters, n_absorbed=0, level=level
        ),
    )
    p_value, ci_low, ci_high = inf.p_value.copy(), inf.ci_low.copy(), inf.ci_high.copy()
    std_error = inf.std_error.copy()
    did_rows = [i for i, s_ in enumerate(spec) if s_[1] == "did"]
    if chosen in ("wild", "cr2", "ri"):
        fx = _few_cluster_did(
            fit.X,
            y,
            clusters,
            L[did_rows],
            method=chosen,
            level=float(level),
            draws=replication_count(draws),
            seed=seed,
        )
        p_value[did_rows], ci_low[did_rows], ci_high[did_rows], se = fx
        if se is not None:
            std_error[did_rows] = se
    label = inference_label(
        inference, chosen, n_clusters=n_clusters, auto_wild_below=few_cluster_threshold
    )
    tidy = pd.DataFrame(
        {
            "outcome": outcome,
            "arm": [s[0] for s in spec],
            "quantity": [s[1] for s in spec],
            "contrast": [s[2] for s in spec],
            "estimate": inf.estimate,
            "std_error": std_error,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "p_value": p_value,
            "n_obs": [s[4] for s in spec],
            "inference": [label if s[1] == "did" else inf.name for s in spec],
        }
    )
    return DiDTable(
        outcome=outcome,
        arm_levels=levels,
        periods=periods,
        inference=label,
        n_obs=int(len(sub)),
        n_clusters=n_clusters,
        _tidy=tidy,
    )


def _few_cluster_did(
    X: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray | None,
    rows: np.ndarray,
    *,
    method: str,
    level: float,
    draws: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """p-values, intervals (and CR2 standard errors) of the DiD rows: wild bootstrap or CR2.

    The wild bootstrap gives no standard error: the rows keep CR1's (as in ``impact``)."""
    groups = np.arange(X.shape[0]) if clusters is None else clusters
    if method == "ri":
        raise ConfigError(
            "did_table does not re-randomise; use impact(method='did', inference='ri') for a "
            "randomisation p-value of the DiD"
        )
    if method == "cr2":
        res = cr2(X, y, groups, contrasts=rows, df="bm", level=level)
        t = res.tidy()
        return (
            t["p_value"].to_numpy(float),
            t["ci_low"].to_numpy(float),
            t["ci_high"].to_numpy(float),
            t["std_error"].to_numpy(float),
        )
    out = np.full((3, rows.shape[0]), np.nan)
    for i, r in enumerate(rows):  # loop over the few treated arms
        wb = wild_cluster_bootstrap(
            X, y, groups, restriction=r, draws=draws, seed=seed, level=level, warn_few_treated=False
        )
        out[:, i] = (wb.p_value, wb.ci_low, wb.ci_high)
    return out[0], out[1], out[2], None
