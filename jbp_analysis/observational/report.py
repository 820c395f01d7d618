"""The observational analysis of a survey panel in one call, for reports and notebooks.

:func:`observational_analysis` takes the processed panel (one row per respondent and wave), puts
each respondent's baseline covariates and baseline outcome next to the post-wave outcome, and
returns the pieces an honest observational report shows: the overlap of the propensity score
(Crump et al. 2009), the balance before and after weighting (Austin 2009), the ATT by every
method side by side with the doubly robust DiD (Sant'Anna & Zhao 2020), and the E-value
(VanderWeele & Ding 2017). Its wording never calls the comparison an experiment.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from jbp_analysis.core.errors import JBPInputError
from jbp_analysis.inference import AUTO_WILD_BELOW_CLUSTERS
from jbp_analysis.observational.diagnostics import balance
from jbp_analysis.observational.drdid import drdid
from jbp_analysis.observational.estimator import att, overlap
from jbp_analysis.observational.results import METHOD_LABELS, ATTResult, OverlapResult
from jbp_analysis.observational.sensitivity import evalue

__all__ = ["ObservationalAnalysis", "observational_analysis", "analysis_frame"]


def analysis_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    unit: str,
    wave: str,
    baseline: str,
    post: str,
    keep: Sequence[str] = (),
) -> tuple[pd.DataFrame, str]:
    """Post-wave rows with each unit's baseline covariates and baseline outcome.

    Returns the frame (columns ``keep``, ``outcome``, ``<covariate>_bl``, ``<outcome>_bl``) and
    the formula right-hand side of the baseline covariates (categorical columns entered with
    ``C()``).

    Examples
    --------
    >>> long = pd.DataFrame({"id": [1, 1, 2, 2], "wave": ["b", "e", "b", "e"],
    ...                      "y": [1.0, 2.0, 3.0, 5.0], "age": [20, 21, 30, 31], "d": [0, 0, 1, 1]})
    >>> f, rhs = analysis_frame(long, outcome="y", covariates=["age"], unit="id", wave="wave",
    ...                         baseline="b", post="e", keep=["d"])
    >>> f.to_dict("list"), rhs
    ({'id': [1, 2], 'd': [0, 1], 'y': [2.0, 5.0], 'age_bl': [20, 30], 'y_bl': [1.0, 3.0]}, 'age_bl')
    """
    missing = [c for c in (outcome, unit, wave, *covariates, *keep) if c not in data.columns]
    if missing:
        raise JBPInputError(f"column(s) {', '.join(map(repr, missing))} not found in the data")
    w = data[wave].astype(str)
    base = data.loc[w == str(baseline), [unit, *covariates, outcome]].drop_duplicates(unit)
    base = base.rename(columns={c: f"{c}_bl" for c in (*covariates, outcome)})
    after = data.loc[w == str(post), [unit, *keep, outcome]]
    frame = after.merge(base, on=unit, how="inner", validate="m:1")
    terms = []
    for c in covariates:
        col = frame[f"{c}_bl"]
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        if pd.api.types.is_bool_dtype(col) or str(col.dtype) == "boolean":
            frame[f"{c}_bl"] = col.astype("Float64").astype("float64")
        terms.append(f"{c}_bl" if numeric else f"C({c}_bl)")
    return frame.reset_index(drop=True), " + ".join(terms)


@dataclass(frozen=True, eq=False)
class ObservationalAnalysis:
    """Everything an observational report shows (see :func:`observational_analysis`).

    Attributes
    ----------
    overlap
        Score distributions and Crump et al. (2009) trimming.
    estimates
        One row per method (:meth:`ATTResult.tidy` columns): IPW, AIPW, entropy balancing and
        matching on the post-wave outcome with baseline covariates and baseline outcome, and the
        doubly robust DiD.
    balance
        Balance before and after the weights of ``primary`` (Austin 2009).
    evalue
        E-value of the primary estimate (VanderWeele & Ding 2017).
    primary
        The :class:`ATTResult` the text reports (AIPW).
    outcome, post, comparison
        What was estimated, at which wave, for which arms.
    notes
        Warnings raised by the estimators, in words.
    results
        Every method's :class:`ATTResult`, by method (``"ipw"``, ..., ``"drdid"``).
    warned
        ``(method, warning class name)`` of each warning an estimator raised (``"overlap"`` for
        :func:`~jbp_analysis.observational.overlap`), so that a report can word them itself.
    """

    overlap: OverlapResult
    estimates: pd.DataFrame
    balance: pd.DataFrame
    evalue: pd.DataFrame
    primary: ATTResult = field(repr=False)
    outcome: str
    post: str
    comparison: str
    notes: tuple[str, ...] = ()
    results: Mapping[str, ATTResult] = field(default_factory=dict, repr=False)
    warned: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        """A plain-English paragraph that states the estimate and what it rests on.

        The comparison is described as observational; the word "experiment" appears only to
        say that this is not one.
        """
        r, e = self.primary, self.evalue.iloc[0]

        def num(x: float) -> str:
            return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"

        return (
            f"Participants ({self.comparison}) were not assigned at random, so this is an "
            f"observational comparison, not an experiment. Comparing participants with similar "
            f"non-participants (same baseline characteristics and baseline {self.outcome}), the "
            f"estimated effect on participants at {self.post} is {num(r.estimate)} "
            f"({r.level:.0%} CI {num(r.ci_low)} to {num(r.ci_high)}; "
            f"{METHOD_LABELS[r.method]}). This is causal only if, given these characteristics, "
            f"taking part was unrelated to what would have happened otherwise. An unmeasured "
            f"factor would need a risk-ratio association of {e['evalue']:.2f} with both "
            f"participation and the outcome to explain the estimate away "
            f"({e['evalue_ci']:.2f} to move the interval to include no effect)."
        )


def observational_analysis(
    data: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    treatment: str = "arm",
    control: Any = None,
    treated: Any = None,
    unit: str = "respondent_id",
    wave: str = "wave",
    baseline: str = "baseline",
    post: str = "endline",
    cluster: str | None = "group_id",
    methods: Sequence[str] = ("ipw", "aipw", "entropy", "matching"),
    level: float = 0.95,
    few_cluster_threshold: int = AUTO_WILD_BELOW_CLUSTERS,
) -> ObservationalAnalysis:
    """Run the observational analysis of ``outcome`` at wave ``post``.

    Parameters
    ----------
    data
        Long panel (one row per respondent and wave), e.g. ``load().outcomes()``.
    outcome
        Outcome column (numeric).
    covariates
        Baseline columns of the propensity score (and outcome model); categorical columns
        enter as categories. The baseline outcome is always added.
    treatment, control, treated
        As in :func:`~jbp_analysis.observational.att`.
    unit, wave, baseline, post
        Panel identifier, wave column, baseline and post-treatment waves.
    cluster
        Cluster column for the standard errors (matching is not clustered).
    few_cluster_threshold
        Below this many clusters the intervals use t(G - 1) (see
        :func:`~jbp_analysis.observational.att`; the plan's ``models.few_cluster_threshold``).
    methods
        ATT methods to compare; AIPW is the primary one.

    Examples
    --------
    >>> from jbp_analysis.simulate.observational import simulate_observational
    >>> sim = simulate_observational(seed=3, groups_per_district=12)
    >>> a = observational_analysis(sim.panel, outcome="income", treatment="treated",
    ...     covariates=["education", "own_business_baseline", "age", "female"],
    ...     methods=("ipw", "aipw"))
    >>> a.estimates["method"].tolist()
    ['ipw', 'aipw', 'drdid']
    >>> "not an experiment" in a.text()
    True
    """
    keep = [c for c in dict.fromkeys([treatment] + ([cluster] if cluster else [])) if c != unit]
    frame, rhs = analysis_frame(
        data, outcome=outcome, covariates=covariates, unit=unit, wave=wave,
        baseline=baseline, post=post, keep=keep,
    )  # fmt: skip
    spec = f"{rhs} + {outcome}_bl"
    common = {"treatment": treatment, "control": control, "treated": treated, "level": level}
    notes: list[str] = []
    warned: list[tuple[str, str]] = []
    caught_all = []

    def record(name: str, caught: list) -> None:
        caught_all.extend(caught)
        warned.extend((name, type(w.message).__name__) for w in caught)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ov = overlap(frame, covariates=spec, treatment=treatment, control=control, treated=treated)
    record("overlap", caught)
    results = {}
    for m in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results[m] = att(
                frame, outcome=outcome, covariates=spec, method=m,
                cluster=None if m == "matching" else cluster,
                few_cluster_threshold=few_cluster_threshold, **common,
            )  # fmt: skip
        record(m, caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        did = drdid(
            data, outcome=outcome, covariates=_unsuffixed(frame, covariates), unit=unit,
            wave=wave, pre=baseline, post=post, cluster=cluster,
            few_cluster_threshold=few_cluster_threshold, **common,
        )  # fmt: skip
    record(did.method, caught)
    notes += sorted({str(w.message) for w in caught_all})
    primary = results.get("aipw") or next(iter(results.values()))
    rows = [r.tidy() for r in results.values()] + [did.tidy()]
    control_sd = float(frame.loc[primary.index[~primary.treated_mask], outcome].std())
    return ObservationalAnalysis(
        overlap=ov,
        estimates=pd.concat(rows, ignore_index=True),
        balance=balance(
            frame,
            variables=spec,
            result=results.get("ipw", primary),
            treatment=treatment,
            control=control,
            treated=treated,
        ),  # fmt: skip
        evalue=evalue(primary, sd=control_sd),
        primary=primary,
        outcome=outcome,
        post=str(post),
        comparison=str(treated if treated is not None else treatment),
        notes=tuple(notes),
        results={**results, did.method: did},
        warned=tuple(dict.fromkeys(warned)),
    )


def _unsuffixed(frame: pd.DataFrame, covariates: Sequence[str]) -> str:
    """The covariate formula on the panel's own column names (for :func:`drdid`)."""
    return " + ".join(
        c if pd.api.types.is_numeric_dtype(frame[f"{c}_bl"]) else f"C({c})" for c in covariates
    )
