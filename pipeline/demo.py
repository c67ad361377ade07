"""Demo data: a deterministic, seeded generator of realistic exports for a fictional brand, Lumo.

Lumo makes kitchen appliances; its care team answers on X as @LumoHelp and its marketing account is
@LumoHome (X and Instagram). The generator writes four exports into ``data/demo/`` covering the 90 days
from 2026-08-23 to 2026-11-20 (UTC):

- ``lumo_x_care.csv``: customer-care conversations on X in the TWCS layout (customer tweets, care replies,
  follow-ups); English, Spanish and Polish customers.
- ``lumo_instagram_comments.csv``: Instagram posts of @LumoHome and their comments in the generic layout,
  timestamps in ISO 8601 with the Madrid offset.
- ``tweet_activity_metrics_LumoHome_20260823_20261120_en.csv``: @LumoHome's own tweets in the Twitter
  Analytics layout.
- ``brand24_mentions_kitchen.csv``: a listening tool's mentions (Brand24 layout, with its sentiment, likes,
  shares and reach) of two competitors, Kelvo (@KelvoCare) and Brava (named in the text), and of @LumoHome.

Known truth, for tests and for the eye:

- The care team works Mon-Fri 08:00-20:00 and weekends 10:00-16:00 Madrid time; replies are fast in those
  hours, slow at night and at weekends; about 8 % of conversations are never answered.
- ``CRISIS_ONSET`` (Saturday 2026-10-24 14:00 UTC): Blend Pro jars crack. A negative spike that peaks on
  Sunday and declines until Wednesday; the first brand reply comes only on Sunday morning; an apology and
  admission on Monday, the fix and compensation on Tuesday.
- ``CAMPAIGN_START`` (Tuesday 2026-09-15 10:00 UTC): the Air Fryer X launch giveaway, a positive spike
  that is not a crisis.
- ``KELVO_DELAYS`` (Saturday 2026-11-14): Kelvo's courier switch goes wrong; complaints about late and lost
  deliveries (#KelvoDelays) grow through the last week of the data: a competitor's emerging topic.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.core.settings import Settings

SEED = 20261121
START = datetime(2026, 8, 23, tzinfo=UTC)
DAYS = 90
CRISIS_ONSET = datetime(2026, 10, 24, 14, 0, tzinfo=UTC)
CRISIS_FIRST_REPLY = datetime(2026, 10, 25, 10, 30, tzinfo=UTC)
CRISIS_APOLOGY = datetime(2026, 10, 26, 11, 0, tzinfo=UTC)
CRISIS_AMENDS = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
CAMPAIGN_START = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
KELVO_DELAYS = datetime(2026, 11, 14, 0, 0, tzinfo=UTC)
LOCAL = ZoneInfo("Europe/Madrid")
CARE, HOME = "LumoHelp", "LumoHome"
DEMO_BRANDS = (CARE, HOME)
# (name, handles, names people write): the competitors the listening export tracks
DEMO_COMPETITORS = (("Kelvo", ("KelvoCare",), ("Kelvo",)), ("Brava", ("BravaKitchen",), ("Brava",)))
# The care team's contract: Madrid office hours, Spanish national holiday of 12 October, a one-hour SLA.
DEMO_SETTINGS = Settings(
    business_time_zone="Europe/Madrid",
    business_start="09:00",
    business_end="17:00",
    holidays=("2026-10-12",),
    sla_minutes=60,
)
_TWITTER_EPOCH_MS = 1288834974657

FIRST_NAMES = {
    "en": ["emma", "liam", "olivia", "noah", "ava", "jack", "mia", "leo", "grace", "sam", "chloe", "ryan"],
    "es": ["lucia", "mateo", "sofia", "hugo", "martina", "pablo", "valeria", "diego", "carmen", "javi"],
    "pl": ["kasia", "piotr", "ania", "tomek", "magda", "kuba", "ola", "michal", "zosia", "bartek"],
}
PRODUCTS = ["Blend Pro", "Air Fryer", "kettle", "toaster", "coffee grinder", "stand mixer"]

T = {  # message templates per kind and language
    "complaint": {
        "en": [
            "my {p} stopped working after {n} weeks. Really disappointed.",
            "order #{o} still not delivered after {n} days and no update",
            "the {p} arrived with a broken lid. What now?",
            "waited {n} days for a refund, still nothing on my card",
            "your {p} is so loud it wakes the whole house. Not what I paid for.",
        ],
        "es": [
            "mi {p} dejó de funcionar después de {n} semanas. Muy decepcionada.",
            "el pedido #{o} sigue sin llegar después de {n} días",
            "la {p} llegó con la tapa rota, ¿y ahora qué?",
            "llevo {n} días esperando el reembolso y nada",
        ],
        "pl": [
            "mój {p} przestał działać po {n} tygodniach. Jestem rozczarowana.",
            "zamówienie #{o} nadal nie dotarło po {n} dniach",
            "{p} przyszedł z pękniętą pokrywką, co teraz?",
            "czekam {n} dni na zwrot pieniędzy i nic",
        ],
    },
    "question": {
        "en": [
            "does the {p} work with 110V?",
            "where can I buy spare blades for the {p}?",
            "is the {p} dishwasher safe?",
            "how do I register my {p} for the warranty?",
        ],
        "es": [
            "¿el {p} se puede lavar en el lavavajillas?",
            "¿dónde compro cuchillas para el {p}?",
            "¿cómo registro la garantía de mi {p}?",
        ],
        "pl": [
            "czy {p} można myć w zmywarce?",
            "gdzie kupię zapasowe ostrza do {p}?",
            "jak zarejestrować gwarancję na {p}?",
        ],
    },
    "praise": {
        "en": [
            "love my new {p}, best purchase this year!",
            "thanks for the quick help, {p} works great now",
            "the {p} is brilliant, highly recommend",
        ],
        "es": ["me encanta mi nuevo {p}, ¡la mejor compra del año!", "gracias por la ayuda, el {p} funciona genial"],
        "pl": ["uwielbiam mój nowy {p}, najlepszy zakup w tym roku!", "dzięki za szybką pomoc, {p} działa świetnie"],
    },
    "reply": {
        "en": [
            "Hi {u}, sorry to hear that. Could you DM us your order number so we can look into it? ^{a}",
            "Hi {u}, thanks for reaching out! We've sent you a DM with the details. ^{a}",
            "Hi {u}, happy to help: yes, all removable parts are dishwasher safe. ^{a}",
            "Thanks {u}! We're glad you're enjoying it. ^{a}",
        ],
        "es": [
            "Hola {u}, sentimos lo ocurrido. ¿Nos envías tu número de pedido por DM? ^{a}",
            "Hola {u}, gracias por escribirnos. Te hemos enviado un DM. ^{a}",
        ],
        "pl": [
            "Cześć {u}, przykro nam. Prosimy o numer zamówienia w wiadomości prywatnej. ^{a}",
            "Cześć {u}, dziękujemy za wiadomość. Wysłaliśmy DM ze szczegółami. ^{a}",
        ],
    },
    "followup": {
        "en": ["done, sent you a DM", "still waiting for an answer to my DM...", "thanks, that worked!"],
        "es": ["hecho, os he mandado un DM", "sigo esperando respuesta", "¡gracias, funcionó!"],
        "pl": ["wysłałam DM", "nadal czekam na odpowiedź", "dzięki, zadziałało!"],
    },
    "crisis": {
        "en": [
            "my Blend Pro jar just CRACKED while blending, glass everywhere #BlendProFail",
            "Blend Pro jar shattered in my kitchen, my kid was standing right there. Dangerous! #BlendProFail",
            "second Blend Pro jar cracked in a week. Is nobody at Lumo reading this? #BlendProFail",
            "is anyone from Lumo going to answer about the cracked Blend Pro jars?? #BlendProFail",
            "returning my Blend Pro, the jar cracked on day one #BlendProFail",
        ],
        "es": [
            "el vaso de mi Blend Pro se ha roto mientras batía, cristales por todas partes #BlendProFail",
            "la jarra de la Blend Pro estalló en mi cocina, ¡peligroso! #BlendProFail",
            "¿nadie de Lumo va a responder sobre las jarras rotas? #BlendProFail",
        ],
        "pl": [
            "dzbanek mojego Blend Pro pękł podczas miksowania, wszędzie szkło #BlendProFail",
            "Blend Pro pękł w mojej kuchni, niebezpieczne! #BlendProFail",
            "czy ktoś z Lumo odpowie w sprawie pękniętych dzbanków? #BlendProFail",
        ],
    },
    "crisis_reply_inform": {
        "en": [
            "Hi {u}, we're aware of reports about Blend Pro jars cracking and we're investigating "
            "urgently. Please stop using the jar; we'll keep you updated here. ^{a}"
        ],
        "es": [
            "Hola {u}, sabemos que hay casos de jarras Blend Pro rotas y lo estamos investigando. "
            "Por favor, deja de usarla; te mantendremos informado. ^{a}"
        ],
        "pl": [
            "Cześć {u}, wiemy o pękających dzbankach Blend Pro i badamy sprawę. Prosimy nie używać "
            "dzbanka; będziemy informować na bieżąco. ^{a}"
        ],
    },
    "crisis_reply_apology": {
        "en": [
            "{u}, we're truly sorry. A batch of Blend Pro jars made in September has a defect; that's our "
            "mistake and we take full responsibility. ^{a}"
        ],
        "es": [
            "{u}, lo sentimos de verdad. Un lote de jarras Blend Pro de septiembre tiene un defecto; es "
            "culpa nuestra. ^{a}"
        ],
        "pl": ["{u}, bardzo przepraszamy. Partia dzbanków Blend Pro z września ma wadę; to nasz błąd. ^{a}"],
    },
    "crisis_reply_amends": {
        "en": [
            "{u}, every affected customer gets a free replacement jar and a €30 voucher; DM us your order. "
            "From now on every jar is pressure-tested before it ships. ^{a}"
        ],
        "es": [
            "{u}, cada cliente afectado recibirá una jarra nueva gratis y un vale de 30 €; escríbenos por DM. "
            "A partir de ahora probamos cada jarra antes del envío. ^{a}"
        ],
        "pl": [
            "{u}, każdy poszkodowany klient otrzyma nowy dzbanek za darmo i bon 30 €; napisz do nas. "
            "Od teraz każdy dzbanek jest testowany przed wysyłką. ^{a}"
        ],
    },
    "campaign": {
        "en": [
            "entered the #LumoAirFryerX giveaway, fingers crossed! Love it",
            "the new Air Fryer X looks amazing #LumoAirFryerX",
            "wow, I want the Air Fryer X so much! #LumoAirFryerX",
        ],
        "es": [
            "¡participo en el sorteo #LumoAirFryerX, me encanta!",
            "la nueva Air Fryer X es preciosa #LumoAirFryerX",
        ],
        "pl": ["biorę udział w konkursie #LumoAirFryerX, super!", "nowa Air Fryer X wygląda świetnie #LumoAirFryerX"],
    },
}
AGENTS = ["KM", "JR", "AL", "TS", "MB"]


def _on_shift(local: datetime) -> bool:
    """The care team works Mon-Fri 08:00-20:00 and weekends 10:00-16:00, Madrid time."""
    opens, closes = (10, 16) if local.weekday() >= 5 else (8, 20)
    return opens <= local.hour < closes


@dataclass
class Post:
    post_id: str
    author: str
    created_at: datetime
    text: str
    parent: Post | None = None
    is_brand: bool = False
    platform: str = "twitter"
    likes: int = 0
    reach: int = 0
    children: list[Post] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.sequence = 0
        self.x_posts: list[Post] = []
        self.ig_posts: list[Post] = []
        self.brand_tweets: list[Post] = []
        self.customers = {
            lang: [f"{name}{self.rng.randint(1, 99)}" for name in names for _ in range(6)]
            for lang, names in FIRST_NAMES.items()
        }

    # ---- building blocks
    def snowflake(self, at: datetime) -> str:
        self.sequence = (self.sequence + 1) % 4096
        ms = int(at.timestamp() * 1000) - _TWITTER_EPOCH_MS
        return str((ms << 22) | (self.rng.randrange(32) << 12) | self.sequence)

    def lang(self) -> str:
        return self.rng.choices(["en", "es", "pl"], weights=[60, 25, 15])[0]

    def say(self, kind: str, lang: str, user: str = "") -> str:
        template = self.rng.choice(T[kind][lang])
        return template.format(
            p=self.rng.choice(PRODUCTS),
            n=self.rng.randint(2, 9),
            o=self.rng.randint(100000, 999999),
            u="@" + user if user else "",
            a=self.rng.choice(AGENTS),
        ).strip()

    def customer_time(self, day: datetime) -> datetime:
        """A moment on ``day`` weighted towards the Madrid afternoon and evening."""
        weights = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 5, 4, 2]
        hour = self.rng.choices(range(24), weights=weights)[0]
        local = datetime(
            day.year, day.month, day.day, hour, self.rng.randrange(60), self.rng.randrange(60), tzinfo=LOCAL
        )
        return local.astimezone(UTC)

    def reply_delay(self, at: datetime) -> timedelta:
        """How long the care team takes: fast in its hours, waiting for the next shift otherwise."""
        local = at.astimezone(LOCAL)
        if _on_shift(local):
            median = 75 if local.weekday() >= 5 else 18
            return timedelta(minutes=max(2.0, self.rng.lognormvariate(math.log(median), 0.7)))
        opening = local.replace(minute=0, second=0, microsecond=0)
        while not _on_shift(opening):
            opening += timedelta(hours=1)
        return opening.astimezone(UTC) - at + timedelta(minutes=self.rng.lognormvariate(math.log(45), 0.6))

    def post(
        self,
        store: list[Post],
        author: str,
        at: datetime,
        text: str,
        parent: Post | None = None,
        is_brand: bool = False,
        platform: str = "twitter",
    ) -> Post:
        item = Post(
            self.snowflake(at),
            author,
            at,
            text,
            parent,
            is_brand,
            platform,
            likes=self.rng.choice([0, 0, 0, 1, 2, 5]),
            reach=self.rng.randint(50, 5000),
        )
        if parent is not None:
            parent.children.append(item)
        store.append(item)
        return item

    # ---- scenarios
    def care_conversation(self, at: datetime, kind: str, answer_probability: float = 0.92) -> None:
        lang = self.lang()
        user = self.rng.choice(self.customers[lang])
        root = self.post(self.x_posts, user, at, f"@{CARE} " + self.say(kind, lang))
        if self.rng.random() > answer_probability:
            return
        reply_at = at + self.reply_delay(at)
        reply = self.post(self.x_posts, CARE, reply_at, self.say("reply", lang, user), root, is_brand=True)
        if self.rng.random() < 0.45:
            follow_at = reply_at + timedelta(minutes=self.rng.randint(5, 180))
            follow = self.post(self.x_posts, user, follow_at, f"@{CARE} " + self.say("followup", lang), reply)
            if self.rng.random() < 0.8:
                self.post(
                    self.x_posts,
                    CARE,
                    follow_at + self.reply_delay(follow_at),
                    self.say("reply", lang, user),
                    follow,
                    is_brand=True,
                )

    def baseline(self) -> None:
        for offset in range(DAYS):
            day = START + timedelta(days=offset)
            weekend = day.weekday() >= 5
            for _ in range(self.rng.randint(12, 18) if weekend else self.rng.randint(16, 24)):
                kind = self.rng.choices(["complaint", "question", "praise"], weights=[45, 35, 20])[0]
                self.care_conversation(self.customer_time(day), kind)
            if offset % 2 == 0:
                self.instagram_post(
                    day.replace(hour=9) + timedelta(minutes=self.rng.randint(0, 300)), comments=self.rng.randint(4, 12)
                )
            for _ in range(self.rng.randint(1, 2)):
                at = day.replace(hour=self.rng.choice([8, 10, 12, 15, 17]))
                self.post(
                    self.brand_tweets,
                    HOME,
                    at,
                    self.rng.choice(
                        [
                            "Sunday brunch sorted: 3 smoothie recipes for your Blend Pro",
                            "Tip: descale your Lumo kettle once a month for the best tea",
                            "Which colour should the next stand mixer come in? Vote below",
                            "Behind the scenes at our Valencia test kitchen",
                        ]
                    ),
                    is_brand=True,
                )

    def instagram_post(
        self,
        at: datetime,
        comments: int,
        kinds=("praise", "question", "complaint"),
        weights=(50, 30, 20),
        text: str | None = None,
    ) -> Post:
        caption = text or self.rng.choice(
            [
                "New recipe: green smoothie in 60 seconds",
                "Meet our kettle in sage",
                "Weekend baking with the stand mixer",
                "Coffee o'clock",
            ]
        )
        parent = self.post(self.ig_posts, HOME.lower(), at, caption, is_brand=True, platform="instagram")
        for _ in range(comments):
            lang = self.lang()
            user = self.rng.choice(self.customers[lang])
            c_at = at + timedelta(minutes=self.rng.lognormvariate(math.log(120), 1.0))
            kind = self.rng.choices(list(kinds), weights=list(weights))[0]
            comment = self.post(self.ig_posts, user, c_at, self.say(kind, lang), parent, platform="instagram")
            if kind != "campaign" and self.rng.random() < 0.5:
                self.post(
                    self.ig_posts,
                    HOME.lower(),
                    c_at + self.reply_delay(c_at),
                    self.say("reply", lang, user),
                    comment,
                    is_brand=True,
                    platform="instagram",
                )
        return parent

    def campaign(self) -> None:
        self.post(
            self.brand_tweets,
            HOME,
            CAMPAIGN_START,
            "Meet the Air Fryer X! Retweet and follow to win one #LumoAirFryerX",
            is_brand=True,
        )
        self.instagram_post(
            CAMPAIGN_START,
            comments=160,
            kinds=("campaign", "praise"),
            weights=(85, 15),
            text="GIVEAWAY: win the new Air Fryer X! Comment below #LumoAirFryerX",
        )
        for _ in range(130):
            at = CAMPAIGN_START + timedelta(minutes=self.rng.expovariate(1 / 360))
            lang = self.lang()
            self.post(self.x_posts, self.rng.choice(self.customers[lang]), at, f"@{HOME} " + self.say("campaign", lang))

    def crisis(self) -> None:
        """Hourly intensity: a ramp to a Sunday peak, then decline to nothing by Wednesday."""
        hours = 4 * 24
        for hour in range(hours):
            if hour < 22:
                rate = 1.5 * hour + 2
            elif hour < 34:
                rate = 34
            else:
                rate = 34 * math.exp(-(hour - 34) / 14)
            for _ in range(self.rng.choices([int(rate), int(rate) + 1], weights=[1, 1])[0]):
                at = CRISIS_ONSET + timedelta(hours=hour, seconds=self.rng.randrange(3600))
                lang = self.lang()
                user = self.rng.choice(self.customers[lang])
                if self.rng.random() < 0.2:
                    self.crisis_comment(at, lang, user)
                    continue
                root = self.post(self.x_posts, user, at, f"@{CARE} " + self.say("crisis", lang))
                self.crisis_reply(root, lang, user, self.x_posts, CARE, "twitter")
        self.post(
            self.brand_tweets,
            HOME,
            CRISIS_APOLOGY,
            "We're sorry. Some Blend Pro jars from a September "
            "batch can crack. Please stop using them; details and what we're doing: lumo.example/blendpro",
            is_brand=True,
        )
        self.post(
            self.brand_tweets,
            HOME,
            CRISIS_AMENDS,
            "Free replacement jars and a €30 voucher for every "
            "affected customer. Every jar is now pressure-tested before it ships.",
            is_brand=True,
        )

    def crisis_comment(self, at: datetime, lang: str, user: str) -> None:
        targets = [p for p in self.ig_posts if p.is_brand and p.parent is None and p.created_at <= at]
        parent = targets[-1]
        comment = self.post(self.ig_posts, user, at, self.say("crisis", lang), parent, platform="instagram")
        self.crisis_reply(comment, lang, user, self.ig_posts, HOME.lower(), "instagram")

    def crisis_reply(self, post: Post, lang: str, user: str, store: list[Post], author: str, platform: str) -> None:
        if self.rng.random() > 0.55:
            return
        at = max(post.created_at, CRISIS_FIRST_REPLY) + timedelta(minutes=self.rng.lognormvariate(math.log(90), 0.8))
        if at < CRISIS_APOLOGY:
            kind = "crisis_reply_inform"
        elif at < CRISIS_AMENDS:
            kind = "crisis_reply_apology"
        else:
            kind = "crisis_reply_amends"
        self.post(store, author, at, self.say(kind, lang, user), post, is_brand=True, platform=platform)


MENTIONS = {  # the listening export: (sentiment, text) per brand and language; {b} is how the post names it
    "complaint": {
        "en": [
            "{b} took my money and the mixer still isn't here",
            "the {b} kettle lid broke after a month",
            "{b} customer service put me on hold for an hour",
            "paid for next-day delivery, {b} delivered in a week",
        ],
        "es": [
            "{b} me cobró dos veces el pedido",
            "la batidora de {b} dejó de funcionar",
            "{b}, nadie contesta al teléfono",
        ],
        "pl": ["{b} nie odpowiada na reklamację od tygodnia", "czajnik {b} przestał działać po miesiącu"],
    },
    "price": {
        "en": [
            "{b} mixers are way too expensive for what you get",
            "love {b} but the prices went up again",
            "{b} air fryer is overpriced, same thing costs half elsewhere",
        ],
        "es": ["los precios de {b} son muy caros", "{b} subió los precios otra vez"],
        "pl": ["{b} ma za drogie blendery", "ceny {b} znowu w górę"],
    },
    "praise": {
        "en": [
            "my {b} toaster is the best thing in my kitchen",
            "{b} stand mixer made the best bread today",
            "great service from {b}, replacement arrived next day",
            "the new {b} blender is really quiet",
        ],
        "es": ["me encanta mi tostadora {b}", "la batidora {b} es genial"],
        "pl": ["toster {b} jest świetny", "polecam mikser {b}, działa super"],
    },
    "neutral": {
        "en": ["does {b} ship to Ireland?", "anyone tried the {b} coffee grinder?", "{b} vs Lumo for a first blender?"],
        "es": ["¿alguien ha probado la cafetera de {b}?", "¿{b} envía a Canarias?"],
        "pl": ["czy ktoś ma młynek {b}?", "{b} czy Lumo, co wybrać?"],
    },
    "delays": {
        "en": [
            "{b} order still not delivered, the new courier lost it #KelvoDelays",
            "two weeks and no parcel from {b}. tracking says nothing #KelvoDelays",
            "{b} delivery delayed again, third time this week #KelvoDelays",
            "the new {b} courier is a disaster, parcel sent back to the depot #KelvoDelays",
        ],
        "es": [
            "mi pedido de {b} sigue sin llegar, el nuevo mensajero lo perdió #KelvoDelays",
            "{b}: dos semanas esperando el paquete #KelvoDelays",
        ],
        "pl": [
            "paczka od {b} nadal nie dotarła, nowy kurier ją zgubił #KelvoDelays",
            "{b} opóźniona dostawa już drugi tydzień #KelvoDelays",
        ],
    },
}
_MENTION_SENTIMENT = {
    "complaint": "negative",
    "price": "negative",
    "praise": "positive",
    "neutral": "neutral",
    "delays": "negative",
}
_SOURCES = (
    ("twitter", "https://twitter.com/{a}/status/{i}"),
    ("facebook", "https://facebook.com/{a}/posts/{i}"),
    ("instagram", "https://instagram.com/p/{i}"),
)


def _mention_rows(seed: int) -> list[tuple[datetime, list]]:
    """The listening export's rows, each with its time: Kelvo and Brava every day (Kelvo's #KelvoDelays wave
    from ``KELVO_DELAYS``), and a few mentions of @LumoHome. Drawn from their own generator, so that the
    three Lumo exports stay as they were."""
    rng = random.Random(seed + 1)
    names = {lang: [f"{n}_{rng.randint(10, 99)}" for n in people] for lang, people in FIRST_NAMES.items()}
    rows = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        plan = [
            ("Kelvo", "complaint", rng.randint(2, 5)),
            ("Kelvo", "praise", rng.randint(3, 6)),
            ("Kelvo", "neutral", rng.randint(1, 3)),
            ("Kelvo", "price", rng.randint(0, 2)),
            ("Brava", "price", rng.randint(1, 3)),
            ("Brava", "praise", rng.randint(2, 5)),
            ("Brava", "complaint", rng.randint(0, 2)),
            ("Brava", "neutral", rng.randint(1, 2)),
            ("Lumo", "neutral", rng.randint(0, 2)),
        ]
        if day >= KELVO_DELAYS:
            plan.append(("Kelvo", "delays", 4 + 3 * (day - KELVO_DELAYS).days + rng.randint(0, 3)))
        for brand, kind, count in plan:
            for _ in range(count):
                lang = rng.choices(["en", "es", "pl"], weights=[60, 25, 15])[0]
                author = rng.choice(names[lang])
                at = day + timedelta(seconds=rng.randrange(86400))
                called = {"Kelvo": rng.choice(["@KelvoCare", "Kelvo"]), "Brava": "Brava", "Lumo": "@LumoHome"}[brand]
                text = rng.choice(MENTIONS[kind][lang]).format(b=called)
                platform, url = rng.choice(_SOURCES)
                mention_id = f"b24-{rng.getrandbits(40):010x}"
                likes = int(rng.lognormvariate(1.2, 1.3)) + (40 if kind == "delays" and rng.random() < 0.05 else 0)
                rows.append(
                    (
                        at,
                        [
                            mention_id,
                            at.strftime("%Y-%m-%d"),
                            at.strftime("%H:%M:%S"),
                            "",
                            text,
                            platform,
                            author,
                            url.format(a=author, i=mention_id[4:]),
                            _MENTION_SENTIMENT[kind],
                            likes,
                            int(likes * rng.random() / 2),
                            rng.randint(80, 20000),
                            rng.randint(1, 10),
                        ],
                    )
                )
    return sorted(rows, key=lambda row: (row[0], row[1][0]))


def _twitter_time(at: datetime) -> str:
    return at.strftime("%a %b %d %H:%M:%S +0000 %Y")


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


_METRICS = [
    "impressions",
    "engagements",
    "engagement rate",
    "retweets",
    "replies",
    "likes",
    "user profile clicks",
    "url clicks",
    "hashtag clicks",
    "detail expands",
    "permalink clicks",
    "app opens",
    "app installs",
    "follows",
    "email tweet",
    "dial phone",
    "media views",
    "media engagements",
]


@dataclass
class _Demo:
    """The generated posts, and each brand tweet's analytics row (drawn once, so every slice agrees)."""

    x_posts: list[Post]
    ig_posts: list[Post]
    tweets: list[tuple[Post, list]]
    mentions: list[tuple[datetime, list]]


def _generate(seed: int) -> _Demo:
    gen = _Generator(seed)
    gen.baseline()
    gen.campaign()
    gen.crisis()
    end = START + timedelta(days=DAYS)
    tweets = []
    for p in sorted(gen.brand_tweets, key=lambda p: (p.created_at, p.post_id), reverse=True):
        if p.created_at >= end:
            continue
        impressions = gen.rng.randint(800, 4000) * (8 if "#LumoAirFryerX" in p.text else 1)
        engagements = gen.rng.randint(10, 80)
        values = [
            impressions,
            engagements,
            engagements / impressions,
            gen.rng.randint(0, 20),
            gen.rng.randint(0, 15),
            gen.rng.randint(5, 60),
        ] + [gen.rng.randint(0, 10) for _ in range(12)]
        tweets.append(
            (
                p,
                [
                    p.post_id,
                    f"https://twitter.com/{HOME}/status/{p.post_id}",
                    p.text,
                    p.created_at.strftime("%Y-%m-%d %H:%M +0000"),
                    *[f"{v:.1f}" if isinstance(v, int) and i < 12 else str(v) for i, v in enumerate(values)],
                    *["-"] * len(_METRICS),
                ],
            )
        )
    return _Demo(gen.x_posts, gen.ig_posts, tweets, _mention_rows(seed))


def _write_slice(demo: _Demo, folder: Path, since: datetime, until: datetime, suffix: str) -> list[Path]:
    end = min(until, START + timedelta(days=DAYS))

    def kept(p: Post) -> bool:
        return since <= p.created_at < end

    x_posts = sorted((p for p in demo.x_posts if kept(p)), key=lambda p: (p.created_at, p.post_id))
    care = _write(
        folder / f"lumo_x_care{suffix}.csv",
        ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"],
        [
            [
                p.post_id,
                p.author,
                str(not p.is_brand),
                _twitter_time(p.created_at),
                p.text,
                ",".join(c.post_id for c in p.children if c.created_at < end),
                p.parent.post_id if p.parent else "",
            ]
            for p in x_posts
        ],
    )
    ig_posts = sorted((p for p in demo.ig_posts if kept(p)), key=lambda p: (p.created_at, p.post_id))
    instagram = _write(
        folder / f"lumo_instagram_comments{suffix}.csv",
        ["id", "date", "user", "message", "in_reply_to", "platform", "likes", "reach"],
        [
            [
                p.post_id,
                p.created_at.astimezone(LOCAL).isoformat(timespec="seconds"),
                p.author,
                p.text,
                p.parent.post_id if p.parent else "",
                "instagram",
                p.likes,
                p.reach,
            ]
            for p in ig_posts
        ],
    )
    header = ["Tweet id", "Tweet permalink", "Tweet text", "time", *_METRICS, *(f"promoted {m}" for m in _METRICS)]
    analytics = _write(
        folder / f"tweet_activity_metrics_LumoHome_20260823_20261120_en{suffix}.csv",
        header,
        [row for p, row in demo.tweets if kept(p)],
    )
    mentions = _write(
        folder / f"brand24_mentions_kitchen{suffix}.csv",
        [
            "ID",
            "Date",
            "Hour",
            "Title",
            "Content",
            "Source",
            "Author",
            "URL",
            "Sentiment",
            "Likes",
            "Shares",
            "Reach",
            "Influence Score",
        ],
        [row for at, row in demo.mentions if since <= at < end],
    )
    return [care, instagram, analytics, mentions]


def write_demo_exports(folder: Path, seed: int = SEED) -> list[Path]:
    """Write the four demo exports into ``folder``; the same seed always writes the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    return _write_slice(_generate(seed), folder, START, START + timedelta(days=DAYS), "")


def write_demo_slices(folder: Path, slices: list[tuple[datetime, datetime]], seed: int = SEED) -> list[list[Path]]:
    """The demo exports cut at ``slices`` ((since, until) pairs: scheduled exports of a few hours each), four
    files per slice, named with the slice's start; together they hold exactly the posts of the whole exports."""
    folder.mkdir(parents=True, exist_ok=True)
    demo = _generate(seed)
    return [_write_slice(demo, folder, since, until, f"_{since:%Y%m%dT%H}") for since, until in slices]


# The demo is loaded as scheduled exports would have arrived: the history in one go, then every 3 hours from
# half a day before the crisis until two days after its onset, then the rest; the alert rules run after each
# (on the data's clock), so the alert log shows what Radar would have sent as the crisis unfolded.
REPLAY_FROM = CRISIS_ONSET - timedelta(hours=12)
REPLAY_UNTIL = CRISIS_ONSET + timedelta(hours=48)
REPLAY_STEP = timedelta(hours=3)
# The demo crisis's log: what the fictional team did, for the response room and the retrospective.
DEMO_LOG = [
    (datetime(2026, 10, 25, 8, 40, tzinfo=UTC), "acknowledged", "Ana (care lead)", None),
    (
        datetime(2026, 10, 25, 9, 15, tzinfo=UTC),
        "decision",
        "Crisis committee",
        "Stop selling Blend Pro jars online until quality control has tested the batch; care answers every "
        "complaint with the agreed wording and asks for photos",
    ),
    (
        datetime(2026, 10, 26, 9, 30, tzinfo=UTC),
        "decision",
        "Crisis committee",
        "Publish the apology and admit the faulty batch at 11:00; the CEO signs it",
    ),
    (
        datetime(2026, 10, 27, 10, 0, tzinfo=UTC),
        "decision",
        "Crisis committee",
        "Free replacement jar for every owner of the batch; a new supplier test from now on",
    ),
]


def write_demo_log(con) -> None:
    """The demo crisis's acknowledgement and decisions (``DEMO_LOG``), at their story times."""
    from pipeline.core import db
    from pipeline.core.brands import find_brand
    from pipeline.monitor.alerts import ack_crisis, log_decision

    crisis_id = db.scalar(
        con,
        """SELECT crisis_id FROM fct_crises WHERE brand = ? AND started_at < ?
                                  ORDER BY started_at DESC LIMIT 1""",
        [find_brand(con, CARE), CRISIS_ONSET + timedelta(hours=12)],
    )
    for at, kind, by, entry in DEMO_LOG if crisis_id else []:
        if kind == "acknowledged":
            ack_crisis(con, crisis_id, by, entry, at=at)
        else:
            log_decision(con, crisis_id, by, entry or "", at=at)


def demo_slices() -> list[tuple[datetime, datetime]]:
    """(since, until) of the exports the demo replays, in order."""
    slices = [(START, REPLAY_FROM)]
    at = REPLAY_FROM
    while at < REPLAY_UNTIL:
        slices.append((at, at + REPLAY_STEP))
        at += REPLAY_STEP
    slices.append((REPLAY_UNTIL, START + timedelta(days=DAYS)))
    return slices


if __name__ == "__main__":
    for written in write_demo_exports(Path(__file__).resolve().parents[1] / "data" / "demo"):
        print(f"wrote {written}")
