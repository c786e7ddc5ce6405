"""Real data sets that ship inside installed packages (statsmodels,
scikit-learn): no network.

pandas, statsmodels and scikit-learn are imported inside the functions, so
``import lstmbook.data`` needs only NumPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def sunspots() -> pd.Series:
    """Yearly mean sunspot numbers, 1700-2008
    (``statsmodels.datasets.sunspots``).

    Returns:
        A float64 ``pandas.Series`` of length 309 named ``"sunspots"``, indexed
        by the integer year (index name ``"year"``). The series has a cycle of
        about 11 years.
    """
    import pandas as pd
    from statsmodels.datasets import sunspots as source

    frame = source.load_pandas().data
    index = pd.Index(frame["YEAR"].astype(np.int64), name="year")
    return pd.Series(
        frame["SUNACTIVITY"].to_numpy(np.float64), index=index, name="sunspots"
    )


def co2() -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, March 1958 - December 2001
    (``statsmodels.datasets.co2``).

    The record has real gaps: weeks without a measurement are NaN (count them
    with ``co2().isna().sum()``). Nothing is filled in here; filling is the
    reader's choice.

    Returns:
        A float64 ``pandas.Series`` in ppm named ``"co2"`` with a weekly
        ``DatetimeIndex`` (weeks ending on Saturday, index name ``"date"``).
    """
    import pandas as pd
    from statsmodels.datasets import co2 as source

    frame = source.load_pandas().data
    index = pd.DatetimeIndex(frame.index, name="date")
    return pd.Series(
        frame["co2"].to_numpy(np.float64), index=index, name="co2"
    )


def digits_sequences() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits, each image read as a sequence of
    its 8 rows.

    Returns:
        ``(x, y)``: ``x`` of shape ``(1797, 8, 8)``, float32, indexed as
        (image, row = time step, pixel column = feature), with intensities
        scaled from 0..16 to [0, 1]; ``y`` of shape ``(1797,)``, int64 digit
        labels 0-9.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)
    return x, digits.target.astype(np.int64)
