"""The first step of every report notebook: validate parameters, load processed data, open outputs.

:func:`start_report` turns the notebook's ``parameters`` cell into a :class:`ReportContext`:
the district validated against the reference table (so ``../../x`` or quotes are rejected), the
paths resolved against the project root, the processed data loaded (with a clear message naming
``make report`` when they are missing), the rows of the district selected, the chart theme
applied, and a :class:`~jbp_analysis.report.export.ReportPack` opened inside the reports root.

Examples
--------
>>> import tempfile
>>> from jbp_analysis.clean import run
>>> from jbp_analysis.simulate import simulate
>>> tmp = Path(tempfile.mkdtemp())  # a small simulated sample: one district, three groups
>>> _ = simulate(seed=1, districts=("3373",), groups_per_district=3).write(tmp / "raw")
>>> _ = run(tmp / "raw", tmp / "processed")
>>> ctx = start_report(district="Kota Salatiga", processed_dir=tmp / "processed",
...                    reports_root=tmp / "reports", lang="en")
>>> ctx.code, ctx.label, ctx.out_dir.name, ctx.panel["district_code"].unique().tolist()
('3373', 'Kota Salatiga', '3373-kot-salatiga', ['3373'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jbp_analysis.core.errors import ConfigError, JBPInputError
from jbp_analysis.core.paths import PROJECT_ROOT
from jbp_analysis.i18n import check_lang, t
from jbp_analysis.report.disclosure import check_min_cell
from jbp_analysis.report.export import ReportPack, safe_path
from jbp_analysis.report.inputs import PROCESSED_FILES, files_stamp
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.plan import AnalysisPlan, default_design, default_plan, registered_plan
from jbp_analysis.study.reference import district_label, district_slug, resolve_district

__all__ = [
    "collected_waves",
    "ReportContext",
    "start_report",
    "load_processed",
    "report_data",
    "forget_report_data",
    "PROCESSED_FILES",
]

_WAVES = tuple(load_codebook().waves)
PROVINCE_CODE = "all"
PROVINCE_DIR = default_design().area_slug


def _project_path(p: str | os.PathLike) -> Path:
    """A notebook parameter's path: relative to the project root (a notebook's defaults, such
    as ``data/processed``, then hold whatever the kernel's working directory). The command
    line resolves every path against the working directory and passes it absolute."""
    path = Path(p)
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_processed(processed_dir: str | os.PathLike, *, lang: str = "id") -> dict[str, Any]:
    """Read ``panel``, ``groups``, ``costs`` (parquet) and ``quality`` (JSON, may be absent)."""
    d = _project_path(processed_dir)
    missing = [n for n in PROCESSED_FILES if not (d / n).is_file()]
    if missing:
        raise JBPInputError(
            t("narr.missing_data", lang, path=d) + f" ({', '.join(missing)})",
            file=d / missing[0],
        )
    # one published set, verified against its manifest (a mixed or edited set is refused)
    import io

    from jbp_analysis.core.publish import read_set

    blobs = read_set(d, PROCESSED_FILES, optional=["quality.json"])
    out: dict[str, Any] = {
        n.split(".")[0]: pd.read_parquet(io.BytesIO(blobs[n])) for n in PROCESSED_FILES
    }
    q = d / "quality.json"
    try:
        out["quality"] = json.loads(blobs["quality.json"]) if "quality.json" in blobs else {}
    except json.JSONDecodeError as exc:
        raise JBPInputError(f"not valid JSON: {exc.msg}", file=q, row=exc.lineno) from None
    return out


_CACHE: dict[tuple, dict[str, Any]] = {}


def report_data(processed_dir: str | os.PathLike, *, lang: str = "id") -> dict[str, Any]:
    """:func:`load_processed` plus ``outcomes``: the panel with every outcome indicator
    (:func:`jbp_analysis.outcomes.build.build_outcomes`, built on all districts so the indices are
    comparable) and the baseline value of each report outcome on every row.

    Cached per processed folder and file stamps (path, modification time, size): the report
    runner's warm kernels build the outcomes once, not once per district. The cached frames are
    shared, so callers must not modify them in place (pandas copy-on-write protects derived
    frames).
    """
    from jbp_analysis.outcomes.build import (
        attach_baseline,
        attach_design_indicators,
        build_outcomes,
    )
    from jbp_analysis.report.estimable import BALANCE_VARIABLES, COVARIATES, REPORT_OUTCOMES

    d = _project_path(processed_dir).resolve()
    key = (str(d), files_stamp(d))
    if key not in _CACHE:
        data = load_processed(d, lang=lang)
        # the randomisation strata (district x cohort) and `female` are built in outcomes
        outcomes = attach_design_indicators(build_outcomes(data["panel"]))
        names = [o for fam in REPORT_OUTCOMES.values() for o in fam]
        extra = (*BALANCE_VARIABLES, *COVARIATES)
        names += [v for v in dict.fromkeys(extra) if v not in names and v in outcomes]
        data["outcomes"] = attach_baseline(outcomes, names)
        _CACHE.clear()
        _CACHE[key] = data
    return _CACHE[key]


def forget_report_data() -> None:
    """Drop :func:`report_data`'s cache (and free its memory)."""
    import gc

    _CACHE.clear()
    gc.collect()


def collected_waves(panel: pd.DataFrame) -> tuple[str, ...]:
    """The follow-up waves that have interviews, in time order.

    A wave without a file (or without one interview) is "not yet collected": reports cover the
    waves that exist, so baseline alone gives the sample, balance and data-quality sections.

    Examples
    --------
    >>> p = pd.DataFrame({"wave": ["baseline", "endline", "followup"],
    ...                   "responded": [True, True, False]})
    >>> collected_waves(p)
    ('endline',)
    """
    rows = panel
    if "responded" in panel.columns:
        rows = panel[panel["responded"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    present = set(rows["wave"].astype(str))
    return tuple(w for w in _WAVES[1:] if w in present)


@dataclass(frozen=True)
class ReportContext:
    """Everything a report notebook needs after its parameters cell."""

    code: str  # BPS code, or "all" for the whole province
    label: str
    lang: str
    waves: tuple[str, ...]
    seed: int
    min_cell: int
    out_dir: Path
    root: Path
    processed_dir: Path
    panel: pd.DataFrame  # rows of this district (all districts for "all")
    panel_all: pd.DataFrame  # every district: indicators are built on it, so they compare
    data: pd.DataFrame  # this report's rows of the panel with outcomes and baseline values
    groups: pd.DataFrame
    costs: pd.DataFrame
    quality: dict
    pack: ReportPack
    parameters: dict
    plan: AnalysisPlan | None = None  # the plan this report follows (study/analysis_plan.yaml)
    registered_plan: AnalysisPlan | None = None  # its registered version, if any
    inputs: Path | None = None  # the batch's prepared inputs (`jbp report`), else None

    @property
    def is_province(self) -> bool:
        return self.code == PROVINCE_CODE

    @property
    def simulated(self) -> bool:
        """Whether the data are the simulated sample: the raw folder next to the processed one
        holds the simulator's ``SIMULATED.json``, or cleaning used the documented demo key."""
        if (self.processed_dir.parent / "raw" / "SIMULATED.json").is_file():
            return True
        manifest = self.processed_dir / "manifest.json"
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return False
        return (info.get("respondent_key") or {}).get("key_source") == "demo"

    @property
    def districts(self) -> list[str]:
        """BPS codes present in the selected rows, sorted."""
        return sorted(self.panel["district_code"].astype(str).unique())

    def select(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``df`` (with ``district_code``) that belong to this report."""
        if self.is_province:
            return df.reset_index(drop=True)
        return df[df["district_code"].astype(str) == self.code].reset_index(drop=True)

    def t(self, key: str, /, **values: Any) -> str:
        """Translate ``key`` into the report's language."""
        return t(key, self.lang, **values)

    def _summary_tag(self, params: Mapping[str, Any]) -> str:
        import hashlib

        spec = {"waves": list(self.waves), "seed": self.seed, **params}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def keep_summary(self, name: str, frame: pd.DataFrame, **params: Any) -> None:
        """In a ``jbp report`` batch, keep this district's result ``frame`` (computed with the
        report's waves and seed and ``params``) for the provincial overview; else nothing."""
        if self.inputs is None or self.is_province:
            return
        from jbp_analysis.report.inputs import write_summary

        write_summary(self.inputs, self.code, name, frame, tag=self._summary_tag(params))

    def district_impacts(
        self, followups: pd.DataFrame, *, wave: str, level: float, strata: str | None
    ) -> pd.DataFrame:
        """Each district's impacts in ``wave`` (with a ``district_code`` column), for the
        overview's forest plot and ranking.

        A district report of the same batch already estimated them (with its own waves, seed
        ``level`` and ``strata``; :meth:`keep_summary`): its rows of ``wave`` are taken as they are, so the
        overview shows the numbers of the district's report, including its q-values, whose
        family spans the report's waves. A district without them is estimated here, on its
        rows of ``followups`` and ``wave`` alone.
        """
        from jbp_analysis.report.estimable import REPORT_OUTCOMES, estimate_impacts

        kept: dict[str, pd.DataFrame] = {}
        if self.inputs is not None:
            from jbp_analysis.report.inputs import read_summaries

            tag = self._summary_tag({"level": level, "strata": strata})
            kept = read_summaries(self.inputs, "impacts", tag=tag, districts=self.districts)
        codes = followups["district_code"].astype(str)
        frames = []
        for c in self.districts:
            if c in kept:
                d = kept[c]
                est = d[d["wave"].astype(str) == wave].reset_index(drop=True)
            else:
                est = estimate_impacts(
                    followups[(codes == c).to_numpy()],
                    outcomes=REPORT_OUTCOMES,
                    waves=[wave],
                    strata=strata,
                    level=level,
                    seed=self.seed,
                )
            frames.append(est.assign(district_code=c))
        return pd.concat(frames, ignore_index=True)


def start_report(
    *,
    district: str,
    processed_dir: str | os.PathLike = "data/processed",
    reports_root: str | os.PathLike = "reports",
    output_dir: str | os.PathLike = "",
    lang: str = "id",
    waves: Sequence[str] = ("endline", "followup"),
    seed: int = 20170401,
    min_cell: int | None = 0,
) -> ReportContext:
    """Validate the notebook parameters, load the data and open the report's outputs.

    ``min_cell`` is the disclosure threshold (fewest respondents behind a published number);
    ``0`` or ``None``, the default, takes the analysis plan's ``disclosure.min_cell``, so a plan
    that raises it suppresses more cells without anyone passing it. The context's ``min_cell``
    is the resolved value, the one every section uses (and ``summary.json`` records).

    In a notebook, parameters the notebook does not have (``papermill -p distrcit 3322``) are
    refused before anything is built, naming the closest one. A notebook run directly (not by
    ``jbp report``) with no ``output_dir`` writes ``<reports_root>/_scratch/<folder>``, so the
    published report folders and the index are only ever written whole by ``jbp report``.

    Length: parameter checks, loading, district selection and output set-up, in the order a
    notebook's first cell needs them; mostly checks.
    """
    import inspect

    caller = inspect.currentframe().f_back
    namespace = caller.f_globals if caller is not None else {}
    if "In" in namespace:  # an IPython kernel: the notebook's parameter cells are in its history
        from jbp_analysis.report.prelude import check_parameters

        check_parameters(namespace, frozenset(inspect.signature(start_report).parameters))
    lang = check_lang(lang)
    plan, registered = default_plan(), registered_plan()
    use_plan = min_cell is None or (not isinstance(min_cell, bool) and min_cell == 0)
    min_cell = check_min_cell(plan.min_cell if use_plan else min_cell)
    bad = [w for w in waves if w not in _WAVES[1:]]
    if bad:
        raise ConfigError(
            f"waves must be chosen from {', '.join(map(repr, _WAVES[1:]))}, not {list(waves)} "
            "(an empty list gives a baseline report: sample, balance and data quality)"
        )
    if str(district).strip().lower() == PROVINCE_CODE:
        code, label, slug = PROVINCE_CODE, t("report.province", lang), PROVINCE_DIR
    else:
        code = resolve_district(district)
        label, slug = district_label(code), district_slug(code)
    root = _project_path(reports_root).resolve()
    from jbp_analysis.report.runner import RUNNER_ENV

    default = root / slug if os.environ.get(RUNNER_ENV) else root / "_scratch" / slug
    out_dir = safe_path(_project_path(output_dir) if str(output_dir) else default, root=root)
    pdir = _project_path(processed_dir).resolve()
    from jbp_analysis.report.inputs import inputs_for, read_district_inputs

    # in a `jbp report` batch a district reads only its own prepared partition, and the
    # overview the columns it uses of every row (report/inputs.py)
    inputs = inputs_for(pdir)
    if inputs is not None and code == PROVINCE_CODE:
        from jbp_analysis.report.inputs import read_province_inputs

        data = read_province_inputs(inputs)
    elif inputs is not None:
        data = read_district_inputs(inputs, code)
    else:
        data = report_data(pdir, lang=lang)
    panel, groups, costs = data["panel"], data["groups"], data["costs"]
    outcomes = data["outcomes"]
    if code != PROVINCE_CODE:
        panel = panel[panel["district_code"].astype(str) == code]
        groups = groups[groups["district_code"].astype(str) == code]
        costs = costs[costs["district_code"].astype(str) == code]
        outcomes = outcomes[outcomes["district_code"].astype(str) == code]
        if panel.empty:
            present = ", ".join(sorted(data["panel"]["district_code"].astype(str).unique()))
            raise JBPInputError(
                f"no respondents for district {code} ({label}) in the processed data; "
                f"districts present: {present}",
                file=pdir / "panel.parquet",
                column="district_code",
            )
    params = {
        "district": code,
        "waves": list(waves),
        "lang": lang,
        "seed": seed,
        "min_cell": min_cell,
        "output_dir": str(out_dir.relative_to(root)),
    }
    plan_info = {
        **plan.provenance(),
        "registered_file": registered.path.name if registered is not None else None,
        "registered_sha256": registered.sha256 if registered is not None else None,
        "deviations_from_registered": (
            int(len(plan.deviations(registered))) if registered is not None else None
        ),
    }
    pack = ReportPack(
        out_dir, root=root, lang=lang, parameters=params, processed_dir=pdir, plan=plan_info
    )
    from jbp_analysis.plots.theme import apply_theme

    apply_theme()
    pd.set_option("display.max_columns", 30)
    return ReportContext(
        code=code,
        label=label,
        lang=lang,
        waves=tuple(waves),
        seed=int(seed),
        min_cell=min_cell,
        out_dir=out_dir,
        root=root,
        processed_dir=pdir,
        panel=panel.reset_index(drop=True),
        panel_all=data["panel"],
        data=outcomes.reset_index(drop=True),
        groups=groups.reset_index(drop=True),
        costs=costs.reset_index(drop=True),
        quality=data["quality"],
        pack=pack,
        parameters=params,
        plan=plan,
        registered_plan=registered,
        inputs=inputs,
    )
