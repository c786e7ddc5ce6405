"""One BLAS thread for the from-scratch engine: the one place the package
limits threads.

The from-scratch layers multiply small matrices once per time step. At these
sizes extra BLAS threads only wait for each other, and on a machine shared with
other work they multiply the CPU time several times over; one thread is also
what makes a run's float32 arithmetic the same from one run to the next. Every
trainer of the package that runs scratch models (and the chapters that train
them directly) wraps the work in :func:`one_blas_thread`.
"""

from __future__ import annotations

import contextlib

from threadpoolctl import threadpool_limits


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which NumPy's BLAS uses one thread: ``with
    one_blas_thread(): model.fit(...)``."""
    return threadpool_limits(limits=1, user_api="blas")
