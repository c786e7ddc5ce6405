"""One call at the top of every chapter: quiet logs, fixed seeds, deterministic
ops.

Strict nbval compares every stored output with a fresh run, so a chapter must
compute the same numbers each time it runs, and print nothing that changes from
run to run. :func:`setup_notebook` makes that so for everything that does not
take an explicit ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import os
import re
import sys
import textwrap
from collections.abc import Iterator


@contextlib.contextmanager
def _stderr_fd_silenced() -> Iterator[None]:
    """Send file descriptor 2 to ``/dev/null`` for the duration of the block.

    TensorFlow's C++ runtime logs through absl *before* its log level is
    configured (for example "Could not find cuda drivers" with a timestamp), so
    ``TF_CPP_MIN_LOG_LEVEL`` cannot silence it; only the file descriptor can.
    Python exceptions are unaffected.
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
    """Import TensorFlow and initialise its devices without the C++ start-up
    chatter.

    Args:
        logical_cpus: if given, split the physical CPU into this many logical
            devices before the runtime starts (for ``tf.distribute``
            demonstrations on one machine). This must happen before any
            TensorFlow op runs, so it can only be done here.

    Returns:
        The ``tensorflow`` module.
    """
    # 3: TensorFlow's C++ runtime otherwise logs stray, timestamped errors
    # while Keras trains (e.g. "NodeDef mentions attribute
    # use_unbounded_threadpool"), at random, into the notebook's stored output.
    # Python exceptions are unaffected.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_fd_silenced():
        import tensorflow as tf

        if logical_cpus is not None:
            if logical_cpus < 1:
                raise ValueError(
                    f"logical_cpus must be >= 1, got {logical_cpus}"
                )
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu,
                [
                    tf.config.LogicalDeviceConfiguration()
                    for _ in range(logical_cpus)
                ],
            )
        tf.config.list_physical_devices()
        (
            tf.constant(0.0) + 1.0
        )  # the first op initialises the (absent or present) GPU runtime
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

    - imports TensorFlow with its start-up logging silenced
      (:func:`import_tensorflow_quietly`);
    - seeds Python, NumPy's legacy global RNG and the Keras/TensorFlow RNGs
      with ``keras.utils.set_random_seed(book_seed(seed))``, so that
      ``LSTMBOOK_SEED_OFFSET`` (:mod:`lstmbook.seeds`) moves them to another
      draw;
    - turns on TensorFlow op determinism, so repeated runs give identical
      results on the CPU;
    - applies the book's figure style
      (:func:`lstmbook.plotting.use_book_style`);
    - optionally limits NumPy's BLAS to one thread for the rest of the process,
      and sends the C-level standard error to ``/dev/null`` for the rest of the
      process.

    Args:
        seed: the seed for every global random number generator, before the
            offset.
        deterministic_tf: enable
            ``tf.config.experimental.enable_op_determinism()``.
        logical_cpus: split the CPU into this many logical devices (see
            :func:`import_tensorflow_quietly`); must be given in the first
            call, before any other TensorFlow work in the process.
        one_blas_thread: for chapters that train small from-scratch models
            throughout: their per-step products are tiny, and a second BLAS
            thread mostly waits for the first (:mod:`lstmbook.scratch.threads`;
            chapters that need it for one block use its ``with
            one_blas_thread():`` instead).
        silence_native_stderr: while Keras slices NumPy arrays into batches,
            TensorFlow's C++ runtime now and then logs a harmless,
            timing-dependent error with a timestamp ("NodeDef mentions
            attribute use_unbounded_threadpool"); this keeps it out of the
            stored outputs. Python's own warnings and exceptions are
            unaffected, but every C-level message (a TensorFlow or BLAS
            error printed by native code) is lost until the kernel restarts:
            restart without this flag to see them.
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

        # Not used as a context: the limit stays for the rest of the process.
        limit()
    if silence_native_stderr:
        sys.stderr.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


# Calls that only validate arguments: the library's ``_checks`` helpers and the
# modules' private ``_check_*`` / ``_positive_*`` functions.
_CHECK_CALL = re.compile(
    r"^(_?checks\.\w+|_check\w*|check_\w+|_positive_\w+|_as_float_array)$"
)
ARGUMENT_CHECKS = "# ... argument checks (ValueError on bad input) ..."


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_call_name(node.value)}.{node.attr}"
    return ""


def _is_argument_check(node: ast.stmt) -> bool:
    """A statement that only checks arguments: ``if bad: raise ValueError``,
    or a call (maybe assigned) of a checking helper."""
    if isinstance(node, ast.If) and not node.orelse:
        return all(isinstance(child, ast.Raise) for child in node.body)
    value = getattr(node, "value", None)
    if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) and isinstance(
        value, ast.Call
    ):
        return bool(_CHECK_CALL.match(_call_name(value.func)))
    return False


def _without_argument_checks(lines: list[str]) -> list[str]:
    """``lines`` with the argument checks that open each function body (the
    statements before its first line of real work) replaced by one comment at
    their indentation; checks later in the body are real logic and stay."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:  # a fragment that does not parse on its own
        return lines
    spans = []  # the checks that open a function body (after its docstring)
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = function.body
        if body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                body = body[1:]
        for node in body:
            if not _is_argument_check(node):
                break
            spans.append((node.lineno - 1, node.end_lineno - 1))
    spans.sort()
    drop: dict[int, int] = {}  # first line of a run -> its last line
    for first, last in spans:
        if any(a <= first <= b for a, b in drop.items()):
            continue
        previous = [a for a, b in drop.items() if b < first]
        gap = lines[drop[previous[-1]] + 1 : first] if previous else None
        if previous and all(not g.strip() for g in gap):
            drop[previous[-1]] = last
        else:
            drop[first] = last
    stored = {}  # line of an assignment -> the names it assigns
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = getattr(node, "targets", None) or [node.target]
            stored[node.lineno - 1] = [ast.unparse(t) for t in targets]
    out: list[str] = []
    k = 0
    while k < len(lines):
        if k in drop:
            indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
            names = [
                name
                for line in range(k, drop[k] + 1)
                for name in stored.get(line, [])
            ]
            comment = ARGUMENT_CHECKS
            if names:
                comment = f"# ... checks and sets {', '.join(names)} ..."
                if len(indent + comment) > 79:
                    comment = "# ... checks and sets its arguments ..."
            out.append(indent + comment)
            k = drop[k] + 1
        else:
            out.append(lines[k])
            k += 1
    return out


def source_lines(
    obj: object,
    *,
    start_at: str | None = None,
    end_at: str | None = None,
    argument_checks: bool = False,
) -> str:
    """The source of a function, class or method, dedented, optionally cut to a
    passage.

    Args:
        obj: anything ``inspect.getsource`` accepts (``LSTM.forward``, a
            module, ...).
        start_at: if given, the passage starts at the first line containing
            this text.
        end_at: if given, it ends at the first line at or after the start
            containing this text.
        argument_checks: keep the statements that only validate arguments
            (``if ...: raise ValueError(...)`` and calls of the library's
            checking helpers). By default each run of them is replaced by one
            comment line, so that a chapter shows the lines that teach.

    Returns:
        The source text, ending with a newline.

    Raises:
        ValueError: if ``start_at`` or ``end_at`` is not found (the source
            changed: the chapter that shows it must change too).
    """
    lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
    if not argument_checks:
        lines = _without_argument_checks(lines)
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
    first, last = 0, len(lines) - 1
    if start_at is not None:
        found = [k for k, line in enumerate(lines) if start_at in line]
        if not found:
            raise ValueError(
                f"start_at {start_at!r} not found in the source of {name}"
            )
        first = found[0]
    if end_at is not None:
        found = [
            k for k, line in enumerate(lines) if k >= first and end_at in line
        ]
        if not found:
            raise ValueError(
                f"end_at {end_at!r} not found in the source of {name} after "
                "start_at"
            )
        last = found[0]
    return textwrap.dedent("\n".join(lines[first : last + 1])) + "\n"


def show_source(
    obj: object,
    *,
    start_at: str | None = None,
    end_at: str | None = None,
    argument_checks: bool = False,
):
    """Display the real, tested source of ``obj`` as a highlighted code block.

    A chapter calls this in a code cell (its input hidden in the HTML book)
    instead of pasting the code or using a MyST ``literalinclude``, which
    JupyterLab and Colab would show as raw text: the output is the source
    itself, so it reads the same in the HTML book, in JupyterLab and on Colab,
    and strict nbval fails when the library's source changes and the chapter
    was not re-run.

    Args: as :func:`source_lines`.

    Returns:
        An ``IPython.display.Code`` (plain text: the source; HTML:
        highlighted).
    """
    from IPython.display import Code

    return Code(
        source_lines(
            obj,
            start_at=start_at,
            end_at=end_at,
            argument_checks=argument_checks,
        ),
        language="python",
    )
