"""Reference values for tests/test_dynamics.py: csdid 0.4.3 on the castle-doctrine data.

Run (once, in a separate environment: csdid is not a dependency of the package):

    python -m venv /tmp/csdid_env
    /tmp/csdid_env/bin/pip install csdid==0.4.3 causaldata==0.1.5
    /tmp/csdid_env/bin/python tests/reference/castle_csdid/run_csdid.py > tests/reference/castle_csdid/log.txt

Writes ``att_e.csv`` (event-study aggregation ATT(e), e >= 0) and ``att_gt.csv`` (ATT(g, t) for
t >= g) next to this file. Data: ``causaldata.castle`` (Cheng & Hoekstra 2013, as in
Cunningham's *Causal Inference: The Mixtape*); the cohort of a state is the first year with
``post == 1`` (0 = never treated). Outcome ``l_homicide``; never-treated controls, unconditional
(no covariates) doubly robust estimator, which without covariates is the 2x2 DiD; base period
g - 1 for post periods; analytic standard errors (``bstrap=False``) from the influence
functions.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from causaldata import castle
from csdid.att_gt import ATTgt

here = Path(__file__).resolve().parent
d = castle.load_pandas().data
first = d[d["post"] > 0].groupby("sid")["year"].min()
d["effyear"] = d["sid"].map(first).fillna(0).astype(int)
data = d[["sid", "year", "effyear", "l_homicide"]].copy()

att = ATTgt(
    yname="l_homicide",
    tname="year",
    idname="sid",
    gname="effyear",
    data=data,
    control_group=["nevertreated"],
).fit(est_method="dr", base_period="varying", bstrap=False)
res = att.results
gt = pd.DataFrame(
    {
        "group": np.asarray(res["group"], dtype=int),
        "year": np.asarray(res["year"], dtype=int),
        "att": np.asarray(res["att"], dtype=float),
        "se": np.asarray(res["se"], dtype=float),
    }
)
gt = gt[gt["year"] >= gt["group"]]
print(gt.to_string(index=False, float_format="%.10f"))
gt.to_csv(here / "att_gt.csv", index=False, float_format="%.12g")

att.aggte(typec="dynamic", bstrap=False)
atte = att.atte
out = pd.DataFrame(
    {
        "event_time": np.asarray(atte["egt"], dtype=int),
        "att": np.asarray(atte["att_egt"], dtype=float).ravel(),
        "se": np.asarray(atte["se_egt"], dtype=float).ravel(),
    }
)
out = out[out["event_time"] >= 0]
print(out.to_string(index=False, float_format="%.10f"))
out.to_csv(here / "att_e.csv", index=False, float_format="%.12g")
