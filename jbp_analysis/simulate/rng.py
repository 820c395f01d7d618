"""Named, independent random streams derived from one seed.

Each part of the simulation draws from its own stream, so changing one setting (say the mess
level) leaves every other draw (say the outcomes) unchanged, and the same seed always gives the
same data.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """A PCG64 generator for the part of the simulation called ``name``.

    Examples
    --------
    >>> a, b = stream(1, "labour").random(), stream(1, "labour").random()
    >>> a == b, a == stream(1, "income").random()
    (True, False)
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(key,)))
