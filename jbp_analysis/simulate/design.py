"""The sampling design: districts, kelompok, random assignment, cohorts, households, identities.

Layout
------
* Districts are the configured kabupaten/kota (:func:`jbp_analysis.study.reference.districts`).
* Each district has ``groups_per_district`` kelompok, numbered ``G01, G02, ...``; the first
  ``1/n_cohorts`` of them form cohort 1, the next cohort 2, and so on. A group id reads
  ``"3322-C1-G03"`` (district, cohort, group) and a respondent id ``"3322-C1-G03-07"``.
* Arms are assigned at random by group, stratified by district x cohort: within each stratum each
  arm gets ``groups // 3`` groups and the remainder goes to arms drawn at random without
  replacement (so 2/2/2 per cohort and 4/4/4 per district with 12 groups and 2 cohorts). Every
  cohort therefore has its own treated and control groups, which the cohort-by-wave estimates
  (:mod:`jbp_analysis.analyses.dynamics`) rely on.
* Cohort ``c`` starts ``(c - 1) * cohort_gap_months`` after ``first_start``. Waves are fielded at
  months 0 (baseline), 4 (endline) and 12 (follow-up) after the start: a group is visited on a day
  within the first two weeks of the wave month and its members are interviewed within a week.
* Each member comes from a different household (household ids are unique), lives in the group's
  kecamatan and carries a 16-digit NIK: district code (4), kecamatan (2), birth date ``DDMMYY``
  with 40 added to the day for women, and a 4-digit serial that makes it unique.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jbp_analysis.simulate import names
from jbp_analysis.simulate.config import ARMS, WAVES, SimConfig, code_of
from jbp_analysis.simulate.rng import stream
from jbp_analysis.simulate.text import STR, as_str, int_str, join, lookup, zpad
from jbp_analysis.study.codebook import load_codebook
from jbp_analysis.study.reference import districts as reference_districts

__all__ = ["Design", "build_design", "WAVE_MONTHS", "KECAMATAN_COUNT"]

WAVE_MONTHS: tuple[int, ...] = (0, 4, 12)

# Approximate number of kecamatan per district (Kemendagri), for realistic NIK digits.
KECAMATAN_COUNT: dict[str, int] = {
    "3301": 24, "3302": 27, "3303": 18, "3304": 20, "3305": 26, "3306": 16, "3307": 15,
    "3308": 21, "3309": 22, "3310": 26, "3311": 12, "3312": 25, "3313": 17, "3314": 20,
    "3315": 19, "3316": 16, "3317": 14, "3318": 21, "3319": 9, "3320": 16, "3321": 14,
    "3322": 19, "3323": 20, "3324": 20, "3325": 15, "3326": 19, "3327": 14, "3328": 18,
    "3329": 17, "3371": 3, "3372": 5, "3373": 4, "3374": 16, "3375": 4, "3376": 4,
}  # fmt: skip

# Indonesian mobile prefixes (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
_PHONE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814", "0815", "0816",
    "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0831",
    "0832", "0833", "0838", "0895", "0896", "0897", "0898", "0899", "0881", "0882", "0883",
)  # fmt: skip
_PHONE_MISSING = 0.04  # the phone question is optional; some members give none
MALE, FEMALE = code_of("sex", "male"), code_of("sex", "female")


@dataclass(frozen=True, eq=False)
class Design:
    """Groups, members and fieldwork calendar as numpy arrays (row order = id order).

    Group arrays have length ``G``; member arrays length ``n = G * group_size`` (member ``i``
    belongs to group ``i // group_size``); wave arrays have shape ``(n, 3)`` or ``(G, 3)``.
    """

    config: SimConfig
    # groups
    group_id: np.ndarray
    group_district: np.ndarray  # BPS code strings
    group_label: np.ndarray  # "Kab. Semarang"
    group_cohort: np.ndarray
    group_kecamatan: np.ndarray
    group_start: np.ndarray  # datetime64[D], first of the start month
    group_arm: np.ndarray  # int8 index into ARMS
    visit_date: np.ndarray  # (G, 3) datetime64[D]
    # members
    member_group: np.ndarray  # int index into the group arrays
    respondent_id: np.ndarray
    household_id: np.ndarray
    name: np.ndarray
    nik: np.ndarray
    phone: np.ndarray  # "" = no phone given
    sex: np.ndarray  # codebook value set "sex" (MALE, FEMALE)
    birth_date: np.ndarray  # datetime64[D]
    # fieldwork, (n, 3)
    interview_date: np.ndarray
    age: np.ndarray
    enumerator_id: np.ndarray  # int index into enumerator_pool
    enumerator_pool: np.ndarray
    duration_min: np.ndarray
    submission_time: np.ndarray  # datetime64[s]

    @property
    def n_groups(self) -> int:
        return len(self.group_id)

    @property
    def n(self) -> int:
        return len(self.respondent_id)

    @property
    def arm(self) -> np.ndarray:
        """Arm index of every member."""
        return self.group_arm[self.member_group]

    @property
    def female(self) -> np.ndarray:
        return self.sex == FEMALE


def build_design(cfg: SimConfig) -> Design:
    """Draw the design of ``cfg`` (groups, assignment, roster, identities, fieldwork dates).

    Examples
    --------
    >>> d = build_design(SimConfig(seed=1, districts=("3373",), groups_per_district=3))
    >>> d.group_id.tolist(), d.respondent_id[0], len(d.nik[0])
    (['3373-C1-G01', '3373-C1-G02', '3373-C2-G03'], '3373-C1-G01-01', 16)
    """
    groups = _groups(cfg)
    members = _members(cfg, groups)
    calendar = _fieldwork(cfg, groups, members)
    return Design(config=cfg, **groups, **members, **calendar)


# ---------------------------------------------------------------------- groups
def _groups(cfg: SimConfig) -> dict[str, np.ndarray]:
    rng = stream(cfg.seed, "design/groups")
    ref = reference_districts().set_index("bps_code")
    codes = sorted(cfg.districts)
    gpd, n_c = cfg.groups_per_district, cfg.n_cohorts
    number = np.tile(np.arange(1, gpd + 1), len(codes))
    d_idx = np.repeat(np.arange(len(codes)), gpd)
    cohort = (number - 1) * n_c // gpd + 1
    width = max(2, len(str(gpd)))
    code_arr = as_str(np.array(codes, dtype=object))[d_idx]
    group_id = join(code_arr, "-C", int_str(cohort), "-G", zpad(number, width))
    labels = as_str(ref.loc[codes, "label"].to_numpy(dtype=object))[d_idx]
    n_kec = np.array([KECAMATAN_COUNT[c] for c in codes])[d_idx]
    kecamatan = 1 + np.floor(rng.random(len(number)) * n_kec).astype(np.int64)
    # stratified randomisation: within each district x cohort stratum, as equal as possible, so
    # every cohort has its own treated and control groups (loops over strata, not respondents)
    # The remainder groups of a district's strata take the arms of one random cyclic order in turn,
    # so the district as a whole stays balanced to within one group per arm.
    arm = np.empty(len(number), dtype=np.int8)
    n_arms = len(ARMS)
    for k in range(len(codes)):
        cycle = rng.permutation(n_arms)
        used = 0
        for c in range(1, n_c + 1):
            idx = np.flatnonzero((d_idx == k) & (cohort == c))
            n_extra = len(idx) % n_arms
            extra = cycle[(used + np.arange(n_extra)) % n_arms]
            used += n_extra
            base = np.repeat(np.arange(n_arms), len(idx) // n_arms)
            arm[idx] = rng.permutation(np.concatenate([base, extra]))
    first = np.datetime64(cfg.first_start, "M")
    start = (first + (cohort - 1) * cfg.cohort_gap_months).astype("datetime64[D]")
    wave_month = np.array(WAVE_MONTHS)
    month = start.astype("datetime64[M]")[:, None] + wave_month[None, :]
    visit = month.astype("datetime64[D]") + rng.integers(0, 14, size=month.shape)
    return {
        "group_id": group_id,
        "group_district": code_arr,
        "group_label": labels,
        "group_cohort": cohort.astype(np.int64),
        "group_kecamatan": kecamatan,
        "group_start": start,
        "group_arm": arm,
        "visit_date": visit,
    }


# ---------------------------------------------------------------------- members
def _members(cfg: SimConfig, g: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rng = stream(cfg.seed, "design/members")
    size = cfg.group_size
    n_groups = len(g["group_id"])
    n = n_groups * size
    grp = np.repeat(np.arange(n_groups), size)
    member_no = np.tile(np.arange(1, size + 1), n_groups)
    respondent_id = join(g["group_id"][grp], "-", zpad(member_no, 2))
    sex = np.where(rng.random(n) < cfg.female_share, FEMALE, MALE).astype(np.int8)
    # age at the programme start: from the codebook minimum to 1.2 years below its maximum (so
    # that the follow-up, up to 13 months later, stays in range), most in the early twenties
    lo, hi = load_codebook().variable("respondent", "age").range
    age_start = lo + (hi - 1.2 - lo) * rng.beta(2.0, 2.5, size=n)
    start = g["group_start"][grp]
    birth = start - np.round(age_start * 365.25).astype("timedelta64[D]")
    district = g["group_district"][grp]
    return {
        "member_group": grp,
        "respondent_id": respondent_id,
        "household_id": _household_ids(rng, district),
        "name": _names(rng, sex),
        "nik": _niks(district, g["group_kecamatan"][grp], birth, sex),
        "phone": _phones(rng, n),
        "sex": sex,
        "birth_date": birth,
    }


def _household_ids(rng: np.random.Generator, district: np.ndarray) -> np.ndarray:
    """``RT-3322-048213``: unique household numbers within each district, in random order."""
    out = np.empty(len(district), dtype=STR)
    for code in np.unique(district):
        idx = np.flatnonzero(district == code)
        width = max(6, len(str(len(idx) * 10)))
        numbers = rng.choice(10**width, size=len(idx), replace=False)
        out[idx] = join("RT-", code, "-", zpad(numbers, width))
    return out


def _names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    n = len(sex)
    female = sex == FEMALE
    given = np.where(
        female,
        lookup(names.FEMALE_GIVEN, rng.integers(0, len(names.FEMALE_GIVEN), n)),
        lookup(names.MALE_GIVEN, rng.integers(0, len(names.MALE_GIVEN), n)),
    )
    second = np.where(
        female,
        lookup(names.FEMALE_SECOND, rng.integers(0, len(names.FEMALE_SECOND), n)),
        lookup(names.MALE_SECOND, rng.integers(0, len(names.MALE_SECOND), n)),
    )
    single = rng.random(n) < 0.15  # many Javanese have a single name
    return np.where(single, given, join(given, " ", second)).astype(STR)


def _niks(
    district: np.ndarray, kecamatan: np.ndarray, birth: np.ndarray, sex: np.ndarray
) -> np.ndarray:
    """16-digit NIK: PPKK (district) + CC (kecamatan) + DDMMYY (+40 on the day for women) + SSSS."""
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    d = d + 40 * (sex == FEMALE)
    prefix = district.astype(np.int64) * 10**8 + kecamatan * 10**6 + d * 10**4 + m * 100 + y % 100
    order = np.argsort(prefix, kind="stable")
    sp = prefix[order]
    run_start = np.r_[0, np.flatnonzero(np.diff(sp)) + 1]
    run_id = np.cumsum(np.r_[1, np.diff(sp) != 0]) - 1
    serial = np.empty(len(prefix), dtype=np.int64)
    serial[order] = np.arange(len(sp)) - run_start[run_id] + 1
    if len(serial) and serial.max() > 9999:  # pragma: no cover - needs ~10^4 same-day twins
        raise RuntimeError("NIK serial overflow")
    return join(zpad(prefix, 12), zpad(serial, 4))


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = lookup(_PHONE_PREFIXES, rng.integers(0, len(_PHONE_PREFIXES), n))
    # 11 to 13 digits in all: 4-digit prefix + 7, 8 or 9 more
    rest_len = rng.choice(np.array([7, 8, 9]), size=n, p=[0.35, 0.55, 0.10])
    rest = np.floor(rng.random(n) * 10.0**rest_len).astype(np.int64)
    body = np.strings.zfill(int_str(rest), 9)
    body = np.strings.slice(body, 9 - rest_len, 9)
    phone = join(prefix, body)
    return np.where(rng.random(n) < _PHONE_MISSING, "", phone).astype(STR)


# ---------------------------------------------------------------------- fieldwork
def _fieldwork(
    cfg: SimConfig, g: dict[str, np.ndarray], m: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    rng = stream(cfg.seed, "design/fieldwork")
    grp = m["member_group"]
    n, n_w = len(grp), len(WAVES)
    interview = g["visit_date"][grp] + rng.integers(0, 7, size=(n, n_w))
    birth = m["birth_date"][:, None]
    age = _whole_years(birth, interview)
    # enumerators: a pool per district; each group-wave gets two of them
    district = g["group_district"]
    n_groups = len(district)
    pool_size = max(2, -(-cfg.groups_per_district // 4))
    first = rng.integers(0, pool_size, size=(n_groups, n_w))
    second = (first + 1 + rng.integers(0, pool_size - 1, size=(n_groups, n_w))) % pool_size
    pick = rng.random((n, n_w)) < 0.5
    enum_no = np.where(pick, first[grp], second[grp])
    width = max(2, len(str(pool_size)))
    codes, d_rank = np.unique(district, return_inverse=True)
    pool = join(
        "ENUM-",
        np.repeat(codes, pool_size),
        "-",
        zpad(np.tile(np.arange(1, pool_size + 1), len(codes)), width),
    )
    enumerator = d_rank[grp][:, None] * pool_size + enum_no
    lo, hi = load_codebook().variable("respondent", "duration_min").range
    minutes = np.exp(rng.normal(np.log(38.0), 0.3, size=(n, n_w)))
    duration = np.clip(np.round(minutes, 1), max(lo, 8), min(hi, 180))
    start_s = rng.integers(8 * 3600, 19 * 3600, size=(n, n_w))
    delay = np.where(rng.random((n, n_w)) < 0.7, 0, rng.integers(600, 72 * 3600, size=(n, n_w)))
    seconds = start_s + np.round(duration * 60).astype(np.int64) + delay
    submitted = interview.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return {
        "interview_date": interview,
        "age": age,
        "enumerator_id": enumerator,
        "enumerator_pool": pool,
        "duration_min": duration,
        "submission_time": submitted,
    }


def _whole_years(birth: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Completed years between two ``datetime64[D]`` arrays (age on a date)."""

    def parts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = d.astype("datetime64[Y]").astype(np.int64)
        month = d.astype("datetime64[M]").astype(np.int64) % 12
        day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        return y, month * 100 + day

    by, bmd = parts(birth)
    wy, wmd = parts(when)
    return (wy - by - (wmd < bmd)).astype(np.int64)
