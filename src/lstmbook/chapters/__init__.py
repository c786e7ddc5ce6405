"""The chapters' experiments: one module per group of chapters, named in its
first line.

These modules hold what a chapter runs but a reader would not reuse as a
library: training sweeps over seeds and settings, the article's example as
written, the measurements of one chapter. They import the engine
(:mod:`lstmbook.scratch`) and the Keras side (:mod:`lstmbook.keras_side`);
nothing imports them but the chapters and the tests.
"""
