"""Real text from the Unicode CLDR, which ships inside ``babel``: no download.

Two data sets for the "LSTMs in practice" chapters:

- :func:`language_id_splits`: names of territories, languages, scripts and
  currencies as each language writes them ("Allemagne", "Deutschland",
  "Tyskland", ...), labelled with the language: character-level language
  identification. The default languages share the Latin script and come in
  families that are hard to tell apart (Danish / Norwegian Bokmål / Swedish,
  Spanish / Portuguese / Italian / Romanian, Polish / Czech, ...).
- :func:`date_splits`: one date written in a locale's own long formats
  ("Sonntag, 29. November 2026", "2026年11月29日星期日") paired with its
  ISO 8601 form ``2026-11-29``: a sequence-to-sequence task.

Splits are deterministic and never depend on a seed: a string (or, for dates, a
calendar date) is assigned to train, validation or test by a CRC-32 of its
text, so the same item lands in the same split on every machine and in every
draw, and no item is in two splits.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

LANGUAGE_ID_LANGUAGES = (
    "da",
    "nb",
    "sv",
    "de",
    "nl",
    "es",
    "pt",
    "it",
    "fr",
    "ro",
    "pl",
    "cs",
)
NAME_KINDS = ("territories", "languages", "scripts", "currencies")
DATE_LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pt_BR",
    "nl_NL",
    "ru_RU",
    "zh_CN",
    "ja_JP",
)
DATE_FORMATS = ("full", "long", "medium")
SPLITS = ("train", "validation", "test")


def _split_of(key: str, fractions: tuple[float, float, float]) -> str:
    """``"train"``, ``"validation"`` or ``"test"`` for a text key, by its
    CRC-32 (stable)."""
    u = zlib.crc32(key.encode("utf-8")) / 2**32  # uniform in [0, 1)
    if u < fractions[0]:
        return "train"
    return "validation" if u < fractions[0] + fractions[1] else "test"


def _fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(f) for f in fractions)
    if len(values) != 3 or min(values) <= 0 or abs(sum(values) - 1.0) > 1e-9:
        raise ValueError(
            "fractions must be three positive numbers summing to 1, got "
            f"{fractions}"
        )
    return values  # type: ignore[return-value]


def _locale(code: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(f"unknown CLDR locale {code!r}") from None


def cldr_names(
    languages: Sequence[str] = LANGUAGE_ID_LANGUAGES,
    kinds: Sequence[str] = NAME_KINDS,
) -> pd.DataFrame:
    """Every name of the given kinds in the given languages, minus the
    ambiguous ones.

    A string that several of the languages share ("Canada", "Euro", "Portugal")
    says nothing about its language, so it is dropped;
    ``frame.attrs["dropped_shared"]`` counts them.

    Returns:
        A frame with columns ``text``, ``language`` and ``kind``, one row per
        distinct string, sorted by text.
    """
    languages, kinds = list(languages), list(kinds)
    if len(set(languages)) < 2:
        raise ValueError(
            f"need at least two distinct languages, got {languages}"
        )
    unknown = sorted(set(kinds) - set(NAME_KINDS))
    if unknown or not kinds:
        raise ValueError(
            f"kinds must be a non-empty subset of {NAME_KINDS}, got {kinds}"
        )
    rows = []
    for code in languages:
        locale = _locale(code)
        for kind in kinds:
            for text in set(getattr(locale, kind).values()):
                rows.append((text.strip(), code, kind))
    frame = pd.DataFrame(
        rows, columns=["text", "language", "kind"]
    ).drop_duplicates(["text", "language"])
    owners = frame.groupby("text")["language"].transform("nunique")
    dropped = int(frame.loc[owners > 1, "text"].nunique())
    frame = frame[owners == 1].sort_values("text", ignore_index=True)
    frame.attrs["dropped_shared"] = dropped
    return frame


def language_id_splits(
    languages: Sequence[str] = LANGUAGE_ID_LANGUAGES,
    kinds: Sequence[str] = NAME_KINDS,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
) -> dict[str, pd.DataFrame]:
    """:func:`cldr_names` split into ``"train"``, ``"validation"`` and
    ``"test"`` by text.

    Each frame gains a column ``label``: the language's position in
    ``languages``.
    """
    fractions = _fractions(fractions)
    frame = cldr_names(languages, kinds)
    frame["label"] = frame["language"].map(
        {code: k for k, code in enumerate(languages)}
    )
    split = frame["text"].map(lambda text: _split_of(text, fractions))
    return {
        name: frame[split == name].reset_index(drop=True) for name in SPLITS
    }


def format_dates(
    dates: Sequence[datetime.date], locale: str, date_format: str = "long"
) -> list[str]:
    """``babel.dates.format_date`` of each date in a CLDR locale and format."""
    from babel.dates import format_date

    if date_format not in ("full", "long", "medium", "short"):
        raise ValueError(
            "date_format must be full, long, medium or short, got "
            f"{date_format!r}"
        )
    loc = _locale(locale)
    return [format_date(d, date_format, locale=loc) for d in dates]


def date_pairs(
    n_dates: int,
    locales: Sequence[str] = DATE_LOCALES,
    formats: Sequence[str] = DATE_FORMATS,
    *,
    seed: int | np.random.Generator = 0,
    first: datetime.date = datetime.date(1950, 1, 1),
    last: datetime.date = datetime.date(2049, 12, 31),
) -> pd.DataFrame:
    """``n_dates`` distinct dates drawn uniformly from ``[first, last]``, each
    written in every locale and format.

    Returns:
        A frame with columns ``text`` (the date as the locale writes it),
        ``iso`` (``YYYY-MM-DD``), ``locale`` and ``format``: ``n_dates *
        len(locales) * len(formats)`` rows.
    """
    if (
        isinstance(n_dates, bool)
        or not isinstance(n_dates, int | np.integer)
        or n_dates < 1
    ):
        raise ValueError(
            f"n_dates must be a positive integer, got {n_dates!r}"
        )
    span = (last - first).days + 1
    if n_dates > span:
        raise ValueError(
            f"n_dates={n_dates} exceeds the {span} days from {first} to {last}"
        )
    rng = np.random.default_rng(seed)
    offsets = np.sort(rng.choice(span, size=n_dates, replace=False))
    dates = [first + datetime.timedelta(days=int(k)) for k in offsets]
    iso = [d.isoformat() for d in dates]
    frames = []
    for locale in locales:
        for date_format in formats:
            frames.append(
                pd.DataFrame(
                    {
                        "text": format_dates(dates, locale, date_format),
                        "iso": iso,
                        "locale": locale,
                        "format": date_format,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def date_splits(
    n_dates: int,
    locales: Sequence[str] = DATE_LOCALES,
    formats: Sequence[str] = DATE_FORMATS,
    *,
    seed: int | np.random.Generator = 0,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
) -> dict[str, pd.DataFrame]:
    """:func:`date_pairs` split by calendar date: a date in the test split is
    never seen in training in any locale or format, so the model must read the
    date, not remember it."""
    fractions = _fractions(fractions)
    frame = date_pairs(n_dates, locales, formats, seed=seed)
    split = frame["iso"].map(lambda iso: _split_of(iso, fractions))
    return {
        name: frame[split == name].reset_index(drop=True) for name in SPLITS
    }


def ambiguous_texts(pairs: pd.DataFrame) -> pd.DataFrame:
    """The input strings of a :func:`date_pairs` frame that stand for more than
    one date.

    With short formats, ``"11/12/26"`` is 12 November 2026 in ``en_US`` and 11
    December 2026 in ``es_ES`` (``"dd/MM/yy"``): the string alone cannot say
    which. Returns one row per such text: ``text``, ``n_dates`` (how many
    distinct ISO dates it stands for) and ``isos``.
    """
    groups = pairs.groupby("text")["iso"].agg(lambda s: sorted(set(s)))
    frame = pd.DataFrame({"text": groups.index, "isos": groups.to_numpy()})
    frame["n_dates"] = frame["isos"].map(len)
    return frame[frame["n_dates"] > 1][
        ["text", "n_dates", "isos"]
    ].reset_index(drop=True)


def exact_match_ceiling(pairs: pd.DataFrame) -> float:
    """The best exact-match accuracy any function of the input string can reach
    on ``pairs``.

    A model sees only ``text``; for a text that several rows share with
    different ISO dates, the best it can do is always answer the most frequent
    of them. The ceiling is the fraction of rows that answer gets right: 1.0
    when no text is ambiguous.
    """
    if len(pairs) == 0:
        raise ValueError("pairs is empty")
    counts = pairs.groupby(["text", "iso"]).size()
    return float(counts.groupby(level="text").max().sum() / len(pairs))
