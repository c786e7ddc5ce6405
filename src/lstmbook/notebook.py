"""One call at the top of every chapter: quiet logs, fixed seeds, deterministic ops.

Strict nbval compares every stored output with a fresh run, so a chapter must compute the same
numbers each time it runs, and print nothing that changes from run to run. :func:`setup_notebook`
makes that so for everything that does not take an explicit ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import textwrap
from collections.abc import Iterator


@contextlib.contextmanager
def _stderr_fd_silenced() -> Iterator[None]:
    """Send file descriptor 2 to ``/dev/null`` for the duration of the block.

    TensorFlow's C++ runtime logs through absl *before* its log level is configured (for
    example "Could not find cuda drivers" with a timestamp), so ``TF_CPP_MIN_LOG_LEVEL`` cannot
    silence it; only the file descriptor can. Python exceptions are unaffected.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly(logical_cpus: int | None = None):
    """Import TensorFlow and initialise its devices without the C++ start-up chatter.

    Args:
        logical_cpus: if given, split the physical CPU into this many logical devices before
            the runtime starts (for ``tf.distribute`` demonstrations on one machine). This must
            happen before any TensorFlow op runs, so it can only be done here.

    Returns:
        The ``tensorflow`` module.
    """
    # 3: TensorFlow's C++ runtime otherwise logs stray, timestamped errors while Keras trains
    # (e.g. "NodeDef mentions attribute use_unbounded_threadpool"), at random, into the
    # notebook's stored output. Python exceptions are unaffected.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_fd_silenced():
        import tensorflow as tf

        if logical_cpus is not None:
            if logical_cpus < 1:
                raise ValueError(f"logical_cpus must be >= 1, got {logical_cpus}")
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(logical_cpus)]
            )
        tf.config.list_physical_devices()
        tf.constant(0.0) + 1.0  # the first op initialises the (absent or present) GPU runtime
    tf.get_logger().setLevel("ERROR")
    return tf


def setup_notebook(
    seed: int = 0,
    *,
    deterministic_tf: bool = True,
    logical_cpus: int | None = None,
    one_blas_thread: bool = False,
    silence_native_stderr: bool = False,
) -> None:
    """Prepare a chapter notebook for reproducible output.

    - imports TensorFlow with its start-up logging silenced (:func:`import_tensorflow_quietly`);
    - seeds Python, NumPy's legacy global RNG and the Keras/TensorFlow RNGs with
      ``keras.utils.set_random_seed(book_seed(seed))``, so that ``LSTMBOOK_SEED_OFFSET``
      (:mod:`lstmbook.seeds`) moves them to another draw;
    - turns on TensorFlow op determinism, so repeated runs give identical results on the CPU;
    - applies the book's figure style (:func:`lstmbook.plotting.use_book_style`);
    - optionally limits NumPy's BLAS to one thread for the rest of the process, and sends the
      C-level standard error to ``/dev/null`` for the rest of the process.

    Args:
        seed: the seed for every global random number generator, before the offset.
        deterministic_tf: enable ``tf.config.experimental.enable_op_determinism()``.
        logical_cpus: split the CPU into this many logical devices (see
            :func:`import_tensorflow_quietly`); must be given in the first call, before any
            other TensorFlow work in the process.
        one_blas_thread: for chapters that train small from-scratch models throughout: their
            per-step products are tiny, and a second BLAS thread mostly waits for the first
            (:mod:`lstmbook.scratch.threads`; chapters that need it for one block use its
            ``with one_blas_thread():`` instead).
        silence_native_stderr: while Keras slices NumPy arrays into batches, TensorFlow's C++
            runtime now and then logs a harmless, timing-dependent error with a timestamp
            ("NodeDef mentions attribute use_unbounded_threadpool"); this keeps it out of the
            stored outputs. Python's own warnings and exceptions are unaffected.
    """
    tf = import_tensorflow_quietly(logical_cpus)
    import keras

    from lstmbook.seeds import book_seed

    keras.utils.set_random_seed(book_seed(seed))
    if deterministic_tf:
        tf.config.experimental.enable_op_determinism()

    from lstmbook.plotting import use_book_style

    use_book_style()
    if one_blas_thread:
        from lstmbook.scratch.threads import one_blas_thread as limit

        limit()  # not used as a context: the limit stays for the rest of the process
    if silence_native_stderr:
        sys.stderr.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def source_lines(obj: object, *, start_at: str | None = None, end_at: str | None = None) -> str:
    """The source of a function, class or method, dedented, optionally cut to a passage.

    Args:
        obj: anything ``inspect.getsource`` accepts (``LSTM.forward``, a module, ...).
        start_at: if given, the passage starts at the first line containing this text.
        end_at: if given, it ends at the first line at or after the start containing this text.

    Returns:
        The source text, ending with a newline.

    Raises:
        ValueError: if ``start_at`` or ``end_at`` is not found (the source changed: the chapter
            that shows it must change too).
    """
    lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
    first, last = 0, len(lines) - 1
    if start_at is not None:
        found = [k for k, line in enumerate(lines) if start_at in line]
        if not found:
            raise ValueError(f"start_at {start_at!r} not found in the source of {name}")
        first = found[0]
    if end_at is not None:
        found = [k for k, line in enumerate(lines) if k >= first and end_at in line]
        if not found:
            raise ValueError(f"end_at {end_at!r} not found in the source of {name} after start_at")
        last = found[0]
    return textwrap.dedent("\n".join(lines[first : last + 1])) + "\n"


def show_source(obj: object, *, start_at: str | None = None, end_at: str | None = None):
    """Display the real, tested source of ``obj`` as a highlighted code block.

    A chapter calls this in a code cell (its input hidden in the HTML book) instead of pasting the
    code or using a MyST ``literalinclude``, which JupyterLab and Colab would show as raw text: the
    output is the source itself, so it reads the same in the HTML book, in JupyterLab and on Colab,
    and strict nbval fails when the library's source changes and the chapter was not re-run.

    Args: as :func:`source_lines`.

    Returns:
        An ``IPython.display.Code`` (plain text: the source; HTML: highlighted).
    """
    from IPython.display import Code

    return Code(source_lines(obj, start_at=start_at, end_at=end_at), language="python")
