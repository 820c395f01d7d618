"""The simulated sample as KoboToolbox and ODK Central export it from the shipped forms.

The standard export (:mod:`jbp_analysis.simulate.export`) writes one file per module and wave
with the codebook's headers and numeric codes. A field team that deploys the study's XLSForms
(``study/forms/``: one respondent form and one group form for all waves, the wave in the
``gelombang`` question) downloads instead:

``kobo-xml`` (KoboToolbox "XML values and headers")
    ``JBP_responden_-_all_versions_-_False_-_<date>.csv``: headers are the question's group
    path (``kerja/r1_bekerja_seminggu``), answers the choice *names* (``laki_laki``,
    ``sangat_setuju``, ``menolak``), district the BPS code (the form's choice name); Kobo's
    meta columns ``start, end, today, deviceid`` first and ``_id, _uuid, _submission_time,
    _validation_status, _notes, _status, _submitted_by, __version__, _tags, _index`` last;
    a select_multiple as space-separated names plus one 0/1 column per option
    (``group/question/option``). ``kobo-xml-01`` is the same with yes/no written 1/0 (forms
    whose yes/no list is named 1/0).
``kobo-labels`` / ``kobo-labels-en``
    The "labels" export in Bahasa Indonesia or English: headers ``Group label/Question label``,
    answers as labels, ``;`` as the separator (Kobo offers ``,`` or ``;``).
``odk`` (ODK Central CSV)
    ``jbp_responden.csv`` (the form id): ``-`` separated group paths, ``SubmissionDate`` first,
    ``meta-instanceID`` (``uuid:...``), ``KEY`` and Central's review columns last.

Every value the standard export holds is carried over: a valid code becomes its choice name or
label, anything else (the planted mess: typos, out-of-range codes, rupiah text) is written as
is, so the flavours clean to the same panel as the standard export. The assignment and cost
files are not forms and keep their standard names. There is no wave column besides the form's
own ``gelombang``; the file map places the files and the wave comes from that column.

Examples
--------
>>> from jbp_analysis.simulate import simulate
>>> sim = simulate(seed=1, districts=("3373",), groups_per_district=3, n_cohorts=1)
>>> files = flavour_exports(sim.tables, "kobo-xml")
>>> sorted(files)
... # doctest: +NORMALIZE_WHITESPACE
['JBP_kelompok_-_all_versions_-_False_-_2018-04-15-10-00-00.csv',
 'JBP_responden_-_all_versions_-_False_-_2018-04-26-10-00-00.csv',
 'biaya_program.csv', 'penugasan_kelompok.csv']
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from jbp_analysis.simulate.export import Table
from jbp_analysis.study.codebook import Codebook, Variable, load_codebook

__all__ = ["FLAVOURS", "flavour_exports", "form_title", "kobo_file_name"]

FLAVOURS: tuple[str, ...] = (
    "standard",
    "kobo-xml",
    "kobo-xml-01",
    "kobo-labels",
    "kobo-labels-en",
    "odk",
)
_FORMS = {
    "respondent": ("JBP responden", "jbp_responden"),
    "group": ("JBP kelompok", "jbp_kelompok"),
}
_KOBO_HEAD = ("start", "end", "today", "deviceid")
_KOBO_TAIL = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
              "_submitted_by", "__version__", "_tags", "_index")  # fmt: skip
_ODK_TAIL = ("meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
             "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion")  # fmt: skip


def form_title(module: str) -> str:
    """The form title of a module's form (KoboToolbox names exports after it)."""
    return _FORMS[module][0]


def kobo_file_name(module: str, *, labels: str, stamp: str) -> str:
    """``<title>_-_all_versions_-_<False|labels language>_-_<YYYY-MM-DD-hh-mm-ss>.csv``.

    Examples
    --------
    >>> kobo_file_name("respondent", labels="False", stamp="2017-08-01-10-00-00")
    'JBP_responden_-_all_versions_-_False_-_2017-08-01-10-00-00.csv'
    """
    title = form_title(module).replace(" ", "_")
    return f"{title}_-_all_versions_-_{labels.replace(' ', '_')}_-_{stamp}.csv"


def _choice(spec: Mapping, code: object) -> str:
    from jbp_analysis.clean.normalise import choice_name

    return choice_name(dict(spec), code)


def _answer_map(v: Variable, cb: Codebook, flavour: str) -> dict[str, str]:
    """``{standard text: flavour text}`` for a coded question (codes and allowed missing codes)."""
    lang = "en" if flavour.endswith("-en") else "id"
    out: dict[str, str] = {}
    specs = [(code, spec, False) for code, spec in cb.value_sets[v.codes].items()]
    specs += [(code, cb.missing_codes[code], True) for code in v.missing]
    for code, spec, is_missing in specs:
        if flavour.startswith("kobo-labels"):
            text = str(spec.get(lang, code))
        elif flavour == "kobo-xml-01" and v.codes == "yes_no" and not is_missing:
            text = "1" if spec.get("value") else "0"
        else:
            text = _choice(spec, code)
        out[str(code)] = text
    return out


def _header(v: Variable, cb: Codebook, flavour: str) -> str:
    if flavour == "odk":
        return str(v.form_header("-"))
    if flavour.startswith("kobo-labels"):
        lang = "en" if flavour.endswith("-en") else "id"
        label = v.label[lang]
        group = v.form_group
        if group:
            return f"{cb.form_groups.get(group, {}).get(lang, group)}/{label}"
        return label
    return str(v.form_header("/"))


def _multiple(s: pd.Series, v: Variable, cb: Codebook, flavour: str) -> dict[str, pd.Series]:
    """A select_multiple as the tools write it: the answer (space-separated choice names, or
    labels joined by ``, `` in a labels export), then one 0/1 column per option (not in ODK's
    default export)."""
    m = _answer_map(v, cb, flavour)
    labels = flavour.startswith("kobo-labels")
    joiner = ", " if labels else " "

    def answer(x: object) -> object:
        if not isinstance(x, str):
            return x
        toks = x.split()
        if not all(t in m for t in toks):
            return x  # planted mess is written as is
        return joiner.join(m[t] for t in toks)

    head = _header(v, cb, flavour)
    out = {head: s.map(answer)}
    if flavour == "odk":
        return out
    sep = "/"
    for code, spec in cb.value_sets[v.codes].items():
        option = (
            str(spec.get("en" if flavour.endswith("-en") else "id"))
            if labels
            else (_choice(spec, code))
        )
        out[f"{head}{sep}{option}"] = s.map(
            lambda x, c=str(code): ("1" if c in x.split() else "0") if isinstance(x, str) else x
        )
    return out


def _questions(cb: Codebook, module: str) -> list[Variable]:
    """Form questions in form order: each group's questions together where its first one is."""
    qs = [v for v in cb.module(module) if v.xlsform is not None]
    first: dict[str, int] = {}
    for i, v in enumerate(qs):
        first.setdefault(v.form_group or f"\0{i}", i)
    return sorted(qs, key=lambda v: first[v.form_group or f"\0{qs.index(v)}"])


def _text(table: Table, header: str, n: int) -> pd.Series:
    if header in table.columns:
        return pd.Series(table.columns[header].to_pandas(), dtype=object)
    return pd.Series([None] * n, dtype=object)


def _module_frame(tables: list[Table], module: str, flavour: str, cb: Codebook) -> pd.DataFrame:
    """One module's waves as one export in ``flavour`` (all cells text, None = blank)."""
    from jbp_analysis.study.reference import districts

    d = districts()
    label_to_code = dict(zip(d["label"], d["bps_code"], strict=True))
    qs = _questions(cb, module)
    frames = []
    for t in tables:
        n = t.n_rows
        cols: dict[str, pd.Series] = {}
        for v in qs:
            s = _text(t, v.header, n)
            if v.type == "multiple" and v.codes:
                cols.update(_multiple(s, v, cb, flavour))
                continue
            if v.type == "category" and v.codes:
                m = _answer_map(v, cb, flavour)
                s = s.map(lambda x, m=m: m.get(x.strip(), x) if isinstance(x, str) else x)
            elif v.type == "district" and not flavour.startswith("kobo-labels"):
                s = s.map(lambda x: label_to_code.get(x, x) if isinstance(x, str) else x)
            cols[_header(v, cb, flavour)] = s
        uuid = _text(t, "_uuid", n)
        when = _text(t, "_submission_time", n)
        if module == "group" or when.isna().all():
            visit = cols[_header(cb.variable(module, "visit_date"), cb, flavour)]
            when = visit.map(lambda x: f"{x}T12:00:00" if isinstance(x, str) else x)
        enum = (
            _text(t, cb.variable("respondent", "enumerator_id").header, n)
            if module == "respondent"
            else pd.Series(["kelompok"] * n, dtype=object)
        )
        meta = {
            "start": when.map(lambda x: f"{x}.000+07:00" if isinstance(x, str) else x),
            "end": when.map(lambda x: f"{x}.000+07:00" if isinstance(x, str) else x),
            "today": when.map(lambda x: x[:10] if isinstance(x, str) else x),
            "deviceid": "collect:" + enum.fillna("x").astype(str),
            "_uuid": uuid,
            "_submission_time": when,
        }
        frames.append(pd.DataFrame({**meta, **cols}))
    df = pd.concat(frames, ignore_index=True)
    return _odk_layout(df, cb) if flavour == "odk" else _kobo_layout(df, cb)


def _odk_layout(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """ODK Central's CSV: ``SubmissionDate`` first, ``meta-instanceID`` and review columns last."""
    n = len(df)
    out = {"SubmissionDate": df["_submission_time"].map(
        lambda x: f"{x}.000Z" if isinstance(x, str) else x)}  # fmt: skip
    out.update({c: df[c] for c in df.columns if c not in ("_uuid", "_submission_time")})
    key = "uuid:" + df["_uuid"].fillna("").astype(str)
    const = {"SubmitterID": "7", "SubmitterName": "enumerator", "AttachmentsPresent": "0",
             "AttachmentsExpected": "0", "Status": None, "ReviewState": None}  # fmt: skip
    out.update({"meta-instanceID": key, "KEY": key})
    out.update({c: pd.Series([v] * n, dtype=object) for c, v in const.items()})
    out.update(
        {
            "DeviceID": df["deviceid"],
            "Edits": pd.Series(["0"] * n),
            "FormVersion": pd.Series([cb.version] * n),
        }
    )
    head = [c for c in out if c not in _ODK_TAIL]
    return pd.DataFrame({c: out[c] for c in (*head, *_ODK_TAIL)})


def _kobo_layout(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """KoboToolbox's export: meta questions, the form's questions, then its own columns."""
    n = len(df)
    questions = [c for c in df.columns if c not in (*_KOBO_HEAD, "_uuid", "_submission_time")]
    out = {c: df[c] for c in (*_KOBO_HEAD, *questions)}
    const = {"_validation_status": None, "_notes": "[]", "_status": "submitted_via_web",
             "_submitted_by": None, "__version__": "v" + cb.version.replace(".", ""),
             "_tags": "[]"}  # fmt: skip
    out["_id"] = pd.Series(np.arange(1, n + 1) + 1_000_000).astype(str)
    out["_uuid"] = df["_uuid"]
    out["_submission_time"] = df["_submission_time"]
    out.update({c: pd.Series([v] * n, dtype=object) for c, v in const.items()})
    out["_index"] = pd.Series(np.arange(1, n + 1)).astype(str)
    return pd.DataFrame({c: out[c] for c in (*_KOBO_HEAD, *questions, *_KOBO_TAIL)})


def _csv_bytes(df: pd.DataFrame, separator: str) -> bytes:
    arrays = {c: pa.array(df[c].astype(object).where(df[c].notna(), None), type=pa.string())
              for c in df.columns}  # fmt: skip
    sink = io.BytesIO()
    opts = pacsv.WriteOptions(include_header=True, delimiter=separator)
    pacsv.write_csv(pa.table(arrays), sink, opts)
    return sink.getvalue()


def _stamp(df: pd.DataFrame) -> str:
    times = df["_submission_time"].dropna().astype(str)
    times = times[times.str.match(r"^\d{4}-\d\d-\d\d")]
    day = (pd.Timestamp(times.max()[:10]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    return f"{day}-10-00-00"


def flavour_exports(
    tables: Mapping[str, Table], flavour: str, *, codebook: Codebook | None = None
) -> dict[str, Table | bytes]:
    """The exports of one flavour: ``{file name: bytes}`` for the form exports and the
    standard :class:`~jbp_analysis.simulate.export.Table` for the assignment and cost files.

    ``tables`` are the standard exports after mess (``Simulation.tables``). ``"standard"``
    returns them unchanged.
    """
    if flavour not in FLAVOURS:
        from jbp_analysis.core.errors import ConfigError

        raise ConfigError(f"unknown export flavour {flavour!r}; use one of {', '.join(FLAVOURS)}")
    if flavour == "standard":
        return dict(tables)
    cb = codebook or load_codebook()
    waves = list(cb.waves)
    out: dict[str, Table | bytes] = {}
    for module in ("respondent", "group"):
        parts = sorted(
            (t for t in tables.values() if t.module == module),
            key=lambda t: waves.index(str(t.wave)),
        )
        if not parts:
            continue
        df = _module_frame(parts, module, flavour, cb)
        if flavour == "odk":
            out[f"{_FORMS[module][1]}.csv"] = _csv_bytes(df, ",")
        elif flavour.startswith("kobo-labels"):
            lang = "English_(en)" if flavour.endswith("-en") else "labels"
            out[kobo_file_name(module, labels=lang, stamp=_stamp(df))] = _csv_bytes(df, ";")
        else:
            out[kobo_file_name(module, labels="False", stamp=_stamp(df))] = _csv_bytes(df, ",")
    for t in tables.values():
        if t.module in ("assignment", "cost"):
            out[t.file] = t
    return out
