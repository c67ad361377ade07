"""Sentiment accuracy against human labels: the figures in docs/benchmarks.md.

    .venv/bin/python bench/sentiment_eval.py [--shared ../shared/data/real] [--baselines] [--cost]
                                             [--learning-curve]

Reads the labelled sets from ../shared/data/real (never copied into the repository), scores every text
with the detected language as the dashboard does (a post whose language is not scored counts as
neutral here), and prints accuracy and macro-F1 per data set, and on English the rules alone beside the
shipped model (which reads the rules' features). ``--baselines`` adds TextBlob and plain VADER on the
English set. ``--cost`` measures texts per second on one core: the rules, the rules and the model.
``--learning-curve`` measures the per-database adapter: each set is split in two halves (by a fixed shuffle);
an adapter learns from 100, 300, 1,000 and 3,000 labels of the first half and is scored on the second,
against the base score on the same half. The shipped model never saw these sets; the adapter learns from
half of one only to be measured on the other half, as a database learns from its own labels.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.enrich.sentiment import LABELS, enrich_texts, label_for, rule_parts, score_texts  # noqa: E402

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
PL_POLARITY = {
    "zlosc": "negative",
    "wstret": "negative",
    "smutek": "negative",
    "strach": "negative",
    "radosc": "positive",
    "podziw": "positive",
    "neutralne": "neutral",
}
ES_POLARITY = {"N": "negative", "NEU": "neutral", "P": "positive"}


def load_airline(shared: Path) -> list[tuple[str, str]]:
    with open(shared / "airline_sentiment" / "Tweets.csv", newline="", encoding="utf-8") as handle:
        return [(row["text"], row["airline_sentiment"]) for row in csv.DictReader(handle)]


def load_tass(shared: Path) -> list[tuple[str, str]]:
    pairs = []
    for path in sorted((shared / "es_tass2020").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[-1].strip() in ES_POLARITY:
                pairs.append(("\t".join(parts[1:-1]), ES_POLARITY[parts[-1].strip()]))
    return pairs


def load_wust(shared: Path) -> list[tuple[str, str]]:
    rows = json.loads((shared / "pl_wust_emotions" / "wust_2k20_twitter_emotion_annotations.json").read_text("utf-8"))
    return [
        (row["tweet"], PL_POLARITY[row["most_common_annotation"]])
        for row in rows
        if row.get("most_common_annotation") in PL_POLARITY
    ]


DATASETS = {
    "en airline (US airline sentiment)": load_airline,
    "es TASS 2020 (train+dev)": load_tass,
    "pl WUST 2k20 emotions -> polarity": load_wust,
}


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """Mean over the three labels of F1 = 2PR / (P + R); a label never predicted has F1 0."""
    scores = []
    for label in LABELS:
        tp = sum(1 for t, p in zip(truth, predicted) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted)) / len(truth)


def evaluate(pairs: list[tuple[str, str]]) -> dict:
    """Score ``(text, human label)`` pairs as the pipeline does; return the figures for one row."""
    texts = [text for text, _ in pairs]
    langs, scores = zip(*enrich_texts([(text, None) for text in texts]))
    predicted = [score.label or "neutral" for score in scores]
    truth = [label for _, label in pairs]
    return {
        "n": len(pairs),
        "accuracy": accuracy(truth, predicted),
        "macro_f1": macro_f1(truth, predicted),
        "unscored": sum(score.label is None for score in scores),
        "langs": Counter(langs).most_common(3),
        "truth": Counter(truth),
        "predicted": Counter(predicted),
    }


def _baselines(pairs):
    from textblob import TextBlob
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    truth = [label for _, label in pairs]
    blob = [
        "positive" if p > 0.05 else "negative" if p < -0.05 else "neutral"
        for p in (TextBlob(text).sentiment.polarity for text, _ in pairs)
    ]
    analyzer = SentimentIntensityAnalyzer()
    vader = [
        "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"
        for c in (analyzer.polarity_scores(text)["compound"] for text, _ in pairs)
    ]
    return {"TextBlob polarity (+-0.05)": blob, "VADER compound (+-0.05)": vader}, truth


def _rules_only(pairs, lang: str) -> list[str]:
    return [label_for(rule_parts(text, lang).sentiment) for text, _ in pairs]


def cost(pairs, lang: str) -> None:
    """Texts per second on one core (language given, so detection is left out)."""
    texts = [(text, lang) for text, _ in pairs]
    started = time.perf_counter()
    _rules_only(pairs, lang)
    rules = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    score_texts(texts)
    both = len(texts) / (time.perf_counter() - started)
    print(
        f"| {lang}: rules alone | {rules:,.0f} texts/s |\n| {lang}: as scored (model over the rules for English) "
        f"| {both:,.0f} texts/s |"
    )


def learning_curve(name: str, pairs, lang: str) -> None:
    """The adapter trained on growing parts of one half, scored on the other half, against the base score."""
    import random

    import numpy as np

    from pipeline.enrich import adapter
    from pipeline.enrich.model import CLASSES

    shuffled = list(pairs)
    random.Random(0).shuffle(shuffled)
    half = len(shuffled) // 2
    first, second = shuffled[:half], shuffled[half:]
    scored = score_texts([(text, lang) for text, _ in shuffled])
    rows = [(text, lang, score.sentiment, score.label) for (text, _), score in zip(shuffled, scored)]
    truth = np.array([CLASSES.index(label) for _, label in shuffled])
    test_truth = truth[half:]
    base = adapter.macro_f1(test_truth, np.array([CLASSES.index(row[3]) for row in rows[half:]]))
    test_matrix, test_dense = adapter._design(rows[half:])
    for size in (100, 300, 1000, 3000):
        if size > len(first):
            break
        started = time.perf_counter()
        fitted = adapter._fit(*adapter._design(rows[:size]), truth[:size], np.ones(size))
        score = adapter.macro_f1(test_truth, fitted.predict(test_matrix, test_dense))
        print(
            f"| {name} | {size:,} | {len(second):,} | {score:.3f} | {base:.3f} | {time.perf_counter() - started:.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the real-data folder")
    parser.add_argument("--baselines", action="store_true", help="also print TextBlob and VADER on English")
    parser.add_argument("--cost", action="store_true", help="texts per second, rules and model")
    parser.add_argument("--learning-curve", action="store_true", help="the adapter on half of each set")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"{args.shared}: not found; the labelled data sets live in ../shared/data/real")
        return 1
    print("| data set | posts | accuracy | macro-F1 | unscored | seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, loader in DATASETS.items():
        pairs = loader(args.shared)
        started = time.perf_counter()
        result = evaluate(pairs)
        print(
            f"| {name} | {result['n']:,} | {result['accuracy']:.3f} | {result['macro_f1']:.3f} | "
            f"{result['unscored']:,} | {time.perf_counter() - started:.1f} |"
        )
        if name.startswith("en"):
            truth = [label for _, label in pairs]
            print(
                f"| {name}, the rules alone (language given) | {len(pairs):,} | "
                f"{accuracy(truth, _rules_only(pairs, 'en')):.3f} | {macro_f1(truth, _rules_only(pairs, 'en')):.3f} | | |"
            )
        if args.baselines and name.startswith("en"):
            predictions, truth = _baselines(pairs)
            for method, predicted in predictions.items():
                print(
                    f"| {name}, {method} | {len(pairs):,} | {accuracy(truth, predicted):.3f} | "
                    f"{macro_f1(truth, predicted):.3f} | | |"
                )
    if args.cost:
        print("\n| scorer | speed, one core |\n|---|---:|")
        cost(load_airline(args.shared), "en")
        cost(load_tass(args.shared), "es")
    if args.learning_curve:
        print("\n| adapter on | labels learned from | posts scored | adapter macro-F1 | base macro-F1 | seconds |")
        print("|---|---:|---:|---:|---:|---:|")
        learning_curve("en airline", load_airline(args.shared), "en")
        learning_curve("es TASS", load_tass(args.shared), "es")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
