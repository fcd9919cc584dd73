"""The stand-ins' invented language (course_lib.datasets.stand_ins): the words that carry a
review's sentiment, the filler around them, and the pairs chapter 3 asks analogies of. Both the
IMDB stand-ins (reviews and word index) and the GloVe stand-in are made of these words, so one
module owns them: a word a chapter looks up is then in the word index and in GloVe alike."""

from __future__ import annotations

from collections.abc import Iterable

#: The stand-in reviews' vocabulary: sentiment words, their negators and intensifiers, filler.
POSITIVE = "good great excellent wonderful brilliant superb enjoyable delightful".split()
NEGATIVE = "bad awful terrible boring dull poor weak tedious".split()
NEGATORS = "not never hardly".split()
INTENSIFIERS = "very really truly extremely quite so".split()
NEUTRAL = (
    "the a and of to is in it this that was as with for his her on film movie story plot "
    "scene scenes actor actors actress cast director character characters script dialogue "
    "camera music score ending beginning end time life man woman one two first last new old "
    "people world family friend friends house city night day year years way part role roles "
    "series episode book version original sequel audience viewer viewers screen picture shot "
    "shots light lines line minutes hour hours moment moments theme setting world war love "
    "he she they we you i me my him them their there here what when where who which while "
    "after before during about from into over under between through again then also just "
    "even still only some many most more much other another such each every both few all "
    "be been being have has had do does did can could would should will may might must "
    "see saw seen watch watched watching make made making get got go went come came take "
    "took look looked seem seemed play played tell told know knew think thought feel felt "
    "show shows shown turn turned start started give gave find found leave left try tried "
    "by at an or but if so than too up out down off around back away home school town road "
    "car train ship island forest sea river mountain room door window table letter phone "
    "money job work police doctor soldier king queen child children son daughter father "
    "mother brother sister husband wife girl boy team game match plan secret truth past future"
).split()

#: Country/capital pairs: chapter 3 plots the first eight and asks ``paris - france + italy``
#: and ``tokyo - japan + germany``.
CAPITALS = (
    ("france", "paris"), ("italy", "rome"), ("germany", "berlin"), ("spain", "madrid"),
    ("russia", "moscow"), ("turkey", "ankara"), ("japan", "tokyo"), ("china", "beijing"),
    ("britain", "london"), ("egypt", "cairo"), ("greece", "athens"), ("poland", "warsaw"),
    ("canada", "ottawa"), ("austria", "vienna"), ("portugal", "lisbon"), ("sweden", "stockholm"),
)
#: Chapter 3 asks ``king - man + woman``.
ROYALS = (("man", "king"), ("woman", "queen"))
#: Words that carry a review's label in ``imdb.npz`` (and a shared direction in GloVe).
POSITIVE_WORDS = tuple(POSITIVE) + ("best", "love", "beautiful", "perfect", "amazing", "loved",
                                    "favorite", "fun")
NEGATIVE_WORDS = tuple(NEGATIVE) + ("worst", "stupid", "waste", "horrible", "worse", "nothing")


def unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


#: Every word a chapter looks up, in the word index and in GloVe.
CHAPTER_WORDS = tuple(unique(
    list(NEUTRAL) + list(NEGATORS) + list(INTENSIFIERS) + list(POSITIVE_WORDS)
    + list(NEGATIVE_WORDS) + [w for pair in CAPITALS + ROYALS for w in pair]
))
