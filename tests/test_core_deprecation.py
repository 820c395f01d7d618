"""Renamed keywords keep working for one release, with a DeprecationWarning."""

from __future__ import annotations

import doctest
import inspect
import warnings

import pytest

from jbp_analysis.core import deprecation
from jbp_analysis.core.deprecation import renamed_keywords


@renamed_keywords(n_boot="draws", n_perm="draws_b")
def _f(x: int, *, draws: int = 10, draws_b: int = 1) -> tuple[int, int, int]:
    """Doc of f."""
    return x, draws, draws_b


def test_old_name_is_passed_on_as_the_new_one_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"_f\(n_boot=\.\.\.\) is deprecated.*use draws="):
        assert _f(1, n_boot=5) == (1, 5, 1)
    with pytest.warns(DeprecationWarning, match="n_perm"):
        assert _f(1, n_perm=7) == (1, 10, 7)


def test_new_name_gives_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _f(2, draws=3) == (2, 3, 1)


def test_both_names_is_an_error() -> None:
    with pytest.raises(TypeError, match="both n_boot= .* and draws="):
        _f(1, n_boot=2, draws=3)


def test_the_wrapper_keeps_the_signature_and_doc() -> None:
    assert list(inspect.signature(_f).parameters) == ["x", "draws", "draws_b"]
    assert _f.__doc__ == "Doc of f." and _f.__name__ == "_f"


def test_examples_run() -> None:
    result = doctest.testmod(deprecation, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
