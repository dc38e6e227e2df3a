"""The crisis check's machinery: normalisation of a message into clauses, the ``Rule`` a keyword rule is, and
the logic that decides whether a rule fires and whose risk a match is about. The named rules themselves are
the table in ``crisis_table``; ``crisis.assess`` applies them; the phrasings they are held to are the tables
in tests/unit/safety/test_crisis.py."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Level = Literal["none", "concern", "high"]
Person = Literal["self", "other", "clause"]


# --- normalisation ------------------------------------------------------------------------------------------

_CHARS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u2014": ",", "\u2013": ",", "\u2026": ".",
})
_SPECIAL_NT = {"can't": "cannot", "won't": "will not", "ain't": "is not", "shan't": "shall not"}
_IS_WORDS = "it|that|there|here|he|she|what|who|everything|nothing|everyone|nobody|someone|something|life"
_WORDS = {
    "im": "i am", "ive": "i have", "id": "i would", "dont": "do not", "doesnt": "does not",
    "didnt": "did not", "cant": "cannot", "wont": "will not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "hasnt": "has not", "havent": "have not", "hadnt": "had not",
    "aint": "is not", "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
    "youre": "you are", "theyre": "they are", "thats": "that is", "theres": "there is", "whats": "what is",
    "hes": "he is", "shes": "she is", "wanna": "want to", "wana": "want to", "gonna": "going to",
    "gotta": "got to", "finna": "going to", "tryna": "trying to", "imma": "i am going to",
    "ima": "i am going to", "idk": "i do not know", "noone": "no one", "nomore": "no more", "u": "you",
    "bf": "boyfriend", "gf": "girlfriend", "ppl": "people", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "ded": "dead", "kil": "kill",
    "myslef": "myself", "mysefl": "myself", "myslf": "myself", "meself": "myself", "unaliving": "killing",
    "unalived": "killed", "sewerslide": "suicide", "suicde": "suicide", "sucide": "suicide",
    "suiside": "suicide", "suicid": "suicide", "suecide": "suicide", "sucidal": "suicidal",
    "suicdal": "suicidal", "suisidal": "suicidal", "suicidel": "suicidal", "suicidle": "suicidal",
    # fillers that change nothing the rules look at
    "just": "", "really": "", "literally": "", "honestly": "", "seriously": "", "actually": "", "truly": "",
    "simply": "", "genuinely": "", "even": "", "very": "", "kinda": "", "sorta": "", "lowkey": "",
    "ngl": "", "tbh": "", "fr": "", "lol": "", "lmao": "",
}
_WORD_RE = re.compile(r"\b(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\b")
_PHRASES = (
    (re.compile(r"(?<![0-9] )(?<![0-9])(?<!of )(?<!many )(?<!few )\bkms\b"), "kill myself"),  # not 5 kms
    (re.compile(r"\bunalive (?=myself|himself|herself|themselves|themself)"), "kill "),
    (re.compile(r"\bunalive\b"), "end it all"),
    (re.compile(r"\bkind of\b|\bsort of\b"), ""),
    (re.compile(r"\bsewer slide\b"), "suicide"),
    (re.compile(r"\bi m\b"), "i am"),
    (re.compile(r"\bcan not\b"), "cannot"),
    (re.compile(r"\bany more\b"), "anymore"),
    (re.compile(r"\bmy self\b(?! harm| injur| mutilat)"), "myself"),
    (re.compile(r"\bnot sure\b|\bnot certain\b"), "unsure"),
    (re.compile(r"\bdo not know (?:if|whether)\b"), "unsure if"),
    (re.compile(r"\bselfharm"), "self harm"),
    (re.compile(r"\b(?<=[a-z] )2 (?=(?:die|live|be|kill|end|hurt|cut|off|exist|disappear|stop)\b)"), "to "),
)
# talk *about* the topic is masked before the rules run ("a book about suicide prevention"); not the user's
# own ("a post about my self harm"), nor "reading about suicide methods"
_TOPIC = re.compile(
    r"\b(?:read|reading|learn|learning|learned|learnt|watch|watching|watched|study|studying|studied|research|"
    r"researching|researched|teach|teaching|taught|lecture|article|book|essay|paper|documentary|film|movie|"
    r"show|series|podcast|course|class|training|episode|song|novel|poem|report|video|thread|news|workshop|"
    r"seminar|lesson|presentation|project|campaign|charity|module|chapter|thesis|dissertation|assignment|"
    r"homework)s? (?:is |was |(?:a|an|the|some) (?:\w+ )?)?(?:about|on|regarding|covering|around) "
    r"(?:(?!my\b)\w+ ){0,2}?(?:suicide|suicidal|self harm\w*|self injury)(?! methods?\b| ways?\b| how\b)"
    r"(?: (?:prevention|awareness))?"
    r"|\b(?:suicide|suicidal|self harm|self injury) (?:prevention|awareness|hotline|helpline|lifeline|line|"
    r"rates?|statistics|stats|research|squad|bombers?|bombings?|missions?|doors?|watch|training|"
    r"intervention)\b"
)


def normalise(text: str) -> list[str]:
    """The message as lower-case clauses of plain words, with contractions and slang spelled out."""
    text = unicodedata.normalize("NFKC", text).translate(_CHARS).lower()
    for short, long in _SPECIAL_NT.items():
        text = text.replace(short, long)
    text = re.sub(r"(\w)n't\b", r"\1 not", text)
    text = re.sub(r"\b(" + _IS_WORDS + r")'s\b", r"\1 is", text)
    for short, long in (("'m", " am"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'d", " would")):
        text = re.sub(short + r"\b", long, text)
    text = text.replace("'", "")
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    text = re.sub(r"[.!?;:\n\r]+", " . ", text)
    text = re.sub(r",+", " , ", text)
    text = re.sub(r"[^a-z0-9 ,.]", " ", text)
    text = _WORD_RE.sub(lambda m: _WORDS[m.group(0)], text)
    text = " ".join(text.split())
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    text = _TOPIC.sub(" topic ", text)
    return [c for c in (" ".join(part.split()) for part in text.split(".")) if c.strip(" ,")]


# --- what a rule is -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A named pattern. ``person``: whose risk a match describes, fixed or read from the clause.
    ``negatable``: a denial just before the match ("not", "never") cancels it. ``unless_after``: cancels a
    match when the text before it ends so. ``needs``: must also be found in the clause or just before the
    match. ``unless``: must not be found in the clause."""

    name: str
    kind: str
    level: Level
    pattern: re.Pattern[str]
    person: Person = "clause"
    negatable: bool = True
    unless_after: re.Pattern[str] | None = None
    needs: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


def rx(*parts: str) -> re.Pattern[str]:
    """One pattern from its parts."""
    return re.compile("".join(parts))


def any_of(words: str) -> str:
    """A group of alternatives from space-separated words; "_" stands for a space inside one alternative."""
    return "(?:" + "|".join(w.replace("_", " ") for w in words.split()) + ")"


def not_next(words: str) -> str:
    """Not followed by any of these words."""
    return r"(?! " + any_of(words) + r"\b)"


# --- whose risk, and whether a match is live ----------------------------------------------------------------

_THIRD = any_of("is has keeps does seems feels says talks thinks sounds looks gets wants needs tries cuts "
                "hurts burns")
_NEGATED = rx(
    r"\b(?:not|never|no longer)\s+(?:", any_of("going to want would will do did am is are planning plan "
                                                "trying try about feeling feel being that ever be have has "
                                                "had been at_all anymore thinking of considering on"),
    r"\s+){0,4}$")
_SUBCLAUSE = re.compile(r"(?:,|\bbecause|\bcause|\bsince)\s")
_SPEAKER = rx(
    r"\b(?:(?P<self>i|me|my|myself|mine)|(?P<neutral>",
    any_of("we us our you your yourself people everyone everybody anyone anybody character characters "
           "protagonist hero heroine villain narrator"), ")|(?P<other>",
    any_of("he she they him her them his their himself herself themselves themself friend friends bestie "
           "bff brother bro sister sis mom mum mother dad father parent parents son daughter kid kids child "
           "boyfriend girlfriend partner husband wife fiance fiancee ex cousin roommate flatmate housemate "
           "coworker colleague classmate student neighbor neighbour someone somebody aunt uncle grandma "
           "grandpa grandmother grandfather niece nephew teen teenager patient client guy girl person man "
           "woman"), r"))\b")
_KNOWN_BY_ME = rx(r"\b(?:that |who |whom )?i ", any_of("know knew love met work_with live_with care_about "
                                                       "go_to_school_with dated follow"), r"\b")
# part of the user as the subject: "part of me wants to die", "my heart wants to die"
_SELF_PART = rx(r"\b(?:(?:a |some |every |one )?part of me|parts of me|all of me|everything in me|something in me",
                r"|my (?:whole )?(?:heart|mind|brain|soul|body|head|being))(?: \w+){0,2} ?$")
# the user saying the same of themselves: "my friend wants to die and so do i", "... . i am too"
_ECHO = rx(r"^ ?(?:, )?(?:and |but )?(?:i think |maybe |sometimes )?(?:so (?:do|am|have|would|did) i",
           r"|i (?:do|am|have|would|did|feel (?:that way|the same(?: way)?|it))(?: too| as well)?",
           r"|me too|me as well|same(?: here| for me| with me)?)(?= ?(?:$|,))")
_THIRD_VERB = rx(r"(?:^|\s)", _THIRD, r"(?: (?:been|being|getting|so|always|still|now|started))*\s*$")
_BASE_VERB = rx(r"^", any_of("want wish need hope have keep feel am"), r"\b")
_PLURAL = frozenset({"they", "them", "their", "friends", "parents", "kids"})
_MATCH_SELF = re.compile(r"\b(?:myself|my|me)\b")
_MATCH_OTHER = rx(r"\b", any_of("himself herself themselves themself his her their him them"), r"\b")


def _person(rule: Rule, matched: str, prefix: str) -> str:
    """Whose risk a match is about: "self", "other", or "neutral" (a question to the companion, "we")."""
    if rule.person != "clause":
        return rule.person
    if _MATCH_SELF.search(matched):
        return "self"
    tail = _SUBCLAUSE.split(_KNOWN_BY_ME.sub("", prefix))[-1]
    if _SELF_PART.search(tail):
        return "self"
    speakers = list(_SPEAKER.finditer(tail))
    last = speakers[-1] if speakers else None
    if last is not None and last.lastgroup == "neutral":
        return "neutral"
    if _MATCH_OTHER.search(matched) or re.match(_THIRD + r"\b", matched) or _THIRD_VERB.search(tail):
        return "other"
    if last is None:
        return "self"  # no subject: in a chat with the companion, the user is speaking of themselves
    if last.lastgroup == "other" and last.group(0) not in _PLURAL and _BASE_VERB.match(matched):
        return "self"  # "my boyfriend left and want to die": the verb does not agree with him
    return str(last.lastgroup)


def fires(rule: Rule, clause: str, following: str = "") -> str | None:
    """Whose risk the rule's first live match in ``clause`` is about, or None when it does not fire.
    ``following`` is the next clause, where the user may say the same of themselves ("i am too")."""
    if rule.unless is not None and rule.unless.search(clause):
        return None
    for match in rule.pattern.finditer(clause):
        prefix = clause[max(0, match.start() - 120) : match.start()]
        if rule.negatable and _NEGATED.search(prefix):
            continue
        if rule.unless_after is not None and rule.unless_after.search(prefix):
            continue
        if rule.needs is not None and not (rule.needs.search(prefix) or rule.needs.search(clause)):
            continue
        who = _person(rule, match.group(0), prefix)
        if who == "other" and (_ECHO.match(clause[match.end() :]) or _ECHO.match(following)):
            return "self"  # the user's own risk comes first
        if who != "neutral":
            return who
    return None
