"""The crisis check's rules: normalisation of a message into clauses, and the named keyword rules with the
logic that decides whose risk a match is about. ``crisis.assess`` applies them; the phrasings they are held
to are the tables in tests/unit/safety/test_crisis.py."""

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


# --- rules --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
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


def _re(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts))


def _w(words: str) -> str:
    """A group of alternatives from space-separated words; "_" stands for a space inside one alternative."""
    return "(?:" + "|".join(w.replace("_", " ") for w in words.split()) + ")"


def _nb(words: str) -> str:
    """Not followed by any of these words."""
    return r"(?! " + _w(words) + r"\b)"


_REFL = _w("myself himself herself themselves themself")
_POSS = _w("my his her their")
_PILLS = _w("pills tablets meds medication medications medicine painkillers paracetamol tylenol "
            "acetaminophen ibuprofen aspirin insulin antidepressants sleeping_pills")
_INTENT = _w("want wants wanted wish wishes going plan plans planning planned ready decided tempted urge "
             "urges thinking_about thinking_of thought_about thought_of think_about think_of will could "
             "should might about need needs trying tried try") + "(?: to)?"
_PILL_INTENT = _w("want wants wanted wish going plan plans planning planned ready decided tempted urge "
                  "urges thinking_about thinking_of thought_about thought_of about") + "(?: to)?"
_QUANTITY = _w("all every the_whole a_whole a_handful handfuls a_bunch the_rest a_bottle bottles loads "
               "too_many")
_OVERDOSE = _w("the_whole a_whole a_handful handfuls a_bunch a_bottle bottles loads too_many way_too_many")
_BODY = _w("arm arms wrist wrists leg legs thigh thighs skin stomach belly body hand hands face hip hips "
           "chest ankle ankles finger fingers shoulder shoulders")
_SH_VERB = _w("cut cuts cutting burn burns burned burnt burning hurt hurts hurting harm harms harmed "
              "harming scratch scratches scratched scratching hit hits hitting bruise bruising bruised "
              "carve carving carved stab stabbing stabbed injure injuring injured mutilate mutilating "
              "mutilated starve starving starved bite biting bit pick_at picking_at punish punishing "
              "punished")
_NOT_TIME = _nb("with to the a an this that my your his her our their vacation holiday holidays tour stage "
                "air monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight then "
                "there it in at on about for until till and or if unless after before while when because "
                "since much far back like_that like_him like_her") + r"(?! \w+ing\b)"
_NOT_PLACE = _nb("in with near at there here on alone together close abroad somewhere nearby next by far "
                 "out off upstairs downstairs under above early late so_early before for to the my a an "
                 "this that his her their your our it until till past like_that like_him like_her "
                 "like_them like_my")
_DELIBERATE = _w("on_purpose deliberately intentionally purposely purposefully")
_ACCIDENT = _re(r"^(?!.*\b", _DELIBERATE, r"\b).*\b", _w(
    "cooking shaving stove oven pan kitchen chopping by_accident accidentally gym football soccer fell "
    "falling tripped workout lifting iron kettle toast sunburn paper_cut hiking skating climbing bike "
    "cycling"), r"\b")
_SH_CONTEXT = _re(
    r"\b", _w("been keep keeps kept started start stop want_to wants_to going_to urge_to urges_to "
              "tempted_to need_to needs_to feel_like thinking_about thinking_of trying_not_to try_not_to "
              "cannot_stop could_not_stop relapsed_and used_to"), r" (?:\w+ )?$",
    r"|\b", _DELIBERATE, r"|\bagain\b|\bto feel ", _w("something better in_control pain anything real alive"),
    r"|\bso (?:i|he|she|they) (?:can|could) feel\b|\buntil (?:it|they|i|there|blood)\b[^.]{0,15}\b",
    r"(?:bleed\w*|bled|blood|scar\w*|bruis\w*|numb)\b|\bas punishment\b|\bbecause i deserve\b",
    r"|\bwith a (?:cigarette|lighter|blade)\b",
)
_THIRD = _w("is has keeps does seems feels says talks thinks sounds looks gets wants needs tries cuts "
            "hurts burns")

# in order: the user's own risk first, then self-harm, then the ambiguous-but-worrying (concern) rules
_IDEATION: tuple[_Rule, ...] = (
    _Rule("kill_self", "suicidal_ideation", "high", _re(
        r"\bkills? ", _REFL, r"\b", _nb("laughing with_laughter"), r"|\bkilling ", _REFL, r"\b",
        _nb("laughing at_work at_the_gym over_work working studying trying to_finish to_get to_make "
            "to_meet to_pay to_keep"))),
    _Rule("end_own_life", "suicidal_ideation", "high", _re(
        r"\b", _w("end ending ends take taking takes"), " ", _POSS, r" (?:own )?life\b",
        _nb("back into in_my_own_hands in_my_hands seriously for_granted"))),
    _Rule("end_it_all", "suicidal_ideation", "high", _re(
        r"\bend(?:ing|s)? ", _w("it_all everything things_for_good it_for_good"), r"\b",
        _nb("with between"))),
    _Rule("end_it_intent", "suicidal_ideation", "high", _re(
        r"\b", _INTENT, r" end(?:ing)? (?:it|things)\b(?= ?(?:$|,|", _w(
            "tonight today now soon tomorrow this_week this_weekend for_good once_and_for_all forever "
            "already right_now i_ and_i_ but_"), "))")),
    _Rule("plan_to_die", "suicidal_ideation", "high", _re(
        r"\b", _w("have had got made making make working_on written wrote writing"),
        r" (?:a |the |my )?plans? ", _w("to for_how_to for"), " ",
        _w("die end_it end_my_life kill_myself go_through_with_it end_things"), r"\b")),
    _Rule("want_to_die", "suicidal_ideation", "high", _re(
        r"\b", _w("want wants wanted wanting wish wishes wishing ready deserve deserves need needs like "
                  "would_like trying tried try hoping hope longing long praying pray"), r" to die\b",
        r"(?! (?:of (?:embarrassment|laughter|laughing|boredom|cringe|cuteness|happiness|excitement)",
        r"|laughing|from laughing|in (?:a|an|the|my) (?:game|video game))\b)",
        _nb("my your his her their the it them this that a")),
        unless_after=_re(r"cross (?:my|your) heart and $")),
    _Rule("wish_dead", "suicidal_ideation", "high", _re(
        r"\b(?:want|wants|wish|wishes) to be dead\b",
        r"|\bwish (?:that )?i (?:was|were|could be|would be) dead\b",
        r"|\bwish (?:that )?i (?:was|were) (?:not|never) alive\b",
        r"|\bwish (?:that )?i (?:could|would) die\b|\bi should (?:die|be dead)\b",
        r"|\bhope (?:that )?i (?:will )?die\b|\bbetter off dead\b",
        r"|\b(?:would|i would) rather (?:be dead|die)\b(?! than (?!",
        _w("live living go_on going_on keep_going keep_living be_alive exist face"), r"\b))")),
    _Rule("suicidal", "suicidal_ideation", "high", _re(r"\bsuicidal\b"), unless_after=_re(
        r"\b(?:it|this|that|which) (?:is|was|would be|sounds|seems|looks|feels) (?:\w+ )?$")),
    _Rule("suicide_talk", "suicidal_ideation", "high", _re(
        r"\b", _w("think thinks thinking thought thoughts consider considers considering considered "
                  "contemplate contemplates contemplating contemplated plan plans planning planned talk "
                  "talks talking talked obsessing obsessed fantasizing fantasising dreaming googling "
                  "googled searching searched mentioning mentioned threatening threatened going want "
                  "wants wanted urge urges attempt attempts attempted attempting tried try trying commit "
                  "commits committing"),
        r" (?:about |of |on |to |for |with |up )?(?:commit(?:ting)? |attempt(?:ing)? )?suicide\b",
        r"|\bsuicid(?:e|al) ", _w("thought thoughts ideation urge urges feeling feelings plan plans note "
                                  "notes letter letters attempt attempts method methods"), r"\b")),
    _Rule("death_thoughts", "suicidal_ideation", "high", _re(
        r"\b", _w("think thinks thinking thought thoughts fantasizing fantasising dreaming obsessing"),
        " (?:about|of) ", _w("not_being_here not_being_alive not_being_around not_existing being_dead "
                             "no_longer_being_here my_death my_own_death my_funeral"), r"\b")),
    _Rule("suicide_method", "suicidal_ideation", "high", _re(
        r"\b(?:how (?:do i|can i|could i|would i|should i|to|much|many)|ways? to|",
        _w("easiest best quickest fastest surest"), r" way to) (?:\w+ ){0,3}?",
        _w("kill_myself end_my_life commit_suicide overdose hang_myself die_painlessly die_quickly "
           "die_peacefully"), r"\b",
        r"|\b", _w("painless easy quick fast peaceful"), r" ways? to (?:die|go)\b",
        r"|\bhow many (?:\w+ ){0,3}?(?:pills|tablets)\b[^.]{0,30}\b(?:kill|lethal|fatal|die|overdose)\b"),
        person="self"),
    _Rule("overdose", "suicidal_ideation", "high", _re(r"\b", _INTENT, r" (?:overdos(?:e|ing)|od)\b")),
    _Rule("pills", "suicidal_ideation", "high", _re(
        r"\b", _PILL_INTENT, " ", _w("take taking swallow swallowing down downing"), " ", _QUANTITY,
        r"\b(?: \w+){0,3}? ", _PILLS, r"\b(?! (?:with|in the|before|after|every|each|as prescribed|like",
        r"|on time|this morning|at (?!once))\b)",
        r"|\b", _w("took taken swallowed downed"), " ", _OVERDOSE, r"\b(?: \w+){0,3}? ", _PILLS, r"\b",
        r"|\b", _w("stockpiling stockpiled hoarding hoarded saving_up saved_up"), r" (?:\w+ ){0,2}?", _PILLS,
        r"\b")),
    _Rule("method", "suicidal_ideation", "high", _re(
        r"\b", _w("hang hanging hung drown drowning shoot shooting poison poisoning gas gassing suffocate "
                  "suffocating strangle strangling electrocute electrocuting slit slitting slash slashing"),
        " (?:", _REFL, "|", _POSS, r" (?:wrists?|throat))\b",
        r"(?! (?:in|a|an|some|up|down)\b| with (?:work|coffee|water)\b)",
        r"|\b", _w("tie tied tying made making make have got bought buy buying hung hang hanging"),
        r" (?:a |the |my )?noose\b")),
    _Rule("method_intent", "suicidal_ideation", "high", _re(
        r"\b", _INTENT, " (?:", _w("jump jumping leap leaping"), " (?:off|from) (?:a |an |the |this |that ",
        "|my )?", _w("bridge building roof rooftop cliff balcony tower ledge window overpass car_park "
                     "parking_garage"), r"\b(?! into (?:the |a )?(?:pool|lake|water|sea|ocean|swimming))",
        "|", _w("jump jumping throw_myself throwing_myself step stepping walk walking run running lie_down "
                "lying_down"), " (?:in front of|under|onto) (?:a |an |the |this |that )?",
        _w("train bus car truck lorry traffic tracks subway tram"), r"\b",
        "|", _w("walk walking drive driving crash crashing run running swerve swerving"),
        r" (?:my car |the car )?into (?:oncoming )?traffic\b",
        "|", _w("drive driving crash crashing"), r" (?:my car |the car )?(?:into|off) (?:a |the )?",
        r"(?:tree|wall|bridge|cliff)\b)")),
    _Rule("better_off_without_me", "suicidal_ideation", "high", _re(
        r"\b(?:better|happier|easier)(?: off)? (?:without me\b",
        _nb("there around in_the_way tonight today at"),
        r"|if i (?:was|were|am) (?:not (?:here|around|alive)|gone|dead|never born)\b",
        r"|if i ", _w("died disappeared did_not_exist never_existed killed_myself"),
        r"\b|(?:when|once) i am (?:gone|dead)\b|with me (?:gone|dead)\b)"), person="self"),
    _Rule("nobody_would_care", "suicidal_ideation", "high", _re(
        r"\b", _w("no_one nobody none_of_them not_a_single_person anyone"),
        r"\s+(?:would |will |is going to |going to )?(?:miss|notice|care|mind)\b[^.]{0,25}\b",
        r"(?:if|when) i ", _w("die died was_dead were_dead was_gone were_gone am_gone disappeared "
                              "disappear killed_myself kill_myself was_not_here were_not_here "
                              "was_not_around were_not_around stopped_existing"), r"\b"),
        person="self", negatable=False),
    _Rule("not_want_to_live", "suicidal_ideation", "high", _re(
        r"\b(?:do not|does not|did not|no longer|never|not|unsure (?:if |whether |that )?i|unsure i) ",
        r"(?:want|wish|feel like|care) (?:to )?",
        _w("live be_alive stay_alive exist keep_living keep_existing be_here_anymore be_here_any_longer "
           "be_around_anymore be_on_this_earth be_in_this_world go_on keep_going carry_on "
           "continue_living wake_up survive"), r"\b", _NOT_PLACE), negatable=False),
    _Rule("why_alive", "suicidal_ideation", "high", _re(
        r"\b(?:do not|does not|no longer) care (?:if|whether) i (?:live|die|wake up|make it|survive)\b",
        r"|\bwhy (?:am i|i am|should i|do i) (?:still )?",
        _w("alive be_alive stay_alive keep_living bother_living"), r"\b"),
        person="self", negatable=False),
    _Rule("cannot_go_on", "suicidal_ideation", "high", _re(
        r"\b", _w("cannot can_no_longer unable_to do_not_think_i_can unsure_i_can unsure_if_i_can "
                  "do_not_know_how_to"), " ",
        _w("go_on keep_going carry_on keep_living live_like_this do_life continue_living go_on_living "
           "face_another_day"), r"\b", _NOT_TIME,
        r"|\b", _w("cannot will_not not_going_to unsure_i_will unsure_if_i_will unsure_i_am_going_to "
                   "do_not_think_i_will do_not_think_i_am_going_to"),
        r" make it through (?:the night|tonight|another day|another night)\b"),
        person="self", negatable=False),
    _Rule("no_reason_to_live", "suicidal_ideation", "high", _re(
        r"\b", _w("no zero lost lost_the lost_my lost_all what_is_the do_not_see_the do_not_see_a "
                  "do_not_see_any cannot_see_the cannot_see_a cannot_see_any do_not_have_a "
                  "do_not_have_any without_a without_any is_there_a is_there_any cannot_find_a "
                  "cannot_find_any cannot_find_the there_is_not_a not_a not_any"),
        r" (?:good |single )?(?:reasons?|point|purpose|will|sense) (?:in |to |for |of )?",
        _w("live living being_alive staying_alive stay_alive going_on go_on carrying_on carry_on "
           "existing exist keep_going keeping_going keep_living keeping_living wake_up waking_up "
           "my_life"), r"\b",
        _nb("in with here there like_that like_him like_her on_the on_a on_my about and_on early at"),
        r"|\bnothing (?:left )?(?:to live for|worth living for)\b"), person="self", negatable=False),
    _Rule("life_not_worth", "suicidal_ideation", "high", _re(
        r"\b(?:life|living|my life|being alive|existence) (?:is |feels |seems |does |was |has become )?",
        r"(?:\w+ )?(?:not|no longer|never) (?:feel |seem |been )?worth ",
        _w("living it the_pain the_effort the_struggle the_trouble"), r"\b|\bnot worth living\b"),
        person="self", negatable=False),
    _Rule("never_wake_up", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish hope hoping pray praying would_like"), r"(?: that)?(?: i)?(?: ",
        _w("could would can will to do did"), r")*? ", _w("never not do_not would_not will_not did_not"),
        r" (?:to )?(?:ever )?wake (?:up|again)\b",
        _nb("early late at before in_time on_time too for the my your his her their our everyone "
            "anyone him them us me you when until till to during"),
        r"|\b", _w("go_to_sleep fall_asleep sleep close_my_eyes drift_off"),
        r"(?: (?:tonight|forever))? (?:and |, )(?:never|not) (?:ever )?wake (?:up|again)\b",
        _nb("until till before in_time early late"),
        r"|\b(?:want|wish) to (?:go to |fall )?sleep (?:forever|permanently)\b|\beternal sleep\b"),
        person="self"),
    _Rule("stop_existing", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish wishing need like going ready rather prefer"),
        r"(?: to| that i could| i could| i would| i)? ",
        _w("stop_existing cease_to_exist not_exist never_have_existed stop_being_alive be_erased "
           "not_be_alive"), r"\b",
        r"|\b", _w("want wish wishing need going ready"), r" to stop living\b",
        _nb("in like with for off on at under here there paycheck a_lie"),
        r"|\b(?:disappear|vanish|be gone) ", _w("forever for_good permanently and_never_come_back"),
        r"\b|\bleave this (?:world|earth|planet|life)\b")),
    _Rule("all_to_end", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish need praying pray hope hoping"), r"(?: for)? ",
        _w("it_all everything all_of_it all_of_this my_life life this_life existence"),
        r" (?:to|would|could|will) (?:all )?(?:end|stop|be over|go away|go black)\b",
        _nb("with for_a for_him for_her for_them for_us"),
        r"|\bwish it (?:would|could) all (?:end|stop|be over)\b"), person="self"),
    _Rule("tired_of_living", "suicidal_ideation", "high", _re(
        r"\b", _w("done finished through over tired sick exhausted weary"), r" (?:with |of )?",
        _w("living being_alive existing waking_up"), r"\b",
        _nb("in with at on like for here there of paycheck off under alone early so_early before to"),
        r"|\bdone with (?:life|this life)\b", _nb("in at on as")), person="self"),
    _Rule("goodbye_letters", "suicidal_ideation", "high", _re(
        r"\b(?:writ\w*|wrote|leav\w*|left|draft\w*|finish\w*|made|mak\w*|record\w*|prepar\w*) ",
        r"(?:a |my |some |the |all my |a few |few |all the )?(?:goodbye|good bye|farewell|suicide) ",
        _w("letter letters note notes video videos"), r"\b(?! to (?:my |the |all my )?",
        _w("coworkers colleagues team class students classmates clients"), r"\b)")),
)
_SELF_HARM: tuple[_Rule, ...] = (
    _Rule("self_harm", "self_harm", "high", _re(
        r"\bself (?:harm\w*|injur\w*|mutilat\w*)\b|\bsh (?:again|scars?|urges?)\b",
        r"|\brelapsed? (?:on|with|into) (?:sh|cutting)\b|\bi (?:cut|burned|burnt) again\b")),
    _Rule("cutting", "self_harm", "high", _re(
        r"\bcutting (?:", _REFL, "|", _POSS, r" (?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?))\b",
        r"|\bcut (?:", _POSS, " wrists?|", _REFL, r" (?:again|deeper|last night|tonight))\b",
        r"(?! (?:shaving|chopping|cooking|on (?:the|a|paper|glass)|by accident|accidentally",
        r"|with (?:a |the )?(?:knife|paper|razor)|while (?:shaving|cooking|chopping))\b)")),
    _Rule("hurt_self", "self_harm", "high", _re(
        r"\b", _SH_VERB, " (?:", _REFL, "|", _POSS, " (?:own )?", _BODY, r")\b", _nb("up out down")),
        needs=_SH_CONTEXT, unless=_ACCIDENT),
    _Rule("urge_to_cut", "self_harm", "high", _re(
        r"\b", _w("urge_to urges_to want_to wants_to tempted_to going_to need_to needs_to relapsed_and"),
        r" (?:cut|burn|hurt|self harm)(?= ?(?:$|,|",
        _w("again tonight so_bad so_badly deeper right_now now is has"), r"\b))",
        r"|\bmak(?:e|ing) (?:", _REFL, "|", _POSS, " ", _BODY, r") bleed\b")),
)
_CONCERN: tuple[_Rule, ...] = (  # worrying but ambiguous; said of someone else, these do not fire
    _Rule("cannot_take_it", "suicidal_ideation", "concern", _re(
        r"\b(?:cannot|could not|unable to) (?:take|handle|cope with|bear|stand|deal with|do) ",
        r"(?:it |this |this pain |the pain |any of this |this life |life |it all )?anymore\b",
        _nb("with_this with_the with_these with_his with_her with_their from"),
        r"|\bcannot keep doing this$",
        r"|\bcannot cope\b(?! with (?:the|this|that|my|his|her|their) (?!life|pain))"),
        person="self", negatable=False),
    _Rule("burden", "suicidal_ideation", "concern", _re(
        r"\b(?:i am|i feel|feel like i am|i have become)(?: \w+){0,4} burden\b",
        _nb("on_the_team at_work to_the_team on_the_project")), person="self"),
    _Rule("never_born", "suicidal_ideation", "concern", _re(
        r"\bwish (?:that )?i (?:had|was|were|would|would have) never (?:been )?born\b",
        r"|\bshould (?:never|not) have been born\b"), person="self"),
    _Rule("disappear", "suicidal_ideation", "concern", _re(
        r"\b(?:want|wish|wishing|need) (?:to |i could )?(?:disappear|vanish)\b",
        _nb("for into under from on to off with behind in")), person="self"),
    _Rule("pain_to_stop", "suicidal_ideation", "concern", _re(
        r"\b(?:want|wish|need)(?: for)? the pain to (?:stop|end|go away)\b",
        r"(?! (?:in|on|from (?:my|his|her))\b)"), person="self"),
    _Rule("no_point", "suicidal_ideation", "concern", _re(
        r"\b(?:what is the|there is no|no|is there any) point (?:in |of |to )?",
        r"(?:anything |trying |it all |any of it |any of this |going on )?anymore\b",
        r"|\b(?:what is the|there is no|is there any) point (?:in |of |to )?",
        r"(?:anything|it all|any of it|any of this)\b|\bnothing (?:left )?to look forward to\b"),
        person="self", negatable=False),
    _Rule("nobody_would_miss", "suicidal_ideation", "concern", _re(
        r"\b(?:no one|nobody) (?:would |will |is going to )?(?:miss|notice) me\b", _nb("at in on during")),
        person="self", negatable=False),
    _Rule("tired_of_life", "suicidal_ideation", "concern", _re(
        r"\b(?:tired|sick|exhausted|weary) of ", _w("life it_all everything being_me this_life my_life"),
        r"(?= ?(?:$|,|", _w("anymore and i so right_now at_this_point"), r"\b))"), person="self"),
    _Rule("death_on_mind", "suicidal_ideation", "concern", _re(
        r"\b", _w("think thinking thought thoughts obsessing obsessed"), r" (?:about|of) (?:dying|death)\b",
        _nb("of in penalty metal row star")), person="self", needs=_re(
            r"\b", _w("a_lot all_the_time constantly every_day lately so_much more_and_more nonstop "
                      "cannot_stop keep keeps been"), r"\b")),
    _Rule("farewell", "suicidal_ideation", "concern", _re(
        r"\bthis is (?:my )?(?:final |last )?goodbye\b|\bgoodbye forever\b|\bmy (?:final|last) goodbye\b"),
        person="self", negatable=False),
    _Rule("hopeless", "suicidal_ideation", "concern", _re(
        r"\bi (?:feel|am|am feeling)(?: so| completely| totally| utterly)? hopeless\b",
        _nb("about at with when"), r"|\bthere is no hope (?:left|for me|anymore)\b",
        r"|\bno way out\b(?! of (?:the|a|an|my|our|this|that) ",
        _w("contract lease deal meeting job room building maze game level parking city town traffic "
           "house"), r"\b)"), person="self"),
    _Rule("giving_away", "suicidal_ideation", "concern", _re(
        r"\b(?:giving|gave|give|given) (?:away )?(?:all )?(?:of )?my ",
        _w("things stuff belongings possessions valuables pet pets cat dog"), r"\b(?: away)?",
        r"(?! (?:to (?:charity|goodwill|a thrift|the thrift)|before (?:i|we) (?:move|leave)",
        r"|because (?:i|we) (?:am|are) moving)\b)"), person="self"),
)
RULES = _IDEATION + _SELF_HARM + _CONCERN

_NEGATED = _re(
    r"\b(?:not|never|no longer)\s+(?:", _w("going to want would will do did am is are planning plan trying "
                                            "try about feeling feel being that ever be have has had been "
                                            "at_all anymore thinking of considering on"), r"\s+){0,4}$")
_SUBCLAUSE = re.compile(r"(?:,|\bbecause|\bcause|\bsince)\s")
_SPEAKER = _re(
    r"\b(?:(?P<self>i|me|my|myself|mine)|(?P<neutral>",
    _w("we us our you your yourself people everyone everybody anyone anybody character characters "
       "protagonist hero heroine villain narrator"), ")|(?P<other>",
    _w("he she they him her them his their himself herself themselves themself friend friends bestie bff "
       "brother bro sister sis mom mum mother dad father parent parents son daughter kid kids child "
       "boyfriend girlfriend partner husband wife fiance fiancee ex cousin roommate flatmate housemate "
       "coworker colleague classmate student neighbor neighbour someone somebody aunt uncle grandma "
       "grandpa grandmother grandfather niece nephew teen teenager patient client guy girl person man "
       "woman"), r"))\b")
_KNOWN_BY_ME = _re(r"\b(?:that |who |whom )?i ", _w("know knew love met work_with live_with care_about "
                                                    "go_to_school_with dated follow"), r"\b")
_THIRD_VERB = _re(r"(?:^|\s)", _THIRD, r"(?: (?:been|being|getting|so|always|still|now|started))*\s*$")
_BASE_VERB = _re(r"^", _w("want wish need hope have keep feel am"), r"\b")
_PLURAL = frozenset({"they", "them", "their", "friends", "parents", "kids"})
_MATCH_SELF = re.compile(r"\b(?:myself|my|me)\b")
_MATCH_OTHER = _re(r"\b", _w("himself herself themselves themself his her their him them"), r"\b")


def _person(rule: _Rule, matched: str, prefix: str) -> str:
    """Whose risk a match is about: "self", "other", or "neutral" (a question to the companion, "we")."""
    if rule.person != "clause":
        return rule.person
    if _MATCH_SELF.search(matched):
        return "self"
    tail = _SUBCLAUSE.split(_KNOWN_BY_ME.sub("", prefix))[-1]
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


def fires(rule: _Rule, clause: str) -> str | None:
    """Whose risk the rule's first live match in ``clause`` is about, or None when it does not fire."""
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
        if who != "neutral":
            return who
    return None
