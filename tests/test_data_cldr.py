"""CLDR data sets (from babel, offline): sizes, no text in two splits, deterministic splits."""

import datetime

import pytest

from lstmbook.data.cldr import (
    DATE_FORMATS,
    DATE_LOCALES,
    LANGUAGE_ID_LANGUAGES,
    SPLITS,
    ambiguous_texts,
    cldr_names,
    date_pairs,
    date_splits,
    exact_match_ceiling,
    format_dates,
    language_id_splits,
)


def test_names_are_distinct_and_unambiguous():
    frame = cldr_names()
    assert frame["text"].is_unique
    assert set(frame["language"]) == set(LANGUAGE_ID_LANGUAGES)
    assert frame.attrs["dropped_shared"] > 100  # "Canada", "Euro", ... are in several languages
    assert len(frame) > 8_000
    counts = frame["language"].value_counts()
    assert counts.min() > 300  # every language has hundreds of names of its own
    assert "Deutschland" in set(frame.loc[frame["language"] == "de", "text"])


def test_language_id_splits_are_disjoint_deterministic_and_sized():
    splits = language_id_splits()
    again = language_id_splits()
    texts = {name: set(splits[name]["text"]) for name in SPLITS}
    assert not texts["train"] & texts["validation"]
    assert not texts["train"] & texts["test"] and not texts["validation"] & texts["test"]
    total = sum(len(t) for t in texts.values())
    assert abs(len(texts["train"]) / total - 0.8) < 0.02
    for name in SPLITS:
        assert splits[name].equals(again[name])
        assert set(splits[name]["label"]) == set(range(len(LANGUAGE_ID_LANGUAGES)))


def test_a_name_keeps_its_split_when_other_languages_join():
    small = language_id_splits(languages=("de", "fr"))
    large = language_id_splits(languages=("de", "fr", "it", "es"))
    for name in SPLITS:
        shared = set(small[name]["text"]) & set(large["train"]["text"] if name != "train" else ())
        assert not shared


def test_dates_in_every_locale_and_format():
    pairs = date_pairs(20, seed=3)
    assert len(pairs) == 20 * len(DATE_LOCALES) * len(DATE_FORMATS)
    assert pairs["iso"].nunique() == 20
    assert date_pairs(20, seed=3).equals(pairs)
    assert not date_pairs(20, seed=4).equals(pairs)
    day = datetime.date(2026, 11, 29)
    assert format_dates([day], "de_DE", "full") == ["Sonntag, 29. November 2026"]
    assert format_dates([day], "zh_CN", "long") == ["2026年11月29日"]


def test_date_splits_never_share_a_date():
    splits = date_splits(300, seed=0)
    isos = {name: set(splits[name]["iso"]) for name in SPLITS}
    assert not isos["train"] & isos["test"] and not isos["train"] & isos["validation"]
    assert sum(len(s) for s in isos.values()) == 300


def test_long_formats_are_unambiguous_short_ones_are_not():
    long_pairs = date_pairs(400, ("en_US", "es_ES"), ("long",), seed=0)
    assert exact_match_ceiling(long_pairs) == 1.0 and ambiguous_texts(long_pairs).empty
    short = date_pairs(400, ("en_US", "es_ES"), ("short",), seed=0)
    clash = ambiguous_texts(short)
    assert len(clash) > 0 and (clash["n_dates"] == 2).all()
    assert 0.5 < exact_match_ceiling(short) < 1.0
    day = datetime.date(2026, 11, 12)
    us, es = format_dates([day], "en_US", "short")[0], format_dates([day], "es_ES", "short")[0]
    assert us == "11/12/26" and es == "12/11/26"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: cldr_names(("de",)), "two distinct languages"),
        (lambda: cldr_names(kinds=("cities",)), "kinds"),
        (lambda: cldr_names(("de", "xx_nonsense")), "unknown CLDR locale"),
        (lambda: language_id_splits(fractions=(0.5, 0.5)), "fractions"),
        (lambda: date_pairs(0), "n_dates"),
        (lambda: format_dates([datetime.date(2000, 1, 1)], "de", "tiny"), "date_format"),
        (lambda: exact_match_ceiling(date_pairs(1).iloc[:0]), "empty"),
    ],
)
def test_bad_arguments_are_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
