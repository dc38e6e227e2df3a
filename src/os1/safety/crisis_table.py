"""The crisis check's named keyword rules, in the order ``crisis.assess`` tries them: the user's own risk
first, then self-harm, then the ambiguous-but-worrying (concern) rules. A rule's name is what a care event
records. ``crisis_rules`` says what a rule is and how a match is read."""

from __future__ import annotations

from os1.safety.crisis_rules import Rule
from os1.safety.crisis_rules import any_of as _w
from os1.safety.crisis_rules import not_next as _nb
from os1.safety.crisis_rules import rx as _re

# --- shared vocabulary --------------------------------------------------------------------------------------

_REFL = _w("myself himself herself themselves themself")
_POSS = _w("my his her their")
_PILL_WORDS = ("pills tablets meds medication medications medicine painkillers paracetamol tylenol "
               "acetaminophen ibuprofen aspirin insulin antidepressants sleeping_pills")
_PILLS = _w(_PILL_WORDS)
_INTENT = _w("want wants wanted wish wishes going plan plans planning planned ready decided tempted urge "
             "urges thinking_about thinking_of thought_about thought_of think_about think_of will could "
             "should might about need needs trying tried try feel_like feels_like") + "(?: to)?"
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
_MISHAPS = ("cooking shaving stove oven pan kitchen chopping accident accidentally gym football soccer fell "
            "falling tripped workout lifting iron kettle toast sunburn paper hiking skating climbing bike "
            "cycling dinner lunch breakfast slicing peeling dicing gardening")
_ACCIDENT = _re(r"^(?!.*\b", _DELIBERATE, r"\b).*\b", _w(_MISHAPS), r"\b")
# "cutting" is also a diet phase in the gym ("cutting again before the competition, then bulking")
_NOT_SH_CUT = _re(r"^(?!.*\b", _DELIBERATE, r"\b).*\b", _w(_MISHAPS + " bulk bulking shred macros"), r"\b")
# "cut myself some slack", "cutting myself a slice", "cut myself off from everyone"
_NOT_IDIOM = r"(?! (?:up|out|down|off|some|free|loose|slack|short|back|into|a (?:slice|piece|bit|break|deal))\b)"
_SH_CONTEXT = _re(
    r"\b", _w("been keep keeps kept started start stop want_to wants_to going_to urge_to urges_to "
              "tempted_to need_to needs_to feel_like thinking_about thinking_of trying_not_to try_not_to "
              "cannot_stop could_not_stop relapsed_and used_to tell_me_to tells_me_to telling_me_to "
              "told_me_to"), r" (?:\w+ )?$",
    r"|\b", _DELIBERATE, r"|\bagain\b|\bto feel ", _w("something better in_control pain anything real alive"),
    r"|\bso (?:i|he|she|they) (?:can|could) feel\b|\buntil (?:it|they|i|there|blood)\b[^.]{0,15}\b",
    r"(?:bleed\w*|bled|blood|scar\w*|bruis\w*|numb)\b|\bas punishment\b|\bbecause i deserve\b",
    r"|\bwith a (?:cigarette|lighter|blade)\b",
)
_VEHICLE = _w("a_bus a_car a_truck a_lorry a_train a_van the_bus the_train some_car some_truck")
_WEAPON = (r"\b(?:(?<!tattoo )(?<!glue )(?<!nail )(?<!heat )(?<!massage )(?<!water )(?<!nerf )(?<!staple )"
           r"(?<!paint )(?<!spray )gun|pistol|revolver|rifle|shotgun|firearm|knife|blade)s?\b")
_SEARCH = _w("googling googled google searching searched search looking_up looked_up look_up researching "
             "researched reading_up read_up counting counted figuring_out figured_out working_out")
# a named, everyday cause turns "I can't take it anymore" into annoyance, not despair
_ANNOYANCE = _re(r"\b", _w("noise noises upstairs next_door neighbours neighbors neighbour neighbor traffic heat "
                           "humidity weather construction drilling barking snoring wifi internet "
                           "printer commute mosquitoes smell"), r"\b(?! in my (?:head|mind))")

# --- the rules ----------------------------------------------------------------------------------------------

_IDEATION: tuple[Rule, ...] = (
    Rule("kill_self", "suicidal_ideation", "high", _re(
        r"\bkills? ", _REFL, r"\b", _nb("laughing with_laughter"), r"|\bkilling ", _REFL, r"\b",
        _nb("laughing at_work at_the_gym over_work working studying trying to_finish to_get to_make "
            "to_meet to_pay to_keep"),
        r"|\b(?:to|will|would|should|could|might|i) off ", _REFL, r"\b|\boff(?:ing|ed) ", _REFL, r"\b",
        r"|(?<!the )(?<!an )(?<!back )(?<!front )(?<!my )\bend(?:ing|s)? ", _REFL, r"\b")),
    Rule("end_own_life", "suicidal_ideation", "high", _re(
        r"\b", _w("end ending ends take taking takes"), " ", _POSS, r" (?:own )?life\b",
        _nb("back into in_my_own_hands in_my_hands seriously for_granted"))),
    Rule("end_it_all", "suicidal_ideation", "high", _re(
        r"\bend(?:ing|s)? ", _w("it_all everything things_for_good it_for_good"), r"\b",
        _nb("with between"))),
    Rule("end_it_intent", "suicidal_ideation", "high", _re(
        r"\b", _INTENT, r" end(?:ing)? (?:it|things)\b(?= ?(?:$|,|", _w(
            "tonight today now soon tomorrow this_week this_weekend for_good once_and_for_all forever "
            "already right_now i_ and_i_ but_"), "))")),
    Rule("plan_to_die", "suicidal_ideation", "high", _re(
        r"\b", _w("have had got made making make working_on written wrote writing"),
        r" (?:a |the |my )?plans? ", _w("to for_how_to for"), " ",
        _w("die end_it end_my_life kill_myself go_through_with_it end_things"), r"\b")),
    Rule("want_to_die", "suicidal_ideation", "high", _re(
        r"\b(?:", _w("want wants wanted wanting wish wishes wishing ready deserve deserves need needs like "
                     "would_like trying tried try hoping hope longing long praying pray"),
        r" to die|feels? like dying)\b(?! (?:of (?:embarrassment|laughter|laughing|boredom|cringe|cuteness",
        r"|happiness|excitement)|laughing|from laughing|in (?:a|an|the|my) (?:game|video game))\b)",
        # where to die ("at home, not in a hospital") is an end-of-life wish, not a wish to die
        _nb("my your his her their the it them this that a inside at_home in_hospital in_a_hospital "
            "in_the_hospital at_the_hospital in_hospice in_a_hospice at_a_hospice at_the_hospice "
            "in_his_own_bed in_her_own_bed in_their_own_bed in_my_own_bed")),
        unless_after=_re(r"cross (?:my|your) heart and $")),
    Rule("wish_dead", "suicidal_ideation", "high", _re(
        r"\b(?:want|wants|wish|wishes) to be dead\b",
        r"|\bwish (?:that )?i (?:was|were|could be|would be) dead\b",
        r"|\bwish (?:that )?i (?:was|were) (?:not|never) alive\b",
        r"|\bwish (?:that )?i (?:could|would) die\b|\bi should (?:die|be dead)\b",
        r"|\bhope (?:that )?i (?:will )?die\b|\bbetter off (?:dead|not existing|not alive|never born)\b",
        r"|\b(?:would|i would) rather (?:be dead|die)\b(?! than (?!",
        _w("live living go_on going_on keep_going keep_living be_alive exist face"), r"\b))")),
    Rule("should_not_live", "suicidal_ideation", "high", _re(
        r"\bi (?:should|ought to) not (?:be alive|still be alive|exist)\b",
        r"|\bi should not be (?:here|around) anymore$",
        r"|\b(?:people|someone|somebody|anyone|a person) like me (?:should|deserves? to|ought to) ",
        r"(?:die|be dead|not exist|not be alive)\b(?! (?:of|from|laughing)\b)",
        r"|\bi (?:am|feel) (?:\w+ ){0,5}?(?:and |so |, )(?:i )?should (?:die|be dead)\b"),
        person="self", unless=_re(r"\b(?:miracle|lucky|survived|accident|crash)\b")),
    Rule("wish_hit", "suicidal_ideation", "high", _re(
        r"\b", _w("wish wishing hope hoping want pray praying"), r" (?:that )?(?:", _VEHICLE,
        r" (?:would |will |could |might |to )?(?:hit|hits|run me over|runs me over|kill|kills) me",
        r"|i (?:would |will |could |might )?(?:get|got|be) (?:hit|run over|killed) by ", _VEHICLE, r")\b"),
        person="self"),
    Rule("suicidal", "suicidal_ideation", "high", _re(r"\bsuicidal\b"), unless_after=_re(
        r"\b(?:it|this|that|which) (?:is|was|would be|sounds|seems|looks|feels) (?:\w+ )?$")),
    Rule("suicide_talk", "suicidal_ideation", "high", _re(
        r"\b", _w("think thinks thinking thought thoughts consider considers considering considered "
                  "contemplate contemplates contemplating contemplated plan plans planning planned talk "
                  "talks talking talked obsessing obsessed fantasizing fantasising dreaming googling "
                  "googled searching searched mentioning mentioned threatening threatened going want "
                  "wants wanted urge urges attempt attempts attempted attempting tried try trying commit "
                  "commits committing"),
        r" (?:about |of |on |to |for |with |up )?(?:commit(?:ting)? |attempt(?:ing)? )?suicide\b",
        r"|\bsuicid(?:e|al) ", _w("thought thoughts ideation urge urges feeling feelings plan plans note "
                                  "notes letter letters attempt attempts method methods"), r"\b")),
    Rule("death_thoughts", "suicidal_ideation", "high", _re(
        r"\b", _w("think thinks thinking thought thoughts fantasizing fantasising dreaming obsessing "
                  "imagining imagine imagined picturing picture"),
        " (?:about |of )?", _w("not_being_here not_being_alive not_being_around not_existing being_dead "
                             "no_longer_being_here my_death my_own_death my_funeral my_own_funeral"), r"\b")),
    Rule("suicide_method", "suicidal_ideation", "high", _re(
        r"\b(?:how (?:do i|can i|could i|would i|should i|to|much|many)|ways? to|",
        _w("easiest best quickest fastest surest"), r" way to) (?:\w+ ){0,3}?",
        _w("kill_myself end_my_life commit_suicide overdose hang_myself die_painlessly die_quickly "
           "die_peacefully"), r"\b",
        r"|\b", _w("painless easy quick fast peaceful"), r" ways? to (?:die|go)\b",
        r"|\bhow many (?:\w+ ){0,3}?(?:pills|tablets)\b[^.]{0,30}\b(?:kill|lethal|fatal|die|overdose)\b"),
        person="self"),
    Rule("searching_methods", "suicidal_ideation", "high", _re(
        r"\b", _SEARCH, r" (?:for |about |up )?(?:\w+ )?(?:how (?:many|much) (?:\w+ ){0,3}?", _PILLS,
        r" (?:it takes|it would take|would it take|does it take|would take)\b",
        _nb("to_sleep to_fall to_work to_kick to_feel to_get to_help to_cure to_treat"),
        r"|(?:ways?|methods?|how) to die\b", _nb("your my his her their the hair in_a_game in_the_game"),
        r")|\b(?:ways?|methods?) to end (?:it all|it|things|my life)(?= ?(?:$|,))")),
    Rule("overdose", "suicidal_ideation", "high", _re(  # not "overdose on chocolate"
        r"\b", _INTENT, r" (?:overdos(?:e|ing)|od)\b(?! on (?!(?:\w+ )?",
        _w(_PILL_WORDS + " drugs heroin fentanyl opioids opiates"), r"\b))")),
    Rule("pills", "suicidal_ideation", "high", _re(
        r"\b", _PILL_INTENT, " ", _w("take taking swallow swallowing down downing"), " ", _QUANTITY,
        r"\b(?: \w+){0,3}? ", _PILLS, r"\b(?! (?:with|in the|before|after|every|each|as prescribed|like",
        r"|on time|this morning|at (?!once))\b)",
        r"|\b", _w("took taken swallowed downed"), " ", _OVERDOSE, r"\b(?: \w+){0,3}? ", _PILLS, r"\b",
        r"|\b", _w("stockpiling stockpiled hoarding hoarded saving_up saved_up"), r" (?:\w+ ){0,2}?", _PILLS,
        r"\b|\b(?:have|got|gotten|had) (?:the |my |all the |all my |enough )?", _PILLS,
        r" (?:ready|lined up|stashed|hidden|saved up|stockpiled)\b", _nb("for to_take_with in_my_bag"),
        r"|\benough ", _PILLS, r" to (?:die|kill myself|end it|end my life|not wake up|never wake up)\b")),
    Rule("method", "suicidal_ideation", "high", _re(
        r"\b", _w("hang hanging hung drown drowning shoot shooting poison poisoning gas gassing suffocate "
                  "suffocating strangle strangling electrocute electrocuting slit slitting slash slashing"),
        " (?:", _REFL, "|", _POSS, r" (?:wrists?|throat))\b",
        r"(?! (?:in|a|an|some|up|down)\b| with (?:work|coffee|water)\b)",
        r"|\b", _w("tie tied tying made making make have got bought buy buying hung hang hanging"),
        r" (?:a |the |my )?noose\b")),
    Rule("weapon_on_self", "suicidal_ideation", "high", _re(
        _WEAPON, r" (?:[a-z,]+ ){0,12}?", _w("use using used turn turning turned point pointing pointed"),
        r" (?:it|them) (?:on|at|against) ", _REFL, r"\b",
        r"|\b", _w("use using used turn turning turned point pointing pointed"), r" (?:a |the |my )", _WEAPON,
        r" (?:on|at|against) ", _REFL, r"\b",
        r"|\b", _w("put putting hold holding held point pointing pointed"), r" (?:a |the |my )?", _WEAPON,
        r" (?:to|against|at) my (?:head|throat|temple|chest|wrists?)\b")),
    Rule("method_intent", "suicidal_ideation", "high", _re(
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
    Rule("better_off_without_me", "suicidal_ideation", "high", _re(
        r"\b(?:better|happier|easier)(?: off)? (?:without me\b",
        _nb("there around in_the_way tonight today at"),
        r"|if i (?:was|were|am) (?:not (?:here|around|alive)|gone|dead|never born)\b",
        r"|if i ", _w("died disappeared did_not_exist never_existed killed_myself"),
        r"\b|(?:when|once) i am (?:gone|dead)\b|with me (?:gone|dead)\b)"), person="self"),
    Rule("nobody_would_care", "suicidal_ideation", "high", _re(
        r"\b", _w("no_one nobody none_of_them not_a_single_person anyone"),
        r"\s+(?:would |will |is going to |going to )?(?:miss|notice|care|mind)\b[^.]{0,25}\b",
        r"(?:if|when) i ", _w("die died was_dead were_dead was_gone were_gone am_gone disappeared "
                              "disappear killed_myself kill_myself was_not_here were_not_here "
                              "was_not_around were_not_around stopped_existing"), r"\b"),
        person="self", negatable=False),
    Rule("not_want_to_live", "suicidal_ideation", "high", _re(
        r"\b(?:do not|does not|did not|no longer|never|not|unsure (?:if |whether |that )?i|unsure i) ",
        r"(?:want|wish|feel like|care|deserve) (?:to )?",
        _w("live be_alive stay_alive exist keep_living keep_existing be_here_anymore be_here_any_longer "
           "be_around_anymore be_on_this_earth be_in_this_world go_on keep_going carry_on "
           "continue_living wake_up survive"), r"\b", _NOT_PLACE), negatable=False),
    Rule("why_alive", "suicidal_ideation", "high", _re(
        r"\b(?:do not|does not|no longer) care (?:if|whether) i (?:live|die|wake up|make it|survive)\b",
        r"|\bwhy (?:am i|i am|should i|do i) (?:still )?",
        _w("alive be_alive stay_alive keep_living bother_living"), r"\b"),
        person="self", negatable=False),
    Rule("cannot_go_on", "suicidal_ideation", "high", _re(
        r"\b", _w("cannot can_no_longer unable_to do_not_think_i_can unsure_i_can unsure_if_i_can "
                  "do_not_know_how_to"), " ",
        _w("go_on keep_going carry_on keep_living live_like_this do_life continue_living go_on_living "
           "face_another_day"), r"\b", _NOT_TIME,
        r"|\b", _w("cannot will_not not_going_to unsure_i_will unsure_if_i_will unsure_i_am_going_to "
                   "do_not_think_i_will do_not_think_i_am_going_to"),
        r" make it through (?:the night|tonight|another day|another night)\b"),
        person="self", negatable=False),
    Rule("no_reason_to_live", "suicidal_ideation", "high", _re(
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
    Rule("life_not_worth", "suicidal_ideation", "high", _re(
        r"\b(?:life|living|my life|being alive|existence) (?:is |feels |seems |does |was |has become )?",
        r"(?:\w+ )?(?:not|no longer|never) (?:feel |seem |been )?worth ",
        _w("living it the_pain the_effort the_struggle the_trouble"), r"\b|\bnot worth living\b"),
        person="self", negatable=False),
    Rule("never_wake_up", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish hope hoping pray praying would_like"), r"(?: that)?(?: i)?(?: ",
        _w("could would can will to do did"), r")*? ", _w("never not do_not would_not will_not did_not"),
        r" (?:to )?(?:ever )?wake (?:up|again)\b",
        _nb("early late at before in_time on_time too for the my your his her their our everyone "
            "anyone him them us me you when until till to during"),
        r"|\b", _w("go_to_sleep fall_asleep sleep close_my_eyes drift_off"),
        r"(?: (?:tonight|forever))? (?:and |, )(?:never|not) (?:ever )?wake (?:up|again)\b",
        _nb("until till before in_time early late"),
        r"|\b(?:want|wish|wishing)(?: to| i could| that i could| i would)? (?:go to sleep|fall asleep|sleep) ",
        r"(?:forever|permanently)\b|\beternal sleep\b",
        r"|\bwhat if i (?:did not|never|do not) (?:ever )?wake up\b(?! (?:on time|in time|early|late|for)\b)"),
        person="self"),
    Rule("stop_existing", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish wishing need like going ready rather prefer"),
        r"(?: to| that i could| i could| i would| i)? ",
        _w("stop_existing cease_to_exist not_exist never_have_existed stop_being_alive be_erased "
           "not_be_alive"), r"\b",
        r"|\b", _w("want wish wishing need going ready"), r" to stop living\b",
        _nb("in like with for off on at under here there paycheck a_lie"),
        r"|\b(?:disappear|vanish|be gone) ", _w("forever for_good permanently and_never_come_back"),
        r"\b|\bleave this (?:world|earth|planet|life)\b",
        r"|\b(?:want|wants|wanted|need|needs) out of (?:this |my |the )?(?:life|world|existence)\b",
        _nb("of as like"))),
    Rule("all_to_end", "suicidal_ideation", "high", _re(
        r"\b", _w("want wish need praying pray hope hoping"), r"(?: for)? ",
        _w("it_all everything all_of_it all_of_this my_life life this_life existence"),
        r" (?:to|would|could|will) (?:all )?(?:end|stop|be over|go away|go black)\b",
        _nb("with for_a for_him for_her for_them for_us"),
        r"|\bwish it (?:would|could) all (?:end|stop|be over)\b"), person="self"),
    Rule("tired_of_living", "suicidal_ideation", "high", _re(
        r"\b", _w("done finished through over tired sick exhausted weary"), r" (?:with |of )?",
        _w("living being_alive existing waking_up"), r"\b",
        _nb("in with at on for here there of paycheck off out_of under alone early so_early before to"),
        r"(?! like (?!this\b))|\bdone with (?:life|this life)(?= ?(?:$|,|", _w(
            "and so i anymore already right_now at_this_point completely"), r"\b))"), person="self"),
    Rule("goodbye_letters", "suicidal_ideation", "high", _re(
        r"\b(?:writ\w*|wrote|leav\w*|left|draft\w*|finish\w*|made|mak\w*|record\w*|prepar\w*) (?:",
        r"(?:a |my |some |the |all my |a few |few |all the )?(?:goodbye|good bye|farewell|suicide) ",
        _w("letter letters note notes video videos"), r"|(?:\w+ ){0,2}?", _w("letters notes messages videos"),
        r" (?:to say|saying) (?:goodbye|good bye))\b(?! to (?:my |the |all my )?",
        _w("coworkers colleagues team class students classmates clients"), r"\b)",
        r"|\b(?:writ\w*|wrote|left|leav\w*|finish\w*|draft\w*) (?:a |my )?(?:last|final) (?:note|words)\b",
        _nb("to_the for_the of_the"),
        r"|\b(?:written|wrote|finished|left) my note(?= ?(?:$|,|and\b|already\b|for (?:everyone|them|you)\b))")),
    Rule("not_around_long", "suicidal_ideation", "high", _re(
        r"\bi ", _w("will_not am_not_going_to do_not_think_i_will unsure_i_will unsure_if_i_will"),
        r" be (?:around|alive) (?:for )?(?:much|very|that|too)? ?(?:longer|long)\b(?= ?(?:$|,|and|so\b))",
        r"|\b(?:do not|cannot) see myself (?:being |still )?(?:around|alive|still alive|still around) ",
        r"(?:next|by|past|this|for (?:much )?long|in (?:a|one|two|five|ten|a few|the next|[0-9]+) ",
        r"(?:years?|months?|weeks?))\b",
        r"|\bi have made (?:my )?peace(?= ?(?:$|,|with (?:dying|death|it all|everything|leaving|going)\b))"),
        person="self", unless=_re(r"\b(?:moving|move|job|company|work|shift|office|town|city|country|trip)\b")),
)
_SELF_HARM: tuple[Rule, ...] = (
    Rule("self_harm", "self_harm", "high", _re(
        r"\bself (?:harm\w*|injur\w*|mutilat\w*)\b|\bsh (?:again|scars?|urges?)\b",
        r"|\brelapsed? (?:on|with|into) (?:sh|cutting)\b|\bi (?:cut|burned|burnt) again\b")),
    Rule("cutting", "self_harm", "high", _re(
        r"\bcutting (?:", _REFL, _NOT_IDIOM, "|", _POSS, r" (?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?))\b",
        r"|\bcut (?:", _POSS, " wrists?|", _REFL, r"(?= ?(?:$|,|", _w(
            "again deeper last tonight today yesterday this and but so because when every until till more "
            "badly"), r"\b)))\b(?![^,]* on (?:a|an|the|some)\b)",
        r"|\bcutting again\b(?! (?:at (?:work|the office|the company)|for|on)\b)"), unless=_NOT_SH_CUT),
    Rule("hurt_self", "self_harm", "high", _re(
        r"\b", _SH_VERB, " (?:", _REFL, "|", _POSS, " (?:own )?", _BODY, r")\b", _NOT_IDIOM),
        needs=_SH_CONTEXT, unless=_ACCIDENT),
    Rule("urge_to_cut", "self_harm", "high", _re(
        r"\b", _w("urge_to urges_to want_to wants_to tempted_to going_to need_to needs_to relapsed_and"),
        r" (?:cut|burn|hurt|self harm)(?= ?(?:$|,|",
        _w("again tonight so_bad so_badly deeper right_now now is has"), r"\b))",
        r"|\bmak(?:e|ing) (?:", _REFL, "|", _POSS, " ", _BODY, r") bleed\b")),
)
_CONCERN: tuple[Rule, ...] = (  # worrying but ambiguous; said of someone else, these do not fire
    Rule("cannot_take_it", "suicidal_ideation", "concern", _re(
        r"\b(?:cannot|could not|unable to) (?:take|handle|cope with|bear|stand|deal with|do) ",
        r"(?:it |this |this pain |the pain |any of this |this life |life |it all ",
        r"|the (?:noise|voices|thoughts) in my head )?anymore\b",
        _nb("with_this with_the with_these with_his with_her with_their from"),
        r"|\bcannot keep doing this$",
        r"|\bcannot cope\b(?! with (?:the|this|that|my|his|her|their) (?!life|pain))"),
        person="self", negatable=False, unless=_ANNOYANCE),
    Rule("burden", "suicidal_ideation", "concern", _re(
        r"\b(?:i am|i feel|feel like i am|i have become)(?: \w+){0,4} (?:burden|waste of (?:space|oxygen|air))\b",
        _nb("on_the_team at_work to_the_team on_the_project")), person="self"),
    Rule("never_born", "suicidal_ideation", "concern", _re(
        r"\bwish (?:that )?i (?:had|was|were|would|would have) never (?:been )?born\b",
        r"|\bshould (?:never|not) have been born\b"), person="self"),
    Rule("disappear", "suicidal_ideation", "concern", _re(
        r"\b(?:want|wish|wishing|need) (?:to |i could )?(?:disappear|vanish)\b",
        _nb("for into under from on to off with behind in")), person="self"),
    Rule("pain_to_stop", "suicidal_ideation", "concern", _re(
        r"\b(?:want|wish|need)(?: for)? the pain to (?:stop|end|go away)\b",
        r"(?! (?:in|on|from (?:my|his|her))\b)"), person="self"),
    Rule("no_point", "suicidal_ideation", "concern", _re(
        r"\b(?:what is the|there is no|no|is there any) point (?:in |of |to )?",
        r"(?:anything |trying |it all |any of it |any of this |going on )?anymore\b",
        r"|\b(?:what is the|there is no|is there any) point (?:in |of |to )?",
        r"(?:anything|it all|any of it|any of this)\b|\bnothing (?:left )?to look forward to\b"),
        person="self", negatable=False),
    Rule("nobody_would_miss", "suicidal_ideation", "concern", _re(
        r"\b(?:no one|nobody) (?:would |will |is going to )?(?:miss|notice) me\b", _nb("at in on during")),
        person="self", negatable=False),
    Rule("tired_of_life", "suicidal_ideation", "concern", _re(
        r"\b(?:tired|sick|exhausted|weary) of ", _w("life it_all everything being_me this_life my_life"),
        r"(?= ?(?:$|,|", _w("anymore and i so right_now at_this_point"), r"\b))"), person="self"),
    Rule("death_on_mind", "suicidal_ideation", "concern", _re(
        r"\b", _w("think thinking thought thoughts obsessing obsessed"), r" (?:about|of) (?:dying|death)\b",
        _nb("of in penalty metal row star")), person="self", needs=_re(
            r"\b", _w("a_lot all_the_time constantly every_day lately so_much more_and_more nonstop "
                      "cannot_stop keep keeps been"), r"\b")),
    Rule("farewell", "suicidal_ideation", "concern", _re(
        r"\bthis is (?:my )?(?:final |last )?goodbye\b|\bgoodbye forever\b|\bmy (?:final|last) goodbye\b",
        r"|\bi have said (?:all )?my goodbyes\b(?= ?(?:$|,|to (?:everyone|everybody)\b|already\b))"),
        person="self", negatable=False),
    Rule("hopeless", "suicidal_ideation", "concern", _re(
        r"\bi (?:feel|am|am feeling)(?: so| completely| totally| utterly)? hopeless\b",
        _nb("about at with when"), r"|\bthere is no hope (?:left|for me|anymore)\b",
        r"|\bno way out\b(?! of (?:the|a|an|my|our|this|that) ",
        _w("contract lease deal meeting job room building maze game level parking city town traffic "
           "house"), r"\b)"), person="self"),
    Rule("giving_away", "suicidal_ideation", "concern", _re(
        r"\b(?:giving|gave|give|given) (?:away )?(?:all )?(?:of )?my ",
        _w("things stuff belongings possessions valuables pet pets cat dog"), r"\b(?: away)?",
        r"(?! (?:to (?:charity|goodwill|a thrift|the thrift)|before (?:i|we) (?:move|leave)",
        r"|because (?:i|we) (?:am|are) moving)\b)"), person="self"),
)
RULES = _IDEATION + _SELF_HARM + _CONCERN
