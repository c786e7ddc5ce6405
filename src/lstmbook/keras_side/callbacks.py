"""A Keras callback the chapters share: the wall-clock time of every epoch."""

from __future__ import annotations

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch, in ``self.seconds`` (one float per
    epoch).

    Args:
        include_validation: count the validation pass at the end of each epoch
            too (the time a user waits per epoch); by default only the training
            batches are timed.
    """

    def __init__(self, include_validation: bool = False) -> None:
        super().__init__()
        self.include_validation = bool(include_validation)
        self.seconds: list[float] = []
        self._start = 0.0
        self._last_batch = 0.0

    def on_train_begin(self, logs=None) -> None:
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._start = self._last_batch = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._last_batch = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None) -> None:
        end = (
            time.perf_counter()
            if self.include_validation
            else self._last_batch
        )
        self.seconds.append(end - self._start)
