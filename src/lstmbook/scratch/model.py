"""A small Keras-like ``Sequential`` model: recurrent layers, then a Dense
head.

::

    model = Sequential(
        [LSTM(X, 32, seed=0), LSTM(32, 16, seed=1)],
        head=Dense(16, K, seed=2),
        loss="sparse_categorical_crossentropy",
        optimizer=Adam(1e-3),
    )
    history = model.fit(
        x, y, epochs=5, batch_size=32, validation_data=(xv, yv), verbose=0
    )

Every recurrent layer but the last passes its whole sequence to the next one.
The last returns the whole sequence if ``return_sequences=True`` (the head is
then applied at every step) and only its last step otherwise, exactly like
stacking ``keras.layers.LSTM(..., return_sequences=True)`` layers under a final
``keras.layers.LSTM(...)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

# the plain text bar: tqdm.auto warns "IProgress not found" (naming a local
# path) in Jupyter
from tqdm import tqdm

from . import _checks
from .clip import clip_by_global_norm, global_norm
from .dense import Dense
from .losses import mse_loss, softmax_cross_entropy
from .optim import Adam, Optimizer

LOSSES = {
    "sparse_categorical_crossentropy": softmax_cross_entropy,
    "mse": mse_loss,
}


class Sequential:
    """Stack of recurrent layers with a Dense head, trained by BPTT.

    Args:
        recurrent: recurrent layers (``LSTM``, ``GRU``, ``SimpleRNN``), first
            to last; each layer's ``input_size`` must equal the previous
            ``hidden_size``.
        head: the ``Dense`` layer on top (its ``in_features`` = the last
            ``hidden_size``).
        return_sequences: the head sees every step ``(B, T, H)`` (True) or the
            last ``(B, H)``.
        loss: ``"sparse_categorical_crossentropy"`` (outputs are logits,
            targets integer labels ``(B,)`` or ``(B, T)``) or ``"mse"``
            (targets shaped like the outputs).
        optimizer: an :class:`~lstmbook.scratch.Optimizer`; ``Adam(1e-3)`` by
            default.
        clip_norm: clip the global gradient norm of each step to this value
            (None: no clipping).
        ignore_class: with the cross-entropy loss, a label value that marks
            positions without a target (e.g. ``-1`` at padded steps): they add
            nothing to the loss or the gradients
            (:func:`~lstmbook.scratch.softmax_cross_entropy`).
    """

    def __init__(
        self,
        recurrent: Sequence,
        head: Dense,
        return_sequences: bool = False,
        loss: str = "sparse_categorical_crossentropy",
        optimizer: Optimizer | None = None,
        clip_norm: float | None = None,
        ignore_class: int | None = None,
    ) -> None:
        self.recurrent = list(recurrent)
        if not self.recurrent:
            raise ValueError(
                "recurrent must hold at least one recurrent layer, got none"
            )
        for k, (below, above) in enumerate(
            zip(self.recurrent, self.recurrent[1:], strict=False)
        ):
            if above.input_size != below.hidden_size:
                raise ValueError(
                    f"recurrent layer {k + 1} must have input_size "
                    f"{below.hidden_size} "
                    f"(the hidden_size of layer {k}), got {above.input_size}"
                )
        if not isinstance(head, Dense):
            raise ValueError(
                f"head must be a Dense layer, got {type(head).__name__}"
            )
        if head.in_features != self.recurrent[-1].hidden_size:
            raise ValueError(
                "head must have in_features "
                f"{self.recurrent[-1].hidden_size} (the last "
                f"hidden_size), got {head.in_features}"
            )
        if loss not in LOSSES:
            raise ValueError(
                f"loss must be one of {sorted(LOSSES)}, got {loss!r}"
            )
        if clip_norm is not None and not (
            math.isfinite(float(clip_norm)) and clip_norm > 0
        ):
            raise ValueError(
                "clip_norm must be None or a finite number > 0, got "
                f"{clip_norm!r}"
            )
        self.head = head
        self.return_sequences = bool(return_sequences)
        if (
            ignore_class is not None
            and loss != "sparse_categorical_crossentropy"
        ):
            raise ValueError(
                "ignore_class applies to the cross-entropy loss only, got "
                f"loss={loss!r}"
            )
        self.loss_name = loss
        self.ignore_class = ignore_class
        self.loss_fn = (
            LOSSES[loss]
            if ignore_class is None
            else functools.partial(
                softmax_cross_entropy, ignore_class=int(ignore_class)
            )
        )
        self.optimizer = optimizer if optimizer is not None else Adam(1e-3)
        self.clip_norm = clip_norm
        self._spare: list | None = (
            None  # caches of the last forward pass, recycled by the next
        )

    @property
    def layers(self) -> list:
        """All layers, the recurrent ones first and the head last."""
        return [*self.recurrent, self.head]

    @property
    def n_params(self) -> int:
        """Trainable parameters of all layers."""
        return sum(layer.n_params for layer in self.layers)

    def count_params(self) -> int:
        """Same as :attr:`n_params`."""
        return self.n_params

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.recurrent)
        return (
            f"Sequential([{inner}], head={self.head!r}, "
            f"return_sequences={self.return_sequences}, "
            f"loss={self.loss_name!r}, optimizer={self.optimizer!r}, "
            f"clip_norm={self.clip_norm}"
            + (
                ""
                if self.ignore_class is None
                else f", ignore_class={self.ignore_class}"
            )
            + ")"
        )

    # ----------------------------------------------------------------- passes
    def _forward(
        self, x: object, states: list | None = None
    ) -> tuple[np.ndarray, list]:
        """The outputs ``(B, K)`` or ``(B, T, K)`` for ``x`` ``(B, T, X)`` and
        one cache per layer (order of :attr:`layers`); ``states``: an initial
        state per recurrent layer (None: zeros)."""
        # The caches of the previous call are no longer needed once it returned
        # (or its backward pass ran), so their buffers are recycled (see
        # ``LSTM.forward(reuse=...)``).
        spare = self._spare or [None] * len(self.recurrent)
        states = states or [None] * len(self.recurrent)
        caches = []
        hs = x
        for layer, state, old in zip(
            self.recurrent, states, spare, strict=True
        ):
            hs, cache = layer.forward(hs, state=state, reuse=old)
            caches.append(cache)
        self._spare = list(caches)
        top = hs if self.return_sequences else hs[:, -1]
        out, head_cache = self.head.forward(top)
        return out, [*caches, head_cache]

    def _backward(
        self, dout: np.ndarray, caches: list, input_grad: bool = False
    ) -> tuple[list[dict[str, np.ndarray]], np.ndarray | None]:
        """The gradients of every layer (as :meth:`loss_and_grads` returns
        them, without those w.r.t. an initial state: the cut of truncated BPTT)
        for ``dout``, the loss gradient w.r.t. the outputs, and ``dx`` ``(B, T,
        X)`` with ``input_grad`` (else None)."""
        dtop, head_grads = self.head.backward(dout, caches[-1])
        if self.return_sequences:
            dhs = dtop
        else:  # the loss sees the last step only
            last = self.recurrent[-1]
            steps = caches[-2].h.shape[0] - 1
            dhs = np.zeros(
                (dtop.shape[0], steps, last.hidden_size), dtype=last.dtype
            )
            dhs[:, -1] = dtop
        grads = [head_grads]
        for k in range(len(self.recurrent) - 1, -1, -1):
            layer = self.recurrent[k]
            dhs, layer_grads = layer.backward(
                dhs, caches[k], input_grad=k > 0 or input_grad
            )
            grads.append(
                {
                    name: g
                    for name, g in layer_grads.items()
                    if name in layer.params
                }
            )
        return grads[::-1], dhs

    def _target(self, y: object, batch: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape[:1] != (batch,):
            raise ValueError(
                f"y must have one row per sample ({batch}), got shape "
                f"{y.shape}"
            )
        return y

    def loss_and_grads(
        self, x: object, y: object
    ) -> tuple[float, list[dict[str, np.ndarray]]]:
        """The loss on a batch and the gradients of every layer (one dict per
        layer, in the order of :attr:`layers`, keyed like each layer's
        ``params``)."""
        out, caches = self._forward(x)
        loss, dout = self.loss_fn(out, self._target(y, out.shape[0]))
        return loss, self._backward(dout, caches)[0]

    def apply_gradients(self, grads: list[dict[str, np.ndarray]]) -> float:
        """Clip ``grads`` in place (if ``clip_norm`` is set) and take one
        optimizer step.

        ``grads``: one dict per layer, as :meth:`loss_and_grads` returns them.
        Returns the global gradient norm before clipping.
        """
        if self.clip_norm is not None:
            norm = clip_by_global_norm(grads, self.clip_norm)
        else:
            norm = global_norm(grads)
        for layer, layer_grads in zip(self.layers, grads, strict=True):
            self.optimizer.step(layer.params, layer_grads)
        return norm

    def train_step(self, x: object, y: object) -> tuple[float, float]:
        """One step of gradient descent on a batch; returns ``(loss, global
        gradient norm before clipping)``."""
        loss, grads = self.loss_and_grads(x, y)
        return loss, self.apply_gradients(grads)

    # ------------------------------------------------------------- public API
    def predict(self, x: object, batch_size: int = 256) -> np.ndarray:
        """Outputs for ``x`` ``(N, T, X)``: ``(N, K)``, or ``(N, T, K)`` with
        ``return_sequences``.

        For the cross-entropy loss these are logits (apply a softmax for
        probabilities).
        """
        x = self._inputs(x)
        batch_size = _checks.positive_int("batch_size", batch_size)
        parts = [
            self._forward(x[s : s + batch_size])[0]
            for s in range(0, len(x), batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def evaluate(self, x: object, y: object, batch_size: int = 256) -> float:
        """Mean loss over the whole data set (batches weighted by their size,
        or by their labelled positions with ``ignore_class``)."""
        x = self._inputs(x)
        y = self._target(y, len(x))
        batch_size = _checks.positive_int("batch_size", batch_size)
        total, weight = 0.0, 0
        for s in range(0, len(x), batch_size):
            out, _ = self._forward(x[s : s + batch_size])
            labels = y[s : s + batch_size]
            if self.ignore_class is None:
                n = len(out)
            else:
                n = int(np.sum(labels != self.ignore_class))
                if n == 0:
                    continue
            total += self.loss_fn(out, labels)[0] * n
            weight += n
        return total / weight

    def fit(
        self,
        x: object,
        y: object,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data: tuple[object, object] | None = None,
        shuffle: bool = True,
        seed: int | None = 0,
        verbose: int = 1,
    ) -> dict[str, list[float]]:
        """Train with mini-batches; a tqdm bar per epoch unless ``verbose=0``.

        Args:
            x: ``(N, T, X)``; y: labels ``(N,)``/``(N, T)`` or targets ``(N,
                K)``/``(N, T, K)``.
            epochs, batch_size: as in Keras (the last batch may be smaller).
            validation_data: optional ``(x_val, y_val)``, evaluated after every
                epoch.
            shuffle: reshuffle the samples every epoch with
                ``numpy.random.default_rng(seed)``.
            verbose: 0 silent, 1 a progress bar per epoch with the running
                loss.

        Returns:
            ``{"loss": [...], "val_loss": [...], "grad_norm": [...]}``: the
            mean training loss of each epoch (batches weighted by size), the
            validation loss after each epoch (only with ``validation_data``),
            and the global gradient norm of *every step* before clipping.
        """
        x = self._inputs(x)
        y = self._target(y, len(x))
        return self._fit_loop(
            self.train_step,
            x,
            y,
            epochs,
            batch_size,
            validation_data,
            shuffle,
            seed,
            verbose,
        )

    def _fit_loop(
        self,
        step: Callable[[np.ndarray, np.ndarray], tuple[float, float]],
        x: np.ndarray,
        y: np.ndarray,
        epochs: int,
        batch_size: int,
        validation_data: tuple[object, object] | None,
        shuffle: bool,
        seed: int | None,
        verbose: int,
    ) -> dict[str, list[float]]:
        """The loop of :meth:`fit` (same arguments and history) around
        ``step(x_batch, y_batch) -> (loss, gradient norm)``, one training step
        on a batch: :meth:`train_step` or, in
        ``lstmbook.scratch.tbptt.fit_tbptt``, a truncated-BPTT step."""
        epochs = _checks.positive_int("epochs", epochs)
        batch_size = _checks.positive_int("batch_size", batch_size)
        rng = np.random.default_rng(seed)
        history: dict[str, list[float]] = {"loss": [], "grad_norm": []}
        if validation_data is not None:
            history["val_loss"] = []
        n_batches = math.ceil(len(x) / batch_size)
        for epoch in range(epochs):
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            total = 0.0
            with tqdm(
                total=n_batches,
                desc=f"epoch {epoch + 1}/{epochs}",
                disable=not verbose,
                leave=True,
            ) as bar:
                for s in range(0, len(x), batch_size):
                    index = order[s : s + batch_size]
                    loss, norm = step(x[index], y[index])
                    total += loss * len(index)
                    history["grad_norm"].append(norm)
                    bar.update(1)
                    bar.set_postfix(
                        loss=f"{total / min(s + batch_size, len(x)):.4g}"
                    )
                history["loss"].append(total / len(x))
                if validation_data is not None:
                    history["val_loss"].append(self.evaluate(*validation_data))
                    bar.set_postfix(
                        loss=f"{history['loss'][-1]:.4g}",
                        val_loss=f"{history['val_loss'][-1]:.4g}",
                    )
        return history

    def _inputs(self, x: object) -> np.ndarray:
        first = self.recurrent[0]
        return _checks.sequence(x, "x", first.input_size, first.dtype)
