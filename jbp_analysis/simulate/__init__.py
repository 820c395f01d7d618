"""Simulated JBP cohort survey: ground truth with planted effects, raw exports with realistic mess.

>>> from jbp_analysis.simulate import SimConfig, simulate
>>> sim = simulate(SimConfig(seed=1, districts=("3322", "3373"), groups_per_district=3))
>>> sim.truth.panel.shape[0], sorted(sim.raw)[-1]
(450, 'responden_followup.csv')

The outcome model, the planted effects and the mess catalogue are documented in
``docs/simulation.md``; the modules are ``config`` (settings), ``design`` (groups, assignment,
identities), ``outcomes`` and ``groups`` (the outcome model), ``truth`` (ground truth tables),
``export`` and ``xlsx`` (raw files), ``mess`` (planting the mess).
"""

from __future__ import annotations

from jbp_analysis.simulate.config import SimConfig
from jbp_analysis.simulate.simulation import Simulation, simulate
from jbp_analysis.simulate.truth import Truth

__all__ = ["SimConfig", "Simulation", "Truth", "simulate"]
