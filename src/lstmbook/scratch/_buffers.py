"""Buffer recycling for the recurrent layers' caches (the ``reuse=`` argument
of ``forward``).

A training loop calls ``forward`` with the same shapes step after step.
Allocating the cache afresh each time costs page faults on every new array
(large arrays come straight from the operating system); handing the previous
step's cache back through ``reuse=`` lets the next forward pass write into the
same memory, the NumPy counterpart of ``out=``.
"""

from __future__ import annotations

import numpy as np


def recycled(
    previous: object,
    name: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    avoid: tuple[np.ndarray | None, ...],
) -> np.ndarray:
    """``previous.<name>`` if it has this shape and dtype and overlaps none of
    the arrays in ``avoid`` (the inputs of the call); otherwise a new array."""
    if previous is not None:
        buffer = getattr(previous, name, None)
        if (
            isinstance(buffer, np.ndarray)
            and buffer.shape == shape
            and buffer.dtype == dtype
            and buffer.flags.c_contiguous
            and buffer.flags.writeable
            and not any(
                a is not None and np.may_share_memory(buffer, a) for a in avoid
            )
        ):
            return buffer
    return np.empty(shape, dtype=dtype)
