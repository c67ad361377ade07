"""thread_id is the root of the reply chain, with missing parents, long chains and cycles."""

from tests.conftest import ingest_one


def _generic(rows):
    lines = ["id,date,user,message,in_reply_to"]
    for post_id, minute, parent in rows:
        lines.append(f"{post_id},2026-11-01T10:{minute:02d}:00Z,user{post_id},text {post_id},{parent}")
    return "\n".join(lines) + "\n"


def _threads(con):
    return dict(con.execute("SELECT post_id, thread_id FROM posts").fetchall())


def test_missing_parent_makes_the_earliest_known_ancestor_the_root(con, write_csv):
    # c -> b -> a, but a is not in the export
    ingest_one(con, write_csv("t.csv", _generic([("b", 1, "a"), ("c", 2, "b"), ("x", 3, "")])))
    assert _threads(con) == {"b": "b", "c": "b", "x": "x"}
    # when a arrives in a later export, the whole chain joins its thread
    ingest_one(con, write_csv("t2.csv", _generic([("a", 0, "")])))
    assert _threads(con) == {"a": "a", "b": "a", "c": "a", "x": "x"}


def test_chain_of_120_replies(con, write_csv):
    rows = [("p0", 0, "")] + [(f"p{i}", i % 60, f"p{i - 1}") for i in range(1, 121)]
    ingest_one(con, write_csv("chain.csv", _generic(rows)))
    threads = _threads(con)
    assert len(threads) == 121
    assert set(threads.values()) == {"p0"}


def test_cycle_is_broken_at_its_earliest_post(con, write_csv):
    # a -> b -> c -> a, plus d hanging off c; e -> e points at itself
    rows = [("a", 5, "c"), ("b", 6, "a"), ("c", 7, "b"), ("d", 8, "c"), ("e", 9, "e")]
    ingest_one(con, write_csv("cycle.csv", _generic(rows)))
    assert _threads(con) == {"a": "a", "b": "a", "c": "a", "d": "a", "e": "e"}


def test_two_post_cycle(con, write_csv):
    ingest_one(con, write_csv("cycle2.csv", _generic([("a", 2, "b"), ("b", 1, "a")])))
    assert _threads(con) == {"a": "b", "b": "b"}
