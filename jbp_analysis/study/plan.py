"""The analysis plan as a file: ``study/analysis_plan.yaml``, validated, registered, compared.

A pre-analysis plan (AEA RCT Registry; 3ie RIDIE; Olken 2015) fixes, before the data are seen,
the outcomes, their families, the hypotheses, the model and the inference. Here it is data: the
reports read it at run time, so changing the plan changes the reports with no code edit, and each
report lists every difference from the registered version ("Deviations from the plan").

* :func:`load_plan` reads and validates a plan against the study's codebook and the outcome
  catalogue (:mod:`jbp_analysis.outcomes.catalogue`): every problem is listed in one error.
* :func:`register_plan` freezes it: a byte copy under ``study/registered/`` named by date and hash.
* :meth:`AnalysisPlan.deviations` lists what differs from a registered plan.

References
----------
Olken, B. A. (2015). Promises and perils of pre-analysis plans. *Journal of Economic
Perspectives*, 29(3), 61-80.

Examples
--------
>>> plan = load_plan()
>>> plan.report_outcomes["unemployment"]
['unemployed_bps', 'unemployed_ilo']
>>> plan.outcome("income_household").unit, plan.outcome("unemployed_bps").direction
('rupiah', 'lower')
>>> plan.is_prespecified("unemployed_bps", "pendampingan - kontrol", "followup")
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from jbp_analysis.core.errors import ConfigError
from jbp_analysis.outcomes.catalogue import INDICATORS, UNITS, codebook_kind, unit_for_kind
from jbp_analysis.study.design import StudyDesign

__all__ = [
    "OutcomeSpec",
    "AnalysisPlan",
    "PLAN_FILE",
    "load_plan",
    "register_plan",
    "registered_plan",
    "study_dir",
    "default_design",
    "default_plan",
]

PLAN_FILE = "analysis_plan.yaml"
REGISTERED_DIR = "registered"

_TOP_KEYS = {
    "version": True,
    "title": False,
    "design": True,
    "outcomes": True,
    "hypotheses": True,
    "models": True,
    "multiple_testing": False,
    "balance": False,
    "heterogeneity": False,
    "attrition": False,
    "disclosure": False,
}
_DIRECTIONS = ("higher", "lower")
_TRANSFORMATIONS = (
    "level",
    "winsorised_p99",
    "per_capita",
    "ihs",
    "anderson_index",
    "klk_index",
    "fgt",
)
_ESTIMATORS = ("ancova", "did", "diff_in_means")
_INFERENCE = ("auto", "cr1", "hc1", "cr2", "wild", "ri")
_MT_METHODS = ("sharpened_q", "romano_wolf")
#: Columns every processed panel has besides the codebook's variables (design columns).
_DESIGN_COLUMNS = {
    "arm": "category",
    "cohort": "number",
    "district_code": "category",
    "responded": "binary",
}


def study_dir(study: str | os.PathLike | None = None) -> Path:
    """The study folder: ``study`` if given, else ``$JBP_STUDY``, else the project's ``study/``."""
    if study:
        return Path(study).expanduser().resolve()
    env = os.environ.get("JBP_STUDY")
    if env:
        return Path(env).expanduser().resolve()
    from jbp_analysis.core.paths import STUDY_DIR

    return STUDY_DIR


@dataclass(frozen=True)
class OutcomeSpec:
    """One pre-specified outcome: its family, unit, direction and construction."""

    name: str
    family: str
    unit: str
    direction: str
    transformation: str
    primary: bool = True

    @property
    def better(self) -> int:
        """+1 when higher is better, -1 when lower is better."""
        return 1 if self.direction == "higher" else -1


@dataclass(frozen=True)
class AnalysisPlan:
    """A validated analysis plan. Build it with :func:`load_plan`."""

    version: str
    path: Path
    sha256: str
    design: StudyDesign
    families: Mapping[str, tuple[OutcomeSpec, ...]]
    family_labels: Mapping[str, Mapping[str, str]]
    contrasts: tuple[tuple[str, str], ...]
    estimator: str = "ancova"
    covariates: tuple[str, ...] = ()
    inference: str = "auto"
    few_cluster_threshold: int = 50
    level: float = 0.95
    draws: int = 9999
    multiple_testing: tuple[str, ...] = _MT_METHODS
    balance_variables: tuple[str, ...] = ()
    heterogeneity: tuple[str, ...] = ()
    attrition_bounds: str = "lee"
    attrition_threshold: float = 0.05
    min_cell: int = 10
    title: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: the kind of every name the plan may use (codebook variables and built indicators)
    kinds: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ lookups
    @property
    def outcomes(self) -> tuple[OutcomeSpec, ...]:
        """Every pre-specified outcome, family by family."""
        return tuple(o for fam in self.families.values() for o in fam)

    @property
    def report_outcomes(self) -> dict[str, list[str]]:
        """``{family: [outcome, ...]}``: what every report estimates."""
        return {f: [o.name for o in specs] for f, specs in self.families.items()}

    @property
    def contrast_labels(self) -> tuple[str, ...]:
        """Contrasts as ``"treatment - comparison"`` (the ``contrast`` column of impact tables)."""
        return tuple(f"{a} - {b}" for a, b in self.contrasts)

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def outcome(self, name: str) -> OutcomeSpec:
        """The spec of a pre-specified outcome (``KeyError`` if the plan has none)."""
        for o in self.outcomes:
            if o.name == name:
                return o
        raise KeyError(name)

    def unit_of(self, name: str) -> str:
        """How a variable's values and effects are written: ``"share"``, ``"rupiah"``, ``"sd"``
        or ``"number"``; the plan's unit for its outcomes, else the variable's kind (codebook
        type or built indicator), never a guess from the name.

        Examples
        --------
        >>> p = load_plan()
        >>> p.unit_of("unemployed_bps"), p.unit_of("household_income"), p.unit_of("age")
        ('share', 'rupiah', 'number')
        """
        for o in self.outcomes:
            if o.name == name:
                return o.unit
        return unit_for_kind(self.kinds.get(name, "number"))

    def better(self, name: str) -> int:
        """+1 when higher values are better, -1 when lower are (the plan's ``direction``)."""
        for o in self.outcomes:
            if o.name == name:
                return o.better
        return 1

    def family_of(self, name: str) -> str | None:
        for o in self.outcomes:
            if o.name == name:
                return o.family
        return None

    def is_prespecified(
        self, outcome: str, contrast: str | None = None, wave: str | None = None
    ) -> bool:
        """Whether a result (outcome, contrast, wave) was declared in this plan."""
        if self.family_of(outcome) is None:
            return False
        if contrast is not None and contrast not in self.contrast_labels:
            return False
        return wave is None or wave in self.design.analysis_waves

    def provenance(self) -> dict[str, str]:
        """``{"plan_version", "plan_sha256", "plan_file"}`` for summaries and footers."""
        return {
            "plan_version": self.version,
            "plan_sha256": self.sha256,
            "plan_file": self.path.name,
        }

    # ------------------------------------------------------------------ comparison
    def deviations(self, registered: AnalysisPlan | None) -> pd.DataFrame:
        """Differences from a registered plan, one row each: ``item``, ``registered``,
        ``current``, ``kind`` (``dropped`` / ``added`` / ``changed``).

        Length: one short comparison per section of the plan (outcomes, covariates, model, ...).

        Examples
        --------
        >>> p = load_plan()
        >>> p.deviations(p).empty
        True
        """
        rows: list[dict[str, str]] = []
        if registered is None:
            return pd.DataFrame(columns=["item", "kind", "registered", "current"])

        def cmp(item: str, old: Any, new: Any) -> None:
            if old != new:
                rows.append(
                    {"item": item, "kind": "changed", "registered": _txt(old), "current": _txt(new)}
                )

        old_f, new_f = registered.report_outcomes, self.report_outcomes
        for fam in old_f:
            if fam not in new_f:
                rows.append(
                    {
                        "item": f"family {fam}",
                        "kind": "dropped",
                        "registered": _txt(old_f[fam]),
                        "current": "",
                    }
                )
        for fam in new_f:
            if fam not in old_f:
                rows.append(
                    {
                        "item": f"family {fam}",
                        "kind": "added",
                        "registered": "",
                        "current": _txt(new_f[fam]),
                    }
                )
        old_o = {o.name: o for o in registered.outcomes}
        new_o = {o.name: o for o in self.outcomes}
        for name in old_o.keys() - new_o.keys():
            if old_o[name].family in new_f:
                rows.append(
                    {
                        "item": f"outcome {name}",
                        "kind": "dropped",
                        "registered": old_o[name].family,
                        "current": "",
                    }
                )
        for name in new_o.keys() - old_o.keys():
            if new_o[name].family in old_f:
                rows.append(
                    {
                        "item": f"outcome {name}",
                        "kind": "added",
                        "registered": "",
                        "current": new_o[name].family,
                    }
                )
        for name in sorted(old_o.keys() & new_o.keys()):
            cmp(f"outcome {name}", _spec_txt(old_o[name]), _spec_txt(new_o[name]))
        for covariate in sorted(set(registered.covariates) - set(self.covariates)):
            rows.append(
                {
                    "item": f"covariate {covariate}",
                    "kind": "dropped",
                    "registered": covariate,
                    "current": "",
                }
            )
        for covariate in sorted(set(self.covariates) - set(registered.covariates)):
            rows.append(
                {
                    "item": f"covariate {covariate}",
                    "kind": "added",
                    "registered": "",
                    "current": covariate,
                }
            )
        cmp("contrasts", registered.contrast_labels, self.contrast_labels)
        cmp("estimator", registered.estimator, self.estimator)
        cmp("inference", registered.inference, self.inference)
        cmp("level", registered.level, self.level)
        cmp("analysis waves", registered.design.analysis_waves, self.design.analysis_waves)
        cmp("control arm", registered.design.control, self.design.control)
        cmp("cluster", registered.design.cluster, self.design.cluster)
        cmp("strata", registered.design.strata, self.design.strata)
        cmp("balance variables", registered.balance_variables, self.balance_variables)
        cmp("heterogeneity", registered.heterogeneity, self.heterogeneity)
        cmp("multiple testing", registered.multiple_testing, self.multiple_testing)
        cmp("attrition threshold", registered.attrition_threshold, self.attrition_threshold)
        cmp("minimum cell size", registered.min_cell, self.min_cell)
        return pd.DataFrame(rows, columns=["item", "kind", "registered", "current"])

    def _repr_html_(self) -> str:
        fams = "".join(
            f"<li><b>{f}</b>: {', '.join(o.name for o in specs)}</li>"
            for f, specs in self.families.items()
        )
        return (
            f"<p>Analysis plan {self.version} (sha256 {self.short_hash}): {self.estimator}, "
            f"inference {self.inference}, contrasts {', '.join(self.contrast_labels)}</p><ul>{fams}</ul>"
        )


def _txt(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v))
    return str(v)


def _spec_txt(o: OutcomeSpec) -> str:
    return f"{o.family}; {o.unit}; {o.direction}; {o.transformation}; {'primary' if o.primary else 'secondary'}"


# ---------------------------------------------------------------------- loading
class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}: {problem}")

    def raise_if_any(self) -> None:
        if self.items:
            lines = "\n".join(f"  - {p}" for p in self.items)
            raise ConfigError(
                f"{self.path}: the analysis plan has {len(self.items)} problem(s):\n{lines}\n"
                "Fix them in the plan file (names are the codebook's analysis names or the "
                "indicators in jbp_analysis/outcomes/catalogue.py), then run `jbp plan check`."
            )


def _known_names(study: Path) -> dict[str, str]:
    """Every name a plan may use, with its kind: raw respondent variables and built indicators."""
    from jbp_analysis.study.codebook import load_codebook

    cb = load_codebook(study / "codebook.yaml")
    kinds = {v.name: codebook_kind(v.type, v.codes) for v in cb.module("respondent")}
    for v in cb.module("group"):  # group (kelompok) questions, e.g. monthly_revenue
        kinds.setdefault(v.name, codebook_kind(v.type, v.codes))
    kinds.update(_DESIGN_COLUMNS)
    kinds.update(INDICATORS)
    return kinds


def _closest(name: str, names: Sequence[str]) -> str:
    hit = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {hit[0]!r}?)" if hit else ""


def _design(raw: Mapping[str, Any], study: Path, bad: _Problems) -> StudyDesign:
    from jbp_analysis.study.codebook import load_codebook

    cb = load_codebook(study / "codebook.yaml")
    arms = tuple(str(a) for a in cb.arms)
    waves = tuple(str(w) for w in sorted(cb.waves, key=lambda w: cb.waves[w].get("code", 0)))
    d = raw.get("design") or {}
    control = str(d.get("control", ""))
    if control not in arms:
        bad.add("design.control", f"{control!r} is not an arm of the codebook ({', '.join(arms)})")
    baseline = str(d.get("baseline", waves[0] if waves else ""))
    if baseline not in waves:
        bad.add(
            "design.baseline", f"{baseline!r} is not a wave of the codebook ({', '.join(waves)})"
        )
    analysis = tuple(str(w) for w in d.get("waves") or ())
    for w in analysis:
        if w not in waves:
            bad.add("design.waves", f"{w!r} is not a wave of the codebook ({', '.join(waves)})")
    order = {w: i for i, w in enumerate(waves)}
    known = [w for w in analysis if w in order]
    if known != sorted(known, key=order.__getitem__):
        bad.add(
            "design.waves",
            f"waves must be in time order ({', '.join(waves)}), not {', '.join(analysis)}",
        )
    if baseline in analysis:
        bad.add("design.waves", f"the baseline {baseline!r} cannot also be an analysis wave")
    kind = str(d.get("type", "randomised"))
    if kind not in ("randomised", "observational"):
        bad.add("design.type", f"{kind!r} is not 'randomised' or 'observational'")
    area = d.get("area") or {}
    return StudyDesign(
        arms=arms,
        control=control,
        cluster=str(d.get("cluster", "group_id")),
        strata=tuple(str(s) for s in d.get("strata") or ()),
        waves=waves,
        baseline=baseline,
        analysis_waves=analysis,
        area_code=str(area.get("code", "")),
        area_name=str(area.get("name", "")),
        type=kind,
        arm_labels={a: dict(v.get("label", {})) for a, v in cb.arms.items()},
        wave_labels={w: dict(v.get("label", {})) for w, v in cb.waves.items()},
    )


def _names(
    raw: Any, where: str, kinds: Mapping[str, str], allowed: Sequence[str], bad: _Problems
) -> tuple[str, ...]:
    out = []
    for name in raw or ():
        name = str(name)
        if name not in kinds:
            bad.add(where, f"unknown variable {name!r}{_closest(name, list(kinds))}")
        elif kinds[name] not in allowed:
            bad.add(
                where, f"{name!r} is a {kinds[name]} variable; {where} needs {' or '.join(allowed)}"
            )
        out.append(name)
    return tuple(out)


def _number(value: Any, where: str, *, whole: bool, default: float, bad: _Problems) -> Any:
    """``value`` as an int (``whole``) or a float; a problem (and ``default``) when it is not one.

    YAML gives numbers already typed; a quoted number (``"0.95"``) is accepted, but text such as
    ``high`` or a boolean is a problem of the plan, never a crash.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        bad.add(where, f"{value!r} is not a {'whole number' if whole else 'number'}")
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        shown = str(value)[:40]
        bad.add(where, f"{shown!r} is not a {'whole number' if whole else 'number'}")
        return default
    if not np.isfinite(number) or (whole and number != int(number)):
        bad.add(where, f"{value!r} is not a {'whole number' if whole else 'finite number'}")
        return default
    return int(number) if whole else number


def _choice(value: Any, where: str, choices: Sequence[str], bad: _Problems) -> str:
    value = str(value)
    if value not in choices:
        bad.add(where, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _families(
    raw: Mapping[str, Any], kinds: Mapping[str, str], bad: _Problems
) -> tuple[dict, dict]:
    families: dict[str, tuple[OutcomeSpec, ...]] = {}
    labels: dict[str, dict[str, str]] = {}
    for fam, body in (raw.get("outcomes") or {}).items():
        body = body or {}
        labels[fam] = dict(body.get("label") or {"id": fam, "en": fam})
        specs = []
        for name, spec in (body.get("outcomes") or {}).items():
            where = f"outcomes.{fam}.{name}"
            spec = spec or {}
            if name not in kinds:
                bad.add(where, f"unknown outcome {name!r}{_closest(name, list(kinds))}")
            unit = str(spec.get("unit", ""))
            if unit not in UNITS:
                bad.add(where, f"unit {unit!r} is not one of {', '.join(UNITS)}")
            elif name in kinds and kinds[name] not in UNITS[unit]:
                bad.add(
                    where, f"unit {unit!r} does not fit {name!r}, which is a {kinds[name]} variable"
                )
            specs.append(
                OutcomeSpec(
                    name=str(name),
                    family=str(fam),
                    unit=unit,
                    direction=_choice(
                        spec.get("direction", ""), where + ".direction", _DIRECTIONS, bad
                    ),
                    transformation=_choice(
                        spec.get("transformation", "level"),
                        where + ".transformation",
                        _TRANSFORMATIONS,
                        bad,
                    ),
                    primary=bool(spec.get("primary", True)),
                )
            )
        if not specs:
            bad.add(f"outcomes.{fam}", "a family needs at least one outcome")
        families[str(fam)] = tuple(specs)
    if not families:
        bad.add("outcomes", "the plan declares no outcome family")
    return families, labels


def load_plan(
    study: str | os.PathLike | None = None, *, path: str | os.PathLike | None = None
) -> AnalysisPlan:
    """Read and validate the analysis plan of a study folder.

    Length: validates each section of the plan against the codebook and collects every problem
    before raising one error.

    Parameters
    ----------
    study : path, optional
        The study folder (default: ``$JBP_STUDY`` or the project's ``study/``).
    path : path, optional
        A plan file to read instead of the folder's ``analysis_plan.yaml`` (for example a
        registered copy); names are still checked against the study's codebook.

    Raises
    ------
    ConfigError
        Naming the plan file and listing every problem (unknown variables with the closest
        known name, units that do not fit a variable's kind, unknown arms or waves).
    """
    sdir = study_dir(study)
    file = Path(path) if path else sdir / PLAN_FILE
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{file}: cannot read the analysis plan ({exc.strerror}); every study folder needs "
            f"one (copy the shipped study/{PLAN_FILE})"
        ) from None
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: the analysis plan must be a YAML mapping of sections")
    bad = _Problems(file)
    for key in raw:
        if key not in _TOP_KEYS:
            bad.add(str(key), f"unknown section{_closest(str(key), list(_TOP_KEYS))}")
    for key, required in _TOP_KEYS.items():
        if required and key not in raw:
            bad.add(key, "missing section")
    kinds = _known_names(sdir)
    design = _design(raw, sdir, bad)
    families, labels = _families(raw, kinds, bad)
    contrasts = []
    for pair in (raw.get("hypotheses") or {}).get("contrasts") or ():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            bad.add("hypotheses.contrasts", f"{pair!r} is not a pair [treatment, comparison]")
            continue
        for a in pair:
            if str(a) not in design.arms:
                bad.add("hypotheses.contrasts", f"{a!r} is not an arm ({', '.join(design.arms)})")
        contrasts.append((str(pair[0]), str(pair[1])))
    models = raw.get("models") or {}
    numeric = ("binary", "number", "rupiah", "sd", "category")
    mt = raw.get("multiple_testing") or {}
    attrition = raw.get("attrition") or {}
    plan = AnalysisPlan(
        version=str(raw.get("version", "")),
        path=file,
        sha256=hashlib.sha256(data).hexdigest(),
        design=design,
        families=families,
        family_labels=labels,
        contrasts=tuple(contrasts),
        estimator=_choice(models.get("estimator", "ancova"), "models.estimator", _ESTIMATORS, bad),
        covariates=_names(models.get("covariates"), "models.covariates", kinds, numeric, bad),
        inference=_choice(models.get("inference", "auto"), "models.inference", _INFERENCE, bad),
        few_cluster_threshold=_number(
            models.get("few_cluster_threshold", 50),
            "models.few_cluster_threshold",
            whole=True,
            default=50,
            bad=bad,
        ),
        level=_number(
            models.get("level", 0.95), "models.level", whole=False, default=0.95, bad=bad
        ),
        draws=_number(models.get("draws", 9999), "models.draws", whole=True, default=9999, bad=bad),
        multiple_testing=tuple(
            _choice(m, "multiple_testing.methods", _MT_METHODS, bad)
            for m in mt.get("methods", _MT_METHODS)
        ),
        balance_variables=_names(
            (raw.get("balance") or {}).get("variables"),
            "balance.variables",
            kinds,
            ("binary", "number", "rupiah", "sd"),
            bad,
        ),
        heterogeneity=_names(
            (raw.get("heterogeneity") or {}).get("dimensions"),
            "heterogeneity.dimensions",
            kinds,
            ("binary", "category"),
            bad,
        ),
        attrition_bounds=_choice(
            attrition.get("bounds", "lee"), "attrition.bounds", ("lee", "none"), bad
        ),
        attrition_threshold=_number(
            attrition.get("differential_threshold", 0.05),
            "attrition.differential_threshold",
            whole=False,
            default=0.05,
            bad=bad,
        ),
        min_cell=_number(
            (raw.get("disclosure") or {}).get("min_cell", 10),
            "disclosure.min_cell",
            whole=True,
            default=10,
            bad=bad,
        ),
        title=dict(raw.get("title") or {}),
        raw=raw,
        kinds=dict(kinds),
    )
    if not 0 < plan.level < 1:
        bad.add("models.level", f"{plan.level} is not between 0 and 1")
    if not 0 <= plan.attrition_threshold <= 1:
        bad.add(
            "attrition.differential_threshold",
            f"{plan.attrition_threshold} is not a share between 0 and 1",
        )
    if plan.min_cell < 1:
        bad.add("disclosure.min_cell", "must be a positive whole number")
    if not plan.contrasts:
        bad.add("hypotheses.contrasts", "the plan declares no contrast")
    bad.raise_if_any()
    return plan


@functools.lru_cache(maxsize=4)
def _plan_of(folder: Path, stamp: tuple) -> AnalysisPlan:
    return load_plan(folder)


def default_plan() -> AnalysisPlan:
    """The plan of the default study folder (``JBP_STUDY`` or ``study/``), cached until its
    file changes."""
    folder = study_dir()
    try:
        st = (folder / PLAN_FILE).stat()
        stamp: tuple = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = ()
    return _plan_of(folder, stamp)


@functools.lru_cache(maxsize=1)
def default_design() -> StudyDesign:
    """The design of the default study folder (``JBP_STUDY`` or ``study/``), cached."""
    return load_plan().design


# ---------------------------------------------------------------------- registration
def register_plan(study: str | os.PathLike | None = None, *, today: dt.date | None = None) -> Path:
    """Freeze the plan: copy its bytes to ``registered/analysis_plan-<n>-<date>-<sha12>.yaml``
    (``n`` counts the registrations, so amendments keep their order).

    The plan is validated first. Registering the same bytes twice returns the existing copy.
    """
    plan = load_plan(study)
    sdir = study_dir(study)
    reg = sdir / REGISTERED_DIR
    for existing in sorted(reg.glob("analysis_plan-*.yaml")):
        if existing.stem.endswith(plan.short_hash):
            return existing
    for existing in sorted(reg.glob("analysis_plan-*.yaml")):
        if _version_of(existing) == plan.version:
            raise ConfigError(
                f"{plan.path}: version {plan.version!r} is already registered, with other "
                f"content, as {existing.name}. An amendment needs its own version: raise "
                "`version:` in the plan (and note why in its history comment), then register again."
            )
    day = (today or dt.date.today()).isoformat()
    n = len(list(reg.glob("analysis_plan-*.yaml"))) + 1  # registration order, kept in the name
    target = reg / f"analysis_plan-{n:03d}-{day}-{plan.short_hash}.yaml"
    try:
        reg.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(plan.path.read_bytes())
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the registered plan ({exc.strerror})") from None
    return target


def _version_of(path: Path) -> str:
    """The ``version:`` of a registered plan file ('' when it cannot be read)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    return str(raw.get("version", "")) if isinstance(raw, dict) else ""


def registered_plan(study: str | os.PathLike | None = None) -> AnalysisPlan | None:
    """The most recently registered plan of a study (the highest registration number), or
    ``None``."""
    reg = study_dir(study) / REGISTERED_DIR
    files = sorted(reg.glob("analysis_plan-*.yaml")) if reg.is_dir() else []
    return load_plan(study, path=files[-1]) if files else None
