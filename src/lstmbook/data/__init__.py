"""Data for every chapter: synthetic long-range tasks, the embedded Reber
grammar, real series shipped with installed packages, time-series helpers and a
character corpus. No network.

Every generator takes ``seed`` for ``numpy.random.default_rng`` and returns
arrays shaped ``x: (batch, time, features)``; bad arguments raise
``ValueError``.

Modules:

- :mod:`lstmbook.data.long_range`: :func:`adding_problem`,
  :func:`temporal_order`, :func:`copy_task`.
- :mod:`lstmbook.data.local_vs_memory`: :func:`first_symbol_task` (needs
  memory), :func:`motif_task` (a local pattern a CNN finds cheaply).
- :mod:`lstmbook.data.reber`: the (embedded) Reber grammar with
  legal-next-symbol targets.
- :mod:`lstmbook.data.real`: :func:`sunspots`, :func:`co2`,
  :func:`digits_sequences`.
- :mod:`lstmbook.data.series`: :func:`make_windows`,
  :func:`chronological_split`, :class:`Scaler`.
- :mod:`lstmbook.data.cldr`: real text from the Unicode CLDR inside ``babel``:
  names labelled by language (:func:`~lstmbook.data.cldr.language_id_splits`)
  and dates in many locales paired with ISO 8601
  (:func:`~lstmbook.data.cldr.date_splits`), split deterministically.
- :mod:`lstmbook.data.text`: :func:`stdlib_text_corpus`, :class:`CharVocab`,
  :func:`next_token_windows`, the baselines :func:`unigram_cross_entropy`,
  :func:`ngram_cross_entropy` and :func:`kneser_ney_cross_entropy` (with
  :func:`kneser_ney_probs`).
"""

from .local_vs_memory import first_symbol_task, motif_task
from .long_range import (
    ADDING_PROBLEM_BASELINE_MSE,
    TEMPORAL_ORDER_CLASSES,
    TEMPORAL_ORDER_SYMBOLS,
    adding_problem,
    copy_task,
    copy_task_baseline_cross_entropy,
    decode_symbols,
    temporal_order,
    temporal_order_positions,
)
from .real import co2, digits_sequences, sunspots
from .reber import (
    REBER_SYMBOLS,
    ReberDataset,
    embedded_reber_dataset,
    embedded_reber_legal_next,
    embedded_reber_string,
    encode_embedded_reber,
    predicts_legal_next,
    reber_string,
)
from .series import Scaler, chronological_split, make_windows
from .text import (
    DEFAULT_CORPUS_MODULES,
    CharVocab,
    kneser_ney_cross_entropy,
    kneser_ney_probs,
    next_token_windows,
    ngram_cross_entropy,
    stdlib_text_corpus,
    unigram_cross_entropy,
)

__all__ = [
    "ADDING_PROBLEM_BASELINE_MSE",
    "DEFAULT_CORPUS_MODULES",
    "REBER_SYMBOLS",
    "TEMPORAL_ORDER_CLASSES",
    "TEMPORAL_ORDER_SYMBOLS",
    "CharVocab",
    "ReberDataset",
    "Scaler",
    "adding_problem",
    "chronological_split",
    "co2",
    "copy_task",
    "copy_task_baseline_cross_entropy",
    "decode_symbols",
    "digits_sequences",
    "embedded_reber_dataset",
    "embedded_reber_legal_next",
    "embedded_reber_string",
    "encode_embedded_reber",
    "first_symbol_task",
    "kneser_ney_cross_entropy",
    "kneser_ney_probs",
    "make_windows",
    "motif_task",
    "next_token_windows",
    "ngram_cross_entropy",
    "predicts_legal_next",
    "reber_string",
    "stdlib_text_corpus",
    "sunspots",
    "temporal_order",
    "temporal_order_positions",
    "unigram_cross_entropy",
]
