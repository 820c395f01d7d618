"""Report batches on a Dask LocalCluster give the same bytes as the local warm-kernel pool."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fixtures.processed import make_processed, write_processed

from jbp_analysis.report.distributed import run_jobs_dask
from jbp_analysis.report.runner import district_job, overview_job, run_jobs

pytestmark = pytest.mark.notebook


def _snapshot(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == "summary.json":  # the generation time is the one field that may differ
                s = json.loads(data)
                s["provenance"].pop("generated_at", None)
                data = json.dumps(s, sort_keys=True).encode()
            out[p.relative_to(folder).as_posix()] = data
    return out


def test_local_cluster_gives_byte_identical_reports(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    processed = write_processed(
        tmp_path / "processed", make_processed(seed=5, districts=("3322", "3373"))
    )
    root = tmp_path / "reports"
    opts = {"processed_dir": processed, "root": root, "lang": "en"}
    jobs = [district_job("3322", **opts), district_job("3373", **opts), overview_job(**opts)]

    local = run_jobs(jobs, workers=1, progress=False)
    assert all(r.ok for r in local), [r.error for r in local]
    before = {j.key: _snapshot(j.out_dir) for j in jobs}
    for j in jobs:
        shutil.rmtree(j.out_dir)

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_jobs_dask(jobs, scheduler=cluster, progress=False)
        info = cluster.scheduler_info
        workers_used = len((info() if callable(info) else info)["workers"])
    assert workers_used == 2
    assert [r.key for r in remote] == [j.key for j in jobs]
    assert all(r.ok for r in remote), [r.error for r in remote]
    for j in jobs:
        after = _snapshot(j.out_dir)
        assert after.keys() == before[j.key].keys()
        differ = [name for name in after if after[name] != before[j.key][name]]
        assert differ == [], f"{j.key}: {differ}"


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from jbp_analysis.core.errors import ConfigError
    from jbp_analysis.report.distributed import connect

    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:1", timeout="2s")


def test_power_simulations_on_a_cluster_equal_the_local_run() -> None:
    distributed = pytest.importorskip("distributed")
    import pandas as pd

    from jbp_analysis.planning.power import cluster_means_estimator, diagnose, normal_cluster_dgp

    dgp = normal_cluster_dgp(groups_per_arm=6, group_size=5, icc=0.1, effects={"pendampingan": 0.5})
    kw = dict(estimands={"pendampingan - kontrol": 0.5}, draws=40, seed=3)
    local = diagnose(dgp, cluster_means_estimator, **kw)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = diagnose(dgp, cluster_means_estimator, scheduler=cluster, **kw)
    pd.testing.assert_frame_equal(local.simulations, remote.simulations)
    pd.testing.assert_frame_equal(local.tidy(), remote.tidy())
