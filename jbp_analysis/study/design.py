"""The study design, built once from the study folder: arms, control, cluster, strata, waves.

:class:`StudyDesign` is the one place that says which arm is the comparison, what the unit of
randomisation is, how the strata are formed and in which order the waves come. The arm and wave
lists are read from the codebook (the instrument's value set ``arm`` and its ``waves``); the plan
(``study/analysis_plan.yaml``) names the control, cluster, strata and analysis waves. Every
analysis function accepts ``design=`` (see :func:`uses_design`); explicit keywords still win.

Examples
--------
>>> from jbp_analysis.study.plan import default_design
>>> d = default_design()
>>> d.arms, d.control
(('kontrol', 'karitatif', 'pendampingan'), 'kontrol')
>>> d.waves, d.analysis_waves
(('baseline', 'endline', 'followup'), ('endline', 'followup'))
>>> d.area_slug
'33-jawa-tengah'
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["StudyDesign", "uses_design", "DESIGN_KEYWORDS"]

F = TypeVar("F", bound=Callable[..., Any])


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


@dataclass(frozen=True)
class StudyDesign:
    """Who was compared with whom, clustered how, stratified how, observed when.

    Attributes
    ----------
    arms : tuple of str
        Every arm, as the codebook's ``arm`` value set lists them.
    control : str
        The comparison arm.
    cluster : str
        The unit of randomisation (column name).
    strata : tuple of str
        The columns whose combination forms the randomisation strata.
    waves : tuple of str
        Every survey wave, in time order.
    baseline : str
        The pre-treatment wave.
    analysis_waves : tuple of str
        The post-treatment waves the plan analyses, in time order.
    area_code, area_name : str
        The province the evaluation covers (BPS code and name).
    type : str
        ``"randomised"`` or ``"observational"``.
    """

    arms: tuple[str, ...]
    control: str
    cluster: str = "group_id"
    strata: tuple[str, ...] = ("district_code", "cohort")
    waves: tuple[str, ...] = ("baseline",)
    baseline: str = "baseline"
    analysis_waves: tuple[str, ...] = ()
    area_code: str = ""
    area_name: str = ""
    type: str = "randomised"
    arm_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    wave_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)

    @property
    def treatments(self) -> tuple[str, ...]:
        """The arms other than the control, in codebook order."""
        return tuple(a for a in self.arms if a != self.control)

    @property
    def area_slug(self) -> str:
        """The folder name of the area-wide report, e.g. ``"33-jawa-tengah"``."""
        return f"{self.area_code}-{_slug(self.area_name)}"

    @property
    def wave_order(self) -> dict[str, int]:
        """Position of each wave in time (``{"baseline": 0, ...}``)."""
        return {w: i for i, w in enumerate(self.waves)}

    def keywords(self) -> dict[str, Any]:
        """The keyword values that analysis functions take from a design (see :func:`uses_design`)."""
        return {
            "arm": "arm",
            "control": self.control,
            "cluster": self.cluster,
            "strata": "stratum",
            "wave": "wave",
            "baseline_wave": self.baseline,
        }


#: Keywords that :func:`uses_design` fills from a design when the caller leaves them out.
DESIGN_KEYWORDS: tuple[str, ...] = ("arm", "control", "cluster", "strata", "wave", "baseline_wave")


def uses_design(func: F) -> F:
    """Let ``func`` take ``design=``: its design keywords default to the design's values.

    Only keywords that ``func`` has and the caller did not pass are filled (explicit keywords
    override the design), so ``f(df, design=d)`` equals ``f(df, control=d.control, cluster=
    d.cluster, ...)``. ``strata`` is filled with ``"stratum"``, the column that
    :func:`jbp_analysis.outcomes.attach_design_indicators` builds from the design's strata.

    Examples
    --------
    >>> @uses_design
    ... def f(data=None, *, control="x", cluster=None):
    ...     return control, cluster
    >>> d = StudyDesign(arms=("a", "b"), control="b", cluster="g")
    >>> f(design=d), f(design=d, control="a"), f()
    (('b', 'g'), ('a', 'g'), ('x', None))
    """
    sig = inspect.signature(func)
    names = [k for k in DESIGN_KEYWORDS if k in sig.parameters]
    if not names and any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        # passes **options on to impact() (impact_table): fill impact's design keywords
        names = ["arm", "control", "cluster", "strata"]

    @functools.wraps(func)
    def wrapper(*args: Any, design: StudyDesign | None = None, **kwargs: Any) -> Any:
        if design is not None:
            if not isinstance(design, StudyDesign):
                from jbp_analysis.core.errors import ConfigError

                raise ConfigError(
                    f"design= must be a StudyDesign (jbp_analysis.load().design or load_plan().design), "
                    f"not {type(design).__name__}"
                )
            bound = sig.bind_partial(*args, **kwargs).arguments
            values = design.keywords()
            for k in names:
                if k not in bound:
                    kwargs[k] = values[k]
        return func(*args, **kwargs)

    params = list(sig.parameters.values())
    if "design" not in sig.parameters:
        extra = inspect.Parameter("design", inspect.Parameter.KEYWORD_ONLY, default=None)
        var_kw = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
        params = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
        params += [extra, *var_kw]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
