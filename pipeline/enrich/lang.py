"""Enrich: offline language detection for posts.

The export's own language column wins where it holds an ISO 639-1 code. Otherwise py3langid (a model
that ships inside the package; nothing is downloaded) reads the text without URLs, @handles and the ``#``
of hashtags. Short posts are often misread as a small language, so when the best guess is not one the
scorer knows (English, Spanish, Polish) and is below ``_CONFIDENT`` probability, the best of the known
languages is taken instead. Posts with fewer than three letters get ``und`` (undetermined).

``detect_languages`` does the same for many posts at once: py3langid's byte automaton is walked for every
post in step (one numpy operation per byte position, not a Python loop per byte), and the naive Bayes scores
are summed feature slot by feature slot over a chunk of posts (``_sums``). It agrees with py3langid's
``classify`` post for post (``tests/test_sentiment.py`` checks it on the real labelled sets); it is about
ten times faster.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

SCORED_LANGUAGES = ("en", "es", "pl")
UNDETERMINED = "und"
_CONFIDENT = 0.90
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@＠]\w+|&amp;|&lt;|&gt;")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _anywhere():
    """py3langid over all its languages (loading the model takes about half a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _scored():
    """py3langid restricted to the languages the scorer knows (only the per-text reference needs it)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SCORED_LANGUAGES))
    return identifier


def clean_for_language(text: str) -> str:
    return _NOISE.sub(" ", text or "").replace("#", " ")


def normalize_language(code: str | None) -> str | None:
    """An exported language value as a two-letter code (``"es-MX"`` -> ``"es"``), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def detect_language_one(text: str) -> str:
    """``detect_language`` through py3langid's own per-text ``classify`` (the reference for the batch)."""
    clean = clean_for_language(text)
    if len(_LETTER.findall(clean)) < 3:
        return UNDETERMINED
    lang, probability = _anywhere().classify(clean)
    if lang in SCORED_LANGUAGES or probability >= _CONFIDENT:
        return lang
    return _scored().classify(clean)[0]


def detect_language(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``"und"``.

    >>> detect_language("flight delayed 3 hours and still no bag")
    'en'
    """
    return detect_languages([text])[0]


_CHUNK = 2_000  # posts detected together (the per-step numpy calls are shared; larger is slower again)


class _Automaton:
    """py3langid's model as numpy arrays."""

    def __init__(self):
        anywhere = _anywhere()
        self.nextmove = np.frombuffer(anywhere.tk_nextmove, dtype=np.dtype(anywhere.tk_nextmove.typecode))
        self.rowbase = np.asarray(anywhere._rowbase, dtype=np.int64)
        self.output = np.asarray(anywhere.tk_output, dtype=np.int64)
        self.table = anywhere.nb_ptc.astype(np.float32)  # 57 MB: gathering float16 rows and widening costs more
        self.prior = anywhere.nb_pc.astype(np.float32)
        self.classes = list(anywhere.nb_classes)
        self.aliases = list(anywhere._alias_pairs)
        self.scored = np.array([self.classes.index(lang) for lang in SCORED_LANGUAGES])


@lru_cache(maxsize=1)
def _automaton() -> _Automaton:
    return _Automaton()


def load_model() -> None:
    """Load the batch detector's model now (57 MB; kept once per process)."""
    _automaton()


def unload_model() -> None:
    """Let go of the batch detector's model (the next detection loads it again)."""
    _automaton.cache_clear()
    _anywhere.cache_clear()


def _encode(text: str) -> bytes:
    """As py3langid encodes a str before its walk."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


def _features(model: _Automaton, encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(post index, feature) for every feature state the automaton passes, all posts walked in step."""
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(-lengths, kind="stable")  # longest first: the posts still walking are a prefix
    buffer = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8)
    starts = np.zeros(len(order), dtype=np.int64)
    np.cumsum(lengths[order][:-1], out=starts[1:])
    sorted_lengths = lengths[order]
    ascending = -sorted_lengths  # for searchsorted
    states = np.zeros(len(order), dtype=np.int64)
    posts, features = [], []
    for position in range(int(sorted_lengths[0]) if len(order) else 0):
        walking = int(np.searchsorted(ascending, -position, side="left"))  # posts longer than position
        live = states[:walking]
        live[:] = model.nextmove[model.rowbase[live] + buffer[starts[:walking] + position]]
        found = model.output[live]
        hit = np.nonzero(found >= 0)[0]
        if len(hit):
            posts.append(order[hit])
            features.append(found[hit])
    if not posts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(posts), np.concatenate(features)


def _probabilities(scores: np.ndarray, lengths: np.ndarray, aliases) -> np.ndarray:
    """py3langid's norm_probs: scale by 1/sqrt(bytes), softmax, fold aliased labels into the first."""
    scores = scores * (1.0 / np.sqrt(np.maximum(lengths, 1)))[:, None].astype(np.float32)
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    for first, dupe in aliases:
        scores[:, first] += scores[:, dupe]
        scores[:, dupe] = 0.0
    return scores


def _sums(
    table: np.ndarray, post_of: np.ndarray, feature_of: np.ndarray, weights: np.ndarray, count: int
) -> np.ndarray:
    """Per post, the sum of its features' table rows times their weights (``post_of`` sorted).

    Done slot by slot: the j-th feature of every post that has one, in one gather and one multiply-add over
    (posts x classes). Gathering every row first and summing with ``np.add.reduceat`` did the same work five
    times slower."""
    raw = np.zeros((count, table.shape[1]), dtype=np.float32)
    if not len(post_of):
        return raw
    firsts = np.r_[0, np.nonzero(np.diff(post_of))[0] + 1]
    sizes = np.diff(np.r_[firsts, len(post_of)])
    order = np.argsort(-sizes, kind="stable")  # most features first: the posts still adding are a prefix
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    row = np.repeat(place, sizes)
    slot = np.arange(len(post_of)) - np.repeat(firsts, sizes)
    features = np.zeros((len(order), int(sizes.max())), dtype=np.int64)
    scale = np.zeros(features.shape, dtype=np.float32)
    features[row, slot] = feature_of
    scale[row, slot] = weights
    fewer = -sizes[order]  # ascending, for searchsorted
    sums = np.zeros((len(order), table.shape[1]), dtype=np.float32)
    for j in range(features.shape[1]):
        adding = int(np.searchsorted(fewer, -j, side="left"))  # posts with more than j features
        sums[:adding] += table[features[:adding, j]] * scale[:adding, j, None]
    raw[post_of[firsts][order]] = sums
    return raw


def _classify(model: _Automaton, encoded: list[bytes]) -> list[str]:
    posts, features = _features(model, encoded)
    count = len(encoded)
    keys, counts = np.unique(posts * len(model.table) + features, return_counts=True)
    post_of, feature_of = keys // len(model.table), keys % len(model.table)
    raw = _sums(model.table, post_of, feature_of, np.log1p(counts.astype(np.float32)), count)
    has_features = np.zeros(count, dtype=bool)
    has_features[post_of] = True
    raw[has_features] += model.prior
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=count)
    everywhere = _probabilities(raw, lengths, model.aliases)
    best = everywhere.argmax(axis=1)
    confident = everywhere[np.arange(count), best] >= _CONFIDENT
    known = _probabilities(raw[:, model.scored], lengths, []).argmax(axis=1)
    out = []
    for index in range(count):
        lang = model.classes[best[index]]
        if lang in SCORED_LANGUAGES or confident[index]:
            out.append(lang)
        else:
            out.append(SCORED_LANGUAGES[known[index]])
    return out


def detect_languages(texts: list[str]) -> list[str]:
    """``detect_language`` for many texts, in one vectorised pass per chunk."""
    out = [UNDETERMINED] * len(texts)
    todo, encoded = [], []
    for index, text in enumerate(texts):
        clean = clean_for_language(text)
        if len(_LETTER.findall(clean)) >= 3:
            todo.append(index)
            encoded.append(_encode(clean))
    model = _automaton()
    for start in range(0, len(todo), _CHUNK):
        for index, lang in zip(todo[start : start + _CHUNK], _classify(model, encoded[start : start + _CHUNK])):
            out[index] = lang
    return out
