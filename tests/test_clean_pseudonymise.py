from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from jbp_analysis.clean.pseudonymise import DEMO_KEY, pseudonymise, resolve_secret
from jbp_analysis.core.errors import ConfigError


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("JBP_SECRET", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_key_is_hmac_sha256_of_the_nik() -> None:
    nik = "3322014501990001"
    out = pseudonymise(pd.Series([nik, nik, None]), secret=b"k" * 20)
    want = hmac.new(b"k" * 20, nik.encode(), hashlib.sha256).hexdigest()
    assert out.tolist()[:2] == [want, want] and pd.isna(out.iloc[2])
    assert pseudonymise(pd.Series([nik]), secret=b"x" * 20).iloc[0] != want


def test_secret_order_argument_env_file_demo(clean_env, monkeypatch) -> None:
    raw = clean_env / "raw"
    raw.mkdir()
    with pytest.raises(ConfigError, match="no project secret"):
        resolve_secret(raw)
    (raw / "SIMULATED.json").write_text("{}")
    assert resolve_secret(raw).key == DEMO_KEY and resolve_secret(raw).source == "demo"
    secret_file = clean_env / "home" / ".config" / "jbp" / "secret"
    secret_file.parent.mkdir(parents=True)
    secret_file.write_text("file-secret-0123456789\n")
    s = resolve_secret(raw)
    assert (s.key, s.source) == (b"file-secret-0123456789", "file")
    monkeypatch.setenv("JBP_SECRET", "env-secret-0123456789")
    assert resolve_secret(raw).source == "env"
    assert resolve_secret(raw, secret="arg-secret-0123456789").source == "argument"
    assert "secret" not in repr(resolve_secret(raw)).lower().replace("secret(", "")


def test_short_secret_is_refused(clean_env, monkeypatch) -> None:
    monkeypatch.setenv("JBP_SECRET", "short")
    with pytest.raises(ConfigError, match="shorter than 16"):
        resolve_secret(clean_env)
