"""Enrich: offline language detection for posts.

The export's own language column wins where it holds an ISO 639-1 code. Otherwise py3langid (a model
that ships inside the package; nothing is downloaded) reads the text without URLs, @handles and the ``#``
of hashtags. Short posts are often misread as a small language, so when the best guess is not one the
scorer knows (English, Spanish, Polish) and is below ``_CONFIDENT`` probability, the best of the known
languages is taken instead. Posts with fewer than three letters get ``und`` (undetermined).
"""

from __future__ import annotations

import re
from functools import lru_cache

SCORED_LANGUAGES = ("en", "es", "pl")
UNDETERMINED = "und"
_CONFIDENT = 0.90
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@＠]\w+|&amp;|&lt;|&gt;")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifiers():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    anywhere = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    scored = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    scored.set_languages(list(SCORED_LANGUAGES))
    return anywhere, scored


def clean_for_language(text: str) -> str:
    return _NOISE.sub(" ", text or "").replace("#", " ")


def normalize_language(code: str | None) -> str | None:
    """An exported language value as a two-letter code (``"es-MX"`` -> ``"es"``), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def detect_language(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``"und"``.

    >>> detect_language("flight delayed 3 hours and still no bag")
    'en'
    """
    clean = clean_for_language(text)
    if len(_LETTER.findall(clean)) < 3:
        return UNDETERMINED
    anywhere, scored = _identifiers()
    lang, probability = anywhere.classify(clean)
    if lang in SCORED_LANGUAGES or probability >= _CONFIDENT:
        return lang
    return scored.classify(clean)[0]
