"""Which contrasts the report's sentences and tables are about, read from the study's plan.

The report layer names no arm: the control is the plan's ``design.control`` and the contrasts are
its ``hypotheses.contrasts`` (``(treatment, comparison)`` pairs, in the plan's order). Two of them
have a role of their own in the reports:

* :func:`headline_contrast`: the treatment whose impact the headline sentences, the subgroup
  section, the province ranking and ``summary.json`` report, against the control. It is the
  **last** of the plan's contrasts against the control: the plan lists the arms against control
  from the lightest to the full programme (JBP: charity, then mentoring).
* :func:`between_treatments`: the first contrast whose comparison is not the control (JBP:
  mentoring against charity), or ``None`` when the plan compares no two treatments.

Every report function that uses them keeps keyword overrides (``arm=``, ``comparison=``,
``control=``); ``None`` means the plan's.

Examples
--------
>>> headline_contrast(), between_treatments(), control_arm()
(('pendampingan', 'kontrol'), ('pendampingan', 'karitatif'), 'kontrol')
>>> from dataclasses import replace
>>> plan = default_plan()
>>> one_arm = replace(plan, contrasts=(("karitatif", "kontrol"),))
>>> headline_contrast(one_arm), between_treatments(one_arm)
(('karitatif', 'kontrol'), None)
"""

from __future__ import annotations

from jbp_analysis.study.plan import AnalysisPlan, default_plan

__all__ = ["control_arm", "headline_contrast", "between_treatments"]


def control_arm(plan: AnalysisPlan | None = None, *, control: str | None = None) -> str:
    """``control`` if given, else the plan's control arm (``design.control``).

    ``plan`` defaults to :func:`~jbp_analysis.study.plan.default_plan`.

    Examples
    --------
    >>> control_arm(), control_arm(control="ctrl")
    ('kontrol', 'ctrl')
    """
    if control is not None:
        return control
    return (plan or default_plan()).design.control


def headline_contrast(
    plan: AnalysisPlan | None = None, *, arm: str | None = None, comparison: str | None = None
) -> tuple[str, str]:
    """``(arm, comparison)`` of the headline contrast: the plan's last contrast against control.

    ``arm`` and ``comparison`` override either half (``comparison`` defaults to the control;
    ``arm`` to the treatment of the plan's last contrast against ``comparison``, else its last
    treatment arm). ``plan`` defaults to :func:`~jbp_analysis.study.plan.default_plan`.

    Examples
    --------
    >>> headline_contrast(), headline_contrast(arm="karitatif")
    (('pendampingan', 'kontrol'), ('karitatif', 'kontrol'))
    """
    plan = plan or default_plan()
    comparison = control_arm(plan, control=comparison)
    if arm is None:
        against = [a for a, b in plan.contrasts if b == comparison]
        if against:
            arm = against[-1]
        else:
            treated = [a for a in plan.design.arms if a != comparison]
            if not treated:
                raise ValueError(f"the plan has no arm to compare with {comparison!r}")
            arm = treated[-1]
    return arm, comparison


def between_treatments(plan: AnalysisPlan | None = None) -> tuple[str, str] | None:
    """The plan's first contrast between two treatments (neither arm the control), or ``None``.

    ``plan`` defaults to :func:`~jbp_analysis.study.plan.default_plan`.

    Examples
    --------
    >>> between_treatments()
    ('pendampingan', 'karitatif')
    """
    plan = plan or default_plan()
    control = plan.design.control
    return next(((a, b) for a, b in plan.contrasts if control not in (a, b)), None)
