"""Serves trends/05, 02, faq/03, practice/04: what an LSTM layer costs.

The engineering-notes appendix checks the count below against TensorFlow.

Floating-point operations in closed form, and measured time.

**Counting.** One step of an LSTM layer with input size ``X``, ``H`` units and
a batch of ``B`` sequences computes ``z_t = x_t W + h_{t-1} U + b`` (``W: (X,
4H)``, ``U: (H, 4H)``), the four gates, the cell and the output. With the usual
convention that a multiply-add is two floating-point operations (FLOPs) and
every element-wise addition or multiplication is one,

- the two matrix products take ``2 B X 4H + 2 B H 4H = 8 B H (X + H)`` FLOPs;
- the element-wise arithmetic takes ``12 B H``: adding the two products
  (``4BH``), adding the bias (``4BH``), ``c_t = f_t * c_{t-1} + i_t * g_t``
  (``3BH``) and ``h_t = o_t * tanh(c_t)`` (``BH``);
- besides, ``5 B H`` nonlinearities are evaluated (three sigmoids and two tanh
  on ``H`` values per sample), which FLOP counts usually leave out because
  their cost depends on the library.

So a forward step costs ``B (8 H (X + H) + 12 H)`` FLOPs
(:func:`lstm_flops_per_step`), dominated by the matrix products as soon as
``H`` is more than a handful: it grows linearly with ``B`` and with the
sequence length ``T``, and quadratically with ``H``. The backward pass repeats
each matrix product twice (one for the gradient w.r.t. the product's input, one
for the weights), so a training step costs about three forward passes
(:func:`lstm_training_flops`).

The formula is checked against two independent counts: one read off the shapes
of a layer's actual weight matrices (:func:`flops_from_weight_shapes`), and
TensorFlow's own graph profiler run on one step of ``keras.layers.LSTMCell``
(:func:`tf_profiler_flops`).

**Timing.** :func:`median_time`, :func:`time_sweep` and :func:`loglog_slope`
measure how the time grows with one size and fit the exponent ``p`` of ``time ~
size^p`` on log-log axes; :func:`sequential_vs_parallel` times the same matrix
products once as a chain of ``T`` dependent steps (the recurrence ``h_{t-1} ->
h_t``) and once as a single product over all steps (what the input projections
``x_t W`` allow).
"""

from __future__ import annotations

import operator
import statistics
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from lstmbook._checks import positive_int as _positive_int


# ---------------------------------------------------------------------------
# counting
def lstm_flops_breakdown(
    input_size: int, units: int, batch: int = 1
) -> dict[str, int]:
    """FLOPs of one forward step of an LSTM layer, by kind of work.

    Args:
        input_size: ``X``.
        units: ``H``.
        batch: ``B``, sequences processed together.

    Returns:
        A dict with the keys ``input_matmul`` (``8BHX``, the product
        ``x_t W``, a multiply-add counted as 2), ``recurrent_matmul``
        (``8BH^2``, the product ``h_{t-1} U``), ``elementwise`` (``12BH``,
        the element-wise additions and multiplications) and
        ``nonlinearities`` (``5BH`` sigmoid/tanh evaluations; not FLOPs,
        listed for completeness).
    """
    x = _positive_int("input_size", input_size)
    h = _positive_int("units", units)
    b = _positive_int("batch", batch)
    return {
        "input_matmul": 2 * b * x * 4 * h,
        "recurrent_matmul": 2 * b * h * 4 * h,
        "elementwise": 12 * b * h,
        "nonlinearities": 5 * b * h,
    }


def lstm_flops_per_step(input_size: int, units: int, batch: int = 1) -> int:
    """FLOPs of one forward step of an LSTM layer: ``B (8 H (X + H) + 12 H)``.

    The matrix products and the element-wise arithmetic
    of :func:`lstm_flops_breakdown`; the sigmoid and tanh evaluations are not
    counted (the convention of TensorFlow's profiler).
    """
    parts = lstm_flops_breakdown(input_size, units, batch)
    return (
        parts["input_matmul"]
        + parts["recurrent_matmul"]
        + parts["elementwise"]
    )


def lstm_training_flops(
    input_size: int,
    units: int,
    batch: int,
    steps: int,
    *,
    input_grad: bool = False,
) -> int:
    """Approximate FLOPs of one training step (forward and backward) over ``T``
    steps.

    The backward pass computes, per matrix product of the forward pass, the
    gradient w.r.t. the weights and w.r.t. the product's input, each as costly
    as the product itself; the gradient w.r.t. the layer's input ``x`` (``dz
    W^T``) is skipped unless ``input_grad``, as for a first layer. Element-wise
    work is counted three times (forward, and about twice backward).

    Returns:
        ``T (3 matmul + 3 elementwise)``, less ``T input_matmul`` without
        ``input_grad``.
    """
    t = _positive_int("steps", steps)
    parts = lstm_flops_breakdown(input_size, units, batch)
    matmul = parts["input_matmul"] + parts["recurrent_matmul"]
    total = 3 * matmul + 3 * parts["elementwise"]
    if not input_grad:
        total -= parts["input_matmul"]
    return t * total


def flops_from_weight_shapes(
    shapes: Iterable[Sequence[int]], batch: int = 1
) -> dict[str, int]:
    """Per-step FLOPs read off the shapes of a recurrent layer's weights.

    Every 2-D weight ``(rows, cols)`` is multiplied by a ``(batch, rows)``
    operand once per step: ``2 * batch * rows * cols`` FLOPs; every 1-D weight
    (a bias) is added once: ``batch * length``. Works for ``[w.shape for w in
    keras_layer.get_weights()]`` and for ``[p.shape for p in
    scratch_layer.params.values()]`` (without peepholes).

    Returns:
        A dict with the keys ``matmul`` and ``bias``.
    """
    b = _positive_int("batch", batch)
    matmul = bias = 0
    for shape in shapes:
        shape = tuple(int(n) for n in shape)
        if len(shape) == 2:
            matmul += 2 * b * shape[0] * shape[1]
        elif len(shape) == 1:
            bias += b * shape[0]
        else:
            raise ValueError(
                f"weights must be 1-D or 2-D, got a weight of shape {shape}"
            )
    return {"matmul": matmul, "bias": bias}


def tf_profiler_flops(fn: Callable, *input_signature) -> int:
    """FLOPs of one call of ``fn`` as TensorFlow's graph profiler counts them.

    ``fn`` is traced with ``tf.function`` for ``input_signature``
    (``tf.TensorSpec`` objects), its variables are frozen into constants, and
    ``tf.compat.v1.profiler`` sums the registered FLOP statistics of the
    graph's operations: ``2 m k n`` for a ``(m, k) @ (k, n)`` product, one per
    output element for additions and multiplications, nothing for sigmoid and
    tanh. A loop (``tf.while_loop``) is counted once, not once per iteration,
    so profile one step.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    concrete = tf.function(fn).get_concrete_function(*input_signature)
    graph = convert_variables_to_constants_v2(concrete).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(
        tf.compat.v1.profiler.profile(
            graph=graph, options=options
        ).total_float_ops
    )


# ---------------------------------------------------------------------------
# timing
def median_time(
    fn: Callable[[], object],
    *,
    repeats: int = 5,
    warmup: int = 1,
    timer: Callable[[], float] = time.perf_counter,
) -> float:
    """Median seconds of ``repeats`` calls of ``fn()`` after ``warmup`` untimed
    calls.

    ``timer`` is the clock: ``time.perf_counter`` (wall time, the default) or
    ``time.thread_time`` (CPU time of the calling thread: unaffected by other
    processes that share the cores, and right for single-threaded NumPy, e.g.
    inside ``threadpoolctl.threadpool_limits(1)``).
    """
    repeats = _positive_int("repeats", repeats)
    warmup = operator.index(warmup)
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = timer()
        fn()
        times.append(timer() - start)
    return statistics.median(times)


def time_sweep(
    values: Iterable[object],
    make_fn: Callable[[object], Callable[[], object]],
    **timing,
) -> np.ndarray:
    """:func:`median_time` of ``make_fn(v)`` for each ``v`` in ``values``.

    ``make_fn(v)`` prepares the work for one setting (data, layer) and returns
    the function to time, so the set-up is not timed. ``**timing`` goes
    to :func:`median_time`.

    Returns:
        ``(len(values),)`` float64 seconds.
    """
    return np.array(
        [median_time(make_fn(v), **timing) for v in values], dtype=np.float64
    )


def loglog_slope(sizes: Iterable[float], times: Iterable[float]) -> float:
    """Exponent ``p`` of the least-squares fit ``log t = p log n + c``: ``t ~
    n^p``.

    ``p = 1`` means linear growth, ``p = 2`` quadratic. Needs at least two
    distinct positive sizes and positive times.
    """
    n = np.asarray(list(sizes), dtype=np.float64)
    t = np.asarray(list(times), dtype=np.float64)
    if n.shape != t.shape or n.ndim != 1:
        raise ValueError(
            f"sizes and times must be 1-D of equal length, got {n.shape}, "
            f"{t.shape}"
        )
    if len(np.unique(n)) < 2:
        raise ValueError("need at least two distinct sizes to fit a slope")
    if np.any(n <= 0) or np.any(t <= 0) or not np.all(np.isfinite(t)):
        raise ValueError("sizes and times must be positive and finite")
    slope, _ = np.polyfit(np.log(n), np.log(t), 1)
    return float(slope)


def sequential_vs_parallel(
    batch: int,
    steps: int,
    units: int,
    *,
    repeats: int = 5,
    seed: int = 0,
    timer: Callable[[], float] = time.perf_counter,
) -> tuple[float, float]:
    """Time the same matrix products as a dependent chain and as one batched
    product.

    Sequential: ``h_t = tanh((h_{t-1} U)[:, :H])`` for ``t = 1 .. T`` with ``U:
    (H, 4H)``; each step needs the previous one, so the ``T`` products ``(B, H)
    @ (H, 4H)`` run one after the other. Parallel: the same number of rows in
    one product ``(T B, H) @ (H, 4H)`` followed by the same ``tanh``, as for
    the input projections ``x_t W`` of all steps, which do not depend on each
    other. Both do exactly ``2 T B H 4H`` multiply-add FLOPs.

    Returns:
        ``(sequential_seconds, parallel_seconds)``, medians of ``repeats``
        (float32).
    """
    b = _positive_int("batch", batch)
    t = _positive_int("steps", steps)
    h = _positive_int("units", units)
    rng = np.random.default_rng(seed)
    u = (rng.standard_normal((h, 4 * h)) / np.sqrt(h)).astype(np.float32)
    h0 = rng.standard_normal((b, h)).astype(np.float32)
    rows = rng.standard_normal((t * b, h)).astype(np.float32)

    def chain():
        state = h0
        for _ in range(t):
            state = np.tanh((state @ u)[:, :h])
        return state

    def batched():
        return np.tanh((rows @ u)[:, :h])

    seq = median_time(chain, repeats=repeats, timer=timer)
    par = median_time(batched, repeats=repeats, timer=timer)
    return seq, par
