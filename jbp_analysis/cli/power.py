"""`jbp power`: minimum detectable effects and power for the clustered three-arm design."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from jbp_analysis.cli.study import StudyOption, use_study
from jbp_analysis.core import paths
from jbp_analysis.core.errors import ConfigError

__all__ = ["command", "estimate_icc"]

DEFAULT_GROUPS = [4, 8, 12, 24, 36]
DEFAULT_OUTCOMES = ["household_income", "worked_last_week"]


def estimate_icc(panel_path: Path, outcomes: list[str]) -> dict[str, float]:
    """ANOVA ICC of each outcome among baseline respondents, by group (``icc_anova``)."""
    from jbp_analysis.planning.power import icc_anova

    if not panel_path.exists():
        raise ConfigError(
            f"no --icc given and {panel_path} does not exist: run `jbp clean` first, or give "
            "the intra-cluster correlation, e.g. --icc 0.1"
        )
    panel = pd.read_parquet(panel_path)
    missing = [c for c in ["wave", "group_id", "responded", *outcomes] if c not in panel.columns]
    if missing:
        raise ConfigError(f"{panel_path} has no column(s) {missing}")
    base = panel[(panel["wave"].astype(str) == "baseline") & panel["responded"].astype(bool)]
    out = {}
    for name in outcomes:
        values = pd.to_numeric(base[name].astype("Float64"), errors="coerce")
        y = values.to_numpy(dtype=np.float64, na_value=np.nan)
        out[name] = icc_anova(y, base["group_id"].to_numpy()).icc
    return out


def command(
    groups_per_arm: Annotated[
        list[int] | None,
        typer.Option(
            "--groups-per-arm",
            help="Groups (kelompok) per arm; repeat for several designs. "
            f"Default: {' '.join(map(str, DEFAULT_GROUPS))} (24 = the shipped sample).",
        ),
    ] = None,
    group_size: Annotated[int, typer.Option(help="Members per group (m).")] = 25,
    icc: Annotated[
        float | None,
        typer.Option(
            help="Intra-cluster correlation. Default: estimated from the baseline of --panel "
            "(ANOVA estimator), the largest over --outcome."
        ),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Target power for the MDE.")] = 0.8,
    effect: Annotated[
        float | None,
        typer.Option(help="True effect in standard deviations: adds the power at this effect."),
    ] = None,
    r2: Annotated[
        float,
        typer.Option(help="Share of variance explained by baseline covariates (both levels)."),
    ] = 0.0,
    simulate: Annotated[
        int,
        typer.Option(
            "--simulate",
            help="Also estimate power, bias and coverage from N simulated trials "
            "(normal outcome with group effects; t-test on group means).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed for --simulate.")] = 20170401,
    panel: Annotated[
        Path, typer.Option(help="Processed panel used to estimate the ICC.")
    ] = paths.PROCESSED_DIR / "panel.parquet",
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            "--outcome",
            help="Panel column(s) whose baseline ICC is estimated when --icc is not given. "
            f"Default: {', '.join(DEFAULT_OUTCOMES)}.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address: run the --simulate replications there."),
    ] = None,
    study: StudyOption = None,
) -> None:
    """Minimum detectable effect (MDE) and power of every pairwise arm contrast.

    Groups of m members are randomised to kontrol, karitatif and pendampingan.
    MDE = (t(1 - alpha/2) + t(power)) x SE, on J_a + J_b - 2 df, with
    SE = sqrt((icc + (1 - icc)/m) x (1/J_a + 1/J_b)) in SD of the outcome.
    Design effect 1 + (m - 1) icc (Bloom 1995; Duflo et al. 2007).
    Power at --effect: Bloom's formula and exact (noncentral t).
    """
    use_study(study)
    from jbp_analysis.planning.power import (
        cluster_means_estimator,
        diagnose,
        normal_cluster_dgp,
        power_table,
    )

    designs = groups_per_arm or DEFAULT_GROUPS
    if any(g < 2 for g in designs):
        raise ConfigError("--groups-per-arm must be at least 2")
    if not 0 <= r2 < 1:
        raise ConfigError(f"--r2 must be in [0, 1), got {r2}")
    if simulate < 0:
        raise ConfigError(f"--simulate must be a positive number of trials, got {simulate}")
    if icc is None:
        estimates = estimate_icc(panel, outcome or DEFAULT_OUTCOMES)
        shown = ", ".join(f"{k} {v:.3f}" for k, v in estimates.items())
        finite = [v for v in estimates.values() if np.isfinite(v)]
        if not finite:
            raise ConfigError(f"could not estimate an ICC from {panel} ({shown})")
        icc_value = max(0.0, max(finite))
        source = f"estimated from the baseline of {panel} ({shown}); using the largest"
    else:
        icc_value, source = icc, "given"
    table = power_table(
        designs, icc=icc_value, group_size=group_size, alpha=alpha, power=power, effect=effect,
        r2_group=r2, r2_individual=r2,
    ).tidy()  # fmt: skip
    typer.echo(
        f"Design: {group_size} members per group, ICC {icc_value:.3f} ({source}), design effect "
        f"{1 + (group_size - 1) * icc_value:.2f}, alpha {alpha}, power {power}, R2 {r2}."
    )
    typer.echo("MDE in standard deviations of the outcome, per pairwise contrast.")
    first = table.drop_duplicates("groups_a")  # balanced designs: every contrast is the same
    cols = {
        "groups_a": "groups/arm",
        "df": "df",
        "std_error": "SE",
        "mde": "MDE",
    }
    if effect is not None:
        cols["power"] = f"power@{effect:g}"
        cols["power_exact"] = "exact"
    show = first[list(cols)].rename(columns=cols).reset_index(drop=True)
    if simulate:
        sim_power, sim_cov = [], []
        for g in first["groups_a"]:
            row = first.loc[first["groups_a"] == g].iloc[0]
            true = effect if effect is not None else float(row["mde"])
            dgp = normal_cluster_dgp(
                groups_per_arm=int(g), group_size=group_size, icc=icc_value,
                effects={"pendampingan": true}, sd=float(np.sqrt(1 - r2)),
            )  # fmt: skip
            diag = diagnose(
                dgp, cluster_means_estimator, estimands={"pendampingan - kontrol": true},
                draws=simulate, seed=seed, alpha=alpha, scheduler=scheduler,
            ).tidy().iloc[0]  # fmt: skip
            sim_power.append(f"{diag['power']:.3f} ({diag['power_se']:.3f})")
            sim_cov.append(f"{diag['coverage']:.3f}")
        label = f"@{effect:g}" if effect is not None else "@MDE"
        show[f"sim power{label} (se)"] = sim_power
        show["sim coverage"] = sim_cov
    typer.echo(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if simulate:
        typer.echo(
            f"Simulated: {simulate} trials per design (seed {seed}); pooled t-test on group "
            "means, pendampingan vs kontrol; covariates act as residual SD sqrt(1 - R2)."
        )
