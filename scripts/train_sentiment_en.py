"""Train the English sentiment model Radar ships (``pipeline/enrich/models/sentiment_en.npz``).

    .venv/bin/python scripts/train_sentiment_en.py [--train ../shared/data/train/semeval2017_en]
                                                   [--real ../shared/data/real] [--out FILE]

Reads SemEval 2013-2017 subtask A (English tweets labelled positive / negative / neutral; see its SOURCE.txt),
keeps each tweet once (by id, then by text), and removes every text that also occurs in an evaluation set
of ``../shared/data/real`` (the airline, TASS and WUST sets: they measure the model and must not teach it).
Classes are weighted to balance (SemEval has few complaints; a brand's mentions have many). The regularisation is chosen on the SemEval 2017 test set held out, then the model is fitted on everything
and written as compact weights (``pipeline.enrich.model``), with probe texts and the probabilities this
run gave them, so that a test can show the shipped file scores as it did here. Deterministic: the same data
gives the same file. Nothing of the training data is written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.enrich.model import CLASSES, MODEL_FILE, N_FEATURES, LinearModel, featurize  # noqa: E402
from pipeline.enrich.sentiment import rule_features, rule_parts  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
HELD_OUT = "SemEval2017-task4-test.subtask-A.english.txt"
PROBES = [
    "@united flight delayed 3 hours and nobody at the desk. worst airline ever",
    "Thanks @JetBlue, the crew was lovely and we landed early!",
    "What time does the Boston flight board?",
    "not bad at all, but the wifi was not working",
]
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _clean(text: str) -> str:
    text = text.strip().rstrip("\t")
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _key(text: str) -> str:
    """Texts compared after case, spacing and links are set aside: the same tweet copied with a new t.co link."""
    return " ".join(re.sub(r"https?://\S+", "", text.lower()).split())


def load_semeval(folder: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(training pairs, held-out pairs) of (text, label), one per tweet id and per text."""
    seen_ids, seen_texts, train, held_out = set(), set(), [], []
    files = sorted(folder.glob("twitter-*-A.tsv")) + [folder / HELD_OUT]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or parts[1] not in CLASSES:
                continue
            tweet_id, label, text = parts[0], parts[1], _clean("\t".join(parts[2:]))
            key = _key(text)
            if tweet_id in seen_ids or key in seen_texts or not key:
                continue
            seen_ids.add(tweet_id)
            seen_texts.add(key)
            (held_out if path.name == HELD_OUT else train).append((text, label))
    return train, held_out


def evaluation_texts(real: Path) -> set[str]:
    """Every text of the evaluation sets, as ``_key`` sees it."""
    keys = set()
    airline = real / "airline_sentiment" / "Tweets.csv"
    if airline.exists():
        with open(airline, newline="", encoding="utf-8") as handle:
            keys.update(_key(row["text"]) for row in csv.DictReader(handle))
    for path in sorted((real / "es_tass2020").glob("*.tsv")):
        keys.update(_key("\t".join(line.split("\t")[1:-1])) for line in path.read_text("utf-8").splitlines())
    wust = real / "pl_wust_emotions" / "wust_2k20_twitter_emotion_annotations.json"
    if wust.exists():
        keys.update(_key(row["tweet"]) for row in json.loads(wust.read_text("utf-8")))
    return keys


def design(texts: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The hashed buckets (a sparse count matrix) and the dense rule features of each text."""
    rows, buckets = featurize(texts)
    matrix = sparse.csr_matrix((np.ones(len(buckets)), (rows, buckets)), shape=(len(texts), N_FEATURES))
    dense = [rule_features(text, rule_parts(text, "en")) for text in texts]
    return matrix, np.array(dense, dtype=np.float64)


def fit(texts: list[str], labels: list[str], c: float, *, use_rules: bool = True) -> LinearModel:
    matrix, dense = design(texts)
    if not use_rules:
        dense = np.zeros_like(dense)
    # balanced: SemEval holds few complaints (15 % negative), while a brand's mentions hold many
    classifier = LogisticRegression(C=c, max_iter=3000, tol=1e-6, class_weight="balanced")
    classifier.fit(sparse.hstack([matrix, sparse.csr_matrix(dense)]).tocsr(), [CLASSES.index(x) for x in labels])
    coef = classifier.coef_.T  # (features, 3), classes in CLASSES order
    model = LinearModel(
        "",
        coef[:N_FEATURES].astype(np.float32),
        coef[N_FEATURES:].astype(np.float64),
        classifier.intercept_.astype(np.float64),
    )
    digest = hashlib.sha256(
        b"".join(
            np.ascontiguousarray(a).tobytes() for a in (model.hashed_weights, model.dense_weights, model.intercept)
        )
    ).hexdigest()[:8]
    return LinearModel(f"model-en-{digest}", model.hashed_weights, model.dense_weights, model.intercept)


def predict(model: LinearModel, texts: list[str]) -> np.ndarray:
    _, dense = design(texts)
    return model.probabilities(texts, dense)


def macro_f1(truth: list[str], probabilities: np.ndarray) -> float:
    return f1_score([CLASSES.index(x) for x in truth], probabilities.argmax(axis=1), average="macro")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=SHARED / "train" / "semeval2017_en")
    parser.add_argument("--real", type=Path, default=SHARED / "real", help="evaluation sets, removed from training")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not args.train.is_dir():
        print(f"{args.train}: not found; the training data live in ../shared/data/train")
        return 1
    if not args.real.is_dir():
        print(f"{args.real}: not found; without the evaluation sets their texts cannot be kept out of training")
        return 1
    train, held_out = load_semeval(args.train)
    excluded = evaluation_texts(args.real)
    before = len(train) + len(held_out)
    train = [(t, y) for t, y in train if _key(t) not in excluded]
    held_out = [(t, y) for t, y in held_out if _key(t) not in excluded]
    print(
        f"{before:,} unique tweets; {before - len(train) - len(held_out):,} also in an evaluation set, removed; "
        f"{len(train):,} to train, {len(held_out):,} held out (SemEval 2017 test)"
    )
    texts, labels = [t for t, _ in train], [y for _, y in train]
    best = None
    for c in (0.01, 0.03, 0.1):
        score = macro_f1([y for _, y in held_out], predict(fit(texts, labels, c), [t for t, _ in held_out]))
        print(f"C={c}: held-out macro-F1 {score:.3f}")
        best = best if best is not None and best[1] >= score else (c, score)
    everything = train + held_out
    model = fit([t for t, _ in everything], [y for _, y in everything], best[0])
    probes = predict(model, PROBES)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(model.to_bytes(probe_texts=np.array(PROBES), probe_probabilities=probes))
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), version {model.version}, C={best[0]}, "
        f"{len(everything):,} tweets"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
