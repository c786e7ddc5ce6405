"""Serves practice/01 (classifying real text): language families and a
character n-gram baseline.

The chapter identifies the language of a CLDR name ("Tyskland",
"Allemagne", ...) from its characters
(:func:`lstmbook.data.cldr.language_id_splits`). Its models are built in the
chapter's own cells; this module holds what is not the lesson:

- :data:`LANGUAGE_FAMILIES`: the families of the default languages, to ask
  whether the model's mistakes stay inside a family (Danish for Norwegian) or
  cross families;
- :func:`within_family_share`: the fraction of the mistakes that do;
- :func:`ngram_baseline`: character n-grams (TF-IDF) and a linear classifier
  from scikit-learn, the classical answer to language identification and the
  yardstick an LSTM must meet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

LANGUAGE_FAMILIES: dict[str, tuple[str, ...]] = {
    "North Germanic": ("da", "nb", "sv"),
    "West Germanic": ("de", "nl"),
    "Romance": ("es", "pt", "it", "fr", "ro"),
    "West Slavic": ("pl", "cs"),
}


def family_of(
    language: str, families: Mapping[str, Sequence[str]] = LANGUAGE_FAMILIES
) -> str:
    """The family a language code belongs to (``"da"`` -> ``"North
    Germanic"``)."""
    for family, members in families.items():
        if language in members:
            return family
    raise ValueError(
        f"language {language!r} is in none of the families {sorted(families)}"
    )


def _labels(name: str, values: Sequence[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D array of integer labels, got shape "
            f"{array.shape} "
            f"and dtype {array.dtype}"
        )
    return array


def within_family_share(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    languages: Sequence[str],
    families: Mapping[str, Sequence[str]] = LANGUAGE_FAMILIES,
) -> float:
    """Of the misclassified examples, the fraction whose predicted language is
    in the true language's family.

    Args:
        y_true, y_pred: ``(n,)`` integer labels, positions in ``languages``.
        languages: the language code of each label.

    Returns:
        A number in ``[0, 1]``; ``nan`` when there is no mistake.
    """
    y_true, y_pred = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_pred must have shape {y_true.shape}, got {y_pred.shape}"
        )
    if y_true.size and max(y_true.max(), y_pred.max()) >= len(languages):
        raise ValueError(
            f"labels must be below len(languages) = {len(languages)}"
        )
    family = np.array([family_of(code, families) for code in languages])
    wrong = y_true != y_pred
    if not wrong.any():
        return float("nan")
    return float(np.mean(family[y_true[wrong]] == family[y_pred[wrong]]))


def ngram_baseline(
    train_texts: Sequence[str],
    train_labels: Sequence[int] | np.ndarray,
    ngram_range: tuple[int, int] = (1, 4),
    c: float = 0.5,
):
    """A character n-gram TF-IDF + linear support-vector classifier, fitted.

    Words are padded with a space at both ends (``analyzer="char_wb"``), so ``"
    sk"`` and ``"nd "`` are features of their own: beginnings and endings say
    much about a language.

    Returns:
        A fitted scikit-learn ``Pipeline``; ``predict(texts)`` gives labels.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts = list(train_texts)
    labels = _labels("train_labels", train_labels)
    if len(texts) != len(labels):
        raise ValueError(f"got {len(texts)} texts and {len(labels)} labels")
    pipeline = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True
        ),
        LinearSVC(C=c, random_state=0),
    )
    return pipeline.fit(texts, labels)
