"""Input validation shared by the from-scratch layers, losses and optimizers.

Every public entry point of :mod:`lstmbook.scratch` calls one of these helpers
at its boundary, so a wrong shape, a non-numeric dtype or a NaN fails early
with a ``ValueError`` that names what was expected and what was received,
instead of failing deep inside a matrix product.
"""

from __future__ import annotations

import numpy as np

from .._checks import (
    positive_int as positive_int,
)  # re-exported for the layers

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(dtype: object) -> np.dtype:
    """Return ``dtype`` as ``numpy.float32`` or ``numpy.float64``; anything
    else is a ValueError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise ValueError(
            f"dtype must be float32 or float64, got {dtype!r}"
        ) from None
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def real_array(
    value: object, name: str, dtype: np.dtype | None = None
) -> np.ndarray:
    """``value`` as an array of real numbers cast to ``dtype`` (no copy when it
    already matches).

    Integer and floating input is accepted (and cast); booleans, complex
    numbers, strings and objects are a ``ValueError``. With ``dtype=None``
    integer input becomes float64 and floating input keeps its precision.
    """
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise ValueError(
            f"{name} must hold real numbers (an integer or floating dtype), "
            f"got dtype {array.dtype}"
        )
    if dtype is None:
        dtype = (
            array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
        )
    return array.astype(dtype, copy=False)


def require_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or inf, saying how many and
    where the first is."""
    finite = np.isfinite(array)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} must be finite, got {len(bad)} NaN/inf value(s), the "
            f"first at index {first}"
        )


def checked_array(
    value: object,
    name: str,
    shape: tuple[int | None, ...],
    layout: str,
    dtype: np.dtype | None = None,
) -> np.ndarray:
    """Validate ``value`` against ``shape`` (``None`` = any size) and return it
    cast and finite.

    ``layout`` names the axes for the error message, e.g. ``"(batch, time,
    features)"``.
    """
    array = real_array(value, name, dtype)
    expected = (
        "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
    )
    if array.ndim != len(shape):
        raise ValueError(
            f"{name} must be {len(shape)}-D {layout} = {expected}, "
            f"got {array.ndim}-D array of shape {array.shape}"
        )
    for axis, (want, got) in enumerate(zip(shape, array.shape, strict=True)):
        if (want is not None and got != want) or got == 0:
            raise ValueError(
                f"{name} must have shape {layout} = {expected} (no empty "
                "axis), "
                f"got shape {array.shape} (axis {axis} is {got})"
            )
    require_finite(array, name)
    return array


def sequence(
    value: object, name: str, features: int, dtype: np.dtype
) -> np.ndarray:
    """A ``(batch, time, features)`` input with the given feature size, cast to
    ``dtype``."""
    return checked_array(
        value, name, (None, None, features), "(batch, time, features)", dtype
    )


def state_array(
    value: object, name: str, batch: int, hidden: int, dtype: np.dtype
) -> np.ndarray:
    """An initial state ``(batch, hidden)`` matching the batch of the input,
    cast to ``dtype``."""
    return checked_array(
        value, name, (batch, hidden), "(batch, hidden)", dtype
    )


def upstream_gradient(
    value: object, name: str, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """A gradient flowing into ``backward``: exactly ``shape`` (the forward
    output), finite."""
    layout = (
        "(batch, time, hidden)" if len(shape) == 3 else "(batch, features)"
    )
    return checked_array(value, name, shape, layout, dtype)


def cache_of(cache: object, expected: type, layer: object) -> None:
    """Raise ``ValueError`` unless ``cache`` is what ``layer.forward``
    returns."""
    if not isinstance(cache, expected):
        raise ValueError(
            f"cache must be the {expected.__name__} returned by "
            f"{type(layer).__name__}.forward, "
            f"got {type(cache).__name__}"
        )
