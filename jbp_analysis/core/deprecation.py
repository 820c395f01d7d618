"""Renamed keywords: the old name keeps working, with a :class:`DeprecationWarning`, for one
release.

The package uses one name for one idea (``draws`` for every replication count: bootstrap
draws, permutations, simulations). When a keyword is renamed to follow that rule,
:func:`renamed_keywords` keeps the old spelling working for one release so that callers can
move at their own pace.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["renamed_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed_keywords(*, since: str = "0.1.0", **renames: str) -> Callable[[F], F]:
    """Accept the old keyword ``old=`` as ``new=`` with a :class:`DeprecationWarning`.

    Put it above any other decorator that inspects keywords (such as
    :func:`~jbp_analysis.study.design.uses_design`): the wrapped function only ever sees the
    new names. Passing both the old and the new name is a :class:`TypeError`, as for any
    keyword given twice.

    Parameters
    ----------
    since
        The release that renamed the keywords (said in the warning).
    **renames
        ``old_name="new_name"``.

    Examples
    --------
    >>> @renamed_keywords(n_boot="draws")
    ... def f(*, draws=10):
    ...     return draws
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(n_boot=5), f(draws=6)
    (5, 6)
    >>> print(caught[0].message)
    f(n_boot=...) is deprecated since 0.1.0 and will be removed in the next release; use draws=...
    >>> len(caught)
    1
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{func.__name__}() got both {old}= (deprecated) and {new}=; pass {new}="
                    )
                warnings.warn(
                    f"{func.__name__}({old}=...) is deprecated since {since} and will be removed "
                    f"in the next release; use {new}=...",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
