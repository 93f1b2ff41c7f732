"""The catalogue's words: the words of every course's and module's titles and the themes' names, in Dutch and
English. Search reads them on both databases, so that SQLite (the embedded default) and PostgreSQL agree on
what a question means:

- a question that names a theme ("sustainability", "duurzaamheid", "energy transition") also finds the runs
  carrying that theme (``themes_named``);
- on SQLite, which has no trigram matching, a word one edit away from a title word ("enrgy") is read as that
  word (``close_words``); PostgreSQL's ``pg_trgm`` does this in SQL;
- a question without results is offered the nearest themes and words (``suggestions``).

The words are read once per catalogue change (the catalogue stamp), per process.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import get_language

from catalogue.models import CatalogueStamp, Course, Module, Theme

WORD_RE = re.compile(r"[^\W_]+")
# Shorter words are matched exactly: one edit away from a three-letter word is almost any word.
TYPO_MIN_LENGTH = 4
SUGGESTION_CUTOFF = 0.7
MAX_SUGGESTIONS = 5


# Plural and inflection endings, Dutch and English, longest first: on SQLite, which has no stemmer, a word
# also matches without one ("rechten" finds "recht", "systems" finds "system"), as PostgreSQL's Dutch and
# English stemming does. The stem keeps at least four letters.
ENDINGS = ("ingen", "ing", "en", "es", "e", "s")
STEM_MIN_LENGTH = 4


def stems_of(word: str) -> list[str]:
    """``word`` without a plural or inflection ending, where one is there (an empty list when none is)."""
    word = word.casefold()
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= STEM_MIN_LENGTH:
            return [word[: -len(ending)]]
    return []


def words_of(text: str) -> list[str]:
    return [word.casefold() for word in WORD_RE.findall(text)]


def one_edit_apart(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one letter added, removed, changed, or two neighbours swapped."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    shorter, longer = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]


@dataclass(frozen=True)
class ThemeWords:
    bit: int
    code: str
    name_nl: str
    name_en: str
    words: frozenset[str]

    @property
    def name(self) -> str:
        english = (get_language() or "nl").startswith("en")
        return (self.name_en if english else self.name_nl) or self.name_nl


@dataclass
class Vocabulary:
    words: frozenset[str] = frozenset()
    themes: list[ThemeWords] = field(default_factory=list)
    _by_length: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for word in sorted(self.words):
            self._by_length.setdefault(len(word), []).append(word)

    def close_words(self, word: str) -> list[str]:
        """Title words one edit away from ``word``; none when ``word`` is a title word itself or short."""
        word = word.casefold()
        if len(word) < TYPO_MIN_LENGTH or word in self.words:
            return []
        candidates = [w for n in (len(word) - 1, len(word), len(word) + 1) for w in self._by_length.get(n, [])]
        return [w for w in candidates if one_edit_apart(word, w)]

    def themes_named(self, text: str) -> int:
        """The bitmask of the themes that ``text`` names: every word of it is a word of the theme's Dutch or
        English name (or its code), the start of one, or one edit away from one. 0 for no theme."""
        words = words_of(text)
        if not words:
            return 0
        mask = 0
        for theme in self.themes:
            if all(_names(word, theme.words) for word in words):
                mask |= 1 << theme.bit
        return mask

    def suggestions(self, text: str) -> tuple[list[ThemeWords], list[str]]:
        """For a question without results: the themes and the title words nearest to its words."""
        words = [w for w in words_of(text) if len(w) >= 3]
        scored: dict[int, float] = {}
        for theme in self.themes:
            best = max(
                (difflib.SequenceMatcher(None, w, t).ratio() for w in words for t in theme.words if len(t) >= 3),
                default=0.0,
            )
            if best >= SUGGESTION_CUTOFF:
                scored[theme.bit] = best
        themes = sorted((t for t in self.themes if t.bit in scored), key=lambda t: (-scored[t.bit], t.code))
        nearest: list[str] = []
        for word in words:
            for close in difflib.get_close_matches(word, self._candidates(word), n=MAX_SUGGESTIONS, cutoff=0.7):
                if close != word and close not in nearest:
                    nearest.append(close)
        return themes[:MAX_SUGGESTIONS], nearest[:MAX_SUGGESTIONS]

    def _candidates(self, word: str) -> list[str]:
        return [w for n in range(len(word) - 2, len(word) + 3) for w in self._by_length.get(n, []) if len(w) >= 4]


def _names(word: str, theme_words: frozenset[str]) -> bool:
    if word in theme_words:
        return True
    if len(word) < TYPO_MIN_LENGTH:
        return False
    return any(t.startswith(word) or one_edit_apart(word, t) for t in theme_words)


_read: tuple[dt.datetime, Vocabulary] | None = None


def search_vocabulary() -> Vocabulary:
    """The catalogue's words, read again only after the catalogue changed (its stamp moved)."""
    global _read  # noqa: PLW0603 (one process-wide copy, replaced whole)
    stamp = CatalogueStamp.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    if stamp is not None and _read is not None and _read[0] == stamp:
        return _read[1]
    words: set[str] = set()
    for model in (Course, Module):
        for title_nl, title_en in model.objects.values_list("title_nl", "title_en").distinct().iterator():
            words.update(w for w in words_of(f"{title_nl} {title_en}") if not w.isdigit())
    themes = [
        ThemeWords(bit, code, nl, en, frozenset(words_of(f"{nl} {en} {code}")))
        for bit, code, nl, en in Theme.objects.order_by("bit").values_list("bit", "code", "name_nl", "name_en")
    ]
    for theme in themes:
        words.update(theme.words)
    vocabulary = Vocabulary(words=frozenset(words), themes=themes)
    if stamp is not None:
        _read = (stamp, vocabulary)
    return vocabulary


def title_q(words: list[str]) -> Q:
    """Rows whose Dutch or English title contains any of ``words``."""
    q = Q(pk__in=[])
    for word in words:
        q |= Q(title_nl__icontains=word) | Q(title_en__icontains=word)
    return q
