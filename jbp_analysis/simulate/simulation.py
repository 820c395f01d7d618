"""Run a simulation (:func:`simulate`) and hold its result (:class:`Simulation`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jbp_analysis import __version__
from jbp_analysis.core.errors import ConfigError
from jbp_analysis.core.simulated import (
    IGNORED_NAMES,
    MARKER,
    describe,
    folder_files,
    read_marker,
    unverified_files,
    write_marker,
)
from jbp_analysis.simulate.config import SimConfig
from jbp_analysis.simulate.design import build_design
from jbp_analysis.simulate.export import (
    EXPORTS,
    Table,
    clean_table,
    file_name,
    to_frame,
    write_table,
)
from jbp_analysis.simulate.groups import simulate_costs, simulate_groups
from jbp_analysis.simulate.mess import (
    MessResult,
    log_frame,
    plant_table,
    sorted_log,
    sorted_nik,
)
from jbp_analysis.simulate.outcomes import simulate_respondents
from jbp_analysis.simulate.truth import Records, Truth, build_records, build_truth
from jbp_analysis.study.codebook import load_codebook

__all__ = ["Simulation", "simulate", "MARKER", "TRUTH_DIR", "TRUTH_TABLES"]

TRUTH_DIR = "_truth"
TRUTH_TABLES = ("panel", "groups", "costs", "assignment", "effects", "mess_log", "mess_summary")
_KEEP = IGNORED_NAMES


class Simulation:
    """A simulated JBP cohort survey: ground truth, raw exports and the mess planted in them.

    Build one with :func:`simulate`. Everything is computed on first use and cached, except
    that :meth:`write` streams the raw exports file by file when they are not cached yet (so a
    national-size sample never holds every export in memory at once).

    Attributes
    ----------
    config
        The :class:`SimConfig`.
    truth
        :class:`~jbp_analysis.simulate.truth.Truth`: ``panel``, ``groups``, ``costs``,
        ``assignment``, ``effects``.
    raw
        ``{file name: DataFrame}`` of every raw export as written (all cells text, blank cells
        missing), e.g. ``sim.raw["responden_baseline.csv"]``.
    mess_log
        One row per planted cell or row: ``file, row, column, mess_type, clean_value,
        raw_value, key, duplicate_of`` (see :mod:`jbp_analysis.simulate.mess`).
    mess_summary
        Eligible and planted units per file and mess type, and the rate used.

    Examples
    --------
    >>> sim = simulate(SimConfig(seed=1, districts=("3373",), groups_per_district=3))
    >>> sorted(sim.raw)[:2], len(sim.truth.panel)
    (['biaya_program.csv', 'kelompok_baseline.csv'], 225)
    """

    def __init__(self, config: SimConfig, *, flavour: str = "standard") -> None:
        self.config = config
        #: export flavour written by :meth:`write` (:data:`jbp_analysis.simulate.kobo.FLAVOURS`)
        self.flavour = flavour

    def __repr__(self) -> str:
        c = self.config
        return (
            f"Simulation(seed={c.seed}, districts={len(c.districts)}, groups={c.n_groups}, "
            f"respondents={c.n_respondents}, mess={c.mess})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.truth._repr_html_()

    def tidy(self) -> pd.DataFrame:
        """The effects table of the truth (see :attr:`Truth.effects`)."""
        return self.truth.tidy()

    # ------------------------------------------------------------------ stages (cached)
    @cached_property
    def _stages(self) -> tuple[Records, pd.DataFrame, pd.DataFrame]:
        design = build_design(self.config)
        if self.config.design == "observational":
            from jbp_analysis.simulate.observational import select_groups

            design = select_groups(design)
        resp = simulate_respondents(design)
        grp = simulate_groups(design, resp.group_effect)
        records = build_records(design, resp, grp)
        effects = pd.concat([resp.effects, grp.effects], ignore_index=True)
        return records, simulate_costs(design), effects

    @cached_property
    def truth(self) -> Truth:
        records, costs, effects = self._stages
        return build_truth(records, costs, effects)

    @property
    def files(self) -> list[str]:
        """Names of the raw export files, in writing order."""
        if self.flavour != "standard":
            return list(self._flavour_files)
        return [file_name(m, w, self.config) for m, w in EXPORTS]

    @cached_property
    def _flavour_files(self) -> dict:
        from jbp_analysis.simulate.kobo import flavour_exports

        return flavour_exports(self.tables, self.flavour)

    def _messed(self) -> Iterator[tuple[Table, pa.Table, pd.DataFrame]]:
        """Build and mess each export in turn (cheap to hold one at a time)."""
        records, costs, _ = self._stages
        nik = sorted_nik(records.design.nik)
        for module, wave in EXPORTS:
            table = clean_table(records, costs, self.config, module, wave)
            yield plant_table(table, self.config, nik)

    @cached_property
    def _mess(self) -> MessResult:
        tables, logs, summaries = {}, [], []
        for table, log, summary in self._messed():
            tables[table.file] = table
            logs.append(log)
            summaries.append(summary)
        self._log_parts = (sorted_log(logs), pd.concat(summaries, ignore_index=True))
        return MessResult(tables, *self._log_parts)

    @property
    def tables(self) -> dict[str, Table]:
        """The raw exports as :class:`~jbp_analysis.simulate.export.Table` (after mess)."""
        return self._mess.tables

    @cached_property
    def raw(self) -> dict[str, pd.DataFrame]:
        return {name: to_frame(t) for name, t in self.tables.items()}

    @cached_property
    def _log(self) -> tuple[pa.Table, pd.DataFrame]:
        if "_mess" in self.__dict__ or not hasattr(self, "_log_parts"):
            return self._mess.log_table, self._mess.summary
        return self._log_parts

    @cached_property
    def mess_log(self) -> pd.DataFrame:
        return log_frame(self._log[0])

    @property
    def mess_summary(self) -> pd.DataFrame:
        return self._log[1]

    # ------------------------------------------------------------------ writing
    def marker(self) -> dict[str, object]:
        """Content of ``SIMULATED.json`` (:meth:`write` adds ``sha256``: the hash of every file)."""
        return {
            "simulated": True,
            "generator": "jbp_analysis.simulate",
            "version": __version__,
            "codebook_version": load_codebook().version,
            "seed": self.config.seed,
            "config": self.config.to_dict(),
            "files": sorted(self.files),
            "truth": [f"{TRUTH_DIR}/{n}.parquet" for n in TRUTH_TABLES],
            **({"export_flavour": self.flavour} if self.flavour != "standard" else {}),
            "note": (
                "Simulated data, not a real survey. Ground truth (clean values, planted effects, "
                f"the mess log) is in {TRUTH_DIR}/; see docs/simulation.md."
            ),
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write the raw exports, ``_truth/*.parquet`` and ``SIMULATED.json`` to ``out_dir``.

        Files are first written to a temporary folder inside ``out_dir`` and moved into place
        at the end, so a failure leaves no partial sample. ``SIMULATED.json`` records the
        SHA-256 of every file written (:mod:`jbp_analysis.core.simulated`). ``out_dir`` may be
        empty or hold an earlier simulated sample whose files are all unchanged (they are
        replaced); a folder holding any file that ``jbp simulate`` did not write, or that changed
        since, is refused with :class:`~jbp_analysis.core.errors.ConfigError` naming the files,
        and nothing in it is touched.

        Returns
        -------
        list of Path
            The files written: raw exports, then ``_truth/*.parquet``, then the marker.
        """
        out = Path(out_dir)
        _check_target(out)
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".simulate-", dir=out))
        try:
            if self.flavour != "standard":  # KoboToolbox / ODK Central exports (simulate.kobo)
                for name, data in self._flavour_files.items():
                    if isinstance(data, bytes):
                        (tmp / name).write_bytes(data)
                    else:
                        write_table(data, tmp / name)
            elif "_mess" in self.__dict__:
                for table in self._mess.tables.values():
                    write_table(table, tmp / table.file)
            else:  # stream: one export in memory at a time
                logs, summaries = [], []
                for table, log, summary in self._messed():
                    write_table(table, tmp / table.file)
                    logs.append(log)
                    summaries.append(summary)
                self._log_parts = (sorted_log(logs), pd.concat(summaries, ignore_index=True))
            (tmp / TRUTH_DIR).mkdir()
            t = self.truth
            frames = {
                "panel": t.panel,
                "groups": t.groups,
                "costs": t.costs,
                "assignment": t.assignment,
                "effects": t.effects,
                "mess_summary": self.mess_summary,
            }
            for name, frame in frames.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                pq.write_table(table, tmp / TRUTH_DIR / f"{name}.parquet", compression="zstd")
            log_path = tmp / TRUTH_DIR / "mess_log.parquet"
            pq.write_table(self._log[0], log_path, compression="zstd")
            written = [*self.files, *(f"{TRUTH_DIR}/{n}.parquet" for n in TRUTH_TABLES)]
            write_marker(tmp, self.marker(), written)
            _check_target(out)  # again, just before replacing: nothing changed meanwhile
            _remove_previous(out)
            for name in self.files:
                os.replace(tmp / name, out / name)
            os.replace(tmp / TRUTH_DIR, out / TRUTH_DIR)
            os.replace(tmp / MARKER, out / MARKER)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        paths = [out / n for n in self.files]
        paths += [out / TRUTH_DIR / f"{n}.parquet" for n in TRUTH_TABLES]
        return paths + [out / MARKER]


def _check_target(out: Path) -> None:
    """Refuse a folder holding any file ``jbp simulate`` did not write or that changed since."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"output folder {out} exists and is not a folder")
    if not folder_files(out) and not (out / MARKER).exists():
        return
    foreign = unverified_files(out)
    if foreign:
        raise ConfigError(
            f"jbp simulate refuses to write into {out}: it holds {len(foreign)} file(s) that "
            f"jbp simulate did not write or that changed since: {describe(foreign)}. Real survey "
            "data are never overwritten and nothing was changed. Choose an empty folder "
            "(--out DIR), or move those files out if they are yours."
        )


def _previous_files(out: Path) -> set[str]:
    marker = read_marker(out)
    files = (marker or {}).get("files", [])
    return set(files) if isinstance(files, list) else set()


def _remove_previous(out: Path) -> None:
    for name in _previous_files(out):
        p = out / name
        if p.is_file():
            p.unlink()
    if (out / TRUTH_DIR).is_dir():
        shutil.rmtree(out / TRUTH_DIR)
    if (out / MARKER).is_file():
        (out / MARKER).unlink()


def simulate(
    config: SimConfig | None = None, /, *, flavour: str = "standard", **settings: object
) -> Simulation:
    """Simulate a JBP cohort survey.

    Parameters
    ----------
    config
        A :class:`SimConfig`; or pass its settings as keywords (``simulate(seed=1, mess=0)``).
    flavour
        How :meth:`Simulation.write` writes the exports: ``"standard"`` (the suite's own files),
        or as KoboToolbox/ODK Central export them (:data:`jbp_analysis.simulate.kobo.FLAVOURS`).

    Returns
    -------
    Simulation
        Truth, raw exports, mess log; :meth:`Simulation.write` writes them.

    Examples
    --------
    >>> sim = simulate(seed=7, districts=("3322",), groups_per_district=3, n_cohorts=1, mess=0)
    >>> len(sim.mess_log), sim.truth.assignment.arm.value_counts().tolist()
    (0, [1, 1, 1])
    """
    if config is not None and settings:
        raise ConfigError("pass either a SimConfig or keyword settings, not both")
    cfg = config if config is not None else SimConfig(**settings)  # type: ignore[arg-type]
    if not isinstance(cfg, SimConfig):
        raise ConfigError(f"config must be a SimConfig, got {type(cfg).__name__}")
    return Simulation(cfg, flavour=flavour)
