"""pyproject.toml is the single declaration of dependencies; environment.yml and the lock mirror it."""

from __future__ import annotations

import re
import tomllib

import yaml

from jbp_analysis.core.paths import PROJECT_ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;\[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_deps() -> set[str]:
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    deps = list(meta["dependencies"]) + list(meta["optional-dependencies"]["dev"])
    return {_name(d) for d in deps}


def _conda_deps() -> set[str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    return names - {"python", "pip"}


def test_environment_yml_mirrors_pyproject() -> None:
    py, conda = _pyproject_deps(), _conda_deps()
    assert py - conda == set(), f"in pyproject.toml but not environment.yml: {sorted(py - conda)}"
    assert conda - py == set(), f"in environment.yml but not pyproject.toml: {sorted(conda - py)}"


def test_lock_pins_every_declared_dependency_exactly() -> None:
    lines = (PROJECT_ROOT / "requirements.lock").read_text().splitlines()
    pins = {}
    for line in lines:
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock line is not an exact pin: {line!r}"
            pins[_name(name)] = version
    missing = _pyproject_deps() - set(pins)
    assert not missing, f"declared but not pinned in requirements.lock: {sorted(missing)}"


def test_environment_mismatch_is_detected(tmp_path) -> None:
    """The check above can fail: drop one dependency from a copy and compare."""
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    env["dependencies"] = [d for d in env["dependencies"] if not str(d).startswith("seaborn")]
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert _pyproject_deps() - names == {"seaborn"}
