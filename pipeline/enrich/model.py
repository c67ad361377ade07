"""Enrich: the linear sentiment models -- the English model shipped with Radar and each database's adapter.

Both read a post the same way: hashed word unigrams and bigrams (``featurize``: no vocabulary to ship,
``N_FEATURES`` buckets; up to three words after a negator are read as negated, "not good" -> "not_good") plus
a few dense features from the rule layer (``sentiment.rule_features``: its score, its label, its VADER or
word-list part, its complaint cues, a question, an exclamation). Character n-grams are left out: they are
most of the cost of such models, and words with the rule features already reach the measured figures
(``bench/sentiment_eval.py``; scoring cost with ``--cost``).

A model is linear: ``intercept + W[hashed] + V . dense`` gives one score per class, a softmax turns them
into probabilities, the label is the most probable class and the sentiment number is
``P(positive) - P(negative)`` (so -1..1, and a mean over posts stays the net tone the pages show).

The English model is trained by ``scripts/train_sentiment_en.py`` on SemEval 2013-2017 (``../shared/data/train``,
never copied here) and stored as compact weights in ``models/sentiment_en.npz`` with its version and a few
probe texts scored at training time, so a test can show that the file loaded here gives the same scores.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

N_FEATURES = 2**18
MODEL_FILE = Path(__file__).with_name("models") / "sentiment_en.npz"
CLASSES = ("negative", "neutral", "positive")

_TOKEN = re.compile(r"https?://\S+|www\.\S+|[@#]?[^\W_]+(?:'[^\W\d_]+)?|[!?]+|[^\w\s]", re.UNICODE)
_NEGATORS = frozenset(
    "not no never nothing nobody none nor cannot cant can't dont don't doesnt doesn't didnt didn't isnt isn't "
    "wasnt wasn't wont won't aint ain't havent haven't hasnt hasn't couldnt couldn't wouldnt wouldn't shouldnt "
    "shouldn't without "
    "nunca ni sin jamás jamas tampoco nada "  # Spanish ("no" is above)
    "nie ani bez nigdy żaden zaden żadna zadna".split()
)  # Polish
_NEGATED_WORDS = 3


def tokens(text: str) -> list[str]:
    """The words a model reads: lower case, links and handles as one token each, digits as ``0``, a
    hashtag as its word, and up to three words after a negator marked as negated.

    >>> tokens("@united NOT happy!!! #fail http://t.co/x 3 hrs")
    ['@user', 'not', 'not_happy', '!!', 'fail', '<url>', '0', 'hrs']
    """
    out: list[str] = []
    negated = 0
    for token in _TOKEN.findall(text.lower()):
        first = token[0]
        if first == "h" and (token.startswith("http://") or token.startswith("https://")) or token.startswith("www."):
            token, negated = "<url>", 0
        elif first == "@":
            token = "@user"
        elif first == "#" and len(token) > 1:
            token = token[1:]
        elif first.isdigit():
            token = "0"
        elif first in "!?":
            token, negated = token[:2], 0
        elif not token[0].isalnum():
            if first in ".,;:":
                negated = 0
            out.append(token)
            continue
        if negated and token[0].isalpha():
            out.append("not_" + token)
            negated -= 1
            continue
        out.append(token)
        if token in _NEGATORS:
            negated = _NEGATED_WORDS
    return out


_TOKEN_HASHES: dict[str, int] = {}  # tokens repeat (Zipf): each is hashed once per process
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _token_hash(token: str) -> int:
    value = _TOKEN_HASHES.get(token)
    if value is None:
        if len(_TOKEN_HASHES) >= 1_000_000:
            _TOKEN_HASHES.clear()
        value = _TOKEN_HASHES[token] = zlib.crc32(token.encode())
    return value


def featurize(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The feature buckets of many texts as (row, bucket) pairs: each token's CRC-32, and each pair of
    neighbouring tokens' hashes mixed, modulo ``N_FEATURES``; a bucket hit twice in a text counts twice."""
    lengths: list[int] = []
    flat: list[int] = []
    for text in texts:
        words = tokens(text)
        lengths.append(len(words))
        flat.extend(map(_token_hash, words))
    hashes = np.array(flat, dtype=np.uint64)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    same_text = rows[:-1] == rows[1:]
    with np.errstate(over="ignore"):
        pairs = (hashes[:-1] * _MIX) ^ hashes[1:]
    pairs = (pairs ^ (pairs >> np.uint64(31)))[same_text]
    mask = np.uint64(N_FEATURES - 1)
    buckets = np.concatenate([hashes & mask, pairs & mask]).astype(np.int64)
    return np.concatenate([rows, rows[:-1][same_text]]), buckets


def hashed(text: str) -> list[int]:
    """The feature buckets of one text (``featurize`` for many)."""
    return featurize([text])[1].tolist()


@dataclass(frozen=True)
class LinearModel:
    """Weights of a multinomial logistic regression over ``hashed`` buckets and dense features."""

    version: str
    hashed_weights: np.ndarray  # (N_FEATURES, 3) float32
    dense_weights: np.ndarray  # (n_dense, 3)
    intercept: np.ndarray  # (3,)

    def probabilities(self, texts: list[str], dense: np.ndarray) -> np.ndarray:
        """P(negative, neutral, positive) per text, from its words and its dense row."""
        rows, buckets = featurize(texts)
        weights = self.hashed_weights[buckets].astype(np.float64)
        logits = np.stack([np.bincount(rows, weights=weights[:, k], minlength=len(texts)) for k in range(3)], axis=1)
        logits += dense @ self.dense_weights + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)

    def to_bytes(self, **extra: np.ndarray) -> bytes:
        """The weights as a compressed ``.npz`` (only the buckets in use), with ``extra`` arrays beside them."""
        buffer = io.BytesIO()
        used = np.flatnonzero(np.abs(self.hashed_weights).sum(axis=1))  # most buckets are never seen
        arrays: dict[str, np.ndarray] = {
            "version": np.array(self.version),
            "used": used.astype(np.int32),
            "weights": self.hashed_weights[used].astype(np.float32),
            "dense": self.dense_weights,
            "intercept": self.intercept,
            **extra,
        }
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            weights = np.zeros((N_FEATURES, 3), dtype=np.float32)
            weights[stored["used"]] = stored["weights"]
            return cls(
                str(stored["version"]),
                weights,
                stored["dense"].astype(np.float64),
                stored["intercept"].astype(np.float64),
            )


def labels_and_scores(probabilities: np.ndarray) -> tuple[list[str], list[float]]:
    """The most probable class and ``P(positive) - P(negative)``, rounded as stored, per row."""
    labels = [CLASSES[i] for i in probabilities.argmax(axis=1)]
    scores = np.round(probabilities[:, 2] - probabilities[:, 0], 4).tolist()
    return labels, scores


@lru_cache(maxsize=1)
def english_model() -> LinearModel | None:
    """The shipped English model, or None where the file is missing (the rules then score English)."""
    if not MODEL_FILE.exists():
        return None
    return LinearModel.from_bytes(MODEL_FILE.read_bytes())


def probe_texts() -> tuple[list[str], np.ndarray] | tuple[None, None]:
    """The texts the training script scored and the probabilities it got, stored beside the weights."""
    if not MODEL_FILE.exists():
        return None, None
    with np.load(MODEL_FILE, allow_pickle=False) as stored:
        return [str(t) for t in stored["probe_texts"]], stored["probe_probabilities"]
