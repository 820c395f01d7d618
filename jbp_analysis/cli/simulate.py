"""`jbp simulate`: write a simulated JBP cohort survey (raw exports + ground truth)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from jbp_analysis.cli.study import StudyOption, use_study
from jbp_analysis.core import paths
from jbp_analysis.core.errors import ConfigError

__all__ = ["command", "parse_districts"]

_DEFAULT_SEED = 20170401


def parse_districts(text: str | None) -> tuple[str, ...] | None:
    """``"3322,Kota Salatiga"`` -> ``("3322", "3373")``; ``"all"`` -> the 35 codes; None -> None.

    Examples
    --------
    >>> parse_districts("3322, Kota Salatiga"), len(parse_districts("all"))
    (('3322', '3373'), 35)
    """
    from jbp_analysis.study.reference import districts, resolve_district

    if text is None:
        return None
    if text.strip().lower() == "all":
        return tuple(districts()["bps_code"])
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ConfigError("--districts is empty; give BPS codes or names separated by commas")
    return tuple(resolve_district(p) for p in parts)


def command(
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for the raw exports, _truth/ and SIMULATED.json (which records the "
            "SHA-256 of every file written). Created if missing; it must be empty or hold an "
            "earlier simulated sample with every file unchanged: a folder with any other or "
            "edited file is refused (real data are never overwritten)."
        ),
    ] = paths.RAW_DIR,
    seed: Annotated[
        int, typer.Option(help="Random seed. The same seed and options give byte-identical files.")
    ] = _DEFAULT_SEED,
    districts: Annotated[
        str | None,
        typer.Option(
            help="Districts, as comma-separated BPS codes or names ('3322,Kota Salatiga'), or "
            "'all' for the 35 of Central Java. Default: 3308,3309,3322,3323,3373,3374."
        ),
    ] = None,
    groups_per_district: Annotated[
        int, typer.Option(help="Kelompok (groups of 25 members) per district.")
    ] = 12,
    cohorts: Annotated[
        int, typer.Option(help="Cohorts with staggered start months (3 months apart).")
    ] = 2,
    scale: Annotated[
        int | None,
        typer.Option(
            help="Target number of respondents: overrides --groups-per-district with the "
            "smallest number of groups per district that reaches it. "
            "'--districts all --scale 2000000' gives a national-size sample."
        ),
    ] = None,
    mess: Annotated[
        float,
        typer.Option(
            help="Mess level: every mess type's rate (jbp_analysis/data/mess_types.yaml) is "
            "multiplied by it. 0 writes clean exports, 1 the default rates."
        ),
    ] = 1.0,
    file_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="The suite's standard export: auto (= standard; mixed up to 50,000 "
            "respondents, else csv), mixed (endline respondent and group files as XLSX, the rest "
            "CSV), csv, or xlsx (every per-wave file). Or as the field tools export the shipped "
            "forms: kobo-xml (KoboToolbox 'XML values and headers'), kobo-xml-01 (yes/no as "
            "1/0), kobo-labels / kobo-labels-en (labels in Bahasa Indonesia / English), odk "
            "(ODK Central CSV).",
        ),
    ] = "auto",
    design: Annotated[
        str,
        typer.Option(
            help="randomised (arms drawn at random within district x cohort) or observational "
            "(kelompok join the programme where members are more educated and more often "
            "already in business; see docs/observational.md)."
        ),
    ] = "randomised",
    study: StudyOption = None,
) -> None:
    """Simulate a JBP cohort survey with known effects and realistic mess.

    Writes respondent and group exports per wave, the group assignment and the costs.

    The ground truth (clean panel, planted effects, mess log) goes to OUT/_truth/.

    The outcome model and the mess catalogue are described in docs/simulation.md.
    """
    from jbp_analysis.simulate import SimConfig, simulate
    from jbp_analysis.simulate.kobo import FLAVOURS

    use_study(study)
    flavour = file_format if file_format in FLAVOURS else "standard"
    if file_format in FLAVOURS:
        file_format = "auto"
    codes = parse_districts(districts)
    settings: dict[str, object] = {
        "seed": seed,
        "groups_per_district": groups_per_district,
        "n_cohorts": cohorts,
        "mess": mess,
        "file_format": file_format,
        "design": design,
    }
    if codes is not None:
        settings["districts"] = codes
    n_districts = len(codes) if codes is not None else len(SimConfig().districts)
    if scale is not None:
        if scale < 1:
            raise ConfigError(f"--scale must be a positive number of respondents, got {scale}")
        settings["groups_per_district"] = max(1, math.ceil(scale / (25 * n_districts)))
    cfg = SimConfig(**settings)  # type: ignore[arg-type]
    sim = simulate(cfg, flavour=flavour)
    written = sim.write(out)
    typer.echo(
        f"Simulated {cfg.n_respondents:,} respondents in {cfg.n_groups:,} groups "
        f"({len(cfg.districts)} districts, {cfg.n_cohorts} cohorts), seed {cfg.seed}, "
        f"mess {cfg.mess:g}: wrote {len(sim.files)} exports to {out} "
        f"(ground truth in {out / '_truth'}; {len(written)} files in all)."
    )
