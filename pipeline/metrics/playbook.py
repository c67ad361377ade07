"""Metrics: the crisis-response playbook, which moves each brand reply makes.

Crisis-communication practice asks a brand to make five moves. Each brand post is classified by phrase
rules (regular expressions over the lower-cased text, English, Spanish and Polish); a reply can make
several moves:

- ``apologise``: says sorry ("we're sorry", "lo sentimos", "przepraszamy").
- ``explain``: gives the cause or keeps people informed while it investigates ("due to", "we're
  investigating", "we'll keep you updated", "estamos investigando", "badamy sprawę").
- ``admit_error``: takes the blame ("our mistake", "we take full responsibility", "es culpa nuestra",
  "nasz błąd").
- ``change``: says what will be different ("from now on", "we have fixed", "a partir de ahora",
  "od teraz").
- ``make_amends``: offers something to put it right ("refund", "free replacement", "voucher", "reembolso",
  "za darmo").

Writes ``fct_reply_moves(platform, post_id, brand, created_at, move)`` for every brand post (after an import
that only added posts, for the new and re-threaded ones).
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from pipeline.core import db
from pipeline.core.i18n import N_, name_in
from pipeline.core.parallel import pipelined
from pipeline.metrics.responses import CHANGED_FACTS

# the five moves in words (English; ``move_name`` gives them in the current language)
MOVE_NAMES = {
    "apologise": N_("apologise"),
    "explain": N_("explain and keep informed"),
    "admit_error": N_("admit the error"),
    "change": N_("say what will change"),
    "make_amends": N_("make amends"),
}


def move_name(move: str) -> str:
    """A playbook move in words, in the current language (an unknown code as it is)."""
    return name_in(MOVE_NAMES, move)


MOVES: dict[str, dict[str, str]] = {
    "apologise": {
        "en": r"\b(sorry|apologi[sz]e[sd]?|apologies|we regret|our apologies)\b",
        "es": r"\b(lo sentimos|lamentamos|disculpa\w*|perd[oó]n\w*|sentimos mucho)\b",
        "pl": r"\b(przepraszam\w*|przeprosi\w*|przykro nam|wybacz\w*)\b",
    },
    "explain": {
        "en": r"\b(because|due to|caused by|the cause|root cause|investigat\w*|looking into|we'?re checking|"
        r"keep you (posted|informed|updated)|we'?ll update|updates? (here|soon|to follow)|what happened|"
        r"we'?re aware|we are aware)\b",
        "es": r"\b(debido a|causad\w*|la causa|investiga\w*|estamos revisando|revisando|te mantendremos|"
        r"os mantendremos|informaremos|actualizaremos|sabemos que|lo que pas[oó])\b",
        "pl": r"\b(z powodu|spowodowan\w*|przyczyn\w*|wyjaśni\w*|badamy|sprawdzamy|analizujemy|"
        r"będziemy informować|poinformujemy|wiemy o)\b",
    },
    "admit_error": {
        "en": r"\b(our (mistake|fault|error)|we (made a mistake|got it wrong|messed up|failed|dropped the ball)|"
        r"(take|takes|taking) (full )?responsibility|that'?s on us|should(n'?t| not) have happened|"
        r"we were wrong|has a defect|was our)\b",
        "es": r"\b(nuestro error|(es )?culpa nuestra|nuestra culpa|nos equivocamos|asumimos (la |toda la )?"
        r"responsabilidad|no debi[oó] (pasar|ocurrir)|fallamos|tiene un defecto)\b",
        "pl": r"(nasz błąd|nasza wina|pomyliliśmy się|popełniliśmy błąd|bierzemy (pełną )?odpowiedzialność|"
        r"nie powinno się (było )?zdarzyć|zawiedliśmy|ma wadę)",
    },
    "change": {
        "en": r"\b(from now on|going forward|(we|we'?ve|we have|we will|we'?ll) (now )?(fixed|fix|changed|change|"
        r"improved|improve|introduced|introduce|added|add|rolled out|roll out|replaced)|"
        r"to prevent this|so (this|it) (doesn'?t|does not|won'?t|will not) happen again|is now|are now)\b",
        "es": r"\b(a partir de ahora|de ahora en adelante|hemos (corregido|cambiado|solucionado|mejorado)|"
        r"vamos a (cambiar|mejorar|corregir)|para que no vuelva a (pasar|ocurrir)|ahora probamos)\b",
        "pl": r"(od teraz|od dziś|naprawiliśmy|zmieniliśmy|wprowadziliśmy|wprowadzamy|aby (to )?się nie "
        r"powtórzy|żeby (to )?się nie powtórzy|poprawimy|jest teraz|są teraz)",
    },
    "make_amends": {
        "en": r"\b(refund\w*|replacement|replace (it|your)|compensat\w*|voucher|credit|free of charge|"
        r"reimburs\w*|gift card|discount|on us|free)\b",
        "es": r"\b(reembols\w*|reemplazo|sustituci[oó]n|compensa\w*|cup[oó]n|vale|descuento|sin coste|sin costo|"
        r"gratis|devoluci[oó]n|abonaremos)\b",
        "pl": r"(zwrot\w*|zwrócimy|wymian\w*|rekompensat\w*|\bbon\b|kupon\w*|rabat\w*|zniżk\w*|bezpłatn\w*|"
        r"za darmo|gratis|zrekompensujemy)",
    },
}
_COMPILED = {move: re.compile("|".join(f"(?:{p})" for p in by_lang.values())) for move, by_lang in MOVES.items()}


def classify_moves(text: str) -> list[str]:
    """The playbook moves a brand reply makes, in the order of ``MOVES``.

    >>> classify_moves("We're sorry: it was our mistake. Free replacement for everyone.")
    ['apologise', 'admit_error', 'make_amends']
    """
    lower = (text or "").lower()
    return [move for move, pattern in _COMPILED.items() if pattern.search(lower)]


def _moves_of(texts: list[str]) -> list[list[str]]:
    return [classify_moves(text) for text in texts]


_BATCH = 200_000


def compute_reply_moves(con: duckdb.DuckDBPyConnection, *, changed_only: bool = False) -> int:
    """Rebuild ``fct_reply_moves`` from every brand post (``changed_only``: from the brand posts in
    ``tmp_changed_posts``); return its row count. Brand posts go through in batches (memory stays flat),
    classified on every core; only their texts travel to the workers, and rows are joined back in SQL."""
    if changed_only:
        con.execute(
            "DELETE FROM fct_reply_moves m USING tmp_changed_posts c "
            "WHERE m.platform = c.platform AND m.post_id = c.post_id"
        )
        scope = f"(SELECT * FROM fct_posts WHERE {CHANGED_FACTS})"
    else:
        con.execute("DELETE FROM fct_reply_moves")
        scope = "fct_posts"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE tmp_brand_posts AS
                    SELECT row_number() OVER () - 1 AS seq, platform, post_id, brand, created_at,
                           coalesce(text, '') AS text
                    FROM {scope} WHERE is_brand""")
    total = db.scalar(con, "SELECT count(*) FROM tmp_brand_posts")

    def fetch(start: int, end: int) -> list[str]:
        return [
            row[0]
            for row in con.execute(
                "SELECT text FROM tmp_brand_posts WHERE seq >= ? AND seq < ? ORDER BY seq", [start, end]
            ).fetchall()
        ]

    def store(start: int, moves: list[list[str]]) -> None:
        found = [(start + offset, move) for offset, made in enumerate(moves) for move in made]
        if found:
            con.register("tmp_moves", pd.DataFrame(found, columns=["seq", "move"]))
            con.execute("""INSERT INTO fct_reply_moves
                           SELECT b.platform, b.post_id, b.brand, b.created_at, m.move
                           FROM tmp_moves m JOIN tmp_brand_posts b USING (seq)""")
            con.unregister("tmp_moves")

    pipelined(_moves_of, total, _BATCH, fetch, store)
    con.execute("DROP TABLE tmp_brand_posts")
    return db.scalar(con, "SELECT count(*) FROM fct_reply_moves")
