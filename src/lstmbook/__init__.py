"""lstmbook: the code behind the LSTM book, in three layers.

- :mod:`lstmbook.scratch`: the NumPy engine. The cells written like their
  equations (:mod:`lstmbook.scratch.reference`, the oracle), the fast layers
  tested against them, hand-written backpropagation through time (full and
  truncated), optimizers, losses, gradient checks and the Jacobian probes. It
  imports neither Keras nor TensorFlow.
- :mod:`lstmbook.keras_side`: the Keras 3 twins (a peephole cell, model
  factories by name, the weight bridge, the cuDNN conditions), built on the
  engine.
- :mod:`lstmbook.chapters`: the chapters' experiments, built on both.

Beside them: :mod:`lstmbook.data` (generated and packaged data
sets), :mod:`lstmbook.plotting` (figures), :mod:`lstmbook.seeds`
and :mod:`lstmbook.notebook` (what every chapter calls first).
"""

__version__ = "0.1.0"
