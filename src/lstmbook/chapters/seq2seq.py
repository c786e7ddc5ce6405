"""Serves practice/02 and practice/03: vocabularies, teacher forcing, decoding
loops, scores.

The two chapters translate dates written in many locales ("Freitag, 26. Juni
1953") into ISO 8601 ("1953-06-26") with a character-level encoder-decoder,
first without attention (practice/02), then with it (practice/03). The Keras
models are built in the chapters, where the reader sees the layers; what both
chapters need around them lives here:

- :class:`CharVocab`: characters to integer ids and back, with the special
  tokens ``<pad>`` (0), ``<start>`` (1), ``<end>`` (2) and ``<unk>`` (3);
- :func:`teacher_forcing_pair`: the decoder's input (the target shifted right
  behind ``<start>``) and its target (the target followed by ``<end>``);
- :func:`greedy_decode` and :func:`beam_decode`: inference one character at a
  time from a ``step`` function that wraps the trained decoder;
- :func:`exact_match`, :func:`char_accuracy` and :func:`field_accuracy`: scores
  of predicted ISO strings;
- :func:`dot_attention`: the context vector of one decoder step in NumPy
  (Luong's dot score), the few lines ``keras.layers.Attention`` computes;
- :func:`embed_in_filler`: a date hidden among random filler words, for long
  inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

PAD, START, END, UNK = 0, 1, 2, 3
SPECIAL_TOKENS = ("<pad>", "<start>", "<end>", "<unk>")


@dataclass(frozen=True)
class CharVocab:
    """Characters to ids: the four special tokens first, then ``chars`` in
    order.

    Attributes:
        chars: the characters the vocabulary knows, ids ``4, 5, ...``; any
            other character is encoded as ``<unk>`` (3).
    """

    chars: tuple[str, ...]

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> CharVocab:
        """The vocabulary of every character in ``texts``, sorted."""
        return cls(tuple(sorted(set("".join(texts)))))

    def __len__(self) -> int:
        return len(SPECIAL_TOKENS) + len(self.chars)

    @property
    def index(self) -> dict[str, int]:
        """Character -> id."""
        return {c: k + len(SPECIAL_TOKENS) for k, c in enumerate(self.chars)}

    def encode(
        self, texts: Sequence[str], length: int | None = None
    ) -> np.ndarray:
        """Ids of each text, padded with ``<pad>`` (0) at the end.

        Args:
            texts: ``n`` strings.
            length: the padded length ``L``; the longest text's length if
                ``None``.

        Returns:
            An ``int32`` array of shape ``(n, L)``.
        """
        if isinstance(texts, str):
            raise ValueError(
                "texts must be a sequence of strings, got one string"
            )
        texts = list(texts)
        longest = max((len(t) for t in texts), default=0)
        length = longest if length is None else length
        if length < longest:
            raise ValueError(
                f"length must be at least the longest text ({longest}), got "
                f"{length}"
            )
        index = self.index
        ids = np.full((len(texts), length), PAD, dtype="int32")
        for row, text in enumerate(texts):
            ids[row, : len(text)] = [index.get(c, UNK) for c in text]
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of one row of ids: stops at ``<end>``, skips ``<pad>`` and
        ``<start>``."""
        out = []
        for i in np.asarray(ids).ravel():
            if i == END:
                break
            if i >= len(SPECIAL_TOKENS):
                out.append(self.chars[i - len(SPECIAL_TOKENS)])
            elif i == UNK:
                out.append("?")
        return "".join(out)


def teacher_forcing_pair(
    vocab: CharVocab,
    targets: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Decoder input and decoder target for training with teacher forcing.

    The target is each text followed by ``<end>``; the input is the same
    sequence shifted one step right behind ``<start>``, so that at step ``t``
    the decoder reads the true character ``t - 1`` and predicts character
    ``t``::

        input   <start> 1 9 5 3 - 0 6 - 2 6
        target  1 9 5 3 - 0 6 - 2 6 <end>

    Args:
        vocab: the output vocabulary.
        targets: ``n`` strings (padded to the longest).

    Returns:
        ``(decoder_input, decoder_target)``: ``int32``, ``(n, L + 1)`` each.
    """
    ids = vocab.encode(targets)  # (n, L)
    n, length = ids.shape
    target = np.full((n, length + 1), PAD, dtype="int32")
    target[:, :length] = ids
    target[np.arange(n), [len(t) for t in targets]] = END
    start = np.full((n, 1), START, dtype="int32")
    decoder_input = np.concatenate([start, target[:, :-1]], axis=1)
    decoder_input[decoder_input == END] = PAD
    return decoder_input, target


def greedy_decode(
    step: Callable[[np.ndarray, list], tuple[np.ndarray, list]],
    states: list,
    max_length: int,
) -> np.ndarray:
    """Feed ``<start>``, then each step's most probable token, one at a time.

    Args:
        step: one step of the trained decoder, ``step(tokens, states) ->
            (probabilities, new_states)``; ``tokens`` has shape ``(B,)``,
            ``probabilities`` shape ``(B, V)``.
        states: the decoder's initial states (for an encoder-decoder, the
            encoder's final ``[h, c]``, each ``(B, H)``).
        max_length: how many tokens to generate.

    Returns:
        ``int32`` token ids, ``(B, max_length)`` (rows go on after
        ``<end>``; :meth:`CharVocab.decode` stops there).
    """
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    batch = int(np.shape(states[0])[0])
    tokens = np.full((batch,), START, dtype="int32")
    chosen = []
    for _ in range(max_length):
        probs, states = step(tokens, states)
        probs = np.asarray(probs)
        if probs.ndim != 2 or probs.shape[0] != batch:
            shape = f"({batch}, V)"
            raise ValueError(
                f"step must return probabilities {shape}, got {probs.shape}",
            )
        tokens = probs.argmax(axis=-1).astype("int32")  # the most probable
        chosen.append(tokens)
    return np.stack(chosen, axis=1)


def beam_decode(
    step: Callable[[np.ndarray, list], tuple[np.ndarray, list]],
    states: list,
    max_length: int,
    width: int = 3,
) -> np.ndarray:
    """Beam search: keep the ``width`` most probable prefixes at every step.

    Each of the ``B`` inputs gets ``width`` hypotheses (rows ``b * width +
    k``); each step extends every hypothesis by every token, scores it by its
    summed log-probability, and keeps the best ``width`` per input. A
    hypothesis that has produced ``<end>`` only extends by ``<pad>`` at no
    cost. ``width=1`` is :func:`greedy_decode`.

    Args: as :func:`greedy_decode`, plus ``width``, the number of hypotheses
    kept per input.

    Returns:
        An ``int32`` array ``(B, max_length)``: the best hypothesis of each
        input.
    """
    if width < 1 or max_length < 1:
        raise ValueError(
            f"width and max_length must be >= 1, got {width} and {max_length}"
        )
    batch = int(np.shape(states[0])[0])
    states = [
        np.repeat(np.asarray(s), width, axis=0) for s in states
    ]  # (B * width, H)
    tokens = np.full((batch * width,), START, dtype="int32")
    score = np.tile(
        [0.0] + [-np.inf] * (width - 1), batch
    )  # one live hypothesis at first
    done = np.zeros(batch * width, dtype=bool)
    history = np.zeros((batch * width, 0), dtype="int32")
    for _ in range(max_length):
        probabilities, new_states = step(tokens, states)
        logp = np.log(
            np.maximum(np.asarray(probabilities, dtype="float64"), 1e-30)
        )
        vocab_size = logp.shape[1]
        logp[done] = -np.inf
        logp[done, PAD] = 0.0  # a finished hypothesis stays as it is
        total = (score[:, None] + logp).reshape(batch, width * vocab_size)
        best = np.argsort(-total, axis=1, kind="stable")[
            :, :width
        ]  # (B, width)
        parent = (
            np.arange(batch)[:, None] * width + best // vocab_size
        ).ravel()
        tokens = (best % vocab_size).ravel().astype("int32")
        score = np.take_along_axis(total, best, axis=1).ravel()
        states = [np.asarray(s)[parent] for s in new_states]
        history = np.concatenate([history[parent], tokens[:, None]], axis=1)
        done = done[parent] | (tokens == END)
    return history.reshape(batch, width, max_length)[:, 0]


def _as_strings(
    name: str, values: Sequence[str], n: int | None = None
) -> list[str]:
    values = [str(v) for v in values]
    if n is not None and len(values) != n:
        raise ValueError(f"{name} must have {n} strings, got {len(values)}")
    return values


def exact_match(predicted: Sequence[str], truth: Sequence[str]) -> np.ndarray:
    """Per row, ``True`` when the predicted string equals the true one
    character for character."""
    truth = _as_strings("truth", truth)
    predicted = _as_strings("predicted", predicted, len(truth))
    return np.array(
        [p == t for p, t in zip(predicted, truth, strict=True)], dtype=bool
    )


def char_accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """The fraction of the true strings' characters predicted right at their
    position (a missing character counts as wrong; characters predicted beyond
    the true length are ignored)."""
    truth = _as_strings("truth", truth)
    predicted = _as_strings("predicted", predicted, len(truth))
    right = sum(
        sum(a == b for a, b in zip(p, t, strict=False))
        for p, t in zip(predicted, truth, strict=True)
    )
    total = sum(len(t) for t in truth)
    if total == 0:
        raise ValueError("truth has no characters")
    return right / total


ISO_FIELDS = {"year": slice(0, 4), "month": slice(5, 7), "day": slice(8, 10)}


def field_accuracy(
    predicted: Sequence[str], truth: Sequence[str]
) -> dict[str, float]:
    """For ISO dates ``YYYY-MM-DD``: the fraction of rows whose year, month and
    day are right."""
    truth = _as_strings("truth", truth)
    predicted = _as_strings("predicted", predicted, len(truth))
    if not truth:
        raise ValueError("truth is empty")
    return {
        name: float(
            np.mean(
                [
                    p[cut] == t[cut]
                    for p, t in zip(predicted, truth, strict=True)
                ]
            )
        )
        for name, cut in ISO_FIELDS.items()
    }


def dot_attention(
    query: np.ndarray,
    keys: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One decoder step of dot-product (Luong) attention, in NumPy.

    Args:
        query: ``(B, H)``, the decoder's output at this step.
        keys: ``(B, T, H)``, the encoder's outputs at every input position
            (they are also the values that get averaged).
        mask: ``(B, T)``, ``True`` at real (not padded) positions; all real
            if ``None``.

    Returns:
        ``(context, weights)``: ``context`` ``(B, H)``, the weighted sum of
        the encoder outputs; ``weights`` ``(B, T)``, a softmax over the input
        positions (zero where ``mask`` is ``False``; each row sums to one).
    """
    query = np.asarray(query, dtype="float64")
    keys = np.asarray(keys, dtype="float64")
    if query.ndim != 2 or keys.ndim != 3 or keys.shape[::2] != query.shape:
        shapes = f"{query.shape} and {keys.shape}"
        raise ValueError(
            f"expected query (B, H) and keys (B, T, H), got {shapes}",
        )
    if mask is None:
        mask = np.ones(keys.shape[:2], dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != keys.shape[:2]:
        raise ValueError(
            f"expected mask of shape {keys.shape[:2]}, got {mask.shape}",
        )
    scores = np.einsum("bth,bh->bt", keys, query)  # (B, T): one per position
    scores = np.where(mask, scores, -np.inf)  # padding: weight exp(-inf) = 0
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)  # (B, T): softmax over T
    context = np.einsum("bt,bth->bh", weights, keys)  # (B, H): weighted sum
    return context, weights


FILLER_WORDS = (
    "alpha",
    "bravo",
    "delta",
    "echo",
    "gamma",
    "kilo",
    "lima",
    "nova",
    "omega",
    "zulu",
)


def embed_in_filler(
    texts: Sequence[str],
    n_before: Sequence[int],
    n_after: Sequence[int],
    rng: np.random.Generator,
) -> list[str]:
    """Each text with ``n_before[i]`` random filler words before it and
    ``n_after[i]`` after.

    The filler words (``FILLER_WORDS``) carry no digits, so the date is still
    the only thing to translate; the input only gets longer.
    """
    texts = _as_strings("texts", texts)
    if len(n_before) != len(texts) or len(n_after) != len(texts):
        raise ValueError(
            f"n_before and n_after must have {len(texts)} entries, "
            f"got {len(n_before)} and {len(n_after)}"
        )
    out = []
    for text, k_before, k_after in zip(texts, n_before, n_after, strict=True):
        before = [str(w) for w in rng.choice(FILLER_WORDS, size=int(k_before))]
        after = [str(w) for w in rng.choice(FILLER_WORDS, size=int(k_after))]
        out.append(" ".join([*before, text, *after]))
    return out
