"""lstmbook.chapters.language_id: families, the within-family share of mistakes, the baseline."""

import numpy as np
import pytest

from lstmbook.chapters.language_id import (
    LANGUAGE_FAMILIES,
    family_of,
    ngram_baseline,
    within_family_share,
)
from lstmbook.data.cldr import LANGUAGE_ID_LANGUAGES

LANGS = ("da", "nb", "de", "es")


def test_every_default_language_has_exactly_one_family():
    members = [code for family in LANGUAGE_FAMILIES.values() for code in family]
    assert sorted(members) == sorted(LANGUAGE_ID_LANGUAGES)
    assert family_of("nb") == "North Germanic" and family_of("ro") == "Romance"
    with pytest.raises(ValueError, match="'xx'"):
        family_of("xx")


def test_within_family_share_counts_only_mistakes():
    y_true = np.array([0, 0, 1, 2, 3, 3])
    # right, da->nb (inside), nb->de (across), de->de (right), es->da (across), es->es
    y_pred = np.array([0, 1, 2, 2, 0, 3])
    assert within_family_share(y_true, y_pred, LANGS) == pytest.approx(1 / 3)
    assert np.isnan(within_family_share(y_true, y_true, LANGS))


@pytest.mark.parametrize(
    "y_pred, message",
    [
        (np.array([0, 1]), "shape"),
        (np.array([0.0, 1.0, 2.0]), "integer"),
        (np.array([0, 1, 7]), "below len"),
    ],
)
def test_within_family_share_rejects_bad_labels(y_pred, message):
    with pytest.raises(ValueError, match=message):
        within_family_share(np.array([0, 1, 2]), y_pred, LANGS)


def test_ngram_baseline_separates_spelling_cues():
    texts = ["Tyskland", "Frankrig", "Deutschland", "Frankreich", "Alemania", "Francia"] * 3
    labels = np.array([0, 0, 2, 2, 3, 3] * 3)
    model = ngram_baseline(texts, labels)
    assert list(model.predict(["Deutschlands", "Alemanias"])) == [2, 3]
    with pytest.raises(ValueError, match="2 texts and 3 labels"):
        ngram_baseline(["a", "b"], np.array([0, 1, 0]))
