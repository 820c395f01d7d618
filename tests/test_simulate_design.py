"""Design of the simulated survey: groups, assignment, households and identities."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.simulate import SimConfig, simulate
from jbp_analysis.simulate import names as name_lists
from jbp_analysis.simulate.design import KECAMATAN_COUNT, build_design
from jbp_analysis.study.reference import districts


@pytest.fixture(scope="module")
def design():
    return build_design(SimConfig(seed=21, groups_per_district=14, n_cohorts=3))


def test_default_sample_matches_the_brief() -> None:
    cfg = SimConfig()
    assert len(cfg.districts) == 6 and "3373" in cfg.districts  # SPPQT's home, Kota Salatiga
    ref = districts().set_index("bps_code")
    assert (
        ref.loc[list(cfg.districts), "name"]
        .isin(["Semarang", "Magelang", "Pekalongan", "Tegal"])
        .any()
    )
    assert (cfg.groups_per_district, cfg.n_cohorts, cfg.group_size) == (12, 2, 25)
    assignment = simulate(cfg).truth.assignment
    counts = assignment.groupby(["district_code", "arm"], observed=True).size()
    assert (counts == 4).all() and len(counts) == 18  # 4/4/4 in every district


def test_every_group_has_25_members_from_25_households(design) -> None:
    members = pd.DataFrame(
        {
            "group": design.group_id[design.member_group].astype(object),
            "household": design.household_id.astype(object),
        }  # fmt: skip
    )
    per_group = members.groupby("group").agg(n=("household", "size"), hh=("household", "nunique"))
    assert (per_group["n"] == 25).all() and (per_group["hh"] == 25).all()
    assert members["household"].is_unique  # never two members from one household
    assert len(per_group) == 6 * 14


def test_ids_have_the_documented_shape(design) -> None:
    gid = design.group_id.astype(object)
    assert all(re.fullmatch(r"33\d\d-C[1-3]-G\d\d", g) for g in gid)
    rid = design.respondent_id.astype(object)
    assert all(r.startswith(gid[design.member_group[i]] + "-") for i, r in enumerate(rid))
    assert pd.Series(rid).str.fullmatch(r"33\d\d-C\d-G\d\d-\d\d").all() and len(set(rid)) == len(
        rid
    )
    hh = pd.Series(design.household_id.astype(object))
    assert hh.str.fullmatch(r"RT-33\d\d-\d{6}").all()
    # group numbers are unique within a district; cohort c holds a block of consecutive groups
    parts = pd.Series(gid).str.extract(r"(\d{4})-C(\d)-G(\d\d)").astype(int)
    assert not parts.duplicated([0, 2]).any()
    assert (parts.groupby(0)[1].apply(lambda c: c.is_monotonic_increasing)).all()


def test_arms_are_balanced_within_every_district() -> None:
    d = build_design(SimConfig(seed=4, groups_per_district=14))
    counts = pd.crosstab(d.group_district.astype(object), d.group_arm)
    assert counts.shape[1] == 3
    assert (counts.max(axis=1) - counts.min(axis=1) <= 1).all() and (counts.sum(axis=1) == 14).all()
    # the remainder is spread at random: not always the same arm
    more = [np.argmax(r) for r in counts.to_numpy() if r.max() > r.min()]
    assert len(set(more)) > 1


def test_nik_is_valid_unique_and_carries_district_sex_and_birth_date(design) -> None:
    nik = pd.Series(design.nik.astype(object))
    assert nik.str.fullmatch(r"\d{16}").all() and nik.is_unique
    district = design.group_district[design.member_group].astype(object)
    assert (nik.str[:4] == district).all()
    kec = nik.str[4:6].astype(int).to_numpy()
    limit = np.array([KECAMATAN_COUNT[c] for c in district])
    assert ((kec >= 1) & (kec <= limit)).all()
    day = nik.str[6:8].astype(int).to_numpy()
    female = design.sex == 2
    assert (day[female] > 40).all() and (day[~female] <= 31).all()
    birth = pd.to_datetime(design.birth_date)
    assert (day - 40 * female == birth.day).all()
    assert (nik.str[8:10].astype(int) == birth.month).all()
    assert (nik.str[10:12].astype(int) == birth.year % 100).all()
    assert (nik.str[12:].astype(int) >= 1).all()


def test_phone_numbers_are_indonesian_mobiles(design) -> None:
    phone = pd.Series(design.phone.astype(object))
    given = phone[phone != ""]
    assert given.str.fullmatch(r"08[1-9]\d{7,10}").all()  # 08xx..., 10-13 digits
    assert given.str.len().between(10, 13).all() and given.str.len().nunique() >= 2
    assert 0.01 < (phone == "").mean() < 0.08  # the question is optional


def test_names_are_sex_consistent(design) -> None:
    name = pd.Series(design.name.astype(object))
    first = name.str.split(" ").str[0]
    second = name.str.split(" ").str[1]
    female = design.sex == 2
    assert first[female].isin(name_lists.FEMALE_GIVEN).all()
    assert first[~female].isin(name_lists.MALE_GIVEN).all()
    s = second.dropna()
    assert s[female[s.index]].isin(name_lists.FEMALE_SECOND).all()
    assert s[~female[s.index]].isin(name_lists.MALE_SECOND).all()


def test_ages_stay_in_the_codebook_range_and_grow(design) -> None:
    assert design.age.min() >= 16 and design.age.max() <= 30
    assert (np.diff(design.age, axis=1) >= 0).all()
    assert (design.age[:, 2] - design.age[:, 0] <= 2).all()


def test_cohorts_start_in_staggered_months_and_waves_follow() -> None:
    cfg = SimConfig(seed=2, districts=("3373",), groups_per_district=6, n_cohorts=3,
                    first_start="2018-01", cohort_gap_months=2)  # fmt: skip
    d = build_design(cfg)
    starts = pd.Series(d.group_start.astype("datetime64[D]")).groupby(d.group_cohort).first()
    assert [str(s.date()) for s in starts] == ["2018-01-01", "2018-03-01", "2018-05-01"]
    months = d.visit_date.astype("datetime64[M]") - d.group_start.astype("datetime64[M]")[:, None]
    assert (months.astype(int) == np.array([0, 4, 12])).all()
    assert (d.interview_date >= d.visit_date[d.member_group]).all()
