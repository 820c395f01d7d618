"""Outcome indicators, built in one place so every wave and district builds them the same way.

:func:`build_outcomes` adds every respondent outcome to the processed panel:

* **Employment** (BPS Sakernas): *employed* = worked at least one hour for pay or profit in the
  past week, or temporarily absent from a job; *openly unemployed* (``unemployed_bps``, BPS
  *pengangguran terbuka*) = not employed and looking for work, preparing a business, discouraged
  (*putus asa*) or with a job or business that has not started yet; ``unemployed_ilo`` = not
  employed, seeking (looking or preparing a business) and available. Availability alone is part
  of neither definition. Derived: ``in_labour_force`` (BPS *angkatan kerja*), the TPT indicator
  ``unemployed`` (``unemployed_bps`` with missing outside the labour force, so its mean is the
  TPT, see :func:`tpt_rate`) and ``runs_business``. See :func:`employment_status`.
* **Income**: household monthly income and income per capita, optionally CPI-deflated,
  winsorised at the 99th percentile within wave, and their inverse hyperbolic sines; monthly
  business profit (0 for people without a business).
* **Critical awareness** (kesadaran kritis): items reverse-coded where the codebook flags
  ``reverse``, standardised against the control arm at baseline, combined into the Anderson
  (2008) inverse-covariance-weighted index and the Kling, Liebman & Katz (2007) equal-weight
  index (:class:`AwarenessScale`), with Cronbach's (1951) alpha.

:func:`build_group_outcomes` does the same for the group (kelompok) survey, and
:func:`attach_baseline` puts each unit's baseline values on every wave's row for ANCOVA.

References
----------
Anderson, M. L. (2008). Multiple inference and gender differences in the effects of early
intervention. *Journal of the American Statistical Association*, 103(484), 1481-1495.
Kling, J. R., Liebman, J. B., & Katz, L. F. (2007). Experimental analysis of neighborhood effects.
*Econometrica*, 75(1), 83-119.
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*,
16(3), 297-334.
BPS (Badan Pusat Statistik). *Keadaan Angkatan Kerja di Indonesia* (Sakernas): definitions of
bekerja, pengangguran terbuka and Tingkat Pengangguran Terbuka (TPT); as summarised by Tempo
(22 March 2021, from bps.go.id) and CNN Indonesia (18 July 2025, from the Sakernas booklet).
ILO (2013). *Resolution concerning statistics of work, employment and labour underutilization*,
19th International Conference of Labour Statisticians, paragraph 47.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.outcomes.poverty import has_consumption, poverty_outcomes
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.design import uses_design

__all__ = [
    "build_outcomes",
    "build_group_outcomes",
    "employment_status",
    "tpt_rate",
    "winsorise",
    "deflate",
    "ihs",
    "AwarenessScale",
    "awareness_scale",
    "anderson_weights",
    "cronbach_alpha",
    "attach_baseline",
    "attach_design_indicators",
    "OUTCOME_FAMILIES",
    "GROUP_OUTCOME_FAMILIES",
    "LF_STATUS",
]

#: Labour-force status categories, in order.
LF_STATUS: tuple[str, ...] = ("employed", "unemployed", "outside_labour_force")

#: Respondent outcomes by family (families group outcomes for multiple-testing adjustments).
#: Impacts on unemployment use ``unemployed_bps`` and ``unemployed_ilo`` (defined for everyone,
#: False outside the labour force): the TPT indicator ``unemployed`` is conditional on
#: labour-force participation, which the programme may change.
OUTCOME_FAMILIES: dict[str, tuple[str, ...]] = {
    "employment": (
        "employed",
        "unemployed_bps",
        "unemployed_ilo",
        "in_labour_force",
        "runs_business",
    ),
    "income": ("income_household", "income_per_capita", "income_household_ihs", "profit"),
    "awareness": ("awareness_anderson", "awareness_klk"),
}

#: Group (kelompok) outcomes by family.
GROUP_OUTCOME_FAMILIES: dict[str, tuple[str, ...]] = {
    "group_business": ("business_operating", "revenue", "revenue_ihs", "legalised"),
}

_LABOUR = (
    "worked_last_week",
    "temp_absent",
    "looking_for_work",
    "preparing_business",
    "available_for_work",
    "own_business",
)
#: Answers to the Sakernas reason question (r4a, ``reason_not_seeking``) that make someone who
#: neither looks for work nor prepares a business openly unemployed under the BPS definition:
#: discouraged (putus asa) and future starters (a job or business that has not started yet).
BPS_UNEMPLOYED_REASONS: tuple[str, ...] = ("hopeless", "job_accepted", "business_not_started")


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise JBPInputError(
            f"{what} needs column(s) {', '.join(missing)}, which the data do not have",
            column=missing[0],
        )


def _boolean(df: pd.DataFrame, col: str) -> pd.Series:
    try:
        return df[col].astype("boolean")
    except (TypeError, ValueError):
        raise JBPInputError(
            f"column is not yes/no (type {df[col].dtype}); expected booleans", column=col
        ) from None


def _float(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        raise JBPInputError(f"column is not numeric (type {s.dtype})", column=col)
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def _reference_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows that count for reference statistics: interviewed rows when ``responded`` exists."""
    if "responded" in df.columns:
        return df["responded"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return np.ones(len(df), dtype=bool)


# --------------------------------------------------------------------------- employment
def employment_status(panel: pd.DataFrame) -> pd.DataFrame:
    """Labour-force status as BPS (Sakernas) and the ILO define it, with Kleene logic for gaps.

    The Sakernas questions and their skip pattern (codebook ``relevant``): r1
    ``worked_last_week``; if not, r2 ``temp_absent``; if neither, r3 ``looking_for_work``, r4
    ``preparing_business``, r4a ``reason_not_seeking`` (only if neither r3 nor r4) and r5
    ``available_for_work``; if working, r7 ``own_business``.

    * ``employed`` = r1 or r2.
    * ``unemployed_bps``, BPS open unemployment (*pengangguran terbuka*): not employed and any of
      (1) looking for work, (2) preparing a business, (3) not looking because they feel it is
      impossible to find work (discouraged, *putus asa*, r4a = ``hopeless``), (4) accepted for a
      job or set up a business that has not started yet (r4a = ``job_accepted`` or
      ``business_not_started``). Availability (r5) plays no part (BPS, Sakernas; Tempo 2021; CNN
      Indonesia 2025).
    * ``unemployed_ilo``: not employed, seeking (r3 or r4) and available (r5) (ILO 2013, 19th
      ICLS, para. 47; the resolution also counts available future starters, which this
      indicator, like the 13th ICLS core definition, does not).
    * ``in_labour_force`` (BPS *angkatan kerja*) = employed or ``unemployed_bps``; ``lf_status``
      follows it. ``unemployed`` is ``unemployed_bps`` among the labour force (missing outside
      it), so its mean is the TPT (:func:`tpt_rate`).

    Someone who is available ("would accept a job") but neither looks, prepares, is discouraged
    nor waits to start is unemployed under neither definition.

    Returns
    -------
    pandas.DataFrame
        ``lf_status`` (Categorical of :data:`LF_STATUS`), ``employed``, ``in_labour_force``,
        ``unemployed``, ``unemployed_bps`` and ``unemployed_ilo`` (False outside the labour
        force), ``openly_unemployed`` (the same as ``unemployed_bps``; the name of plans
        registered before December 2026) and ``runs_business`` (False for people who do not
        work), all nullable booleans aligned with ``panel``. A status is missing only when the
        answers that decide it are missing.

    Examples
    --------
    >>> p = pd.DataFrame({"worked_last_week": [True, False, False, False, False],
    ...                   "temp_absent": [None, True, False, False, False],
    ...                   "looking_for_work": [None, None, True, False, False],
    ...                   "preparing_business": [None, None, False, False, False],
    ...                   "reason_not_seeking": [None, None, None, "hopeless", "in_school"],
    ...                   "available_for_work": [None, None, False, True, True],
    ...                   "own_business": [True, False, None, None, None]})
    >>> out = employment_status(p)
    >>> out["lf_status"].tolist()
    ['employed', 'employed', 'unemployed', 'unemployed', 'outside_labour_force']
    >>> out["unemployed_ilo"].tolist()
    [False, False, False, False, False]
    """
    _require(panel, (*_LABOUR, "reason_not_seeking"), "employment status")
    b = {c: _boolean(panel, c) for c in _LABOUR}
    employed = b["worked_last_week"] | b["temp_absent"]
    seeking = b["looking_for_work"] | b["preparing_business"]
    reason = panel["reason_not_seeking"]
    waiting = pd.array(
        reason.isin(BPS_UNEMPLOYED_REASONS).to_numpy(dtype=bool), dtype="boolean"
    )  # discouraged or future starter
    waiting[reason.isna().to_numpy(dtype=bool)] = pd.NA
    waiting = pd.Series(waiting, index=panel.index)
    unemployed_bps = ~employed & (seeking | waiting)
    unemployed_ilo = ~employed & seeking & b["available_for_work"]
    in_lf = employed | unemployed_bps
    status = pd.Series(pd.NA, index=panel.index, dtype="object")
    status[employed.fillna(False).to_numpy(dtype=bool)] = LF_STATUS[0]
    status[unemployed_bps.fillna(False).to_numpy(dtype=bool)] = LF_STATUS[1]
    status[(~in_lf).fillna(False).to_numpy(dtype=bool)] = LF_STATUS[2]
    unemployed = unemployed_bps.copy()
    unemployed[(~in_lf).fillna(False).to_numpy(dtype=bool)] = pd.NA
    runs_business = b["own_business"].copy()
    runs_business[(~employed).fillna(False).to_numpy(dtype=bool)] = False
    return pd.DataFrame(
        {
            "lf_status": pd.Categorical(status, categories=list(LF_STATUS)),
            "employed": employed,
            "in_labour_force": in_lf,
            "unemployed": unemployed,
            "unemployed_bps": unemployed_bps,
            "unemployed_ilo": unemployed_ilo,
            "openly_unemployed": unemployed_bps.copy(),
            "runs_business": runs_business,
        },
        index=panel.index,
    )


def tpt_rate(
    data: pd.DataFrame, *, by: str | Sequence[str] = ("wave", "arm"), weights: str | None = None
) -> pd.DataFrame:
    """Open unemployment rate (TPT, Tingkat Pengangguran Terbuka) in percent, by group.

    TPT = unemployed / labour force x 100 (BPS). ``data`` must hold ``unemployed`` (missing
    outside the labour force), as :func:`build_outcomes` writes it.

    Examples
    --------
    >>> d = pd.DataFrame({"wave": ["b"] * 4, "unemployed": pd.array([True, False, False, None])})
    >>> tpt_rate(d, by="wave")[["labour_force", "unemployed", "tpt"]].round(2).values.tolist()
    [[3.0, 1.0, 33.33]]
    """
    by = [by] if isinstance(by, str) else list(by)
    _require(data, [*by, "unemployed", *([weights] if weights else [])], "tpt_rate")
    u = data["unemployed"].astype("boolean")
    in_lf = u.notna().to_numpy(dtype=float)
    unemp = u.fillna(False).to_numpy(dtype=float)
    w = np.ones(len(data)) if weights is None else _float(data, weights)
    frame = data[by].copy()
    frame["labour_force"] = in_lf * w
    frame["unemployed"] = unemp * w
    out = frame.groupby(by, observed=True, sort=True)[["labour_force", "unemployed"]].sum()
    out["tpt"] = 100.0 * out["unemployed"] / out["labour_force"].where(out["labour_force"] > 0)
    return out.reset_index()


# --------------------------------------------------------------------------- money
def winsorise(
    values: np.ndarray | pd.Series,
    *,
    groups: np.ndarray | pd.Series | None = None,
    upper: float | None = 0.99,
    lower: float | None = None,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Cap values at within-group percentiles (linear-interpolation quantiles of the reference rows).

    Parameters
    ----------
    values
        Numbers (NaN stays NaN).
    groups
        Group labels (e.g. the wave); percentiles are computed within each group.
    upper, lower
        Quantiles to cap at (``None`` = no cap on that side).
    reference
        Boolean mask of rows whose values define the percentiles (default: all).

    Examples
    --------
    >>> winsorise(np.arange(1.0, 102.0), upper=0.99)[-3:].tolist()
    [99.0, 100.0, 100.0]
    """
    x = np.asarray(values, dtype=np.float64).copy()
    for q in (upper, lower):
        if q is not None and not 0.5 <= (q if q is upper else 1 - q) < 1:
            raise ConfigError(f"winsorising quantile {q!r} is out of range")
    if upper is None and lower is None:
        return x
    ref = np.ones(x.size, dtype=bool) if reference is None else np.asarray(reference, dtype=bool)
    if groups is None:
        codes, n_groups = np.zeros(x.size, dtype=np.int64), 1
    else:
        codes, uniques = pd.factorize(pd.Series(np.asarray(groups)), sort=True)
        n_groups = len(uniques)
    for g in range(n_groups):  # loop over waves
        in_g = codes == g
        pool = x[in_g & ref & ~np.isnan(x)]
        if pool.size == 0:
            continue
        if upper is not None:
            cap = np.quantile(pool, upper)
            x[in_g & (x > cap)] = cap
        if lower is not None:
            floor = np.quantile(pool, lower)
            x[in_g & (x < floor)] = floor
    return x


def ihs(x: np.ndarray | pd.Series) -> np.ndarray:
    """Inverse hyperbolic sine, ``log(x + sqrt(x^2 + 1))``: like log, but defined at 0 and below.

    Examples
    --------
    >>> ihs(np.array([0.0, 1.0])).round(6).tolist()
    [0.0, 0.881374]
    """
    return np.arcsinh(np.asarray(x, dtype=np.float64))


def deflate(
    data: pd.DataFrame,
    values: np.ndarray,
    cpi: pd.DataFrame,
    *,
    base: float = 100.0,
    wave: str = "wave",
    date: str = "interview_date",
) -> np.ndarray:
    """Express rupiah in prices of the CPI base: ``value * base / cpi``.

    ``cpi`` is a user table with a ``cpi`` column and either a ``wave`` column (one index per
    wave) or a ``period`` column (months such as ``"2017-04"``, matched to the month of
    ``date``). A row whose wave or month is not in the table raises :class:`JBPInputError`.

    Examples
    --------
    >>> d = pd.DataFrame({"wave": ["baseline", "endline"]})
    >>> cpi = pd.DataFrame({"wave": ["baseline", "endline"], "cpi": [100.0, 125.0]})
    >>> deflate(d, np.array([1000.0, 1000.0]), cpi).tolist()
    [1000.0, 800.0]
    """
    if "cpi" not in cpi.columns:
        raise JBPInputError("CPI table needs a 'cpi' column", column="cpi")
    if "wave" in cpi.columns:
        _require(data, [wave], "CPI deflation by wave")
        table = dict(zip(cpi["wave"].astype(str), cpi["cpi"].astype(float), strict=True))
        keys = data[wave].astype(str)
        key_name = "wave"
    elif "period" in cpi.columns:
        _require(data, [date], "CPI deflation by month")
        months = pd.PeriodIndex(pd.to_datetime(cpi["period"].astype(str)), freq="M").astype(str)
        table = dict(zip(months, cpi["cpi"].astype(float), strict=True))
        keys = pd.Series(
            pd.PeriodIndex(pd.to_datetime(data[date]), freq="M").astype(str), index=data.index
        )
        keys = keys.where(data[date].notna().to_numpy(), None)
        key_name = "period"
    else:
        raise JBPInputError("CPI table needs a 'wave' or a 'period' column", column="cpi")
    index = keys.map(table).to_numpy(dtype=np.float64, na_value=np.nan)
    lacking = ~np.isnan(np.asarray(values, dtype=np.float64)) & np.isnan(index)
    if lacking.any():
        found = keys[lacking]
        shown = sorted({str(k) for k in found.dropna()})[:5]
        if found.isna().any():
            shown.append(f"(rows without {date if key_name == 'period' else wave})")
        raise JBPInputError(
            f"the CPI table has no index for {key_name} {', '.join(shown)}",
            column=key_name,
            row=int(np.flatnonzero(lacking)[0]) + 1,
        )
    if (index <= 0).any():
        raise JBPInputError("CPI values must be positive", column="cpi")
    return np.asarray(values, dtype=np.float64) * base / index


# --------------------------------------------------------------------------- awareness
def anderson_weights(cov: np.ndarray) -> np.ndarray:
    """Anderson (2008) weights: row sums of the inverse covariance matrix, scaled to sum to 1.

    Examples
    --------
    Hand computation: for ``S = [[1, .5, 0], [.5, 1, 0], [0, 0, 1]]``, ``S^-1`` has rows
    ``[4/3, -2/3, 0], [-2/3, 4/3, 0], [0, 0, 1]``, row sums ``2/3, 2/3, 1``, total ``7/3``:

    >>> (anderson_weights(np.array([[1, .5, 0], [.5, 1, 0], [0, 0, 1]])) * 7).round(10).tolist()
    [2.0, 2.0, 3.0]
    """
    cov = np.asarray(cov, dtype=np.float64)
    try:
        w = np.linalg.solve(cov, np.ones(cov.shape[0]))
    except np.linalg.LinAlgError:
        raise ConfigError(
            "the awareness items' covariance matrix is singular (an item duplicates others or "
            "does not vary in the reference group)"
        ) from None
    return w / w.sum()


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's (1951) alpha, ``k/(k-1) * (1 - sum(var_j) / var(total))``, on complete rows.

    Examples
    --------
    Items ``[1,2,3,4], [1,3,2,4], [2,1,1,2]``: variances ``5/3, 5/3, 1/3``; totals
    ``4, 6, 6, 10`` with variance ``19/3``; alpha ``= 3/2 * (1 - 11/19) = 12/19``:

    >>> round(cronbach_alpha(np.array([[1, 1, 2], [2, 3, 1], [3, 2, 1], [4, 4, 2]])) * 19, 10)
    12.0
    """
    x = np.asarray(items, dtype=np.float64)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return float("nan")
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1.0 - item_var / total_var))


@dataclass(frozen=True, eq=False)
class AwarenessScale:
    """A fitted critical-awareness scale: item standardisation, Anderson weights, alpha.

    Fitted on a reference sample (the control arm at baseline) by :func:`awareness_scale`;
    :meth:`transform` then scores any rows with the same constants, so every wave and district
    is on the same scale. Both indices are re-standardised to mean 0, SD 1 in the reference.
    """

    items: tuple[str, ...]
    reversed_items: tuple[str, ...]
    item_mean: np.ndarray = field(repr=False)
    item_sd: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    index_mean: tuple[float, float]
    index_sd: tuple[float, float]
    alpha: float
    n_reference: int
    scale_max: int = 5

    def reverse(self, df: pd.DataFrame) -> np.ndarray:
        """The items as floats, negatively worded ones reverse-coded (``1 + max - x``)."""
        _require(df, self.items, "the awareness index")
        cols = []
        for it in self.items:
            v = _float(df, it)
            cols.append(1 + self.scale_max - v if it in self.reversed_items else v)
        return np.column_stack(cols)

    def zscores(self, df: pd.DataFrame) -> np.ndarray:
        """Reverse-coded items standardised by the reference mean and SD."""
        return (self.reverse(df) - self.item_mean) / self.item_sd

    def raw_indices(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Anderson and KLK indices before the final re-standardisation.

        Anderson: ``sum_j w_j z_j / sum_j w_j`` over the answered items (Anderson 2008, who
        weights the available outcomes); KLK: the mean of the answered items' z-scores.
        Missing when no item is answered.
        """
        z = self.zscores(df)
        have = ~np.isnan(z)
        zz = np.where(have, z, 0.0)
        wsum = have @ self.weights
        n = have.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            anderson = np.where(n > 0, (zz @ self.weights) / wsum, np.nan)
            klk = np.where(n > 0, zz.sum(axis=1) / n, np.nan)
        return anderson, klk

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """``awareness_anderson`` and ``awareness_klk`` for the rows of ``df``."""
        anderson, klk = self.raw_indices(df)
        return pd.DataFrame(
            {
                "awareness_anderson": (anderson - self.index_mean[0]) / self.index_sd[0],
                "awareness_klk": (klk - self.index_mean[1]) / self.index_sd[1],
            },
            index=df.index,
        )

    def tidy(self) -> pd.DataFrame:
        """One row per item: reversed?, reference mean and SD, Anderson weight."""
        return pd.DataFrame(
            {
                "item": list(self.items),
                "reversed": [it in self.reversed_items for it in self.items],
                "reference_mean": self.item_mean,
                "reference_sd": self.item_sd,
                "anderson_weight": self.weights,
            }
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p>Critical-awareness scale: {len(self.items)} items, Cronbach's alpha "
            f"{self.alpha:.3f}, reference n = {self.n_reference}</p>"
        )
        return head + self.tidy().to_html(index=False, float_format="{:.3f}".format)


def awareness_scale(
    panel: pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    reverse: Sequence[str] | None = None,
    arm: str = "arm",
    control: str = "kontrol",
    wave: str = "wave",
    baseline_wave: str = "baseline",
    reference: np.ndarray | None = None,
) -> AwarenessScale:
    """Fit the critical-awareness scale on the control arm at baseline.

    Steps: reverse-code the items flagged ``reverse`` in the codebook; standardise each item by
    the reference (control, baseline, interviewed) mean and SD; Anderson (2008) weights from the
    inverse of the items' z-score covariance matrix in the reference (complete rows); the KLK
    (Kling, Liebman & Katz 2007) index is the equal-weight mean; Cronbach's (1951) alpha of the
    reverse-coded items in the reference.

    Parameters
    ----------
    items, reverse
        Item columns and the negatively worded ones (default: the codebook's awareness items).
    arm, control, wave, baseline_wave
        Define the reference rows (unless ``reference`` is given as a boolean mask).
    """
    if items is None:
        cb_items = load_codebook().awareness_items()
        items = [v.name for v in cb_items]
        if reverse is None:
            reverse = [v.name for v in cb_items if v.reverse]
    items = list(items)
    reverse = list(reverse or [])
    unknown = [r for r in reverse if r not in items]
    if unknown:
        raise ConfigError(f"reverse items {unknown} are not among the items")
    if reference is None:
        _require(panel, [arm, wave], "the awareness reference group")
        reference = (
            (panel[arm] == control).to_numpy(dtype=bool)
            & (panel[wave] == baseline_wave).to_numpy(dtype=bool)
            & _reference_rows(panel)
        )
    reference = np.asarray(reference, dtype=bool)
    if not reference.any():
        raise JBPInputError(
            f"no interviewed row of arm {control!r} in wave {baseline_wave!r} to standardise the "
            "awareness items against",
            column=arm,
        )
    proto = AwarenessScale(
        items=tuple(items),
        reversed_items=tuple(reverse),
        item_mean=np.zeros(len(items)),
        item_sd=np.ones(len(items)),
        weights=np.full(len(items), 1.0 / len(items)),
        index_mean=(0.0, 0.0),
        index_sd=(1.0, 1.0),
        alpha=float("nan"),
        n_reference=0,
    )
    x = proto.reverse(panel)[reference]
    mean = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0, ddof=1)
    flat = [it for it, s in zip(items, sd, strict=True) if not s > 0]
    if flat:
        raise JBPInputError(
            f"awareness item(s) {', '.join(flat)} do not vary in the reference group",
            column=flat[0],
        )
    z = (x - mean) / sd
    complete = z[~np.isnan(z).any(axis=1)]
    if complete.shape[0] <= len(items):
        raise JBPInputError(
            f"only {complete.shape[0]} reference rows answer every awareness item; the Anderson "
            f"weights need more than {len(items)}",
            column=items[0],
        )
    weights = anderson_weights(np.cov(complete, rowvar=False))
    fitted = AwarenessScale(
        items=tuple(items),
        reversed_items=tuple(reverse),
        item_mean=mean,
        item_sd=sd,
        weights=weights,
        index_mean=(0.0, 0.0),
        index_sd=(1.0, 1.0),
        alpha=cronbach_alpha(x),
        n_reference=int(reference.sum()),
    )
    anderson, klk = fitted.raw_indices(panel)
    a_ref, k_ref = anderson[reference], klk[reference]
    return AwarenessScale(
        items=fitted.items,
        reversed_items=fitted.reversed_items,
        item_mean=mean,
        item_sd=sd,
        weights=weights,
        index_mean=(float(np.nanmean(a_ref)), float(np.nanmean(k_ref))),
        index_sd=(float(np.nanstd(a_ref, ddof=1)), float(np.nanstd(k_ref, ddof=1))),
        alpha=fitted.alpha,
        n_reference=fitted.n_reference,
    )


# --------------------------------------------------------------------------- builders
@uses_design
def build_outcomes(
    panel: pd.DataFrame,
    *,
    winsor: float | None = 0.99,
    cpi: pd.DataFrame | None = None,
    cpi_base: float = 100.0,
    arm: str = "arm",
    control: str = "kontrol",
    wave: str = "wave",
    baseline_wave: str = "baseline",
    scale: AwarenessScale | None = None,
    items: Sequence[str] | None = None,
    reverse: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add every respondent outcome to the processed panel (returns a new DataFrame).

    Added columns: ``lf_status``, ``employed``, ``in_labour_force``, ``unemployed``,
    ``unemployed_bps``, ``unemployed_ilo``, ``openly_unemployed``, ``runs_business`` (see
    :func:`employment_status`); ``income_household``,
    ``income_per_capita`` (household income / household size), ``income_household_ihs``,
    ``income_per_capita_ihs``, ``profit`` (business profit, 0 without a business) and
    ``profit_ihs``; ``awareness_anderson`` and ``awareness_klk`` (:func:`awareness_scale`).

    Money is deflated first (if ``cpi`` is given, see :func:`deflate`), then winsorised within
    wave at the ``winsor`` quantile of interviewed rows (income at the top; profit, which can be
    negative, at both ``1 - winsor`` and ``winsor``); ``winsor=None`` turns it off. The IHS
    columns transform the winsorised values. The awareness scale is fitted on the control arm
    at baseline (or pass a fitted ``scale``; ``items``/``reverse`` override the codebook items).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = 40
    >>> p = pd.DataFrame({"wave": ["baseline"] * n, "arm": ["kontrol"] * n,
    ...     "worked_last_week": rng.uniform(size=n) < .5, "temp_absent": False,
    ...     "looking_for_work": True, "preparing_business": False, "available_for_work": True,
    ...     "reason_not_seeking": None, "own_business": False, "household_income": rng.integers(1, 9, n) * 1_000_000,
    ...     "household_size": 4, "business_profit": 0,
    ...     "q1": rng.integers(1, 6, n), "q2": rng.integers(1, 6, n)})
    >>> out = build_outcomes(p, items=["q1", "q2"], reverse=["q2"])
    >>> float(out["awareness_klk"].std().round(6)), float(out["unemployed"].mean().round(3))
    (1.0, 0.5)
    """
    _require(panel, [wave, "household_income", "household_size", "business_profit"], "outcomes")
    out = panel.copy()
    emp = employment_status(panel)
    for col in emp.columns:
        out[col] = emp[col]
    ref = _reference_rows(panel)
    waves = panel[wave].to_numpy()
    income = _float(panel, "household_income")
    size = _float(panel, "household_size")
    if np.any(size[~np.isnan(size)] <= 0):
        raise JBPInputError("household size must be positive", column="household_size")
    profit_raw = _float(panel, "business_profit")
    runs = emp["runs_business"]
    profit = np.where(runs.fillna(True).to_numpy(dtype=bool), profit_raw, 0.0)
    profit[runs.isna().to_numpy()] = np.nan
    if cpi is not None:
        income = deflate(panel, income, cpi, base=cpi_base, wave=wave)
        profit = deflate(panel, profit, cpi, base=cpi_base, wave=wave)
    per_capita = income / size
    lower = None if winsor is None else 1.0 - winsor
    income_w = winsorise(income, groups=waves, upper=winsor, reference=ref)
    per_capita_w = winsorise(per_capita, groups=waves, upper=winsor, reference=ref)
    profit_w = winsorise(profit, groups=waves, upper=winsor, lower=lower, reference=ref)
    out["income_household"] = income_w
    out["income_per_capita"] = per_capita_w
    out["income_household_ihs"] = ihs(income_w)
    out["income_per_capita_ihs"] = ihs(per_capita_w)
    out["profit"] = profit_w
    out["profit_ihs"] = ihs(profit_w)
    if scale is None:
        scale = awareness_scale(
            panel,
            items=items,
            reverse=reverse,
            arm=arm,
            control=control,
            wave=wave,
            baseline_wave=baseline_wave,
        )
    idx = scale.transform(panel)
    out["awareness_anderson"] = idx["awareness_anderson"]
    out["awareness_klk"] = idx["awareness_klk"]
    if has_consumption(panel):  # consumption poverty: BPS lines, FGT (outcomes.poverty)
        poverty = poverty_outcomes(panel)
        for col in poverty.columns:
            out[col] = poverty[col]
    return out


def build_group_outcomes(
    groups: pd.DataFrame,
    *,
    winsor: float | None = 0.99,
    cpi: pd.DataFrame | None = None,
    cpi_base: float = 100.0,
    wave: str = "wave",
) -> pd.DataFrame:
    """Add the group (kelompok) outcomes to ``groups.parquet`` rows (returns a new DataFrame).

    ``business_operating`` (as nullable boolean), ``revenue`` (monthly revenue, 0 when the
    business is not operating, deflated and winsorised at the top within wave), ``revenue_ihs``,
    and ``legalised`` (any of P-IRT, halal, SNI; Kleene logic for missing answers).

    Examples
    --------
    >>> g = pd.DataFrame({"wave": ["b", "b"], "business_operating": [True, False],
    ...                   "monthly_revenue": [5_000_000, None], "legal_pirt": [True, False],
    ...                   "legal_halal": [False, False], "legal_sni": [False, None]})
    >>> build_group_outcomes(g, winsor=None)[["revenue", "legalised"]].values.tolist()
    [[5000000.0, True], [0.0, <NA>]]
    """
    cols = [wave, "business_operating", "monthly_revenue", "legal_pirt", "legal_halal", "legal_sni"]
    _require(groups, cols, "group outcomes")
    out = groups.copy()
    operating = _boolean(groups, "business_operating")
    revenue = _float(groups, "monthly_revenue")
    revenue = np.where(operating.fillna(True).to_numpy(dtype=bool), revenue, 0.0)
    revenue[operating.isna().to_numpy()] = np.nan
    if cpi is not None:
        revenue = deflate(groups, revenue, cpi, base=cpi_base, wave=wave, date="visit_date")
    revenue = winsorise(
        revenue, groups=groups[wave].to_numpy(), upper=winsor, reference=_reference_rows(groups)
    )
    out["business_operating"] = operating
    out["revenue"] = revenue
    out["revenue_ihs"] = ihs(revenue)
    out["legalised"] = (
        _boolean(groups, "legal_pirt")
        | _boolean(groups, "legal_halal")
        | _boolean(groups, "legal_sni")
    )
    return out


def attach_baseline(
    panel: pd.DataFrame,
    columns: str | Sequence[str],
    *,
    unit: str = "respondent_key",
    wave: str = "wave",
    baseline_wave: object = "baseline",
    suffix: str = "_bl",
) -> pd.DataFrame:
    """Put each unit's baseline value of ``columns`` on every row, as ``{column}{suffix}``.

    For ANCOVA (McKenzie 2012): analyse a follow-up wave with ``baseline="{outcome}_bl"``.
    Units without a baseline row (or with a missing baseline value) get missing values.

    Raises
    ------
    JBPInputError
        A unit with two baseline rows, or an unknown column.

    Examples
    --------
    >>> p = pd.DataFrame({"id": [1, 1, 2, 2], "wave": ["baseline", "endline"] * 2,
    ...                   "y": [10.0, 12.0, 20.0, 25.0]})
    >>> attach_baseline(p, "y", unit="id")["y_bl"].tolist()
    [10.0, 10.0, 20.0, 20.0]
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    _require(panel, [unit, wave, *columns], "attach_baseline")
    base = panel.loc[(panel[wave] == baseline_wave).to_numpy(dtype=bool), [unit, *columns]]
    dup = base[unit].duplicated()
    if dup.any():
        raise JBPInputError(
            f"unit {base.loc[dup, unit].iloc[0]!r} has more than one {baseline_wave!r} row",
            column=unit,
        )
    right = base.rename(columns={c: f"{c}{suffix}" for c in columns})
    merged = panel[[unit]].merge(right, on=unit, how="left", validate="many_to_one")
    out = panel.copy()
    for col in columns:
        out[f"{col}{suffix}"] = merged[f"{col}{suffix}"].set_axis(panel.index)
    return out


def attach_design_indicators(
    data: pd.DataFrame, *, design: Any = None, strata: Sequence[str] | None = None
) -> pd.DataFrame:
    """Add ``female`` (from ``sex``) and ``stratum`` (the randomisation stratum) to a panel.

    ``stratum`` joins the design's strata columns (default ``district_code`` x ``cohort``: JBP
    groups were randomised within district and cohort) as ``"3322-C1"``; ANCOVA fixed effects,
    balance and randomisation inference all use it. Pass ``design=`` (a
    :class:`~jbp_analysis.study.design.StudyDesign`) or ``strata=`` column names.

    Examples
    --------
    >>> d = pd.DataFrame({"sex": ["female", "male"], "district_code": ["3322", "3322"],
    ...                   "cohort": [1, 2]})
    >>> attach_design_indicators(d)[["female", "stratum"]].values.tolist()
    [[True, '3322-C1'], [False, '3322-C2']]
    """
    cols = list(strata or (design.strata if design is not None else ("district_code", "cohort")))
    out = data.copy()
    if "sex" in out.columns:
        out["female"] = out["sex"].eq("female").astype("boolean")
    present = [c for c in cols if c in out.columns]
    if present:
        parts = [out[c].astype(str) if c != "cohort" else "C" + out[c].astype(str) for c in present]
        stratum = parts[0]
        for part in parts[1:]:
            stratum = stratum + "-" + part
        out["stratum"] = stratum
    return out
