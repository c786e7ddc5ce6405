"""The Keras 3 side: the twins of the NumPy engine, and what connects the two.

- :mod:`~lstmbook.keras_side.registry`: one table from a cell's name
  (``"lstm"``, ``"gru"``, ``"rnn"``, the peephole variants) to its NumPy layer
  and its Keras layer;
- :mod:`~lstmbook.keras_side.peephole`: a peephole LSTM cell for Keras (the
  twin of ``lstmbook.scratch.LSTM(peepholes=True)``);
- :mod:`~lstmbook.keras_side.bridge`: exact weight copies between the two
  sides;
- :mod:`~lstmbook.keras_side.cudnn`: when Keras runs a layer on the fused cuDNN
  kernel;
- :mod:`~lstmbook.keras_side.models`: one-layer models by name, on both sides;
- :mod:`~lstmbook.keras_side.side_by_side`: many small independent Keras LSTMs
  trained at once;
- :mod:`~lstmbook.keras_side.callbacks`: the time of every epoch.

This layer imports the engine (:mod:`lstmbook.scratch`), never the chapter
experiments (:mod:`lstmbook.chapters`); ``make lint`` checks that with
import-linter.
"""
