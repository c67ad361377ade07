"""Synthetic exports with a known answer, for the monitoring tests: a brand (@AcmeHelp) with a steady stream of
customer posts that it answers, a campaign spike of praise on a Tuesday, and a crisis that starts on a
Saturday afternoon and escalates; written as generic CSV files covering whatever hours a test asks for."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

BRAND = "AcmeHelp"
HEADER = ["post_id", "created_at", "author_id", "text", "parent_id", "platform", "is_brand"]
# Saturday 2026-11-14 14:00 UTC: the onset; two weeks of calm history before it
ONSET = datetime(2026, 11, 14, 14, 0, tzinfo=UTC)
HISTORY_START = ONSET - timedelta(days=14, hours=14)
CAMPAIGN = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # Tuesday: four hours of praise
FIRST_REPLY = ONSET + timedelta(hours=3)  # the brand is silent for three hours

NEGATIVE = [
    "@AcmeHelp my blender jar cracked and cut my hand, terrible and dangerous product",
    "@AcmeHelp worst experience ever, the jar broke again, awful quality, I want my money back",
    "@AcmeHelp your cracked jars are a disgrace, horrible service and nobody answers",
    "@AcmeHelp furious: the jar shattered, this is dangerous and disgusting",
]
PRAISE = [
    "@AcmeHelp love the new air fryer, amazing giveaway, thank you!",
    "@AcmeHelp best kitchen gadget ever, great job, so happy",
    "@AcmeHelp wonderful product, excellent quality, thanks a lot",
]
NEUTRAL = [
    "@AcmeHelp what time do you open on Monday?",
    "@AcmeHelp where can I find the manual for model 7?",
    "@AcmeHelp is the kettle available in blue?",
]
MILD = [
    "@AcmeHelp my order arrived late and the box was damaged, not happy",
    "@AcmeHelp disappointed, the lid does not fit well",
]
REPLY = "@{user} thanks for telling us, we will look at it and get back to you"
CRISIS_REPLY = (
    "@{user} we're sorry: we are investigating the cracked jars and will keep you updated here. "
    "Please stop using the jar."
)


def crisis_negatives(hour: datetime) -> int:
    """Negative posts in the crisis hour ``hour`` (0 outside the crisis): a fast rise, then a plateau."""
    h = int((hour - ONSET).total_seconds() // 3600)
    if h < 0 or h >= 30:
        return 0
    return [16, 30, 45, 60][h] if h < 4 else 60


def posts_for_hour(hour: datetime, *, seed: int = 7, crisis: bool = True, campaign: bool = True) -> list[list]:
    """The rows of one hour: calm traffic, plus the campaign or the crisis where they fall."""
    rng = random.Random(f"{seed}:{hour.isoformat()}")
    rows = []

    def post(at, user, text, parent=None, brand=False):
        post_id = f"{int(at.timestamp())}{rng.randrange(10**6):06d}"
        rows.append(
            [
                post_id,
                at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                BRAND if brand else user,
                text,
                parent or "",
                "twitter",
                "true" if brand else "false",
            ]
        )
        return post_id

    def customer(kind_texts, answer_after):
        user = f"user{rng.randrange(5000)}"
        at = hour + timedelta(minutes=rng.randrange(0, 45), seconds=rng.randrange(60))
        post_id = post(at, user, rng.choice(kind_texts))
        if answer_after is not None:
            post(at + answer_after, BRAND, REPLY.format(user=user), parent=post_id, brand=True)

    for _ in range(rng.randint(4, 7)):
        customer(rng.choice([NEUTRAL, NEUTRAL, PRAISE, MILD]), timedelta(minutes=rng.randrange(5, 14)))
    if campaign and CAMPAIGN <= hour < CAMPAIGN + timedelta(hours=4):
        for _ in range(80):
            customer(PRAISE, None)
    if crisis:
        for _ in range(crisis_negatives(hour)):
            user = f"angry{rng.randrange(10**5)}"
            at = hour + timedelta(minutes=rng.randrange(0, 50), seconds=rng.randrange(60))
            post_id = post(at, user, rng.choice(NEGATIVE))
            if hour >= FIRST_REPLY and rng.random() < 0.5:
                post(at + timedelta(minutes=5), BRAND, CRISIS_REPLY.format(user=user), parent=post_id, brand=True)
    return rows


def write_export(path: Path, start: datetime, end: datetime, **options) -> Path:
    """A generic CSV with every post from ``start`` to ``end`` (whole hours)."""
    rows, hour = [], start
    while hour < end:
        rows += posts_for_hour(hour, **options)
        hour += timedelta(hours=1)
    rows.sort(key=lambda row: row[1])
    tmp = path.with_name(path.name + ".part")  # written under a temporary name, then renamed (as sync tools do)
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    tmp.rename(path)
    return path
