"""Enrich: a sentiment adapter per database and language, learned from the labels the database holds.

Reads the labelled posts: an export's own labels (where its import uses them, the default) and people's
corrections (``sentiment_overrides``; each weighs ``CORRECTION_WEIGHT`` export labels), with their base
score in ``enr_posts``. Writes ``enr_adapters`` (one row per language: how many labels it learned from, its
cross-validated agreement with them, the base score's agreement with the same labels, whether it is used,
its weights) and ``enr_adapted`` (its score for each post in that language that has no label of its own).

- A language gets an adapter once it has ``MIN_LABELS`` labelled posts with all three classes among them.
- The adapter is a linear model (logistic loss, one score per class, fitted by stochastic gradient descent)
  over the same features as the English model (hashed words and the rule layer's reading) plus the base
  score (the English model, or the rules).
- Its quality is macro-F1 over ``FOLDS``-fold cross-validation on the labels (each post predicted by a
  model that never saw it), against the base score's macro-F1 on the same posts. It is used only where it
  agrees better than the base score; otherwise the base score stays and the pages say why.
- It is retrained when the labels changed by at least ``RETRAIN_SHARE`` of those it learned from (and at
  least ``RETRAIN_MIN`` posts): after an import of labelled posts or a batch of corrections. A few
  corrections do not rescore every post (a corrected post shows its correction anyway); ``radar sentiment
  retrain`` forces it. A new or changed adapter rescores its language's unlabelled posts; after an import,
  only the new ones are scored.
- At most ``MAX_LABELS`` labels are learned from (every correction, then the newest export labels): the
  learning curve is flat well before that, and training stays seconds long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from pipeline.core import db
from pipeline.core.i18n import N_, Message, Nn_, _, fmt_int, fmt_pct, language_name, ngettext, render_stored
from pipeline.core.parallel import pipelined
from pipeline.enrich.lang import SCORED_LANGUAGES
from pipeline.enrich.model import CLASSES, N_FEATURES, LinearModel, featurize, labels_and_scores
from pipeline.enrich.sentiment import rule_features, rule_parts

MIN_LABELS = 300
FOLDS = 5
CORRECTION_WEIGHT = 3.0
RETRAIN_SHARE, RETRAIN_MIN = 0.05, 50
MAX_LABELS = 20_000
ALPHA = 1e-3  # L2 regularisation
_BATCH = 200_000

# A post's own label where it has one: a correction, else its export's label where the import uses them.
_OWN_LABEL = f"""coalesce(o.sentiment_label,
                          CASE WHEN coalesce(i.use_export_labels, true) THEN {db.vendor_label_sql("s.vendor_sentiment")} END)"""
_LABELLED_SOURCES = """
    stg_posts s JOIN enr_posts e ON e.platform = s.platform AND e.post_id = s.post_id
    LEFT JOIN imports i ON i.import_id = s.import_id
    LEFT JOIN sentiment_overrides o ON o.platform = s.platform AND o.post_id = s.post_id"""


@dataclass(frozen=True)
class AdapterState:
    """What one language's adapter learned and whether it is used (a row of ``enr_adapters``)."""

    lang: str
    label_count: int  # labelled posts held when it was trained
    learned_count: int  # of which it learned from (MAX_LABELS at most)
    correction_count: int
    adapter_f1: float | None
    base_f1: float | None
    is_used: bool
    reason: str
    version: int

    @property
    def language(self) -> str:
        return language_name(self.lang)

    def sentence(self) -> str:
        """One line for the Sentiment page and ``radar status``."""
        if self.adapter_f1 is None:
            return f"{self.language}: {render_stored(self.reason)}"
        learned = (
            ngettext(
                "learned from {count} labelled {language} post ({corrections} of them corrections)",
                "learned from {count} labelled {language} posts ({corrections} of them corrections)",
                self.learned_count,
            )
            if self.correction_count
            else ngettext(
                "learned from {count} labelled {language} post",
                "learned from {count} labelled {language} posts",
                self.learned_count,
            )
        ).format(count=fmt_int(self.learned_count), language=self.language, corrections=fmt_int(self.correction_count))
        figures = _("agrees with held-out labels {adapter} macro-F1; the base score {base}").format(
            adapter=fmt_pct(self.adapter_f1), base=fmt_pct(self.base_f1)
        )
        verdict = (
            _("used for the posts without a label of their own")
            if self.is_used
            else _("not used: it does not beat the base score")
        )
        caution = (
            "; "
            + _(
                "agreement this close usually means the labels were made from the words by rules (a vendor's "
                "keyword rules, templates), not by people"
            )
            if self.adapter_f1 >= 0.98
            else ""
        )
        return f"{self.language}: {learned}; {figures}; {verdict}{caution}."


def _dense(text: str, lang: str, base_sentiment: float | None, base_label: str | None) -> list[float]:
    return [
        *rule_features(text, rule_parts(text, lang)),
        base_sentiment or 0.0,
        *(float(base_label == label) for label in CLASSES),
    ]


def _design(rows: list[tuple[str, str, float | None, str | None]]):
    """Sparse hashed buckets and dense features of (text, lang, base sentiment, base label) rows."""
    from scipy import sparse

    row_of, buckets = featurize([text for text, *_ in rows])
    matrix = sparse.csr_matrix((np.ones(len(buckets)), (row_of, buckets)), shape=(len(rows), N_FEATURES))
    dense = np.array([_dense(*row) for row in rows], dtype=float)
    return matrix, dense


def _joined(matrix, dense):
    from scipy import sparse

    return sparse.hstack([matrix, sparse.csr_matrix(dense)]).tocsr()


@dataclass(frozen=True)
class _Fitted:
    classifier: Any  # a fitted sklearn SGDClassifier (sklearn ships no type information)
    columns: np.ndarray  # the hashed buckets the training posts use: the solver sees only these

    def predict(self, matrix, dense) -> np.ndarray:
        return self.classifier.predict(_joined(matrix[:, self.columns], dense))


def _fit(matrix, dense, y: np.ndarray, weights: np.ndarray) -> _Fitted:
    from sklearn.linear_model import SGDClassifier

    # A few thousand posts touch a few thousand of the 262,144 buckets: the solver works on those alone
    # (the others would get zero weight anyway). Logistic loss by stochastic gradient descent: on 3,000-5,000
    # labels of the airline and TASS sets, the same cross-validated macro-F1 as L-BFGS in a fiftieth of the time.
    columns = np.unique(matrix.indices)
    classifier = SGDClassifier(loss="log_loss", alpha=ALPHA, class_weight="balanced", random_state=0)
    classifier.fit(_joined(matrix[:, columns], dense), y, sample_weight=weights)
    return _Fitted(classifier, columns)


def _as_model(fitted: _Fitted, version: str) -> LinearModel:
    classifier = fitted.classifier
    hashed_weights = np.zeros((N_FEATURES, 3), dtype=np.float32)
    dense_weights = np.zeros((classifier.coef_.shape[1] - len(fitted.columns), 3))
    intercept = np.full(3, -1e9)  # a class never seen is never predicted
    for row, label in enumerate(classifier.classes_):
        hashed_weights[fitted.columns, label] = classifier.coef_[row, : len(fitted.columns)]
        dense_weights[:, label] = classifier.coef_[row, len(fitted.columns) :]
        intercept[label] = classifier.intercept_[row]
    return LinearModel(version, hashed_weights, dense_weights, intercept)


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean over the three classes of 2TP / (2TP + FP + FN); a class never right scores 0."""
    scores = []
    for label in range(3):
        tp = int(np.sum((truth == label) & (predicted == label)))
        wrong = int(np.sum((truth == label) != (predicted == label)))
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return float(np.mean(scores))


def cross_validate(rows, y: np.ndarray, weights: np.ndarray, *, folds: int = FOLDS) -> np.ndarray:
    """Each labelled post's class as predicted by a model trained on the other folds. Posts with the same
    text (retweets, copies, templates) stay in one fold: a copy in the training folds would flatter the score."""
    from sklearn.model_selection import StratifiedGroupKFold

    matrix, dense = _design(rows)
    predicted = np.zeros(len(y), dtype=int)
    groups = np.unique([" ".join(row[0].lower().split()) for row in rows], return_inverse=True)[1]
    splitter = StratifiedGroupKFold(
        n_splits=min(folds, int(np.bincount(y, minlength=3).min())), shuffle=True, random_state=0
    )
    for train, test in splitter.split(np.zeros(len(y)), y, groups):
        predicted[test] = _fit(matrix[train], dense[train], y[train], weights[train]).predict(matrix[test], dense[test])
    return predicted


def train(rows, y: np.ndarray, weights: np.ndarray, version: str) -> LinearModel:
    matrix, dense = _design(rows)
    return _as_model(_fit(matrix, dense, y, weights), version)


def labelled_posts(con: duckdb.DuckDBPyConnection, lang: str) -> list[tuple]:
    """(text, lang, base sentiment, base label, own label, is correction) of the labelled posts in ``lang``:
    every correction, then the newest export labels, ``MAX_LABELS`` at most."""
    return con.execute(
        f"""
        SELECT s.text, e.lang, e.sentiment, e.sentiment_label, {_OWN_LABEL} AS label,
               o.sentiment_label IS NOT NULL AS is_correction
        FROM {_LABELLED_SOURCES}
        WHERE e.lang = ? AND label IS NOT NULL
        ORDER BY is_correction DESC, s.created_at DESC, s.platform, s.post_id
        LIMIT {MAX_LABELS}""",
        [lang],
    ).fetchall()


def label_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int]]:
    """Per scored language: (labelled posts, of which corrections, corrections set since the adapter's training)."""
    rows = con.execute(
        f"""
        SELECT e.lang, count(*), count(o.sentiment_label),
               count(*) FILTER (WHERE o.set_at > coalesce(a.trained_at, '-infinity'::TIMESTAMPTZ))
        FROM {_LABELLED_SOURCES} LEFT JOIN enr_adapters a ON a.lang = e.lang
        WHERE {_OWN_LABEL} IS NOT NULL AND e.lang IN ({", ".join("?" * len(SCORED_LANGUAGES))})
        GROUP BY e.lang""",
        sorted(SCORED_LANGUAGES),
    ).fetchall()
    return {lang: (int(n), int(corrections), int(recent)) for lang, n, corrections, recent in rows}


def adapter_states(con: duckdb.DuckDBPyConnection) -> list[AdapterState]:
    """The adapters as last trained, per language (none before a language has enough labels)."""
    rows = con.execute("""SELECT lang, label_count, learned_count, correction_count, adapter_f1, base_f1, is_used,
                                 reason, version
                          FROM enr_adapters ORDER BY lang""").fetchall()
    return [AdapterState(*row) for row in rows]


def _needs_training(row, count: int, corrections: int, recent: int) -> bool:
    """Whether the labels changed enough since the adapter was trained: export labels added or dropped,
    corrections set since then, corrections removed (a correction of an export-labelled post moves it from
    one kind to the other: it counts once)."""
    if row is None:
        return True
    trained_count, learned, trained_corrections, evaluated = row
    if not evaluated:  # nothing learned yet (too few labels or a class missing): cheap, keep the counts current
        return count != trained_count or corrections != trained_corrections
    exports_added = (count - corrections) - (trained_count - trained_corrections)
    changed = max(exports_added, -exports_added - recent, 0) + recent + max(trained_corrections - corrections, 0)
    return changed >= max(RETRAIN_MIN, RETRAIN_SHARE * learned)


def _save(con, lang: str, state: AdapterState, model: LinearModel | None) -> None:
    con.execute("DELETE FROM enr_adapters WHERE lang = ?", [lang])
    con.execute(
        "INSERT INTO enr_adapters VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            lang,
            state.version,
            state.label_count,
            state.learned_count,
            state.correction_count,
            state.adapter_f1,
            state.base_f1,
            state.is_used,
            state.reason,
            model.to_bytes() if model is not None else None,
        ],
    )


def retrain_language(con: duckdb.DuckDBPyConnection, lang: str, held: int | None = None) -> AdapterState:
    """Train and cross-validate ``lang``'s adapter from the labels held now (``held`` of them, counted by the
    caller), and store it, used or not."""
    posts = labelled_posts(con, lang)
    held = len(posts) if held is None else held
    previous = db.scalar(con, "SELECT version FROM enr_adapters WHERE lang = ?", [lang])
    version = int(previous or 0) + 1
    y = np.array([CLASSES.index(row[4]) for row in posts], dtype=int)
    corrections = sum(1 for row in posts if row[5])
    counts = np.bincount(y, minlength=3) if len(y) else np.zeros(3, dtype=int)
    if len(posts) < MIN_LABELS or counts.min() < FOLDS:
        missing = [CLASSES[i] for i in range(3) if counts[i] < FOLDS]
        reason = (  # stored as a message: read in the reader's language
            Message(
                *Nn_(
                    "{count} labelled post; an adapter needs {needed}",
                    "{count} labelled posts; an adapter needs {needed}",
                ),
                count="count",
                args=(("count", "int", len(posts)), ("needed", "int", MIN_LABELS)),
            )
            if len(posts) < MIN_LABELS
            else Message(
                N_("too few {classes} labels ({folds} of each class at least)"),
                args=(("classes", "labels", missing), ("folds", "int", FOLDS)),
            )
        ).to_json()
        state = AdapterState(lang, held, len(posts), corrections, None, None, False, reason, version)
        _save(con, lang, state, None)
        return state
    rows = [row[:4] for row in posts]
    weights = np.array([CORRECTION_WEIGHT if row[5] else 1.0 for row in posts])
    adapter_f1 = macro_f1(y, cross_validate(rows, y, weights))
    base = np.array([CLASSES.index(row[3]) if row[3] in CLASSES else 1 for row in posts])
    base_f1 = macro_f1(y, base)
    used = adapter_f1 > base_f1
    model = train(rows, y, weights, f"adapter-{lang}-{version}") if used else None
    reason = "" if used else Message(N_("does not beat the base score in cross-validation")).to_json()
    state = AdapterState(
        lang, held, len(posts), corrections, round(adapter_f1, 4), round(base_f1, 4), used, reason, version
    )
    _save(con, lang, state, model)
    return state


ACTIVE: dict[str, LinearModel] = {}  # the adapters being applied, inherited by forked workers


def apply_chunk(rows: list[tuple[str, str, float | None, str | None]]) -> list[tuple[float, str]]:
    by_lang: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_lang.setdefault(row[1], []).append(index)
    results: list[tuple[float, str] | None] = [None] * len(rows)
    for lang, indexes in by_lang.items():
        model = ACTIVE[lang]
        chosen = [rows[i] for i in indexes]
        dense = np.array([_dense(*row) for row in chosen], dtype=float)
        labels, scores = labels_and_scores(model.probabilities([row[0] for row in chosen], dense))
        for i, label, score in zip(indexes, labels, scores):
            results[i] = (score, label)
    return results  # type: ignore[return-value]


def apply_adapters(con: duckdb.DuckDBPyConnection) -> int:
    """Score, with the adapter of their language, the posts that have no label of their own and no score
    from that adapter yet; drop the scores of adapters no longer used and of posts that gained a label.
    Returns how many posts that already have facts changed (a new import's posts are built afterwards)."""
    changed = con.execute("""
        DELETE FROM enr_adapted d WHERE NOT EXISTS (
            SELECT 1 FROM enr_adapters a WHERE a.lang = d.lang AND a.is_used
              AND d.sentiment_method = 'adapter-' || a.lang || '-' || a.version)""").fetchall()[0][0]
    changed += con.execute(f"""
        DELETE FROM enr_adapted d WHERE EXISTS (
            SELECT 1 FROM {_LABELLED_SOURCES}
            WHERE s.platform = d.platform AND s.post_id = d.post_id AND {_OWN_LABEL} IS NOT NULL)""").fetchall()[0][0]
    ACTIVE.clear()
    for lang, data in con.execute("SELECT lang, weights FROM enr_adapters WHERE is_used").fetchall():
        ACTIVE[lang] = LinearModel.from_bytes(data)
    if not ACTIVE:
        return int(changed)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE tmp_to_adapt AS
        SELECT row_number() OVER (ORDER BY s.platform, s.post_id) - 1 AS seq, s.platform, s.post_id, s.text, e.lang,
               e.sentiment, e.sentiment_label
        FROM {_LABELLED_SOURCES}
        WHERE e.lang IN ({", ".join("?" * len(ACTIVE))}) AND {_OWN_LABEL} IS NULL
          AND NOT EXISTS (SELECT 1 FROM enr_adapted d WHERE d.platform = s.platform AND d.post_id = s.post_id)""",
        sorted(ACTIVE),
    )
    todo = int(db.scalar(con, "SELECT count(*) FROM tmp_to_adapt"))
    # posts whose facts exist already change under them; a new import's posts are built with the scores
    changed += db.scalar(
        con,
        """SELECT count(*) FROM tmp_to_adapt t SEMI JOIN fct_posts f
                                 ON f.platform = t.platform AND f.post_id = t.post_id""",
    )
    versions = {lang: model.version for lang, model in ACTIVE.items()}

    def fetch(start: int, end: int) -> list[tuple]:
        return con.execute(
            "SELECT text, lang, sentiment, sentiment_label FROM tmp_to_adapt WHERE seq >= ? AND seq < ? ORDER BY seq",
            [start, end],
        ).fetchall()

    def store(start: int, results: list[tuple[float, str]]) -> None:
        con.register(
            "tmp_adapted",
            pa.table(
                {
                    "seq": pa.array(range(start, start + len(results)), type=pa.int64()),
                    "sentiment": pa.array([score for score, _ in results], type=pa.float64()),
                    "sentiment_label": pa.array([label for _, label in results], type=pa.string()),
                }
            ),
        )
        con.execute(f"""INSERT INTO enr_adapted
                        SELECT t.platform, t.post_id, t.lang, a.sentiment, a.sentiment_label,
                               CASE t.lang {" ".join(f"WHEN '{lang}' THEN '{version}'" for lang, version in versions.items())} END
                        FROM tmp_adapted a JOIN tmp_to_adapt t USING (seq)""")
        con.unregister("tmp_adapted")

    pipelined(apply_chunk, todo, _BATCH, fetch, store)
    con.execute("DROP TABLE tmp_to_adapt")
    return int(changed)


def adapt_sentiment(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> int:
    """Retrain each scored language's adapter where its labels changed enough (every one with ``force``), then
    bring the adapted scores up to date. Returns how many posts' scores changed. Every adapter is retrained
    after the base scores changed (a new English model, a rescore): the base score is one of its features."""
    force = force or db.get_meta(con, "adapters_stale") == "1"
    db.set_meta(con, "adapters_stale", "0")
    counts = label_counts(con)
    trained = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT lang, label_count, learned_count, correction_count, adapter_f1 IS NOT NULL, is_used FROM enr_adapters"
        ).fetchall()
    }
    scores_changed = False
    for lang in sorted(SCORED_LANGUAGES):
        count, corrections, recent = counts.get(lang, (0, 0, 0))
        if lang not in trained and count == 0:
            continue
        if force or _needs_training(trained[lang][:4] if lang in trained else None, count, corrections, recent):
            state = retrain_language(con, lang, count)
            scores_changed |= state.is_used or bool(trained.get(lang, (False,) * 5)[4])
    changed = apply_adapters(con)
    if scores_changed:  # old posts' scores changed: every metric is recomputed, as after a correction
        db.set_meta(con, "labels_version", str(int(db.get_meta(con, "labels_version") or 0) + 1))
    return changed
