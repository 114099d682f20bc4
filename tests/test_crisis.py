"""Crisis detection (qa/answering/crisis.py): the rules of corpus/safety.yaml, the semantic layer
trained and calibrated at build time, the levels set by cues, and what the banner and cards show."""

import numpy as np
import pytest

from qa.answering.crisis import Detector, Layer
from qa.corpus import load_corpus
from qa.text import normalise, passages_of
from tests.conftest import CORPUS

_CORPUS = load_corpus(CORPUS)
SAFETY, SAFETY_DIRECTORY = _CORPUS.safety, _CORPUS.directory
HOTLINE = "national-human-trafficking-hotline"


def rules_only(question: str):
    """What the deterministic rules alone make of a question (no model)."""
    return Detector(SAFETY).detect(question, passages_of(question))


@pytest.mark.parametrize("question", [
    "someone is forcing me to have sex with men for money",
    "I can't leave, he has my passport",
    "my friend is overdosing and not breathing",
    "a 15 year old girl is being paid for sex by older men",
    "he took my ID and says I owe him",
    "my boyfriend beats me up if I don't bring money",
])
def test_danger_raises_the_emergency_level(question):
    match = rules_only(question)
    assert match is not None and match.level == "emergency"
    assert match.matched  # the words that fired it, so staff can see why


@pytest.mark.parametrize("question", [
    "what is the difference between prostitution and trafficking",
    "how are minors treated under the law",
    "what is debt bondage",
    "is sex work dangerous",
    "how common are overdoses among sex workers",
    "if a 16 yr old agrees to it is it still trafficking",
])
def test_informational_questions_do_not_raise_the_emergency_level(question, engine):
    for match in (rules_only(question), engine.trace(question).safety):
        assert match is None or match.level != "emergency", (question, match)


def test_emergency_banner_carries_911_and_the_hotline(engine):
    answer = engine.answer("someone is forcing me to sell sex and I can't leave")
    assert answer.safety and answer.safety.level == "emergency"
    assert [p.number for p in answer.safety.contacts] == ["911"]
    hotline = next(s for s in answer.safety.services if s.id == HOTLINE)
    assert {(p.number, p.kind) for p in hotline.phones} == {("1-888-373-7888", "voice"), ("233733", "text")}
    assert "is the most crucial immediate resource" in answer.passages[0].text  # the pinned passage
    assert answer.answered


def test_a_rule_puts_its_passages_first_and_a_sign_puts_them_under_the_answer(engine):
    """A rule's words are a maintainer's: its help passages lead. A sentence that only came close to a
    sign's examples may be a false alarm: the question's own best passage keeps first place, and the
    help passages come right under it (the banner above holds the contacts either way)."""
    def place(candidate):
        return (candidate.chunk.document, candidate.chunk.section, candidate.chunk.paragraph)

    sign = engine.trace("he takes all the money i make. what are the health risks of this work")
    assert sign.safety and sign.safety.level == "emergency" and sign.safety.sign is not None
    helps = {r.place for r in sign.safety.rule.passages}
    first, second = sign.ranking.candidates[:2]
    assert place(first) not in helps and "health" in first.chunk.section.lower()
    assert place(second) in helps
    rule = engine.trace("someone is forcing me to sell sex, can i get tested for stds")
    assert rule.safety and rule.safety.level == "emergency" and rule.safety.sign is None
    assert place(rule.ranking.candidates[0]) in {r.place for r in rule.safety.rule.passages}


def test_someone_elses_danger_is_answered_first_and_the_help_passages_come_next(engine):
    """A rule's words in a message about someone else (nobody says "I" or "me", or the words that fired name her): the
    banner holds the contacts, the question's own best passage answers what was asked, and the rule's help passages
    come right under it. A child paid for sex is the exception: the FAQ's words that the child is a victim lead,
    whoever writes."""
    def place(candidate):
        return (candidate.chunk.document, candidate.chunk.section, candidate.chunk.paragraph)

    other = engine.trace("my cousin's boss keeps her passport and won't let her leave. is that trafficking?")
    assert other.safety and other.safety.level == "emergency" and other.safety.sign is None
    helps = {r.place for r in other.safety.rule.passages}
    first, second = other.ranking.candidates[:2]
    assert place(first) not in helps and "differences" in first.chunk.section.lower()
    assert place(second) in helps
    # a writer who says "I" about their work, of a danger whose words name her: the help passages still come second
    told = engine.trace("I'm a nurse at the clinic. A patient told us she is being trafficked and begged us not to call "
                        "the police. Which local organizations can give her shelter and advocacy?")
    assert told.safety and told.safety.level == "emergency" and told.safety.sign is None
    helps = {r.place for r in told.safety.rule.passages}
    first, second = told.ranking.candidates[:2]
    assert place(first) not in helps and "YWCA Hartford Region and Safe Futures" in first.chunk.text
    assert place(second) in helps
    minor = engine.trace("my son is 15 and a man pays him for sex, is he a criminal")
    assert minor.safety and minor.safety.rule.id == "minor-exploited" and minor.safety.rule.leads_for == "anyone"
    assert "(DCF) is mandated" in minor.ranking.candidates[0].chunk.text


def test_the_banner_holds_only_cards_that_can_be_reached(engine):
    answer = engine.answer("someone is forcing me to sell sex and I can't leave")
    assert answer.safety.services and all(c.phones or c.url or c.email for c in answer.safety.services)
    banner = {c.id for c in answer.safety.services}
    # the rule's other cards (no contact on record) lead the page's cards instead
    rule = SAFETY.rule(answer.safety.rule)
    assert [c.id for c in answer.services[:2]] == [s for s in rule.services if s not in banner][:2]
    assert not banner & {c.id for c in answer.services}


def test_detection_is_deterministic_and_case_insensitive():
    a = rules_only("SOMEONE IS FORCING ME")
    b = rules_only("someone is forcing me")
    assert a.rule.id == b.rule.id and a.matched == b.matched


@pytest.mark.parametrize("question", [
    "I am in danger", "i'm in danger", "I am being trafficked", "i'm being forced to have sex for money",
    "i am 16 and he pays me for sex", "she is 14 and being sold", "I want to die",
    # how people say it without the word suicide, and documents held to keep someone
    "i've decided to end it", "no point asking, i'm ending it tonight", "i won't be around next week",
    "the boss keeps our passports in her office", "he's holding my green card until i pay",
    "he doesn't let me leave the apartment", "we aren't allowed out without one of them",
    "they lock us in at night", "my friend is barely breathing after she used",
])
def test_plain_first_person_danger_raises_the_emergency_level(question):
    match = rules_only(question)
    assert match is not None and match.level == "emergency", question


@pytest.mark.parametrize(("question", "level"), [
    # the warning signs screening asks about, said without the word suicide
    ("i just want to go to sleep and never wake up", "emergency"),
    ("dont see the point anymore, thinking about walking into the lake tonight", "emergency"),
    ("honestly im tired of living", "emergency"),
    ("some days i wish i was dead", "emergency"),
    ("quisiera dormirme y no despertar", "emergency"),
    ("ya no le veo sentido a la vida", "emergency"),
    ("estoy cansada de vivir", "emergency"),
    ("a few years ago i wished i was dead every day, is there counseling now", "urgent"),  # told as over
    # the same words about a life the person wants out of, or a question with no despair in it
    ("im tired of living like this, how do i get out", None),
    ("estoy cansada de vivir así, quiero salir", None),
    ("whats the point of going to the police", None),
    ("do i have to take all the pills for pep", None),
])
def test_despair_said_as_people_say_it_raises_the_self_harm_rule(question, level):
    match = rules_only(question)
    got = match.level if match and match.rule.id == "self-harm" else None
    assert got == level, (question, match and match.matched)


@pytest.mark.parametrize("question", [
    "how can u tell if someone is being trafficked vs just doing sex work",
    "what are the signs someone is in danger of being trafficked",
    "what is the suicide rate among sex workers",
    "i'm ending it with my boyfriend, can he still post my photos",
    "can the police keep my id if i get arrested",
])
def test_third_person_and_research_questions_do_not_raise_it(question):
    match = rules_only(question)
    assert match is None or match.level != "emergency", (question, match and match.matched)


@pytest.mark.parametrize("question", [
    "i got out of the life two years ago and need a job now", "my friend was trafficked and needs a lawyer",
    "since i left i have nowhere to stay", "my old pimp still texts me sometimes",
    "fui víctima de trata hace años, puedo pedir ayuda",
])
def test_a_story_of_getting_out_is_urgent_not_an_emergency(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "wants-out" and match.level == "urgent", question


@pytest.mark.parametrize("question", [
    "what help is there for people who leave the life", "how many people were trafficked in connecticut last year",
])
def test_a_general_question_about_getting_out_raises_nothing(question):
    assert rules_only(question) is None, question


# -- the semantic layer: danger said without any of the rules' words ----------------------------------

@pytest.mark.parametrize(("question", "sign"), [
    ("the man I live with put my passport in a drawer and says I get it back when I've paid for the flight",
     "documents-taken"),
    ("he keeps every dollar i make and gives me twenty bucks for food", "earnings-taken"),
])
def test_indirect_danger_fires_the_semantic_layer(engine, question, sign):
    assert rules_only(question) is None  # no rule's words: only the semantic layer can see it
    match = engine.trace(question).safety
    assert match is not None and match.level == "emergency" and match.sign == sign
    assert match.score >= engine.detector.layer().threshold


def test_the_semantic_layer_is_trained_and_calibrated_at_build_time(version):
    crisis = version.manifest["crisis"]
    assert len(crisis["weights"]) == version.vectors.d
    assert 0 < crisis["urgent_threshold"] <= crisis["threshold"] <= 1
    assert crisis["tune"]["false_emergencies"] <= crisis["budget"]["false_emergencies"]
    # the budget is what the layer adds to the rules' own banners; the rules alone gave fewer
    assert crisis["rules_false_banners"] <= crisis["tune"]["false_banners"]
    assert crisis["tune"]["false_banners"] - crisis["rules_false_banners"] <= crisis["budget"]["added_false_banners"]
    assert crisis["split"] == "tune" and crisis["questions"] == "crisis.yaml"


def test_a_danger_sentence_buried_in_a_long_message_counts(engine):
    question = ("Hi, I have a couple of questions about the food bank and the GED classes in Willimantic. "
                "Do they have evening classes? Also my boyfriend won't let me leave the apartment without him. "
                "Thanks for any info.")
    match = engine.trace(question).safety
    assert match is not None and match.level == "emergency" and match.rule.id == "forced-held-or-hurt"


# -- levels: time and person cues ----------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "I got away from my trafficker two years ago, can I still get a T visa?",
    "My friend overdosed last month. She is fine now. Where do we get narcan?",
    "i finally got away from my pimp, i need a lawyer",  # getting away, with no time word
    "im safe at my aunts house, he doesnt know where i am. who helps with a restraining order",
])
def test_past_events_are_urgent_not_emergency(engine, question):
    answer = engine.answer(question)
    assert answer.safety is not None and answer.safety.level == "urgent", answer.safety


@pytest.mark.parametrize("question", [
    "he still has my passport from when i got here last year",
    "im safe at my aunts house now but he still has my passport",
])
def test_a_present_cue_keeps_an_emergency(engine, question):
    answer = engine.answer(question)
    assert answer.safety is not None and answer.safety.level == "emergency"


@pytest.mark.parametrize(("question", "level"), [
    ("he hits me every night", "emergency"),  # an ongoing cue, nothing past: danger now
    ("I left him three years ago but I still have flashbacks of him hitting me every night", "urgent"),
    ("I got out in 2021 and he keeps showing up, he hits me when he finds me", "emergency"),  # "keeps": what he does now
    ("I got out last year but he still has my passport", "emergency"),  # "he still": a present cue, not an ongoing one
    # a habit told in the past tense is over, whatever its "every night" says
    ("my old pimp made me work every night, i finally left him. where can i get counseling", "urgent"),
    ("he makes me work every night and takes the money", "emergency"),
])
def test_an_ongoing_cue_says_danger_now_only_when_nothing_is_told_as_past(question, level):
    match = rules_only(question)
    assert match is not None and match.level == level, match


@pytest.mark.parametrize(("question", "past"), [
    ("he locked me in a basement in 2015", True),
    ("back in 2019 he took my ID", True),
    ("i was 16 when a man started selling me", True),
    ("tenía 15 años cuando él empezó a venderme", True),
    ("since 2019 he has kept my ID", False),  # since: it goes on to now
    ("he has kept my ID for two weeks", False),
    ("i did sex work in my early 20s and some of it wasnt my choice", True),
    ("im in my 20s and he takes everything i make", False),  # an age said of now
    ("survivor, out 5 yrs. want to go back to school", True),
    ("i'm a survivor and i want to help others", True),
])
def test_a_year_gone_by_or_an_age_then_is_a_past_cue(question, past):
    assert SAFETY.cues.is_past(normalise(question)) is past


@pytest.mark.parametrize("question", [
    "got out last spring, where can i get tested cheap",
    "left the life 2 yrs ago and need a job",
    "my aunt was with a pimp for years, how can i help her now",
    "i have charges from when i was on the streets, can they be cleared",
])
def test_a_story_of_getting_out_told_without_its_subject_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "wants-out" and match.level == "urgent", match


@pytest.mark.parametrize("question", ["got out of jail last week, where can i get food", "left my phone at home"])
def test_getting_out_of_something_else_is_no_story(question):
    assert rules_only(question) is None


@pytest.mark.parametrize(("question", "rule"), [
    ("estoy encerrada en la casa y no sé la dirección", "forced-held-or-hurt"),
    ("se quedó con mis papeles y dice que todavía le debo", "forced-held-or-hurt"),
    ("anoche me dio una golpiza y no me deja ir al médico", "forced-held-or-hurt"),
    ("si hablo dice que van a matar a mi mamá", "forced-held-or-hurt"),
    ("mi amigo se metió algo y ahora no responde y ronca feo", "overdose"),
    # a threat said as a condition, in the present Spanish uses for it
    ("si le cuento a alguien me mata", "forced-held-or-hurt"),
    ("dice que si me voy les hace daño a mis hermanos", "forced-held-or-hurt"),
])
def test_spanish_danger_said_plainly_is_an_emergency_by_rule(question, rule):
    match = rules_only(question)
    assert match is not None and match.rule.id == rule and match.level == "emergency" and match.lang == "es", match


@pytest.mark.parametrize("question", ["si me voy de la casa van a pensar mal de mí", "mi hermana no contesta el teléfono"])
def test_spanish_words_near_those_signs_raise_nothing_by_rule(question):
    assert rules_only(question) is None


@pytest.mark.parametrize(("question", "fires"), [
    ("nobody is forcing me, I just want to know my options", False),
    ("no one took my passport, I lost it, how do I get a new one", False),
    ("i'm not being forced into anything", False),
    ("nadie me obliga, solo quiero saber qué ayuda hay", False),
    ("nobody knows he is forcing me to do this", True),  # the denial is of someone else's knowing
    ("he is forcing me and nobody helps", True),
])
def test_words_denied_by_the_writer_do_not_fire_a_rule(question, fires):
    match = rules_only(question)
    assert (match is not None and match.level == "emergency") is fires, match


# -- minors, police fear, Spanish ----------------------------------------------------------------------

def test_a_minor_paid_for_sex_is_a_victim_whoever_writes(engine):
    answer = engine.answer("my son is 17 and a man pays him for sex")
    assert answer.safety.level == "emergency" and answer.safety.rule == "minor-exploited"
    dcf = "(DCF) is mandated to respond to cases involving minors (under 18) in prostitution, who are legally considered"
    assert dcf in answer.passages[0].text  # the FAQ's own words: a victim, not an offender
    shown = [c.id for c in answer.safety.services] + [c.id for c in answer.services]
    assert shown[:2] == [HOTLINE, "ct-dcf"]


def test_fear_of_police_never_puts_police_first(engine):
    answer = engine.answer("he says if I go to the police they will deport me")
    banner = [c.id for c in answer.safety.services] if answer.safety else []
    page = [c.id for c in answer.services]
    police = {s.id for s in SAFETY_DIRECTORY.services if "police" in s.categories}
    assert not police & set(banner)
    assert (banner + page)[:2] == [HOTLINE, "ct-legal-services"]
    assert "fear of police" in answer.services[0].why


def test_police_come_first_only_without_fear(engine):
    page = [c.id for c in engine.answer("how do i report a trafficking situation to the police").services]
    assert page[0] in {s.id for s in SAFETY_DIRECTORY.services if "police" in s.categories}


def test_spanish_danger_shows_the_banner_in_spanish(engine):
    answer = engine.answer("me quitaron el pasaporte y no me dejan salir")
    assert answer.safety.level == "emergency" and answer.safety.lang == "es"
    assert answer.safety.message.startswith("Si está en peligro ahora mismo, llame al 911")
    assert HOTLINE in {c.id for c in answer.safety.services}


@pytest.mark.parametrize(("question", "level"), [
    ("voy a llamar a la policia, mi vecina esta encerrada", "emergency"),  # as the English "locked in" of anyone
    ("a mi amiga la encierran en un cuarto cuando no trabaja", "emergency"),
    ("hace dos años me encerraban en un cuarto", "urgent"),  # told as past
])
def test_spanish_locked_in_is_danger_whoever_is_locked_in(engine, question, level):
    match = engine.trace(question).safety
    assert match is not None and match.rule.id == "forced-held-or-hurt" and match.level == level, match
    assert match.lang == "es"


def test_police_come_first_for_a_spanish_question_that_goes_to_them(engine):
    page = [c.id for c in engine.answer("como hago para reportar una situacion de trata a la policia").services]
    assert page[0] in {s.id for s in SAFETY_DIRECTORY.services if "police" in s.categories}


def test_spanish_questions_have_their_own_emergency_threshold(version, engine):
    """With the English model, Spanish sentences score high as a whole; the emergency level of a
    Spanish question needs the threshold calibrated on Spanish questions, the urgent one stays shared."""
    crisis = version.manifest["crisis"]
    spanish = crisis["languages"]["es"]
    assert spanish["urgent_threshold"] == crisis["urgent_threshold"]  # no Spanish crisis missed for it
    assert spanish["tune"]["false_emergencies"] <= crisis["budget"]["false_emergencies"]
    english, own = engine.detector.layer("en"), engine.detector.layer("es")
    assert engine.detector.layer("fr") is english and own.threshold == spanish["threshold"]
    question = "quiero salir de esta vida pero no sé cómo"  # wanting out: urgent, not danger now
    score = max(p for p, _ in engine.detector.scores(engine.encoder.encode(passages_of(question)), "es"))
    assert english.threshold <= score < own.threshold  # one threshold for both would raise an emergency
    assert engine.trace(question).safety.level == "urgent"


# -- a story told as past, and the support layer ---------------------------------------------------------

@pytest.mark.parametrize("later", ["That was three years ago, I live with my mom now.", "I got out in 2019."])
def test_a_message_told_as_past_lowers_every_sentence_of_it(engine, later):
    """The sentence that fires has no time word nor tense; another sentence of the message says it is over."""
    story = "Locked in the room for days at a time, no phone."
    assert engine.trace(story).safety.level == "emergency"
    assert engine.trace(f"{story} {later}").safety.level == "urgent"
    assert engine.trace(f"{story} {later} He is outside my door right now.").safety.level == "emergency"


@pytest.mark.parametrize(("question", "level"), [
    ("I left him two years ago but he just showed up at my work", "emergency"),  # the one she left is at hand
    ("i escaped last year and now he knows where i live", "emergency"),
    ("me salí hace un año pero llegó a mi casa buscándome", "emergency"),
    ("I got out in 2020 and he doesn't know where I live now", "urgent"),
])
def test_a_story_told_as_past_is_danger_now_when_he_is_back(engine, question, level):
    match = engine.trace(question).safety
    assert match is not None and match.level == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("the guy I was with took all my money and made me see men", "urgent"),  # told in the past tense
    ("he takes all my money and makes me see men", "emergency"),
    ("he took my passport and I can't leave", "emergency"),  # a present verb beside the past one
    ("he took all my money last night", "emergency"),  # a recent cue: what just happened
    ("he took all my money. I need help right now", "emergency"),  # "right now" anywhere in the message
    ("he beat me and took my phone", "urgent"),
])
def test_a_story_told_in_the_past_tense_is_urgent(engine, question, level):
    match = engine.trace(question).safety
    assert match is not None and match.rule.id == "forced-held-or-hurt" and match.level == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("i took a whole bottle of pills", "emergency"),  # overdose and self-harm are never lowered by tense
    ("my 15 year old daughter was paid by a grown man for sex", "emergency"),  # nor a minor exploited
])
def test_the_past_tense_lowers_only_the_rules_that_list_it(engine, question, level):
    match = engine.trace(question).safety
    assert match is not None and match.level == level, match


def test_the_support_layer_offers_help_to_someone_close_to_a_past_danger(engine):
    question = "my friend went through trafficking when she was younger and still won't talk to anyone about it"
    assert rules_only(question) is None
    match = engine.trace(question).safety
    assert match is not None and match.level == "urgent"
    assert match.sign in engine.detector.support_signs and match.score >= engine.detector.layer().support_threshold


def test_support_signs_never_train_or_choose_a_danger_sign(engine, version):
    support = engine.detector.support_signs
    assert support and support == {s.id for s in SAFETY.signs if SAFETY.rule(s.rule).level == "urgent"}
    crisis = version.manifest["crisis"]
    examples = sum(len(s.examples) + len(s.examples_es) for s in SAFETY.signs if s.id in support)
    assert crisis["support"]["trained_on"]["support"] == examples
    assert crisis["trained_on"]["danger"] + examples == sum(len(s.examples) + len(s.examples_es) for s in SAFETY.signs)
    vectors = engine.encoder.encode(["he took my passport and says I owe him"])
    chosen = engine.detector.examples.danger_sign[engine.detector.scores(vectors)[0][1]]
    assert chosen in engine.detector.danger_signs


def test_between_the_thresholds_only_a_present_cue_raises_an_emergency(engine):
    """Below the emergency threshold (and above the urgent one) a sentence is urgent, unless it says
    the danger is now in so many words. Thresholds are set around the real score of the sentence."""
    layer = engine.detector.layer()
    plain = "the man I live with put my ID card away somewhere"  # no rule fires on it
    now = f"{plain} right now"
    assert rules_only(plain) is None and rules_only(now) is None
    scores = [engine.detector.scores(engine.encoder.encode([q]))[0][0] for q in (plain, now)]
    high, low = max(scores) + 0.01, min(scores) - 0.05
    trial = Detector(SAFETY, engine.detector.examples, {"en": Layer(layer.classifier, high, low)})
    levels = [trial.detect(q, [q], engine.encoder.encode([q])).level for q in (plain, now)]
    assert levels == ["urgent", "emergency"]


def test_between_the_thresholds_a_child_held_or_exploited_is_an_emergency(engine):
    """The signs of exploitation (money taken, confinement, ...) say danger now for a child the writer
    names (now_when: minor, personal), as the sign of a minor does, whatever the closest sign."""
    layer = engine.detector.layer()
    adult = "he locks the door so I can't go out"
    child = "I'm 15 and he locks the door so I can't go out"
    assert rules_only(adult) is None and rules_only(child) is None
    scores = [engine.detector.scores(engine.encoder.encode([q]))[0] for q in (adult, child)]
    assert all(engine.detector.examples.danger_sign[i] != "minor" for _, i in scores), scores
    high, low = max(p for p, _ in scores) + 0.01, min(p for p, _ in scores) - 0.05
    trial = Detector(SAFETY, engine.detector.examples, {"en": Layer(layer.classifier, high, low)})
    levels = [trial.detect(q, [q], engine.encoder.encode([q])).level for q in (adult, child)]
    assert levels == ["urgent", "emergency"]


# -- triggers: words that fire a rule only with something more in the message ----------------------

@pytest.mark.parametrize(("question", "minor"), [
    ("my 15 yo", True), ("one of my 14 yr olds", True), ("my stepdaughter is 16", True), ("im 17", True),
    ("a middle schooler", True), ("she is under 18", True), ("tiene 15 años", True), ("es menor de edad", True),
    ("tiene 15 anos", True), ("soy menor y", True), ("tengo 16 y mi tío", True), ("the kid, maybe 12, is", True),
    ("she is 15 minutes away", False), ("a minor charge from 2015", False), ("i was 16 when", False),
    ("my 19 year old", False), ("im 17 weeks pregnant", False), ("tengo 16 dólares", False),
    ("es un delito menor", False), ("a girl like 14 years ago", False),
    ("una chica de como 14 años", True), ("mi vecinita de 11 añitos", True),
    ("a sophomore at the high school near us", True), ("two students at my school, both freshmen", True),
    ("my roommate, a college freshman at my school", False), ("my son is a freshman at uconn", False),
    ("a teenage girl at the motel", True), ("my little brother", True), ("mi hermanita", True),
    ("when i was in my teens", False),
    ("shes not even 15", True), ("he's barely 16", True), ("she is about 15 miles away", False),
    ("my niece is in hs", True), ("mi hija va en la secundaria", True), ("im a junior at eastern", False),
])
def test_a_person_under_18_is_named_by_an_age_or_a_school_year(question, minor):
    assert ("minor" in SAFETY.cues.holds(normalise(question))) is minor


@pytest.mark.parametrize("question", [
    "my stepdaughter is 15 and i just found her on an escort site",
    "im 16 and my bf says men pay me for sex is normal",
    "one of my 15 yr olds says an older friend rents her out on weekends",
    # grooming as it looks from outside: grown men around the child, money the child brings home
    "my little sister is 14 and grown men keep driving her around, she comes home with cash",
    "my 15 year old niece has an older boyfriend who says she has to make his money",
    "mi hija de 14 años sale con hombres mayores y regresa con dinero",
])
def test_a_child_named_beside_what_is_done_to_them_is_an_emergency_by_rule(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "minor-exploited" and match.level == "emergency", match


@pytest.mark.parametrize("question", [
    "my son is 16 and asked me what prostitution is, how do i explain it",
    "can a 17 year old legally work as an escort in another state",  # nobody close is named
    "a 16 year old selling sex, what does the law say",  # a general question: urgent at most
    "my daughter is 20 and her pimp takes her money",  # not a minor: the rule's own words decide
    "my 16 year old wants to make money babysitting this summer",  # money, no grown men
    "is it illegal for a 17 year old to date older men",  # nobody close named
])
def test_the_minor_trigger_needs_a_child_close_to_the_writer_and_what_is_done_to_them(question):
    match = rules_only(question)
    assert match is None or match.rule.id != "minor-exploited" or match.level != "emergency", match


@pytest.mark.parametrize("question", [
    "i used to do sex work in 2015, can i get my record cleared",
    "expungement for my old solicitation charge from 2012",
    "been out of the life a while, my pics from old escort ads are still online",
    "ex sw here, where can i get hep c treatment from back then without insurance",
])
def test_the_trade_told_as_past_by_the_writer_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "wants-out" and match.level == "urgent", match


@pytest.mark.parametrize("question", [
    "what was the penalty for prostitution in 2015",  # past, but nobody named
    "i want to know if prostitution is legal in ct",  # someone named, nothing past
])
def test_the_past_trigger_needs_both_the_past_and_a_person(question):
    assert rules_only(question) is None


@pytest.mark.parametrize("question", ["we finally escaped in 2022 and we're in a shelter now", "i got out. what now"])
def test_getting_away_said_with_its_subject_and_a_time_or_alone_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "wants-out" and match.level == "urgent", match


def test_the_minor_sign_says_danger_now_when_a_child_close_to_the_writer_is_named(engine):
    """Between the thresholds the sign of a minor exploited is an emergency when the message names a
    child the writer knows; the same sentence about nobody in particular stays urgent."""
    layer = engine.detector.layer()
    named = "my 14 year old goes with an older man who gives her money"
    plain = "a kid goes with an older man who gives money"
    vectors = engine.encoder.encode([named, plain])
    scores = engine.detector.scores(vectors)
    assert {engine.detector.examples.danger_sign[i] for _, i in scores} == {"minor"}
    high, low = max(p for p, _ in scores) + 0.01, min(p for p, _ in scores) - 0.01
    trial = Detector(SAFETY, engine.detector.examples, {"en": Layer(layer.classifier, high, low)})
    levels = [trial.detect(q, [q], v[None, :]).level for q, v in zip((named, plain), vectors, strict=True)]
    assert levels == ["emergency", "urgent"]


@pytest.mark.parametrize(("question", "now"), [
    ("i was arrested in 2022 and the mugshot is still online", False),  # what goes on, after the past
    ("i got out in 2022 but he's still following me", True),  # someone still at it is danger now
    ("she is still there and he won't let her leave", True),
])
def test_is_still_says_now_only_of_a_person_or_in_a_message_with_no_past(question, now):
    assert SAFETY.cues.says_now(normalise(question), Detector(SAFETY).told_as_past(question)) is now


@pytest.mark.parametrize("question", [
    "what happens to a john if hes caught paying someone under 18? its for my criminal law class",
    "que es la servidumbre por deudas? lo vi en las noticias y no entendi",
])
def test_a_question_for_study_or_about_the_news_is_read_by_the_rules_alone(engine, question):
    assert engine.detector.for_study(question)
    assert engine.trace(question).safety is None


@pytest.mark.parametrize("question", [
    "for my class project i need to know, but right now my boyfriend is locking me in",  # danger now still counts
    "there's a girl in my class who gets picked up by older men for money",  # a classmate, not a class's question
])
def test_a_study_cue_never_hides_danger_now_or_a_classmate(engine, question):
    assert not engine.detector.for_study(question)


@pytest.mark.parametrize(("question", "past"), [
    ("ya me escape pero no tengo papeles", True),  # "me escapé" typed without its accent
    ("hace 5 anos me trajeron con mentiras", True),
    ("el que me explotaba esta en la carcel", True),
    ("todavia tiene mi pasaporte", False),
])
def test_spanish_cues_are_heard_without_their_accents(question, past):
    assert SAFETY.cues.is_past(normalise(question)) is past


def test_a_rule_written_with_accents_fires_on_words_typed_without_them():
    from qa.text import matcher

    assert matcher(["policía", "me escapé"]).first("llamé a la policia") == "policia"
    assert matcher(["policia"]).first("la policía vino") == "policía"
    assert matcher(["can"]).first("canned food") is None  # still whole words


@pytest.mark.parametrize("question", ["a que hora juega uconn hoy", "como cambio el idioma del iphone a español",
                                      "q es la TVPA"])
def test_a_spanish_question_that_shares_no_word_with_danger_raises_no_banner(engine, question):
    assert not engine.detector.speaks_of_danger(question, "es")
    assert engine.trace(question).safety is None


def test_a_spanish_danger_sentence_still_reaches_the_semantic_layer(engine):
    assert engine.detector.speaks_of_danger("la dueña se queda con todo lo que ganamos", "es")
    assert engine.trace("me quitaron el pasaporte y no me dejan salir").safety.level == "emergency"


@pytest.mark.parametrize("question", [
    "friend wants to stop escorting but doesnt know where to start",
    "think my roommate might be doing sex work. lots of cash, weird hours",
    "mi hermana quiere salirse de esa vida y no sabe cómo",
])
def test_someone_close_wanting_out_or_worried_about_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.rule.id == "wants-out" and match.level == "urgent", match


@pytest.mark.parametrize("question", [
    "my teenage son keeps making jokes about hookers, how do i talk to him",  # close, no worry, no trade word
    "is sex work legal in ct, i'm worried about the law",  # worry, nobody close
    "my coworker wants to stop smoking",  # close wanting out of something else
])
def test_the_close_triggers_need_someone_close_and_the_trade_or_a_way_out(question):
    match = rules_only(question)
    assert match is None or match.rule.id != "wants-out", match


@pytest.mark.parametrize(("question", "rule", "level"), [
    ("the man who sold me gets out of prison next month", "wants-out", "urgent"),  # the one who did it, named for it
    ("I left a nail salon where the owner kept everyone's papers", "wants-out", "urgent"),  # an escape from a place
    ("how do i get a restraining order against my old pimp", "wants-out", "urgent"),
    ("quick before he gets back, what number do i text", "forced-held-or-hurt", "emergency"),  # writing in secret
    ("he says i have to work it off", "forced-held-or-hurt", "emergency"),
    ("me tienen vigilada todo el día", "forced-held-or-hurt", "emergency"),
    ("revisa mi celular cada noche", "forced-held-or-hurt", "emergency"),
    ("me salí de una casa donde me tenían trabajando a la fuerza", "forced-held-or-hurt", "urgent"),  # told as past
])
def test_signs_said_in_other_words_fire_their_rule(question, rule, level):
    match = rules_only(question)
    assert match is not None and (match.rule.id, match.level) == (rule, level), match


def test_a_long_sentence_is_also_read_from_where_someone_else_takes_over_as_its_subject():
    parts = passages_of("i told him i wanted to stop and he said i don't get to decide that")
    assert "he said i don't get to decide that" in parts
    # the writer's own "and i ..." stays in its sentence: "im tired and i want out" is not "i want out" alone
    assert passages_of("im just tired and i want out but i need rent") == [
        "im just tired and i want out but i need rent", "im just tired and i want out", "i need rent"]


def test_a_spanish_sentence_is_also_read_from_where_its_dropped_subject_changes():
    parts = passages_of("trabajo en un restaurante y no me deja salir y me quita el dinero")
    assert "no me deja salir" in parts and "me quita el dinero" in parts


def test_a_clause_keeps_the_worry_said_before_it_was_cut_from_its_sentence():
    detector = Detector(SAFETY)
    rule = SAFETY.rule("forced-held-or-hurt")
    sentence = normalise("i think my cousin's girlfriend is in trouble, he takes her phone and she never goes out")
    clause = normalise("he takes her phone and she never goes out")
    assert detector.level(rule, clause) == "emergency"  # alone, it says danger now
    assert detector.level(rule, clause, within=sentence) == "urgent"  # "i think" is worry, about someone else


@pytest.mark.parametrize(("question", "level"), [
    # an illicit massage business is one of the trade's places: told as the writer's past, it is a story of
    # the life ("those years", as "those days"), and gets the urgent banner
    ("those years at a massage parlor still haunt me, i need a counselor", "urgent"),
    ("i used to work at a massage business and want to get tested", "urgent"),
    ("is there a good massage place in willimantic for my back", None),  # no past, nobody's story
])
def test_a_massage_business_in_the_writers_past_is_a_story_of_the_life(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, (question, match)


def test_a_clause_keeps_the_now_said_in_its_sentence_as_it_keeps_the_past():
    """"I ran from him in may" is a story of the past, unless the sentence it was cut from says he is at
    hand now: the present cue of the sentence counts for its clauses, as its past cue does."""
    detector = Detector(SAFETY)
    rule = SAFETY.rule("forced-held-or-hurt")
    clause = normalise("i ran from him in may")
    assert detector.level(rule, normalise("back then i ran from him")) == "urgent"
    now = normalise("i ran from him in may but hes at my door right now")
    assert detector.level(rule, clause, within=now) == "emergency"
    assert detector.level(rule, clause, within=normalise("i ran from him back in may and i never looked back")) == "urgent"


@pytest.mark.parametrize(("minor", "adult"), [
    # not "a grown man": with a child named, that is the minor trigger's own phrase, and the rule fires first
    ("my sister is 17 and a man in his forties gives her cash to sleep with him",
     "my sister is 21 and a man in his forties gives her cash to sleep with him"),
    ("mi sobrina de 16 años sale con un señor mayor que le da dinero",
     "mi sobrina de 22 años sale con un señor mayor que le da dinero"),
])
def test_an_adults_age_rules_out_the_sign_of_a_minor(engine, minor, adult):
    child = engine.trace(minor).safety
    assert child is not None and (child.sign, child.level) == ("minor", "emergency")
    grown = engine.trace(adult).safety
    # still a worry worth the hotline, but not a child exploited, and not danger now from a guess
    assert grown is not None and grown.sign != "minor" and grown.level == "urgent"


@pytest.mark.parametrize(("question", "adult"), [
    ("my daughter is 20 and has a much older boyfriend", True),
    ("worried about my son, he's 19 and never home", True),
    ("mi hija de 19 años se fue con un señor", True),
    ("im 22 and he keeps my money", True),
    ("my 15 yo sister and her 20 year old boyfriend", False),  # a minor named: the minor counts
    ("the guy is 40 and pays my little sister", False),  # the age of someone else says nothing of her
    ("i'm 30 days clean", False),
])
def test_the_adult_age_cue(question, adult):
    assert ("adult" in SAFETY.cues.holds(normalise(question))) is adult


@pytest.mark.parametrize("question", ["soy de honduras", "estoy sola", "tengo un problema", "nos quitaron todo"])
def test_the_writer_is_named_in_the_spanish_verb(question):
    # Spanish drops the subject: "tengo", "estoy", "soy" name the writer as "I" does
    assert "personal" in SAFETY.cues.holds(normalise(question))


def test_a_spanish_story_of_the_trade_told_as_past_is_urgent():
    match = rules_only("tengo antecedentes de prostitución de hace años y no consigo trabajo")
    assert match is not None and match.level == "urgent" and match.rule.id == "wants-out"


@pytest.mark.parametrize("question", [
    "la semana pasada me quitó el pasaporte", "en ese entonces me obligó a trabajar", "ya lo dejé pero me golpeó mucho",
])
def test_spanish_time_words_tell_of_the_past_as_the_english_do(question):
    assert SAFETY.cues.is_past(normalise(question))
    match = rules_only(question)
    assert match is not None and match.rule.id == "forced-held-or-hurt" and match.level == "urgent", match


@pytest.mark.parametrize(("question", "level"), [
    ("the back door is padlocked from the outside and we sleep in the basement", "emergency"),
    ("la puerta la cierran por fuera en la noche", "emergency"),
    ("i lock my car from the outside with the fob", None),  # a lock, not a person locked in
    ("a client choked me and i quit the life because of it, where can i get therapy", "urgent"),  # told as over
])
def test_a_door_locked_from_outside_and_a_life_quit(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("la dueña me hace atender hombres en la casa", "emergency"),  # "makes me see men"
    ("no me quiere dejar bajar del carro", "emergency"),  # "won't let me get out"
    ("el tiene una pistola y esta borracho", "emergency"),
    ("he has a gun and he's drunk, i'm locked in the bathroom", "emergency"),
    ("every time i pay some off she adds fines for being late", "emergency"),
    ("my boyfriend says he has a gun permit, is that legal in ct", None),  # a permit, not a threat
    ("no me deja dormir el ruido de la calle", None),  # "let me" without a way out
    ("hace dos años me hacían atender hombres, ya salí", "urgent"),  # told as over
])
def test_spanish_force_and_confinement_as_the_english_say_them_and_weapons_and_fines(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level", "rule"), [
    ("el jefe guarda nuestros pasaportes y no nos permiten salir", "emergency", "forced-held-or-hurt"),
    ("amenazó con matarme si hablo", "emergency", "forced-held-or-hurt"),
    ("mi prima trabaja en un masaje y no sé si está en peligro", "urgent", "forced-held-or-hurt"),  # worry
    ("cuando estaba en la calle mi ex padrote me quitaba todo, dónde hay terapia", "urgent", "wants-out"),
    ("quiero pedir una orden de restricción contra el que me vendía", "urgent", "wants-out"),
    ("ya decidí acabar con todo esta noche", "emergency", "self-harm"),
    ("mi tratante me mantiene drogada para que no me vaya", "emergency", "forced-held-or-hurt"),
    ("¿el pasaporte de mi hija se vence este año?", None, None),
])
def test_spanish_patterns_one_for_one_with_the_english(question, level, rule):
    match = rules_only(question)
    got = (match.level, match.rule.id) if match else (None, None)
    assert got == (level, rule), match


@pytest.mark.parametrize("question", [
    # the one who did it is locked up, the writer walked out, is clean and out, is safe: a story told as over
    "he won't let me keep any of my money. hes locked up now so what do i do",
    "he makes me see men to pay what i owe. i finally walked out, what now",
    "he makes me see men to pay what i owe, im clean and out now, where is counseling",
    "she makes me see men, im safe and she cant find me",
    "he won't let me keep any of my money, but i dont live with him anymore",
    "he makes me see men to pay what i owe. hes out of my life but i cant sleep",
    "she won't let me leave the house. now that im out i need a job",
    # a bystander who does not know what to do, as it is texted
    "a girl at the nail salon says she isn't allowed to leave, idk if i should say something",
])
def test_over_or_unsure_as_people_text_it_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.level == "urgent", match


@pytest.mark.parametrize("question", [
    # the trade named as the street names it, in a story told as over (stop 40)
    "back when i worked the truck stops nobody ever told me about testing, where can i go",
    "i left the trade two years ago, is there job training for people like me",
    "when i was out there working i got a record, can it be sealed",
    "used to work the motels on route 6, i want to talk to a counselor about it",
])
def test_the_trade_as_the_street_names_it_told_as_over_is_urgent(question):
    match = rules_only(question)
    assert match is not None and match.level == "urgent" and match.rule.id == "wants-out", match


@pytest.mark.parametrize("question", [
    "i work the late shift at the motel front desk, is there parking",
    "what is the sex trade, for my class",
])
def test_the_trade_words_alone_raise_nothing(question):
    assert rules_only(question) is None


def test_nobody_forces_me_makes_the_semantic_layer_urgent_at_most(engine):
    """Said in so many words, choice (or money as what keeps the person in) turns what the examples read
    as force into a wish to leave; a rule's own phrases and a minor named still raise an emergency."""
    # "nobody makes me" itself reads as force to the examples: above the emergency threshold, and urgent
    chosen = engine.trace("nobody makes me, but i want to stop doing dates and i dont know how to pay rent without it")
    assert chosen.crisis_score >= engine.detector.layer("en").threshold
    assert chosen.safety.level == "urgent"
    # money is what keeps the person in: a wish to leave too (the examples read "want to stop but" as force)
    money = engine.trace("i really want to stop seeing clients but idk how else to pay my bills")
    assert money.crisis_score >= engine.detector.layer("en").threshold
    assert money.safety and money.safety.level == "urgent"
    # a debt to the one who controls the writer is a rule's own words: still an emergency
    for question in ("i want to stop doing this but he says i still owe him and idk how else to pay",
                     "nobody makes me do it but he keeps my id in his car",
                     "im 16 and nobody makes me, i meet guys for money after school"):
        trace = engine.trace(question)
        assert trace.safety and trace.safety.level == "emergency", question


@pytest.mark.parametrize(("question", "level"), [
    ("i really want to stop doing sex work, where do i start", "urgent"),
    ("quisiera dejar la prostitución, hay programas", "urgent"),
    ("got busted for prostitution two towns over, will it show on a background check", "urgent"),
    ("they charged me but i was the victim the whole time", "urgent"),
    ("we finally got out and are staying with my aunt", "urgent"),
    # someone else's arrest is a question of law, and a scam is no story of the trade
    ("my cousin got picked up for prostitution, what is she facing", None),
    ("i was the victim of a scam online, who do i call", None),
])
def test_the_writer_leaving_or_told_as_over_is_urgent(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("my roommate does escorting on the side and wants to stop, who can help her", "urgent"),
    ("una compañera sale con clientes y quiere dejarlo, a donde la mando", "urgent"),
    # a move, not the trade; but since stop 44 someone close said to be in the trade is worry enough for the
    # gentle banner, whatever is asked about them
    ("my friend does sex work and needs to leave her apartment by friday", "urgent"),
    ("my friend needs to leave her apartment by friday, where can she stay", None),
    # the trade beside a wish to help someone close
    ("my cousin trades sex for a place to stay, how do i help her get her own place", "urgent"),
    ("how can we help him, my brother is selling sex for drugs", "urgent"),
    ("mi prima sale con clientes por dinero, como la ayudo", "urgent"),
    ("my cousin is moving to a place of her own, how do i help her pack", None),
])
def test_someone_close_in_the_trade_who_wants_to_stop_or_whom_the_writer_would_help(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("my gf does onlyfans and wants to meet guys in person, im worried", "urgent"),
    ("my nephew posted an ad on one of those sites and i'm worried about him", "urgent"),
    ("my gf does onlyfans, do we have to pay taxes on it", None),  # no worry: a question of fact
])
def test_the_trade_online_beside_worry_about_someone_close(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    # someone close wants out, the writer is not in the message, nothing says now: urgent, whatever the
    # semantic layer reads
    ("friend wants to stop escorting but doesnt know how to start over. nobody forces her, she is just broke",
     "urgent"),
    ("coworker wants to stop doing dates for money but has no idea how she would pay rent otherwise", "urgent"),
    # a rule's own words still raise an emergency
    ("my friend wants out but her pimp won't let her leave the motel", "emergency"),
])
def test_someone_close_who_wants_out_told_by_a_writer_not_in_the_message(engine, question, level):
    assert engine.trace(question).safety.level == level


def test_the_writer_cue():
    from qa.text import normalise

    assert "writer" in SAFETY.cues.holds(normalise("i think my friend wants out"))
    assert "writer" not in SAFETY.cues.holds(normalise("my friend wants out of the life"))


@pytest.mark.parametrize(("question", "level"), [
    ("he makes me meet guys at the motel every night", "emergency"),
    ("he makes her go with men for money", "emergency"),
    ("he made her go with men for money", "urgent"),  # told in the past tense
    ("he wouldn't let me leave the apartment, now what", "urgent"),  # told in the past tense
    ("my trafficker is in prison now but he made me work for years, can i get help", "urgent"),  # he is gone
    ("can someone be charged if they make them do sex work", None),  # 'them': asked in general
])
def test_what_someone_is_made_to_do_and_an_exploiter_who_is_gone(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


def test_a_child_exploited_is_an_emergency_whoever_writes(engine):
    # nobody close named, the writer not in it: a child at a motel with older men is danger now all the same
    match = engine.trace("a kid in 8th grade says she makes money with older guys at the motel by the highway").safety
    assert match is not None and match.level == "emergency" and match.rule.id == "minor-exploited"
    # a general question about minors is still lowered by its cue
    general = engine.trace("what happens to a 16 year old who is caught selling sex in connecticut").safety
    assert general is None or general.level != "emergency"


@pytest.mark.parametrize(("question", "level"), [
    ("a boy in my nephews class, 8th grade, gets money from older guys for sex", "emergency"),
    ("one of our kids, 15, says her boyfriend sells her to his friends", "emergency"),  # the age set off by commas
    ("my niece (16) told me a man pays her for sex", "emergency"),
])
def test_a_child_named_with_for_sex_or_an_age_between_commas(question, level):
    match = rules_only(question)
    assert match is not None and (match.level, match.rule.id) == (level, "minor-exploited"), match


def test_an_age_between_commas_is_a_minor_and_a_count_is_not():
    assert "minor" in SAFETY.cues.holds(normalise("one of our kids, 15, told me"))
    assert "minor" not in SAFETY.cues.holds(normalise("we have 15 kids, 3 of them teens"))


@pytest.mark.parametrize(("question", "level"), [
    ("we cant go out unless one of his guys comes with us", "emergency"),  # leaving only on his terms
    ("i cant go outside today, it's pouring", None),
    ("i just saw him slap her in the parking lot of the motel", "emergency"),  # third person, just now
    ("he slapped her once years ago and she left him", "urgent"),
    ("hes in jail now but he kept my passport for years", "urgent"),  # the one who did it is gone
    ("the boss kept our passports in his safe", "urgent"),  # told in the past tense
])
def test_leaving_on_conditions_violence_to_her_and_stories_that_are_over(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


def test_the_spanish_imperfect_tells_of_what_used_to_happen():
    assert SAFETY.cues.is_past(normalise("mi ex me obligaba a acostarme con hombres"))
    assert not SAFETY.cues.is_past(normalise("mi ex me obliga a acostarme con hombres"))


@pytest.mark.parametrize("text", ["one of my 8th graders", "she is in 9th grade", "a seventh grader"])
def test_a_school_grade_names_a_minor_in_the_singular_and_the_plural(text):
    assert "minor" in SAFETY.cues.holds(normalise(text))


@pytest.mark.parametrize(("text", "past"), [
    ("6 months out of the life and i need a job", True),  # "N months out", as "out N months"
    ("two years out of the game and clean", True),
    ("i got arrested while i was being trafficked", True),  # "while i was", as "when i was"
    # an infinitive: "before I (can) leave" as often as "before I left", so no past cue
    ("dice que le tengo que pagar antes de irme", False),
])
def test_past_cues_said_both_ways(text, past):
    assert SAFETY.cues.is_past(normalise(text)) is past


def test_still_stuck_with_someone_is_now():
    assert SAFETY.cues.says_now(normalise("still stuck with him and the cops laugh with him"))
    match = rules_only("tiene mi pasaporte y dice que le pague antes de irme")
    assert match is not None and match.level == "emergency", match


@pytest.mark.parametrize(("question", "level"), [
    ("if i see a girl at the truck stop who cant leave the guy shes with, do i call someone", "urgent"),
    ("a girl at the truck stop cant leave the guy shes with", "emergency"),
])
def test_a_bystanders_suspicion_put_as_a_condition_is_a_worry(question, level):
    match = rules_only(question)
    assert match is not None and match.level == level, match


def test_a_condition_about_anyone_is_general_unless_the_writer_is_in_the_message():
    detector = Detector(SAFETY)
    rule = SAFETY.rule("forced-held-or-hurt")
    sentence = normalise("if ur 16 and he has ur id and all the money")
    assert detector.level(rule, sentence) == "urgent"  # "if ur ...": anyone at all
    # "... asking bc it's me": the writer's own case
    assert detector.level(rule, sentence, holds=frozenset({"writer"})) == "emergency"


def test_the_sign_of_a_minor_exploited_with_no_age_said_is_a_worry(engine):
    """Grooming as it reads from outside, with no age, school year or danger now said, is urgent; the same
    with an age is an emergency."""
    worry = engine.trace("an older guy buys my niece gifts and takes her to parties with his friends").safety
    assert worry is not None and worry.sign == "minor" and worry.level == "urgent"
    child = engine.trace("an older guy buys my niece gifts and takes her to parties with his friends, she is 15").safety
    assert child is not None and child.level == "emergency"



def test_right_now_as_typed_says_danger_now():
    assert rules_only("i left him last year but he has my passport").level == "urgent"
    assert rules_only("i left him last year but he has my passport rn").level == "emergency"


@pytest.mark.parametrize(("question", "level"), [
    # a child advertised online, or made to pay with sex for a place to stay: the trade, whoever writes
    ("my niece is 14 and someone is posting her online", "emergency"),
    ("im 15 and the guy im staying with says i have to make money with my body", "emergency"),
    ("mi hija de 15 años y vi anuncios de ella en una pagina", "emergency"),
    ("my son is 15 and posts his art online", None),  # a child named with nothing of the trade
])
def test_a_child_advertised_or_made_to_pay_with_sex_for_a_bed(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("text", "now"), [
    ("i got out last year but he found me again", True),  # it has started again
    ("left him in 2023 and now im back with him", True),
    ("i got out last year and im doing better", False),
])
def test_a_story_of_the_past_that_has_started_again_is_now(text, now):
    assert SAFETY.cues.says_now(normalise(text)) is now


@pytest.mark.parametrize(("text", "past"), [
    ("desde que salí de esa casa no tengo dónde vivir", True),  # got out
    ("un carro me sigue desde que salí del trabajo", False),  # left work: no story of the past
    ("cuando sali de la escuela estaba ahi esperandome", False),
])
def test_spanish_got_out_is_not_leaving_work_or_school(text, past):
    assert SAFETY.cues.is_past(normalise(text)) is past


@pytest.mark.parametrize(("question", "level"), [
    # papers held, a debt for the trip, a quota before a bed, a threat to call immigration, a covert message
    ("the manager is holding our passports until the season ends", "emergency"),
    ("she says i have to work off the cost of bringing me here", "emergency"),
    ("got to make 500 tonight or i cant go back to the apartment", "emergency"),
    ("he says he'll call immigration if i stop", "emergency"),
    ("cant talk. not by choice. what do i do", "emergency"),
    ("dice que va a llamar a la migra si no trabajo", "emergency"),
    ("la deuda nunca baja aunque trabajo diario", "emergency"),
    ("how do i renew my passport", None),
    ("i cant talk to my mom about this stuff", None),
])
def test_papers_held_a_debt_for_the_trip_a_quota_and_a_threat_to_call_immigration(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("sometimes i think about stepping in front of a train", "emergency"),
    ("a veces pienso en tirarme de un puente", "emergency"),
    ("we walked off the bridge trail to the park", None),
])
def test_a_way_to_die_said_without_the_word(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    # told in the past: support now, not an emergency
    ("wasnt allowed to see a doctor the whole time, where can i get a checkup", "urgent"),
    ("i was raped by a client a while back and never told anyone", "urgent"),
    ("im two years out of the game and looking for a support group", "urgent"),
    # said in the present, the same is danger now
    ("im not allowed to see a doctor", "emergency"),
])
def test_what_was_done_told_in_the_past_is_urgent(question, level):
    match = rules_only(question)
    assert match is not None and match.level == level, match


def test_a_worry_said_in_another_sentence_speaks_for_a_sentence_about_someone_else():
    detector = Detector(SAFETY)
    rule = SAFETY.rule("forced-held-or-hurt")
    about_her = normalise("the boss has her passport")
    assert detector.level(rule, about_her) == "emergency"
    assert detector.level(rule, about_her, holds=frozenset({"worry"})) == "urgent"  # "... i'm worried"
    # the writer hurt is danger now, whatever worry the message says elsewhere
    assert detector.level(rule, normalise("the boss has my passport and hits me"), holds=frozenset({"worry"})) \
        == "emergency"


@pytest.mark.parametrize(("text", "past"), [
    ("i used to work for a pimp", True),
    ("it used to happen every night", True),
    ("i heard it used to be legal there", False),  # a law's past, not the writer's
])
def test_used_to_tells_a_story_of_the_past_but_not_of_a_law(text, past):
    assert SAFETY.cues.is_past(normalise(text)) is past


@pytest.mark.parametrize(("question", "level"), [
    ("he beat me up an hour ago and took my phone", "emergency"),  # minutes or hours ago is now
    ("he beat me up like 20 min ago and took my phone", "emergency"),
    ("he beat me up 3 hrs ago and took my phone", "emergency"),
    ("he beat me up a year ago and took my phone", "urgent"),  # over
    ("he beat me up two weeks ago and took my phone", "urgent"),
])
def test_minutes_or_hours_ago_is_now_and_longer_ago_is_past(question, level):
    match = rules_only(question)
    assert match is not None and match.level == level, match


@pytest.mark.parametrize(("question", "level"), [
    ("he says i belong to him and i cant stop", "emergency"),
    ("im only allowed to see people he picks", "emergency"),
    ("el tiene la llave del cuarto y no estoy segura de poder salir", "emergency"),
    ("me revisa el cel cada noche", "emergency"),
    ("maybe it would be better for everyone if i was gone", "emergency"),
    ("can a dog belong to two owners", None),
])
def test_owned_held_by_a_key_or_a_phone_and_disappearing_as_a_relief(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


def test_a_sentence_about_an_everyday_subject_is_left_to_the_rules(engine):
    """With this model a Spanish sentence about a broken phone came closest to danger's examples; a subject
    of everyday life (out_of_scope.yaml, ``everyday``) keeps the example sentences from reading it."""
    question = "se me rompio la pantalla del celular y ya no carga, q hago"
    detector = engine.detector
    parts = passages_of(question)
    vectors = engine.encoder.encode(parts)
    unaware = Detector(detector.safety, detector.examples, detector.layers)  # the same layer, no everyday words
    assert unaware.detect(question, parts, vectors) is not None  # what the example sentences alone say
    assert detector.detect(question, parts, vectors) is None
    answer = engine.answer(question)
    assert answer.safety is None and not answer.answered and answer.gap is not None and answer.gap.kind == "topic"


@pytest.mark.parametrize("question", [
    "mi perrito no quiere comer desde el lunes, que hago?",
    "como le enseño al gato a usar el arenero",
    "my cat keeps scratching the couch, how do i stop her",
])
def test_a_pet_is_an_everyday_subject_not_a_danger(engine, question):
    """With this model "mi perro no quiere comer desde ayer" came closest to "quiero dejarlo pero no me deja",
    an emergency: pets are an everyday subject (stop 35), read by the rules alone and not covered."""
    answer = engine.answer(question)
    assert answer.safety is None, answer.safety
    assert not answer.answered and answer.gap is not None and answer.gap.kind == "topic"


@pytest.mark.parametrize("question", [
    "my phone wont charge and he wont let me leave the house",
    "i need a recipe for something quick, he gets mad if dinner is late and hits me",
    # a threat to a pet keeps a person from leaving: the rules' own phrases say it (stop 35)
    "he says hell kill my dog if i ever leave him",
    "dijo que va a matar a mi perro si me voy de la casa",
])
def test_a_rule_still_fires_in_a_sentence_about_an_everyday_subject(engine, question):
    match = engine.trace(question).safety
    assert match is not None and match.level == "emergency", match


@pytest.mark.parametrize(("question", "level"), [
    # the one she got away from has reached her again: danger now, whatever is said of the past
    ("i got out two years ago, but he just found me and says i still owe him", "emergency"),
    ("i got out two years ago, but he knows where my kids go to school and says i still owe him", "emergency"),
    # the trade as the street says it, told as over
    ("i used to do dates out of the motels, now i need a checkup", "urgent"),
    # a place left behind opens the story: what was done there is past
    ("left the spa where they kept my passport and now i need a lawyer", "urgent"),
    # the words alone raise nothing
    ("i do dates, where can i get tested", None),
])
def test_danger_back_after_getting_out_and_a_place_left_behind(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    # a child's age said loosely after "student" or "cousin", as after "sister" (stop 42)
    ("my cousin, not even 15, goes on dates with older guys for money", "emergency"),
    # papers held and pay taken, said of someone else or of a crew, in Spanish and in English
    ("la patrona le tiene guardado el pasaporte a mi hermana", "emergency"),
    ("el encargado nos quita la plata cada semana y no podemos irnos", "emergency"),
    ("the foreman holds the workers' passports at the farm", "emergency"),
    # and said of the past, it is past
    ("hace años el patrón nos quitaba la plata, ahora quiero estudiar", None),
])
def test_papers_held_for_others_and_a_danger_on_its_way(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


def test_the_one_she_left_writing_again_and_on_his_way_is_danger_now(engine):
    # no rule's words: the semantic layer finds being watched, and "texting me again", "saying hes coming"
    # keep it danger now in a story told as over (stop 42: urgent before these present cues)
    match = engine.trace("i left him two years ago but now hes texting me again saying hes coming").safety
    assert match is not None and match.level == "emergency", match


@pytest.mark.parametrize(("question", "level"), [
    # someone hurt in front of the writer, and papers held by the one who employs them (stop 42)
    ("he shoves her and kicks her when she comes back short", "emergency"),
    ("el tipo la jaló del pelo y la metió al carro", "emergency"),
    ("the owner keeps the dishwashers papers in his office", "emergency"),
    # a suspicion about others is worry
    ("i think some of the women at that motel arent there by choice", "urgent"),
    # a hurt that outlasted the event is past
    ("my ribs still hurt from when a client kicked me, where can i get an x-ray", "urgent"),
    ("he keeps the court papers in a drawer", None),
])
def test_hurt_in_front_of_someone_and_papers_held_by_an_employer(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    # leaving told in passing before what is asked now is a story told as over (stop 43)
    ("i finally walked away from the man i worked for. do i owe him anything legally", "urgent"),
    ("since getting out i cant sleep and i need a counselor who gets it", "urgent"),
    # but danger back now is still danger now
    ("i left and he just showed up at my job saying i owe him", "emergency"),
])
def test_leaving_said_in_passing_is_past(engine, question, level):
    match = engine.trace(question).safety
    assert match is not None and match.level == level, match


@pytest.mark.parametrize("question", [
    # an age guessed from how a child looks, and the Spanish "como de 14" (stop 43)
    "there's a girl who looks like 15 at the motel and grown men keep going into her room",
    "hay una muchacha como de 14 en el cuarto de al lado y entran hombres toda la noche",
])
def test_an_age_guessed_from_how_a_child_looks_names_a_minor(engine, question):
    assert "minor" in SAFETY.cues.holds(normalise(question))
    match = engine.trace(question).safety
    assert match is not None and match.level == "emergency" and match.rule.id == "minor-exploited", match


@pytest.mark.parametrize("phrase", ["looks like 15 minutes late", "como de 15 minutos", "i am still a kid at heart"])
def test_times_and_figures_of_speech_name_no_minor(phrase):
    assert "minor" not in SAFETY.cues.holds(normalise(phrase))


def test_a_survivor_asking_for_an_everyday_service_is_offered_help(engine):
    # no rule's words and nothing the danger layer reads: the support layer, whose budget of gentle banners on
    # questions that are no crisis is 4% since stop 43 (2% before: this message got no banner)
    question = "been clean and out of that scene for a year, can i get help paying for a dentist"
    assert rules_only(question) is None
    match = engine.trace(question).safety
    assert match is not None and match.level == "urgent" and match.sign in engine.detector.support_signs, match


@pytest.mark.parametrize(("question", "level"), [
    # the lock said before the door (stop 43)
    ("she padlocks the basement from the outside at night", "emergency"),
    # what a bystander sees of a place where people may be sold is worry: urgent
    ("the motel room next to mine has different men going in every night", "urgent"),
    ("guys in and out of that apartment all night, i never see the women leave", "urgent"),
    ("entran y salen hombres de esa casa toda la noche", "urgent"),
    # a question about the signs, and comings and goings of no concern, raise nothing
    ("is a massage parlor with blacked out windows a sign of trafficking", None),
    ("my kids come and go all night during summer break", None),
])
def test_a_lock_from_outside_and_what_a_bystander_sees(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "level"), [
    # someone close said to be in the trade, whatever is asked about them (stop 44)
    ("my sister trades sex for rent, where can she get tested", "urgent"),
    ("my friend is a sex worker and keeps getting infections", "urgent"),
    ("creo que mi amiga está haciendo trabajo sexual, cómo le hablo", "urgent"),
    # an opinion someone close holds about the trade is not that person in it
    ("my brother says selling sex is legal in ct", None),
    ("my coworker thinks everyone selling sex chose it", None),
    # a bystander's suspicion of a place
    ("pretty sure the house across the street is being used for prostitution", "urgent"),
    ("creo que el spa de al lado es una fachada para la trata", "urgent"),
    ("i think the restaurant is selling people tacos", None),
    ("how do police find out a massage parlor is a front for trafficking", None),
    # being moved around is a sign of trafficking: now an emergency, told as over urgent
    ("they keep moving us between motels", "emergency"),
    ("nos mueven de motel en motel y no sé dónde estoy", "emergency"),
    ("back in 2019 they moved me between motels in norwich", "urgent"),
    ("can you take me from hotel to hotel", None),
    ("we moved between apartments a lot as kids", None),
    # what the trade's people did, told as done
    ("i still have scars from what the johns did, is there free tattoo cover up", "urgent"),
])
def test_someone_close_in_the_trade_a_suspected_place_and_being_moved_around(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


def test_the_message_classifier_learns_from_the_crisis_sets_and_keeps_its_budget(version):
    message = version.manifest["crisis"]["message"]
    assert len(message["weights"]) == version.vectors.d
    assert 0 < message["threshold"] <= 1
    # the threshold is set on messages scored by models that never saw their writer's set
    assert message["tune"]["false_banners"] <= message["budget"]["false_banners"]
    assert message["trained_on"]["sets"] >= 5 and message["trained_on"]["danger"] > 100
    assert "crisis.yaml" in message["crisis_sets"]


def test_the_message_threshold_is_the_lowest_within_its_budget():
    import numpy as np

    from qa.lifecycle import crisis_model

    rng = np.random.default_rng(7)
    writers = [f"set{i}" for i in range(8) for _ in range(40)]
    danger = [j % 2 == 0 for j in range(len(writers))]
    # danger and calm lie apart along the first axis, with noise; each writer has some of both
    vectors = rng.normal(size=(len(writers), 16)).astype("float32")
    vectors[:, 0] += [1.5 if d else -1.5 for d in danger]
    model = crisis_model.train_message(vectors, danger, writers)
    assert model["tune"]["false_banners"] <= crisis_model.MAX_MESSAGE_BANNERS
    assert model["tune"]["recall"] > 0.5
    assert model["trained_on"] == {"danger": 160, "not_danger": 160, "sets": 8}
    # too few writers to leave any out: no model, and the reason
    assert "reason" in crisis_model.train_message(vectors[:80], danger[:80], writers[:80])


@pytest.mark.parametrize("question", [
    "found out i have hep c after i quit the motels, is treatment free",
    "the nail salon workers sleep in the back room and never seem to go home",
])
def test_the_message_classifier_hears_what_no_sentence_says(engine, question):
    # no rule's words, and no sentence the danger or support layer reads as danger: the message read whole
    # is like the crisis sets' danger messages, so the gentle banner is shown
    assert rules_only(question) is None
    parts = passages_of(question)
    assert engine.detector.detect(question, parts, engine.encoder.encode(parts)) is None
    match = engine.trace(question).safety
    assert match is not None and match.level == "urgent" and match.sign in engine.detector.support_signs, match
    assert match.score >= engine.detector.layer().message_threshold


@pytest.mark.parametrize(("message", "past"), [
    # leaving the one who did it, or the place, told as done (stop 44)
    ("i left the man who was taking my money", True),
    ("i ran from the guy who controlled me and im sleeping in my car", True),
    ("he took my passport, i ran and now i have no id", True),
    ("a few months back he kept everything i made", True),
    # leaving a thing behind, or leaving now, is no story told as over
    ("i left my phone in his car", False),
    ("i want to leave the guy but he has my id", False),
])
def test_leaving_the_one_who_did_it_is_told_as_over(message, past):
    assert SAFETY.cues.is_past(normalise(message)) is past


@pytest.mark.parametrize("part", ["", "support", "message"])
def test_a_damaged_or_misfitting_crisis_classifier_refuses_the_version_with_the_fix(version, encoder, part):
    import dataclasses

    from qa.answering.engine import Engine
    from qa.errors import IndexCorruptError

    def with_weights(weights):
        crisis = dict(version.manifest["crisis"])
        if part:
            crisis[part] = crisis[part] | {"weights": weights}
        else:
            crisis["weights"] = weights
        return dataclasses.replace(version, manifest=version.manifest | {"crisis": crisis})

    # refused when the version is opened, not on the first question someone in danger asks
    with pytest.raises(IndexCorruptError, match="dimension 32.*build"):
        Engine(with_weights([0.1] * 32), encoder)
    with pytest.raises(IndexCorruptError, match="cannot be read.*build"):
        Engine(with_weights(["not", "numbers"]), encoder)


@pytest.mark.parametrize(("question", "level"), [
    # someone else speaks for the person, a sign outreach workers name (stop 44)
    ("a girl at the gas station looked scared and a man did all the talking for her", "urgent"),
    ("the guy she was with answered every question for her at the clinic", "urgent"),
    # a spouse, an interpreter, a lawyer or a meeting is no such sign
    ("my husband does all the talking for us at parties lol", None),
    ("can the interpreter do the talking for her at court", None),
    ("the lawyer answered all the questions for him", None),
    ("the man answered all the questions at the meeting", None),
])
def test_someone_who_speaks_for_another_person(question, level):
    match = rules_only(question)
    assert (match.level if match else None) == level, match


@pytest.mark.parametrize(("question", "why"), [
    # the message read whole is nothing like the crisis sets' danger (stop 46: wanting-to-die)
    ("r ppl doin anything bout y girls end up on the stroll", "message"),
    ("whats anybody doin bout girls endin up on the blade", "message"),
    # the message classifier bears it out, but most of its nearest labelled messages are everyday worries (stop 47)
    ("im so stressed, my manager put me on nights and i have nobody to watch the kids", "neighbours"),
    ("mi jefe me cambió el horario y no tengo quién me cuide a los niños, ayuda", "neighbours"),
])
def test_a_sentence_alone_raises_an_emergency_only_when_the_message_bears_it_out(engine, question, why):
    from qa.answering.crisis import CORROBORATION

    # no rule's words; the danger layer alone reads a sentence as danger now
    assert rules_only(question) is None
    parts = passages_of(question)
    alone = engine.detector.detect(question, parts, engine.encoder.encode(parts))
    assert alone is not None and alone.level == "emergency" and alone.sign is not None
    searched = engine.encoder.encode(engine.searched([question]))  # as the message classifier reads it
    if why == "message":
        assert engine.detector.whole(searched) < CORROBORATION
    else:
        assert engine.detector.whole(searched) >= CORROBORATION
        compared = engine.encoder.encode(engine.compared([question]))  # as the neighbours compare it
        assert engine.detector.neighbours is not None and engine.detector.neighbours.like_everyday(compared)
    # the gentle banner, the same contacts; the staff's check page says why
    trace = engine.trace(question)
    assert trace.safety is not None and trace.safety.level == "urgent" and trace.safety.sign == alone.sign
    assert trace.safety.lowered == why


@pytest.mark.parametrize("question", [
    "my boss cut my hours and now i cant pay the light bill, so stressed",
    "i lost my wallet with my license and debit card in it, what do i do first",
    "se me perdió la cartera con mi licencia y mi tarjeta, qué hago",
])
def test_an_everyday_worry_among_everyday_worries_gets_no_banner_from_the_semantic_layers(engine, question):
    """Stop 49: the semantic layers read money, a boss or a lost card as the danger they also tell of; when all of the
    question's nearest labelled messages are everyday worries, what they alone read raises no banner."""
    from qa.answering.crisis import CALM_NEIGHBOURS

    detector = engine.detector
    unaware = Detector(detector.safety, detector.examples, detector.layers, detector.everyday)  # no neighbours
    parts = passages_of(question)
    alone = unaware.detect(question, parts, engine.encoder.encode(parts),
                           searched=engine.encoder.encode(engine.searched([question])))
    assert alone is not None and alone.sign is not None  # a banner from the semantic layers alone
    assert rules_only(question) is None
    near = detector.neighbours.everyday_near(engine.encoder.encode(engine.compared([question])))
    assert near >= CALM_NEIGHBOURS
    assert engine.trace(question).safety is None


@pytest.mark.parametrize(("question", "fires"), [
    ("my bank app locked me out", False),  # what a bank, an app or a phone does
    ("the landlord locked me out of my apartment", False),
    ("he locked me in the room and took my phone", True),
    ("locked me up in the motel for days", True),
])
def test_locked_out_is_not_locked_in(question, fires):
    match = rules_only(question)
    assert (match is not None and match.rule.id == "forced-held-or-hurt") == fires, match


def test_the_neighbours_compare_a_spanish_message_in_english(engine):
    """Stop 49: with this English model Spanish messages sit near each other by language, so Spanish everyday worries
    among the neighbours had lowered a Spanish emergency (stop 48); the neighbours read its translation instead."""
    spanish = "me salí hace un año pero llegó a mi casa buscándome"
    english = "he took my passport and i cant leave the house"
    compared = engine.compared([spanish, english])
    assert compared[1] == engine.searched([english])[0]  # English is compared as it is searched
    assert compared[0] != engine.searched([spanish])[0] and "house" in compared[0]  # the translation of "casa"
    assert not engine.detector.neighbours.like_everyday(engine.encoder.encode(compared[:1]))
    assert engine.trace(spanish).safety.level == "emergency"


@pytest.mark.parametrize("question", [
    "he took my passport and i cant leave the house",
    "tengo que trabajar todas las noches hasta pagar lo que dice que le debo",
    "my cousin is 15 and a grown man pays her for sex",
])
def test_danger_is_not_like_the_everyday_worries(engine, question):
    compared = engine.encoder.encode(engine.compared([question]))
    assert not engine.detector.neighbours.like_everyday(compared)
    assert engine.trace(question).safety.level == "emergency"


def test_neighbours_say_everyday_when_most_of_the_nearest_are():
    from qa.answering.crisis import Neighbours

    rows = np.eye(4, dtype="float32")[[0, 0, 1, 2, 3]]  # two messages on axis 0, one on each other axis
    near = Neighbours(rows, np.array([True, True, False, False, False]))
    assert near.like_everyday(np.array([[1.0, 0.1, 0.0, 0.0]]))  # nearest: the two everyday ones and one danger
    assert not near.like_everyday(np.array([[0.1, 1.0, 0.9, 0.0]]))  # nearest: two danger ones
    assert not Neighbours(rows[:2], np.array([True, True])).like_everyday(rows[:1])  # too few to say
    assert not Neighbours(rows, np.zeros(5, dtype=bool)).like_everyday(rows[:1])  # no everyday worry at all


def test_a_danger_message_too_long_to_answer_is_measured_by_the_banner_it_gets(engine):
    from qa.lifecycle.crisis_eval import CrisisQuestion, run_crisis

    long = ("he took my passport and says i owe him for the ride here, i cant leave the house. " +
            "i clean all day and at night there are men. " * 12)
    assert len(long) > engine.max_question_chars
    [outcome] = run_crisis(engine, [CrisisQuestion(q=long, split="test", category="long", level="emergency")])
    # the service refuses to answer it but shows the banner its opening raised: that is what was measured
    assert outcome.level == "emergency" and outcome.rule == "forced-held-or-hurt"
    assert outcome.first_passage is None
