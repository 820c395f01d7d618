"""Pseudonymisation: the respondent key is HMAC-SHA256 of the NIK under a project secret.

A keyed hash (Krawczyk, Bellare and Canetti 1997, RFC 2104) rather than a plain hash: the NIK
space (16 digits with a known structure: region code, birth date, serial) is small enough that a
plain SHA-256 could be reversed by enumeration, whereas without the secret the key cannot be
recomputed. The secret is read, in order, from

1. the ``secret`` argument (tests, notebooks);
2. the environment variable ``JBP_SECRET``;
3. the file ``~/.config/jbp/secret`` (outside the repository; ``chmod 600`` it).

For the simulated sample (a raw folder holding ``SIMULATED.json``) and no secret, the documented
demo key :data:`DEMO_KEY` is used and a notice says so; it protects nothing and must never be
used for real data. Real data without a secret is an error. The same secret must be used for
every run of a study, or keys will not match across runs.

Examples
--------
>>> import pandas as pd
>>> keys = pseudonymise(pd.Series(["3322014501990001", None]), secret=DEMO_KEY)
>>> len(keys[0]), keys[1] is pd.NA
(64, True)
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jbp_analysis.core.errors import ConfigError

__all__ = [
    "DEMO_KEY",
    "Secret",
    "resolve_secret",
    "pseudonymise",
    "normalise_nik",
    "nik_numbers",
    "SECRET_ENV",
    "secret_file",
]

DEMO_KEY: bytes = b"jbp-demo-key: simulated sample only, NOT secret, never use for real data"
SECRET_ENV = "JBP_SECRET"
_MIN_SECRET = 16


def secret_file() -> Path:
    """``~/.config/jbp/secret``."""
    return Path.home() / ".config" / "jbp" / "secret"


@dataclass(frozen=True)
class Secret:
    """The HMAC key and where it came from (``argument``, ``env``, ``file`` or ``demo``)."""

    key: bytes
    source: str

    def __repr__(self) -> str:  # never print the key
        return f"Secret(source={self.source!r}, fingerprint={self.fingerprint!r})"

    @property
    def fingerprint(self) -> str:
        """Eight hex digits identifying the key (to spot runs made with different keys)."""
        return hmac.new(self.key, b"jbp-key-fingerprint", hashlib.sha256).hexdigest()[:8]


def resolve_secret(raw: Path, *, secret: bytes | str | None = None) -> Secret:
    """Find the project secret (see the module docstring for the order).

    Raises
    ------
    ConfigError
        No secret and the data are not the simulated sample, or the secret is too short.

    Examples
    --------
    >>> resolve_secret(Path("."), secret="a-long-enough-project-secret").source
    'argument'
    """
    candidates: list[tuple[bytes | str | None, str]] = [
        (secret, "argument"),
        (os.environ.get(SECRET_ENV), "env"),
    ]
    path = None
    if not secret and not os.environ.get(SECRET_ENV):  # only look at $HOME when it matters
        path, value = _read_secret_file()
        if value is not None:
            candidates.append((value, "file"))
    for value, source in candidates:
        if value is None or value == "" or value == b"":
            continue
        key = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if len(key) < _MIN_SECRET and key != DEMO_KEY:
            raise ConfigError(
                f"the project secret from {_describe(source)} is shorter than {_MIN_SECRET} "
                'characters; use a long random string (e.g. `python -c "import secrets; '
                'print(secrets.token_hex(32))"`)'
            )
        return Secret(key=key, source=source)
    # The demo key only for the untouched simulated sample: every file in the raw folder is one
    # that `jbp simulate` wrote, with the hash SIMULATED.json records. Anything else is real data.
    from jbp_analysis.core.simulated import MARKER, describe, unverified_files

    why = ""
    if (Path(raw) / MARKER).is_file():
        foreign = unverified_files(Path(raw))
        if not foreign:
            return Secret(key=DEMO_KEY, source="demo")
        why = (
            f" {Path(raw)} holds {MARKER}, but {len(foreign)} file(s) are not the simulated "
            f"sample's: {describe(foreign)}; the data are treated as real."
        )
    raise ConfigError(
        f"no project secret for pseudonymising NIKs: set the environment variable {SECRET_ENV} "
        f"or write the secret to {path or '~/.config/jbp/secret'} (outside the repository).{why} The demo key is only used "
        "for the untouched simulated sample (every file as `jbp simulate` wrote it, checked "
        f"against the hashes in {MARKER})."
    )


def _read_secret_file() -> tuple[Path | None, bytes | None]:
    """``(path, secret)`` from ``~/.config/jbp/secret`` (``secret`` is ``None`` if absent).

    Raises
    ------
    ConfigError
        The home folder cannot be found or read, or the secret file cannot be read: one
        paragraph naming the path and the fix, never a traceback.
    """
    try:
        path = secret_file()
    except (RuntimeError, KeyError, OSError) as exc:  # no $HOME and no passwd entry
        raise ConfigError(
            f"cannot find the home folder to look for the project secret ({exc}); set "
            f"{SECRET_ENV} or HOME"
        ) from None
    try:
        if not path.is_file():
            return path, None
        return path, path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the project secret file {path} ({exc.strerror or exc}); make it "
            f"readable by you (chmod 600, owned by you) or set {SECRET_ENV} instead"
        ) from None


def _describe(source: str) -> str:
    return {"argument": "the secret argument", "env": SECRET_ENV, "file": str(secret_file())}.get(
        source, source
    )


def normalise_nik(nik: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Strip spaces, dots and dashes; return the digits and a mask of valid 16-digit NIKs.

    Vectorised with Arrow compute functions.

    Examples
    --------
    >>> import pandas as pd
    >>> digits, ok = normalise_nik(pd.Series(["3322 0145 0199 0001", "123", None, "3.3e15"]))
    >>> digits.tolist(), ok.tolist()
    (['3322014501990001', '123', <NA>, '33e15'], [True, False, False, False])
    """
    arr = pa.array(nik.astype(pd.StringDtype("pyarrow")))
    arr = pc.replace_substring_regex(arr, r"\.0$", "")  # a number read from a spreadsheet
    arr = pc.replace_substring_regex(arr, r"[\s.\-]", "")
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^\d{16}$"), False)
    digits = pd.Series(pd.arrays.ArrowStringArray(arr), index=nik.index)
    return digits, ok.to_numpy(zero_copy_only=False)


def nik_numbers(digits: pd.Series, ok: np.ndarray) -> np.ndarray:
    """Valid NIKs as int64 (16 digits fit), -1 where invalid: fast keys for linking."""
    arr = pa.array(digits.astype(pd.StringDtype("pyarrow")))
    arr = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string()))
    return pc.fill_null(pc.cast(arr, pa.int64()), -1).to_numpy(zero_copy_only=False)


def pseudonymise(values: pd.Series, *, secret: Secret | bytes) -> pd.Series:
    """HMAC-SHA256 hex digest of each value (missing stays missing).

    Only distinct values are hashed (one C call each), then mapped back to the rows.
    """
    key = secret.key if isinstance(secret, Secret) else secret
    idx, uniques = pd.factorize(pd.Series(values, dtype="object"), use_na_sentinel=True)
    digests = np.array(
        [hmac.digest(key, str(u).encode("utf-8"), "sha256").hex() for u in uniques], dtype=object
    )
    present = idx >= 0
    out = np.where(present, digests[np.where(present, idx, 0)] if len(digests) else None, None)
    return pd.Series(out, index=values.index, dtype="string")
