"""One LSTM training step: ``lstmbook.scratch.LSTM`` (NumPy) against ``keras.layers.LSTM``.

A step is the forward pass over the whole sequence, a mean-squared-error loss on the last
hidden state, and backpropagation through time to the gradients of all weights (``W``, ``U``,
``b``), in float32, with no optimizer update. Keras runs inside a ``tf.function`` with a
``GradientTape``; both sides start from the same weights and the script asserts that they
compute the same loss and gradients before it times anything.

The two are timed alternately in one process (NumPy, Keras, NumPy, ...), after warm-up, and
the median of ``--repeats`` steps is reported, with the ratio NumPy/Keras (below 1: NumPy is
faster) and the memory the NumPy cache holds per time step (computed from the cache's arrays,
and measured with ``tracemalloc`` as the peak of a whole step of a fresh layer, backward
temporaries included).

Like a training loop, the NumPy side hands each step's cache back to the next forward pass
(``reuse=``), so buffers are recycled rather than re-allocated, and by default it skips the
gradient w.r.t. the input (``input_grad=False``), which Keras does not compute either;
``--with-dx`` computes it anyway, ``--no-reuse`` allocates every cache afresh.

Run: ``make bench`` or ``python benchmarks/bench_lstm.py [--repeats 15] [--with-dx]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from lstmbook.scratch import LSTM, mse_loss  # noqa: E402

SHAPES = [(32, 100, 10, 128), (64, 100, 64, 256), (128, 50, 32, 512)]  # (B, T, X, H)


def numpy_step(lstm: LSTM, x: np.ndarray, y: np.ndarray, with_dx: bool, reuse=None):
    """Forward, last-step MSE, BPTT; returns the loss, the weight gradients and the cache.

    ``reuse`` hands the previous step's cache back, so its buffers are overwritten instead of
    allocated again (what a training loop does; TensorFlow's allocator recycles memory too).
    """
    hs, cache = lstm.forward(x, reuse=reuse)
    loss, d_last = mse_loss(hs[:, -1], y)
    dhs = np.zeros(hs.shape, dtype=hs.dtype)
    dhs[:, -1] = d_last
    _, grads = lstm.backward(dhs, cache, input_grad=with_dx)
    return loss, grads, cache


def keras_step_fn(layer: keras.layers.LSTM):
    """A compiled step: forward, last-step MSE, gradients of all trainable weights."""

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            out = layer(x)  # return_sequences=False: the last hidden state (B, H)
            loss = tf.reduce_mean(tf.square(out - y))
        return loss, tape.gradient(loss, layer.trainable_weights)

    return step


def bench_shape(
    batch: int,
    steps: int,
    features: int,
    hidden: int,
    repeats: int,
    warmup: int,
    with_dx: bool,
    reuse: bool = True,
) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)
    y = rng.standard_normal((batch, hidden)).astype(np.float32)
    lstm = LSTM(features, hidden, seed=0)
    layer = keras.layers.LSTM(hidden)
    layer.build((batch, steps, features))
    layer.set_weights([lstm.params["W"], lstm.params["U"], lstm.params["b"]])
    keras_step = keras_step_fn(layer)
    x_tf, y_tf = tf.constant(x), tf.constant(y)

    # Same computation on both sides, checked before timing.
    np_loss, np_grads, cache = numpy_step(lstm, x, y, with_dx)
    tf_loss, tf_grads = keras_step(x_tf, y_tf)
    assert abs(np_loss - float(tf_loss)) <= 1e-4 * abs(np_loss), (np_loss, float(tf_loss))
    for name, tf_grad in zip(("W", "U", "b"), tf_grads, strict=True):
        ref = tf_grad.numpy()
        err = np.linalg.norm(np_grads[name] - ref) / np.linalg.norm(ref)
        assert err < 1e-3, f"gradient of {name} differs from Keras by {err:.2g} (relative)"

    for _ in range(warmup):
        cache = numpy_step(lstm, x, y, with_dx, reuse=cache if reuse else None)[2]
        keras_step(x_tf, y_tf)[0].numpy()
    t_np, t_tf = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        cache = numpy_step(lstm, x, y, with_dx, reuse=cache if reuse else None)[2]
        t_np.append(time.perf_counter() - start)
        start = time.perf_counter()
        keras_step(x_tf, y_tf)[0].numpy()
        t_tf.append(time.perf_counter() - start)

    # Memory of one step from a cold start: a fresh layer (no backward workspace yet) and no
    # cache to reuse, so everything the step allocates is counted.
    del cache
    cold = LSTM(features, hidden, seed=0)
    tracemalloc.start()
    _, _, cache = numpy_step(cold, x, y, with_dx)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ms_np, ms_tf = 1e3 * statistics.median(t_np), 1e3 * statistics.median(t_tf)
    return {
        "shape": (batch, steps, features, hidden),
        "numpy_ms": ms_np,
        "keras_ms": ms_tf,
        "ratio": ms_np / ms_tf,
        "cache_kib_per_step": cache.nbytes / steps / 1024,
        "peak_kib_per_step": peak / steps / 1024,
    }


def machine() -> str:
    """The CPU, the versions, and the kernels NumPy runs: ratios are only comparable next to it.

    The BLAS library, its kernel and its threads come from ``threadpoolctl.threadpool_info()``,
    the SIMD levels NumPy's own loops dispatch to from ``numpy.show_config``. The same code runs
    other kernels on other CPUs (Haswell on an AMD EPYC, SkylakeX on an Intel Xeon with
    AVX-512), and ``OPENBLAS_CORETYPE`` or ``NPY_DISABLE_CPU_FEATURES`` change them.
    """
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    blas = "; ".join(  # NumPy's, and SciPy's when TensorFlow has loaded it: where each lives
        f"{pool['internal_api']} {pool['version']} in {Path(pool['filepath']).parent.name} "
        f"({pool.get('architecture', '?')} kernels, {pool['num_threads']} threads)"
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    )
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    simd = np.show_config(mode="dicts")["SIMD Extensions"]
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}\n"
        f"BLAS: {blas or 'none found'}"
        + (f", OPENBLAS_CORETYPE={coretype} (set by this machine)" if coretype else "")
        + f". NumPy SIMD: baseline {' '.join(simd['baseline'])}, "
        f"dispatched {' '.join(simd['found']) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed steps per side (>= 10)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per side first")
    parser.add_argument(
        "--with-dx", action="store_true", help="NumPy also computes dx (Keras does not)"
    )
    parser.add_argument(
        "--no-reuse", action="store_true", help="allocate a fresh NumPy cache every step"
    )
    args = parser.parse_args()
    if args.repeats < 10:
        parser.error("--repeats must be >= 10")
    keras.utils.set_random_seed(0)
    print(machine())
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"NumPy computes dx too: {args.with_dx} (Keras computes the weight gradients only)")
    print(f"NumPy recycles the previous step's cache (reuse=): {not args.no_reuse}")
    print(f"median of {args.repeats} alternating steps per side after {args.warmup} warm-up steps")
    print()
    print(
        "| B | T | X | H | NumPy ms/step | Keras ms/step | NumPy/Keras | cache KiB/step | peak KiB/step |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in SHAPES:
        r = bench_shape(
            *shape,
            repeats=args.repeats,
            warmup=args.warmup,
            with_dx=args.with_dx,
            reuse=not args.no_reuse,
        )
        b, t, x, h = r["shape"]
        print(
            f"| {b} | {t} | {x} | {h} | {r['numpy_ms']:.1f} | {r['keras_ms']:.1f} | "
            f"{r['ratio']:.2f} | {r['cache_kib_per_step']:.0f} | {r['peak_kib_per_step']:.0f} |",
            flush=True,
        )
    print()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
