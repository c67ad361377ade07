"""Normalize: build ``fct_posts`` from ``stg_posts`` and ``brands``; what needs the whole store.

- ``is_brand``: as exported (TWCS ``inbound=False``, Twitter Analytics) where the export says; otherwise
  the author's handle is a handle alias of a brand (``brand_aliases``, see ``pipeline.core.brands``).
- ``parent_id``: as exported; where an export names only a conversation (``thread_key``: Hootsuite's
  Conversation ID) and not the parent, the conversation's previous message (by time, then post id).
- ``thread_id``: the ``post_id`` of the root of the reply chain. Parent links are followed while the parent
  is in the store (same platform); where it is not, the earliest known ancestor is the root. A cycle in bad
  data is broken at its earliest post (then lowest post id), which becomes the root.
- ``brand``: the canonical brand a post belongs to: the author's brand for a brand post; for a customer
  post the brand of the first @mention that is a brand alias, else the brand that posted first in its
  thread (of brand posts at one instant, the smallest post id), else the brand the export names, else the
  first brand name in its text as a whole word (case- and accent-insensitive), else the one brand that
  replies in its export (an inbox export of one account).
  A post attributed to no brand has none (NULL): never a personal account.
- ``text``: as exported, with the common HTML entities decoded (``&amp;`` -> ``&``).

After an import that only added posts, only the new posts and the stored threads they join are threaded
again (``build_posts``); otherwise the whole table is rebuilt. The root search is pointer jumping (each pass
doubles the distance covered), so a chain of n replies takes about log2(n) set-based passes.
"""

from __future__ import annotations

import duckdb

from pipeline.core import db
from pipeline.core.brands import MENTION_PATTERN
from pipeline.core.brands import brands_key as current_brands_key

_MAX_PASSES = 64
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")


def brands_word(expr: str) -> str:
    """SQL: the text a brand name is looked for in as a whole word (lower case, accents stripped)."""
    return f"lower(strip_accents({expr}))"


def name_pattern(con: duckdb.DuckDBPyConnection) -> str:
    """One regular expression that finds the first brand name in a text as a whole word (longest names first,
    so that "virgin america" wins over "virgin"); empty when there are no names."""
    words = [
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT {brands_word('alias')} AS word FROM brand_aliases WHERE kind = 'name' "
            "AND length(trim(alias)) >= 2 ORDER BY length(word) DESC, word"
        ).fetchall()
    ]
    if not words:
        return ""
    escaped = ["".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in word) for word in words]
    return f"(?:^|[^\\p{{L}}\\p{{N}}_@#])({'|'.join(escaped)})(?:[^\\p{{L}}\\p{{N}}_]|$)"


# HTML entities that exports leave in post texts (Twitter's API escapes &, < and >): decoded once, here.
_ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#39;", "'"),
    ("&#039;", "'"),
    ("&#x27;", "'"),
    ("&apos;", "'"),
    ("&nbsp;", " "),
    ("&amp;", "&"),
)


def decoded_text_sql(expr: str) -> str:
    """SQL: the text with the common HTML entities decoded (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    out = expr
    for entity, char in _ENTITIES:
        out = f"replace({out}, '{entity}', '{char.replace(chr(39), chr(39) * 2)}')"
    return f"CASE WHEN contains({expr}, '&') THEN {out} ELSE {expr} END"


# Nodes whose current ancestor still has a parent: not yet at a root, or caught in a cycle (where jumping
# can land a node on itself, so "anc = anc of anc" is not enough to call it settled).
_UNSETTLED = "SELECT a.n FROM tmp_anc a JOIN tmp_nodes r ON r.n = a.anc WHERE r.parent_n IS NOT NULL"


def settle_roots(con: duckdb.DuckDBPyConnection) -> int:
    """Pointer-jump ``tmp_anc(n, anc)`` until every anc is a root; return how many nodes did not settle."""
    previous = None
    for _ in range(_MAX_PASSES):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE tmp_anc AS
            SELECT a.n, b.anc FROM tmp_anc a JOIN tmp_anc b ON b.n = a.anc""")
        unsettled = db.scalar(con, _UNSETTLED.replace("a.n", "count(*)"))
        if unsettled == 0 or unsettled == previous:
            return unsettled
        previous = unsettled
    return previous or 0


def break_cycles(con: duckdb.DuckDBPyConnection) -> None:
    """Make the earliest post of each cycle a root. Only bad data has cycles, so a Python walk is fine."""
    parents = dict(con.execute("SELECT n, parent_n FROM tmp_nodes WHERE parent_n IS NOT NULL").fetchall())
    unsettled = [row[0] for row in con.execute(_UNSETTLED).fetchall()]
    order = dict(
        con.execute(
            "SELECT n, rank() OVER (ORDER BY created_at, post_id) FROM tmp_nodes WHERE n IN (SELECT unnest(?))",
            [unsettled],
        ).fetchall()
    )
    new_roots, seen = set(), set()
    for start in unsettled:
        path, node = [], start
        while node is not None and node not in seen and node not in path:
            path.append(node)
            node = parents.get(node)
        if node in path:  # a new cycle: the part of the path from node onwards
            cycle = path[path.index(node) :]
            new_roots.add(min(cycle, key=lambda n: order.get(n, 0)))
        seen.update(path)
    con.execute("UPDATE tmp_nodes SET parent_n = NULL WHERE n IN (SELECT unnest(?))", [sorted(new_roots)])


def _thread(con: duckdb.DuckDBPyConnection, source: str, build: int) -> None:
    """Thread, attribute and type the staged posts of ``source`` (``stg_posts`` or a closed part of it) into
    ``tmp_built``, rows in the shape of ``fct_posts``, stamped with ``build``, with each post's language and
    sentiment where ``enr_posts`` has them already."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_parents AS
        SELECT platform, post_id,
               lag(post_id) OVER (PARTITION BY platform, thread_key ORDER BY created_at, post_id) AS previous
        FROM {source} WHERE thread_key IS NOT NULL AND parent_id IS NULL""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tmp_nodes AS
        SELECT row_number() OVER () AS n, s.platform, s.post_id,
               coalesce(s.parent_id, tp.previous) AS parent_id, s.created_at
        FROM {source} s LEFT JOIN tmp_parents tp USING (platform, post_id)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE tmp_nodes AS
        SELECT c.n, c.platform, c.post_id, c.created_at,
               CASE WHEN p.n <> c.n THEN p.n END AS parent_n
        FROM tmp_nodes c LEFT JOIN tmp_nodes p ON p.platform = c.platform AND p.post_id = c.parent_id""")
    con.execute("CREATE OR REPLACE TEMP TABLE tmp_anc AS SELECT n, coalesce(parent_n, n) AS anc FROM tmp_nodes")
    if settle_roots(con):
        break_cycles(con)
        con.execute("CREATE OR REPLACE TEMP TABLE tmp_anc AS SELECT n, coalesce(parent_n, n) AS anc FROM tmp_nodes")
        settle_roots(con)
    names = name_pattern(con)
    key = db.alias_key_sql
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE tmp_built AS
        WITH handle_keys AS (SELECT coalesce(list(DISTINCT key), []) AS keys FROM brand_aliases
                             WHERE kind = 'handle' AND key <> ''),
        alias_keys AS (SELECT coalesce(list(DISTINCT key), []) AS keys FROM brand_aliases WHERE key <> ''),
        by_key AS (SELECT DISTINCT ON (key) key, brand FROM brand_aliases ORDER BY key, kind = 'handle' DESC, brand),
        by_name AS (SELECT DISTINCT ON (word) {brands_word("alias")} AS word, brand FROM brand_aliases
                    WHERE kind = 'name' ORDER BY word, brand),
        threaded AS (
            SELECT s.*, r.post_id AS thread_id,
                   {key("s.author_id")} AS author_key,
                   coalesce(s.is_brand_exported, list_contains(hk.keys, {key("s.author_id")})) AS is_brand_,
                   list_filter(list_transform(regexp_extract_all(s.text, $mention, 1), lambda h: {key("h")}),
                               lambda k: list_contains(ak.keys, k))[1] AS mentioned_key,
                   CASE WHEN $names <> '' THEN nullif(regexp_extract({brands_word("s.text")}, $names, 1), '') END
                       AS named_word,
                   {key("s.brand_exported")} AS exported_key,
                   coalesce(s.parent_id, tp.previous) AS effective_parent
            FROM {source} s
            LEFT JOIN tmp_parents tp ON tp.platform = s.platform AND tp.post_id = s.post_id
            JOIN tmp_nodes n ON n.platform = s.platform AND n.post_id = s.post_id
            JOIN tmp_anc a ON a.n = n.n
            JOIN tmp_nodes r ON r.n = a.anc
            CROSS JOIN handle_keys hk CROSS JOIN alias_keys ak
        ),
        attributed AS (
            SELECT t.*, author.brand AS author_brand,  -- an account no brand has (any more) is no brand's
                   mentioned.brand AS mentioned_brand, exported.brand AS exported_brand, named.brand AS named_brand
            FROM threaded t
            LEFT JOIN by_key author ON author.key = t.author_key AND t.is_brand_
            LEFT JOIN by_key mentioned ON mentioned.key = t.mentioned_key
            LEFT JOIN by_key exported ON exported.key = t.exported_key
            LEFT JOIN by_name named ON named.word = t.named_word
        ),
        thread_brand AS (
            SELECT platform, thread_id, arg_min(author_brand, (created_at, post_id)) AS brand
            FROM attributed WHERE is_brand_ GROUP BY ALL
        ),
        import_brand AS (  -- an export in which exactly one brand replies is that brand's inbox
            SELECT import_id, min(author_brand) AS brand FROM attributed
            WHERE is_brand_ AND effective_parent IS NOT NULL GROUP BY ALL HAVING count(DISTINCT author_brand) = 1
        )
        SELECT t.post_id, t.platform, t.source_format, t.author_id, coalesce(t.is_brand_, false) AS is_brand,
               CASE WHEN t.is_brand_ THEN t.author_brand
                    ELSE coalesce(t.mentioned_brand, tb.brand, t.exported_brand, t.named_brand, ib.brand) END AS brand,
               t.created_at, {decoded_text_sql("t.text")} AS text, t.effective_parent AS parent_id, t.thread_id,
               t.vendor_sentiment, t.likes, t.shares, t.reach, t.url, t.lang, t.import_id, {int(build)} AS facts_build,
               e.lang AS detected_lang, e.sentiment, e.sentiment_label, e.sentiment_method
        FROM attributed t LEFT JOIN thread_brand tb USING (platform, thread_id)
        LEFT JOIN import_brand ib ON ib.import_id = t.import_id
        LEFT JOIN {db.EFFECTIVE_SENTIMENT} e ON e.platform = t.platform AND e.post_id = t.post_id
        ORDER BY t.created_at""",
        {"mention": MENTION_PATTERN, "names": names},
    )
    for table in ("tmp_nodes", "tmp_anc", "tmp_parents"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


# Stored threads a batch of new posts joins: the thread of a new post's parent, the thread of a stored post
# whose parent is new (the reply came in an earlier export than the post), and every stored post of a
# conversation (thread_key) a new post belongs to.
_TOUCHED_SQL = """
CREATE OR REPLACE TEMP TABLE tmp_touched AS
SELECT f.platform, f.thread_id FROM tmp_new new JOIN fct_posts f ON f.platform = new.platform AND f.post_id = new.parent_id
UNION
SELECT c.platform, c.thread_id FROM fct_posts c  -- a stored post's own parent id is its parent in the facts
    JOIN tmp_new new ON new.platform = c.platform AND new.post_id = c.parent_id
"""
# Stored posts of the conversations new posts continue: only for layouts with a conversation key (with none,
# the planner still joins the staged posts to the facts first: 0.5 s on 5M posts for nothing).
_TOUCHED_BY_KEY_SQL = """
INSERT INTO tmp_touched
SELECT f.platform, f.thread_id FROM (SELECT DISTINCT platform, thread_key FROM tmp_new WHERE thread_key IS NOT NULL) k
    JOIN stg_posts c ON c.platform = k.platform AND c.thread_key = k.thread_key
    JOIN fct_posts f ON f.platform = c.platform AND f.post_id = c.post_id
EXCEPT SELECT platform, thread_id FROM tmp_touched
"""
INCREMENTAL_UP_TO = 0.25  # above this share of new posts, a whole rebuild is cheaper


def build_posts(con: duckdb.DuckDBPyConnection, *, whole: bool = False) -> int:
    """Bring ``fct_posts`` up to date with ``stg_posts``; return its row count. Runs in its own transaction.

    Where only new staged posts were added since the last build (and the brand accounts are the same), only
    they and the stored threads they join are threaded again; otherwise (or with ``whole``) every post is.
    Rows written in this build carry its number in ``facts_build``, so the analytics know what changed.
    """
    con.execute("BEGIN TRANSACTION")  # i18n: not text (SQL)
    try:
        build = int(db.get_meta(con, "facts_build") or 0) + 1
        brands_key = current_brands_key(con)
        built_upto = db.get_meta(con, "facts_last_import")
        if built_upto is not None and not whole:  # imports are sequential and land whole: the later ones are new
            con.execute(
                "CREATE OR REPLACE TEMP TABLE tmp_new AS SELECT * FROM stg_posts "
                "WHERE try_cast(substr(import_id, 5) AS BIGINT) > ?",
                [int(built_upto or 0)],
            )
        else:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE tmp_new AS "
                "SELECT * FROM stg_posts ANTI JOIN fct_posts USING (platform, post_id)"
            )
        new, facts, staged = db.one_row(
            con,
            """SELECT (SELECT count(*) FROM tmp_new), (SELECT count(*) FROM fct_posts),
                                                         (SELECT count(*) FROM stg_posts)""",
        )
        incremental = (
            not whole
            and facts > 0
            and facts + new == staged
            and new <= INCREMENTAL_UP_TO * staged
            and db.get_meta(con, "facts_brands") == brands_key
        )
        if incremental:
            con.execute(_TOUCHED_SQL)
            if db.first_row(con, "SELECT 1 FROM tmp_new WHERE thread_key IS NOT NULL LIMIT 1"):
                con.execute(_TOUCHED_BY_KEY_SQL)
            con.execute("""
                CREATE OR REPLACE TEMP TABLE tmp_scope AS
                SELECT s.* FROM stg_posts s SEMI JOIN (
                    SELECT platform, post_id FROM tmp_new
                    UNION ALL
                    SELECT f.platform, f.post_id FROM fct_posts f SEMI JOIN tmp_touched t USING (platform, thread_id)
                ) k USING (platform, post_id)""")
            _thread(con, "tmp_scope", build)
            con.execute(
                "DELETE FROM fct_posts f USING tmp_touched t "
                "WHERE f.platform = t.platform AND f.thread_id = t.thread_id"
            )
        else:
            _thread(con, "stg_posts", build)
            con.execute("DELETE FROM fct_posts")
        con.execute("INSERT INTO fct_posts BY NAME SELECT * FROM tmp_built")
        for table in ("tmp_built", "tmp_new", "tmp_touched", "tmp_scope"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        db.set_meta(con, "facts_build", str(build))
        db.set_meta(
            con,
            "facts_last_import",
            str(db.scalar(con, "SELECT coalesce(max(try_cast(substr(import_id, 5) AS BIGINT)), 0) FROM imports")),
        )
        db.set_meta(con, "facts_brands", brands_key)
        db.set_meta(con, "facts_version", str(db.data_version(con)))
        con.execute("COMMIT")
    except BaseException:
        db.rollback(con)
        raise
    return db.scalar(con, "SELECT count(*) FROM fct_posts")


def facts_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    return db.get_meta(con, "facts_version") == str(db.data_version(con))
