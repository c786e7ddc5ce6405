"""What every from-scratch layer with trainable arrays shares: counting
them."""

from __future__ import annotations

import numpy as np


class HasParams:
    """Base of the layers whose trainable arrays are the values of
    ``self.params``."""

    params: dict[str, np.ndarray]

    @property
    def n_params(self) -> int:
        """Number of trainable parameters: the sizes of the arrays in
        ``params``, summed."""
        return sum(p.size for p in self.params.values())

    def count_params(self) -> int:
        """Same as :attr:`n_params` (the Keras spelling)."""
        return self.n_params
