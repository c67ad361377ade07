"""Enrich: a sentiment score per post, in English, Spanish and Polish, offline.

Definitions (docs/metrics.md repeats them):

- ``sentiment`` is a number in -1..1; for the rules, ``sentiment_label`` is ``negative`` when sentiment <= -0.05
  (VADER's published cut), ``positive`` when sentiment >= 0.35 (higher than VADER's 0.05: brand conversations are full of
  formulaic thanks), else ``neutral``.
- English (``sentiment_method = 'model-en-<version>'``): the shipped linear model (``model.py``) over hashed
  words and this rule layer's reading (``rule_features``); the label is its most probable class and the
  sentiment P(positive) - P(negative). The rule layer alone (``'vader+care'``, where the model file is
  missing): VADER's valence sum (its lexicon ships with the package)
  plus the social-care complaint cues of ``lexicons.CARE_CUES``, normalised with VADER's
  ``x / sqrt(x^2 + 15)``. A question that names no failure is pulled halfway towards neutral: most
  questions to a brand ask for information.
- Spanish and Polish (``'rules-es'``, ``'rules-pl'``): the same sum over the hand-written word lists of
  ``lexicons.WORDS`` (prefix entries for inflected forms, a negator flips the next three words), emoji
  and the care cues of that language.
- Any other language (``'unscored'``): sentiment and label are NULL, and metrics leave the post out
  rather than call it neutral.

Scores are cached by (text, language) in ``enr_sentiment_cache``, computed in batches, and spread over
every core for large batches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast

import numpy as np

from pipeline.core.parallel import map_chunks
from pipeline.enrich import lexicons
from pipeline.enrich.lang import SCORED_LANGUAGES, detect_languages, normalize_language
from pipeline.enrich.lang import load_model as load_language_model
from pipeline.enrich.lang import unload_model as unload_language_model
from pipeline.enrich.model import english_model, labels_and_scores

SCORER_VERSION = "1"
LABELS = ("negative", "neutral", "positive")
NEGATIVE_AT = -0.05
POSITIVE_AT = 0.35
_ALPHA = 15.0
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_FAILURE_CUE = -1.0  # a care cue at least this strong names a failure of service
_POLITE_IN_COMPLAINT = 0.3
# In a request to a brand, courtesy is a formula, not a feeling ("can you help me please? thanks").
_REQUEST = re.compile(r"\?|\b(can|could|would|will) (you|u|someone|somebody|i|we)\b|\b(please|pls|plz)\b")
_COURTESY = re.compile(r"(?i)\b(please|pls|plz|help|thanks|thank you|thank u|thx|ty|appreciated?|kindly)\b")


@dataclass(frozen=True)
class Score:
    sentiment: float | None
    label: str | None
    method: str


def label_for(sentiment: float | None) -> str | None:
    if sentiment is None:
        return None
    if sentiment <= NEGATIVE_AT:
        return "negative"
    if sentiment >= POSITIVE_AT:
        return "positive"
    return "neutral"


def _normalize(total: float) -> float:
    return max(-1.0, min(1.0, total / math.sqrt(total * total + _ALPHA))) if total else 0.0


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

    class Vader(SentimentIntensityAnalyzer):
        """VADER 3.3, with its emoji pass (a Python loop over every character) skipped for a text that holds
        no emoji: the same scores (``tests/test_sentiment.py`` compares them), a fifth of the time less."""

        def __init__(self):
            super().__init__()
            self.emoji_chars = frozenset(key for key in self.emojis if len(key) == 1)

        def polarity_scores(self, text):
            if not self.emoji_chars.isdisjoint(text):
                return super().polarity_scores(text)
            # the rest of SentimentIntensityAnalyzer.polarity_scores, as published (MIT licence)
            sentitext = SentiText(text.strip())
            sentiments = []
            words_and_emoticons = sentitext.words_and_emoticons
            for i, item in enumerate(words_and_emoticons):
                valence = 0
                if item.lower() in BOOSTER_DICT:
                    sentiments.append(valence)
                    continue
                if (
                    i < len(words_and_emoticons) - 1
                    and item.lower() == "kind"
                    and words_and_emoticons[i + 1].lower() == "of"
                ):
                    sentiments.append(valence)
                    continue
                sentiments = self.sentiment_valence(valence, sentitext, item, i, sentiments)
            sentiments = self._but_check(words_and_emoticons, sentiments)
            return self.score_valence(sentiments, text.strip())

    return Vader()


@cache
def _cues(lang: str) -> list[tuple[re.Pattern, float]]:
    return [(re.compile(pattern), weight) for pattern, weight in lexicons.CARE_CUES.get(lang, [])]


@cache
def _word_tables(lang: str) -> tuple[dict[str, float], list[tuple[str, float]]]:
    exact, prefixes = {}, []
    for word, weight in lexicons.WORDS[lang].items():
        if word.endswith("*"):
            prefixes.append((word[:-1], weight))
        else:
            exact[word] = weight
    prefixes.sort(key=lambda item: -len(item[0]))  # the longest stem wins
    return exact, prefixes


@cache
def _any_cue(lang: str) -> re.Pattern:
    """One search for all of a language's cues: most posts have none, and then no cue is tried alone."""
    return re.compile("|".join(f"(?:{pattern})" for pattern, _ in lexicons.CARE_CUES.get(lang, [])) or "(?!)")


def _care_total(text: str, lang: str) -> tuple[float, bool]:
    total, failure = 0.0, False
    if not _any_cue(lang).search(text):
        return total, failure
    for pattern, weight in _cues(lang):
        hits = len(pattern.findall(text))
        if hits:
            total += weight * min(hits, 2)
            failure = failure or weight <= _FAILURE_CUE
    return total, failure


def _vader_total(text: str) -> float:
    """VADER's summed valence, recovered from its compound score (compound = x / sqrt(x^2 + 15))."""
    compound = _vader().polarity_scores(text)["compound"]
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(_ALPHA / (1 - compound * compound))


def _word_total(text: str, lang: str) -> float:
    exact, prefixes = _word_tables(lang)
    negators = lexicons.NEGATORS[lang]
    total, flip_left = 0.0, 0
    for token in _WORD.findall(text):
        if token in negators:
            flip_left = 3
            continue
        weight = exact.get(token)
        if weight is None:
            weight = next((w for stem, w in prefixes if token.startswith(stem)), 0.0)
        if weight and flip_left:
            weight = -weight * 0.75
        total += weight
        flip_left = max(0, flip_left - 1)
    total += sum(weight for char in text if (weight := lexicons.EMOJI.get(char)))
    return total


@dataclass(frozen=True)
class RuleParts:
    """What the rule layer found in a text: its score and the parts it was added from."""

    sentiment: float
    words: float  # VADER's valence sum (English) or the word lists' (Spanish, Polish), normalised
    care: float  # the complaint cues' sum, normalised
    names_failure: bool
    question: bool


def rule_parts(text: str, lang: str) -> RuleParts:
    """The rule layer's reading of a post in a scored language."""
    text = text or ""
    lower = text.lower()
    care, names_failure = _care_total(lower, lang)
    if lang == "en":
        plain = text.replace("#", " ")  # VADER reads "#fail" as "fail" only without the mark
        words = _vader_total(_COURTESY.sub(" ", plain) if _REQUEST.search(lower) else plain)
        if names_failure and words > 0:
            words *= _POLITE_IN_COMPLAINT  # "thanks" in a complaint is politeness or sarcasm
    else:
        words = _word_total(lower, lang)
    total = words + care
    question = "?" in text
    if question and not names_failure:
        total *= 0.5
    return RuleParts(round(_normalize(total), 4), _normalize(words), _normalize(care), names_failure, question)


DENSE_FEATURES = (
    "rule score",
    "rule negative",
    "rule neutral",
    "rule positive",
    "words",
    "complaint cues",
    "names a failure",
    "question",
    "exclamation",
)


def rule_features(text: str, parts: RuleParts) -> list[float]:
    """The rule layer's reading as the dense features of a linear model (``DENSE_FEATURES``)."""
    label = label_for(parts.sentiment)
    return [
        parts.sentiment,
        label == "negative",
        label == "neutral",
        label == "positive",
        parts.words,
        parts.care,
        parts.names_failure,
        parts.question,
        "!" in text,
    ]


def score_text(text: str, lang: str | None) -> Score:
    """Score one post (``score_texts`` for many: the English model reads a batch at once).

    >>> score_text("flight delayed 3 hours and still no bag", "en").label
    'negative'
    """
    return score_texts([(text, lang)])[0]


def score_texts(items: list[tuple[str, str | None]]) -> list[Score]:
    """Score ``(text, language)`` pairs: English by the shipped model over the rule features (the rules alone
    where the model file is missing), Spanish and Polish by the rules, other languages not at all."""
    scores: list[Score | None] = [None] * len(items)
    english, parts_of = [], {}
    model = english_model()
    for index, (text, lang) in enumerate(items):
        if lang not in SCORED_LANGUAGES:
            scores[index] = Score(None, None, "unscored")
            continue
        parts = rule_parts(text or "", lang)
        if lang == "en" and model is not None:
            english.append(index)
            parts_of[index] = parts
        else:
            scores[index] = Score(
                parts.sentiment, label_for(parts.sentiment), "vader+care" if lang == "en" else f"rules-{lang}"
            )
    if english:
        assert model is not None  # posts go to ``english`` only when there is a model
        texts = [items[index][0] or "" for index in english]
        dense = np.array([rule_features(text, parts_of[index]) for text, index in zip(texts, english)], dtype=float)
        labels, values = labels_and_scores(model.probabilities(texts, dense))
        for index, label, value in zip(english, labels, values):
            scores[index] = Score(value, label, model.version)
    return cast("list[Score]", scores)  # every position was filled above


def method_for(lang: str | None) -> str:
    """The ``sentiment_method`` a post in ``lang`` gets from this version of the scorer."""
    if lang not in SCORED_LANGUAGES:
        return "unscored"
    if lang == "en":
        model = english_model()
        return model.version if model is not None else "vader+care"
    return f"rules-{lang}"


def _enrich_chunk(items: list[tuple[str, str | None]]) -> list[tuple[str, Score]]:
    langs: list[str | None] = [normalize_language(exported) for _, exported in items]
    missing = [index for index, lang in enumerate(langs) if lang is None]
    for index, detected in zip(missing, detect_languages([items[index][0] for index in missing])):
        langs[index] = detected
    known = cast("list[str]", langs)  # every missing language was detected above
    return list(zip(known, score_texts([(text, lang) for (text, _), lang in zip(items, known)])))


def load_models() -> None:
    """Load the language model and VADER (each kept once per process): done before workers are forked, they
    inherit both instead of each spending half a second loading its own."""
    load_language_model()
    _vader()
    english_model()


def unload_models() -> None:
    """Let go of both once the workers have them (130 MB that the stages after scoring would carry)."""
    unload_language_model()
    _vader.cache_clear()
    english_model.cache_clear()


def enrich_rows(items: list[tuple[str, str | None]]) -> list[tuple[str, float | None, str | None, str]]:
    """``_enrich_chunk`` as plain tuples (lang, sentiment, label, method): cheaper to send between processes."""
    return [(lang, score.sentiment, score.label, score.method) for lang, score in _enrich_chunk(items)]


def enrich_texts(items: list[tuple[str, str | None]]) -> list[tuple[str, Score]]:
    """Language and score for many (text, exported language) pairs; on every core when there are many."""
    return map_chunks(_enrich_chunk, items)
