"""The public pages in process: the real app, the real model and the real corpus (see conftest.py).

Assertions read the parsed HTML (BeautifulSoup), not raw string fragments, except where the point
is the raw bytes (an XSS payload must never appear unescaped).
"""

from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup
from fastapi import Request
from fastapi.testclient import TestClient

from qa.config import ROOT

ANSWERED = "Where can I get tested for HIV?"
NOT_COVERED = "how do I renew my driver's license"
CRISIS = ["someone is forcing me to sell sex and I can't leave", "my friend is overdosing"]
INFORMATIONAL = [
    "what is the difference between prostitution and trafficking",
    "what happens to minors caught in prostitution",
    "how does naloxone reverse an overdose",
    "what does dcf do about underage prostitution",
]
XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><svg onload=alert(1)>"]
HOTLINE = "national-human-trafficking-hotline"


def html(response) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return BeautifulSoup(response.text, "html.parser")


def ask(client: TestClient, question: str):
    return client.post("/ask", data={"question": question})


def text(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def allowed_numbers() -> set[str]:
    """Every phone number corpus/services.yaml states, as digits, plus 911 (the one safety.yaml adds)."""
    data = yaml.safe_load((ROOT / "corpus" / "services.yaml").read_text(encoding="utf-8"))
    numbers = {re.sub(r"\D", "", str(p["number"])) for s in data["services"] for p in s.get("phones") or ()}
    return numbers | {"911"}


def assert_page_shell(page: BeautifulSoup, exit_url: str) -> None:
    """What every HTML page has: the quick exit first, landmarks, one h1, and no inline code."""
    assert page.html.get("lang") == "en"
    assert page.find("meta", attrs={"name": "viewport"})
    focusable = [el for el in page.body.find_all(["a", "button", "input", "textarea", "select", "summary"])
                 if el.get("type") != "hidden" and el.get("tabindex") != "-1"]
    quick_exit = focusable[0]
    assert quick_exit.get("id") == "quick-exit" and text(quick_exit) == "Quick exit"
    assert quick_exit.name == "a" and quick_exit["href"] == exit_url  # a plain link without JavaScript
    assert "noreferrer" in quick_exit.get("rel", [])
    for landmark in ("header", "main", "footer"):
        assert len(page.find_all(landmark)) == 1, landmark
    assert len(page.find_all("h1")) == 1
    assert page.find(id="history-help"), "the safety strip links to how to clear the history"
    # CSP forbids inline code: no <style>, no style= or on*= attributes, scripts only from /static/.
    assert not page.find_all("style")
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a == "style" or a.lower().startswith("on")], tag
    scripts = page.find_all("script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not s.get_text().strip() for s in scripts)
    assert not page.select('a[href^="javascript:" i]')
    assert "None" not in page.get_text().split(), "a missing value leaked into the page"


def assert_security_headers(response) -> None:
    headers = response.headers
    csp = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "set-cookie" not in headers
    assert not response.cookies


# --- pages render ---------------------------------------------------------------------------------

def test_home_has_a_welcome_one_labelled_question_box_and_examples_that_post(client, settings):
    r = client.get("/")
    assert r.status_code == 200
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    assert "Windham" in text(page.h1)
    assert page.select_one("main p.lead")
    boxes = page.find_all("textarea")
    assert len(boxes) == 1
    box = boxes[0]
    assert box["name"] == "question" and box.has_attr("required")
    assert int(box["maxlength"]) == settings.max_question_chars
    label = page.find("label", attrs={"for": box["id"]})
    assert label and text(label) == "Your question"
    form = box.find_parent("form")
    assert form["method"].lower() == "post" and form["action"] == "/ask"
    examples = page.select("ul.examples form")
    assert 3 <= len(examples) <= 4
    for example in examples:
        assert example["method"].lower() == "post" and example["action"] == "/ask"
        hidden = example.find("input", attrs={"name": "question", "type": "hidden"})
        assert hidden["value"] and text(example.find("button")) == hidden["value"]


def test_every_example_question_gets_an_answer_page(client):
    for example in html(client.get("/")).select("ul.examples input[name=question]"):
        r = ask(client, example["value"])
        assert r.status_code == 200
        assert html(r).select_one("q").get_text() == example["value"]


def test_answer_page_quotes_passages_verbatim_with_the_best_sentence_marked(client, engine, settings):
    expected = engine.answer(ANSWERED, settings.page_passages)
    assert expected.answered
    page = html(ask(client, ANSWERED))
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == "What our information says"
    assert page.select_one(".you-asked q").get_text() == ANSWERED
    items = page.select("ol.passages > li.passage")
    assert len(items) == len(expected.passages) > 0
    doc = engine.version.corpus.document(expected.passages[0].citation.document)
    for li, passage in zip(items, expected.passages, strict=True):
        quote = li.select_one("blockquote.full")
        assert quote.get_text() == passage.text == doc.text[passage.citation.start:passage.citation.end]
        excerpt = li.select_one("blockquote.excerpt")
        if passage.excerpt:  # shown first: the best sentence and its neighbours, word for word, in the passage
            for elided in excerpt.select(".elided"):
                elided.extract()
            assert excerpt.get_text() == passage.text[passage.excerpt.start:passage.excerpt.end]
            assert [m.get_text() for m in excerpt.find_all("mark")] == [
                passage.text[passage.highlight.start:passage.highlight.end]]
            assert quote.find_parent("details", class_="whole") is not None  # the whole paragraph is folded
        else:
            assert excerpt is None
        marks = quote.find_all("mark")
        if passage.highlight:
            assert [m.get_text() for m in marks] == [passage.text[passage.highlight.start:passage.highlight.end]]
        else:
            assert marks == []
        c = passage.citation
        citation = li.select_one("p.citation")
        reviewed = engine.version.corpus.document(c.document).last_reviewed  # each answer says how fresh it is
        assert text(citation) == f"From: {c.title} › {c.section}, paragraph {c.paragraph} Last reviewed: {reviewed}"
        # the citation opens on the answer page: its whole section, word for word, the cited paragraph marked
        context = li.select_one("details.context")
        section = doc.section(c.section)
        assert text(context.select_one(".context-heading")) == c.section == section.heading
        paragraphs = context.select(".context-body > p:not(.context-heading)")
        assert [p.get_text() for p in paragraphs] == [doc.text[x.start:x.end] for x in section.paragraphs]
        assert [p.get_text() for p in context.select(".cited")] == [passage.text]
        assert context.select_one(".context-source a")["href"] == f"/source/{c.document}#{c.anchor}"
    assert page.find("mark"), "at least one passage has its best sentence highlighted"


# the cards below the answer (not the banner's): the first ones open, the others folded one tap away
BELOW_CARDS = "main > ul.cards > li.card, main > details.more-cards > ul.cards > li.card"


def test_answer_page_shows_the_service_cards_of_the_answer(client, engine, settings):
    expected = engine.answer(ANSWERED, settings.page_passages)
    page = html(ask(client, ANSWERED))
    assert page.find("h2", string="Who can help")
    cards = [li for li in page.select("main li.card") if not li.find_parent("section", class_="banner")]
    assert [text(li.h3) for li in cards] == [c.name for c in expected.services]
    for li, card in zip(cards, expected.services, strict=True):
        assert text(li.select_one(".card-text")) == " ".join(card.description.split())
        why = li.select_one("details.why")  # folded under its label, one tap away
        assert text(why.summary) == "Why you see this" and text(why.p) == " ".join(card.why.split())
        assert bool(li.select_one(".badge")) == card.confidential


def test_cards_have_working_phone_buttons_or_say_plainly_they_have_none(client, engine):
    answer = engine.answer(NOT_COVERED)
    page = html(ask(client, NOT_COVERED))
    cards = {text(li.h3): li for li in page.select("main li.card")}
    for card in answer.services:
        li = cards[card.name]
        tel = [a["href"] for a in li.select('a[href^="tel:"]')]
        sms = [a["href"] for a in li.select('a[href^="sms:"]')]
        assert tel == [f"tel:{re.sub(r'[^0-9]', '', p.number)}" for p in card.phones if p.kind == "voice"]
        assert sms == [f"sms:{re.sub(r'[^0-9]', '', p.number)}" for p in card.phones if p.kind == "text"]
        if card.phones or card.url or card.email:
            assert not li.select_one(".no-contact")
        else:
            assert "no phone, website or address" in text(li.select_one(".no-contact")).lower()
        if card.hours:
            assert card.hours in text(li)
    hotline = cards["National Human Trafficking Hotline"]
    assert text(hotline.select_one(".badge")) == "Confidential"
    assert [text(a) for a in hotline.select("a.button")] == ["Call 1-888-373-7888", "Text 233733"]


def test_tel_and_sms_links_are_digits_only_and_come_from_the_corpus(client):
    allowed = allowed_numbers()
    pages = [client.get("/"), client.get("/nowhere"), client.get("/source/windham-faq")]
    pages += [ask(client, q) for q in [ANSWERED, NOT_COVERED, *CRISIS, "who can help victims of trafficking"]]
    seen = set()
    for r in pages:
        for a in html(r).select('a[href^="tel:"], a[href^="sms:"]'):
            scheme, number = a["href"].split(":", 1)
            assert number.isdigit(), a["href"]
            assert number in allowed, f"{a['href']} is not a number stated in corpus/"
            # the number is written out on the button, as the record spells it
            label = text(a)
            assert label.startswith("Text " if scheme == "sms" else "Call ")
            assert re.sub(r"\D", "", label) == number
            seen.add(a["href"])
    assert {"tel:911", "tel:18883737888", "sms:233733"} <= seen


def test_source_page_has_every_paragraph_verbatim_with_its_anchor(client, engine, settings):
    doc = engine.version.corpus.document("windham-faq")
    r = client.get("/source/windham-faq")
    assert r.status_code == 200
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == doc.title
    for section in doc.sections:
        assert text(page.find(id=f"{section.anchor}-h")) == section.heading
        for para in section.paragraphs:
            p = page.find(id=f"{section.anchor}-{para.anchor_suffix}")
            assert p is not None and p.get_text() == doc.text[para.start:para.end]


def test_citations_link_to_anchors_that_exist_and_hold_the_passage(client):
    sources: dict[str, BeautifulSoup] = {}
    links = 0
    for question in [ANSWERED, CRISIS[0], INFORMATIONAL[0], "can i get arrested for selling sex here"]:
        for li in html(ask(client, question)).select("li.passage"):
            path, anchor = li.select_one(".context-source a")["href"].split("#")
            if path not in sources:
                r = client.get(path)
                assert r.status_code == 200, path
                sources[path] = html(r)
            target = sources[path].find(id=anchor)
            assert target is not None, f"{path}#{anchor} does not exist"
            assert li.select_one("blockquote.full").get_text() in target.get_text()
            links += 1
    assert links >= 10


def test_unknown_document_is_a_friendly_404(client, settings):
    r = client.get("/source/no-such-document")
    assert r.status_code == 404
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == "We can't find that page"


# --- the question stays out of URLs ---------------------------------------------------------------

def test_the_question_is_posted_and_never_appears_in_a_url(client):
    marker = "zebra42 where can I get tested"
    r = ask(client, marker)
    assert r.status_code == 200 and r.url.path == "/ask" and not r.url.query
    assert r.history == []
    page = html(r)
    assert page.select_one(".you-asked q").get_text() == marker
    for form in page.find_all("form"):
        assert form["method"].lower() == "post"
    for tag in page.find_all(href=True) + page.find_all(action=True) + page.find_all(src=True):
        url = tag.get("href") or tag.get("action") or tag.get("src")
        assert "zebra42" not in url


def test_get_ask_never_reads_a_question_from_the_url(client):
    r = client.get("/ask", params={"question": "zebra42"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "zebra42" not in r.text
    landed = client.get("/ask", params={"question": "zebra42"})
    assert landed.url.path == "/" and "zebra42" not in landed.text


# --- safety -------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", CRISIS)
def test_crisis_questions_raise_the_emergency_banner_above_everything(client, engine, question, settings):
    expected = engine.answer(question)
    assert expected.safety and expected.safety.level == "emergency"
    page = html(ask(client, question))
    assert_page_shell(page, settings.exit_url)
    first = page.main.find(True, recursive=False)
    assert first.name == "section" and "banner-emergency" in first["class"]
    assert first.get("role") == "alert"
    assert text(first.h2) == "If you are in danger, get help now"
    assert text(first.select_one(".banner-message")) == " ".join(expected.safety.message.split())
    assert "tel:911" in [a["href"] for a in first.select("a.button-urgent")]
    assert [text(li.h3) for li in first.select("li.card")] == [c.name for c in expected.safety.services]
    assert page.title.get_text().startswith("Get help now")


def test_forcing_question_shows_how_to_call_and_text_the_hotline_in_the_banner(client):
    banner = html(ask(client, CRISIS[0])).select_one("section.banner")
    hrefs = [a["href"] for a in banner.find_all("a")]
    assert {"tel:911", "tel:18883737888", "sms:233733"} <= set(hrefs)


def test_cards_in_the_banner_are_not_repeated_below_it(client, engine):
    expected = engine.answer(CRISIS[0])
    in_banner = {c.name for c in expected.safety.services}
    assert in_banner and not in_banner & {c.name for c in expected.services}  # the API shows each card once too
    page = html(ask(client, CRISIS[0]))
    below = [text(li.h3) for li in page.select(BELOW_CARDS)]
    assert below and not in_banner & set(below)
    assert [text(li.h3) for li in page.select("section.banner li.card")] == [c.name for c in expected.safety.services]


@pytest.mark.parametrize("question", INFORMATIONAL)
def test_informational_questions_do_not_raise_the_banner(client, question):
    page = html(ask(client, question))
    assert page.select("section.banner") == []
    assert text(page.h1) == "What our information says"
    assert page.select("li.passage")


# --- not answered -----------------------------------------------------------------------------------

def test_not_covered_question_says_so_and_shows_fallback_cards_and_no_answers(client, engine, settings):
    expected = engine.answer(NOT_COVERED)
    assert not expected.answered and expected.related, "precondition: the corpus does not answer this"
    page = html(ask(client, NOT_COVERED))
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == "Our information does not cover that"
    assert "other words" in text(page.main)  # suggests rephrasing
    fallback = [engine.version.corpus.directory.get(sid).name for sid in engine.version.corpus.directory.fallback]
    assert [text(li.h3) for li in page.select(BELOW_CARDS)] == fallback
    related = page.select_one("section.related")
    assert text(related.h2) == "Might be related"
    passages = page.select("li.passage")
    assert len(passages) == len(expected.related)
    assert all(li.find_parent("section", class_="related") is related for li in passages)
    assert page.find("mark") is None, "closest matches are not presented as answers"
    assert page.find("h2", string="Who can help") is None


def test_another_state_gets_the_jurisdiction_and_no_answer(client):
    page = html(ask(client, "is prostitution legal in nevada"))
    assert text(page.h1) == "Our information does not cover that"
    gap = page.select_one("p.gap[data-gap=place]")
    assert gap is not None and "Windham, Connecticut" in text(gap) and "Nevada" in text(gap)
    assert page.find("mark") is None and page.select("section.related li.passage")


def test_missing_opening_hours_are_named_and_the_service_card_is_shown(client):
    page = html(ask(client, "what are Generations' opening hours"))
    gap = page.select_one("p.gap[data-gap=fact]")
    assert gap is not None and text(gap).startswith("Our information does not list opening hours")
    assert page.find("h2", string="Services related to your question") is not None
    assert "Generations Family Health Center" in [text(li.h3) for li in page.select(BELOW_CARDS)]
    r = client.post("/api/ask", json={"question": "what are Generations' opening hours"})
    assert r.status_code == 200 and r.json()["gap"]["fact"] == "hours" and r.json()["answered"] is False


# --- bad input, errors and headers ----------------------------------------------------------------

@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 501, "tell me\x00about testing", "help\x1b[2J"])
def test_unusable_questions_get_a_friendly_page_with_the_form(client, question, settings):
    r = ask(client, question)
    assert r.status_code == 422
    assert_security_headers(r)
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    error = page.select_one("p.error[role=alert]")
    assert error and error.get_text()[0].isupper() and error.get_text().endswith(".")
    box = page.find("textarea", attrs={"name": "question"})
    assert box.get("aria-invalid") == "true" and "question-error" in box["aria-describedby"].split()
    assert "Traceback" not in r.text and "QuestionError" not in r.text


def test_over_long_question_page_says_what_the_limit_is(client, settings):
    page = html(ask(client, "x" * (settings.max_question_chars + 1)))
    assert str(settings.max_question_chars) in text(page.select_one("p.error"))


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_come_back_escaped(client, payload):
    r = ask(client, payload)
    assert r.status_code == 200
    assert payload not in r.text
    page = html(r)
    assert page.select_one(".you-asked q").get_text() == payload
    assert not page.find_all(["img", "svg"])
    assert all(s.get("src") for s in page.find_all("script"))
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")]


def test_xss_payload_with_a_control_character_is_refused_without_echo(client):
    r = ask(client, "<script>alert(1)</script>\x00")
    assert r.status_code == 422
    assert "<script>alert(1)" not in r.text


def test_api_answers_json_and_refuses_bad_input_readably(client):
    r = client.post("/api/ask", json={"question": ANSWERED, "top_k": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert len(r.json()["passages"]) == 2
    for bad in [{"question": ""}, {"question": "x" * 501}, {"nothing": 1}, {"question": "hi", "top_k": 99},
                {"question": "hi", "top_k": True}, {"question": "hi", "top_k": "2"}, {"question": "hi", "top_k": 2.5}]:
        r = client.post("/api/ask", json=bad)
        assert r.status_code == 422 and isinstance(r.json()["detail"], str), bad
    # JSON's 2.0 is an integer, as the document says
    assert client.post("/api/ask", json={"question": ANSWERED, "top_k": 2.0}).status_code == 200


def test_static_files_are_served_with_their_types(client):
    assert client.get("/static/site.css").headers["content-type"].startswith("text/css")
    assert "javascript" in client.get("/static/exit.js").headers["content-type"]
    assert client.get("/static/icon.svg").headers["content-type"].startswith("image/svg+xml")


REQUESTS = {
    "home": lambda c: c.get("/"),
    "answer": lambda c: ask(c, ANSWERED),
    "crisis answer": lambda c: ask(c, CRISIS[0]),
    "not covered": lambda c: ask(c, NOT_COVERED),
    "source": lambda c: c.get("/source/windham-faq"),
    "static css": lambda c: c.get("/static/site.css"),
    "static js": lambda c: c.get("/static/exit.js"),
    "static 404": lambda c: c.get("/static/nothing.css"),
    "404": lambda c: c.get("/no/such/page"),
    "405": lambda c: c.post("/"),
    "405 on ask": lambda c: c.delete("/ask"),
    "422 empty": lambda c: ask(c, ""),
    "422 too long": lambda c: ask(c, "x" * 501),
    "422 control": lambda c: ask(c, "a\x07b"),
    "redirect": lambda c: c.get("/ask", follow_redirects=False),
    "api": lambda c: c.post("/api/ask", json={"question": ANSWERED}),
    "api 422": lambda c: c.post("/api/ask", json={"question": ""}),
    "api 404": lambda c: c.get("/api/nothing"),
    "healthz": lambda c: c.get("/healthz"),
}
STATUS = {"static 404": 404, "404": 404, "405": 405, "405 on ask": 405, "422 empty": 422, "422 too long": 422,
          "422 control": 422, "redirect": 303, "api 422": 422, "api 404": 404}


@pytest.mark.parametrize("kind", REQUESTS)
def test_security_headers_and_no_cookies_on_every_kind_of_response(client, kind):
    r = REQUESTS[kind](client)
    assert r.status_code == STATUS.get(kind, 200)
    assert_security_headers(r)


@pytest.mark.parametrize(("kind", "title"), [("404", "We can't find that page"),
                                              ("405", "That page can't be opened this way")])
def test_http_errors_have_friendly_pages_in_the_same_layout(client, settings, kind, title):
    r = REQUESTS[kind](client)
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == title
    assert page.select_one("main form[action='/ask'] textarea[name=question]")


@pytest.fixture(scope="module")
def failing_client(settings):
    """A fresh app with test-only routes that fail (for the 500 answers) or try to set a cookie."""
    from fastapi.responses import PlainTextResponse

    from web.app import create_app

    app = create_app(settings)

    @app.get("/test-only/cookie")
    def public_cookie():
        response = PlainTextResponse("hello")
        response.set_cookie("tracker", "1")
        return response

    @app.get("/staff/test-only/cookie")
    def staff_cookie():
        response = PlainTextResponse("hello")
        response.set_cookie("staff_session", "1", httponly=True, samesite="strict")
        return response

    @app.get("/test-only/cookies-read")
    def public_cookies_read(request: Request):
        return {"cookie_header": request.headers.get("cookie"), "cookies": dict(request.cookies)}

    @app.get("/staff/test-only/cookies-read")
    def staff_cookies_read(request: Request):
        return {"cookies": dict(request.cookies)}

    @app.get("/test-only/fail")
    def fail_page():
        raise RuntimeError("secret internals")

    @app.post("/api/test-only/fail")
    def fail_api():
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_500_is_a_friendly_page_with_the_headers_and_no_stack_trace(failing_client, settings, caplog):
    r = failing_client.get("/test-only/fail")
    assert r.status_code == 500
    assert_security_headers(r)
    page = html(r)
    assert_page_shell(page, settings.exit_url)
    assert text(page.h1) == "Sorry, something went wrong on our side"
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert "secret internals" in caplog.text, "the error is logged for the maintainers"


def test_api_500_is_json_with_the_headers(failing_client):
    r = failing_client.post("/api/test-only/fail")
    assert r.status_code == 500
    assert_security_headers(r)
    assert r.json() == {"detail": "something went wrong on our side"}


def test_a_cookie_set_on_a_public_path_never_leaves_the_server(failing_client):
    r = failing_client.get("/test-only/cookie")
    assert r.status_code == 200 and r.text == "hello"
    assert_security_headers(r)


def test_only_the_staff_console_may_set_a_cookie(failing_client):
    r = failing_client.get("/staff/test-only/cookie")
    assert "staff_session=1" in r.headers["set-cookie"]
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/healthz", "/source/windham-faq"])
def test_head_requests_are_answered_like_gets(client, path):
    r = client.head(path)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


def test_api_top_k_defaults_to_the_setting(settings):
    from web.app import create_app

    with TestClient(create_app(settings.model_copy(update={"default_top_k": 2}))) as c:
        r = c.post("/api/ask", json={"question": "where can i get tested"})
        assert r.status_code == 200 and len(r.json()["passages"]) == 2


def test_a_refused_question_that_signals_danger_still_shows_the_banner(client):
    too_long = "he is forcing me to sell sex and I can't leave. " * 12  # over the 500-character limit
    page = client.post("/ask", data={"question": too_long})
    assert page.status_code == 422
    html = BeautifulSoup(page.text, "html.parser")
    banner = html.select_one("section.banner-emergency")
    assert banner is not None and banner.select_one('a[href="tel:911"]') is not None
    assert html.find("textarea", {"name": "question"}).text == too_long[:500]
    api = client.post("/api/ask", json={"question": too_long})
    assert api.status_code == 422 and api.json()["safety"]["level"] == "emergency"
    calm = client.post("/api/ask", json={"question": "x" * 600})
    assert calm.status_code == 422 and calm.json()["safety"] is None


def test_an_oversized_body_is_refused_unread_with_the_headers(client):
    r = client.post("/api/ask", content=b'{"question": "' + b"a" * 100_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["cache-control"] == "no-store" and "default-src 'self'" in r.headers["content-security-policy"]


def test_a_chunked_body_is_counted_and_refused_at_the_limit_unread(client):
    sent = []

    def chunks():  # no Content-Length: httpx sends it chunked
        yield b'{"question": "'
        for _ in range(1000):
            sent.append(1)
            yield b"a" * 1024
        yield b'"}'

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json() == {"detail": "the request is too large"}
    assert_security_headers(r)
    page = client.post("/ask", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413


def test_oversized_headers_are_refused_before_anything_parses_them(client):
    r = client.get("/", headers={"cookie": "a=" + "\\" * 30_000})  # the quadratic unquoting (CVE-2024-7592)
    assert r.status_code == 431 and r.json() == {"detail": "the request headers are too large"}
    assert_security_headers(r)
    r = client.post("/api/ask", json={"question": "where can i get tested"}, headers={"x-filler": "x" * 20_000})
    assert r.status_code == 431
    assert client.get("/", headers={"cookie": "a=1; b=2"}).status_code == 200


def test_public_routes_never_see_a_cookie_and_staff_routes_do(failing_client):
    public = failing_client.get("/test-only/cookies-read", headers={"cookie": "tracker=1"}).json()
    assert public == {"cookie_header": None, "cookies": {}}
    staff = failing_client.get("/staff/test-only/cookies-read", headers={"cookie": "staff_session=abc"}).json()
    assert staff == {"cookies": {"staff_session": "abc"}}


def test_the_openapi_schema_has_the_librarys_own_records(client):
    schema = client.get("/api/openapi.json").json()  # pytest turns any schema warning into an error
    components = schema["components"]["schemas"]
    assert {"Answer", "Passage", "Citation", "ServiceCard", "Safety", "AskRequest"} <= set(components)
    ask = schema["paths"]["/api/ask"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Answer")


@pytest.mark.parametrize("path, location", [
    ("/source/windham-faq/", "/source/windham-faq"),
    ("/es/source/windham-faq/?x=1", "/es/source/windham-faq?x=1"),
    ("/healthz/", "/healthz"),
])
def test_a_trailing_slash_redirects_to_a_relative_location_whatever_the_host_header(client, path, location):
    r = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == location
    assert client.get("/es/", follow_redirects=False).status_code == 200  # the Spanish home is not a slash


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null", "Sec-Fetch-Site": "same-site"},
                                     {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"}])
def test_a_staff_form_posted_from_another_site_is_refused_before_it_is_read(client, headers):
    r = client.post("/staff/login", data={"name": "a", "password": "b", "csrf": "c"}, headers=headers)
    assert r.status_code == 403 and r.json() == {"detail": "a staff form must be sent from this site"}
    # a public form is not a staff form: the question is answered wherever the page came from
    assert client.post("/ask", data={"question": "where can i get narcan"}, headers=headers).status_code == 200


@pytest.mark.parametrize("headers", [{"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # Chromium, our form
                                     {"Origin": "http://testserver"}, {"Origin": "null"}, {}])
def test_a_staff_form_from_this_site_reaches_its_own_checks(client, headers):
    # under our Referrer-Policy: no-referrer a browser sends "Origin: null" for our own forms
    r = client.post("/staff/login", data={"name": "a", "password": "b", "csrf": "c"}, headers=headers)
    assert "a staff form must be sent from this site" not in r.text and r.status_code < 500  # the nonce check answers


def test_a_405_page_keeps_its_allow_header_and_a_400_never_reads_as_our_fault(client):
    r = client.delete("/ask")
    assert r.status_code == 405 and r.headers["allow"] == "POST" and "can't be opened this way" in r.text
    r = client.post("/ask", content=b"garbage", headers={"content-type": "multipart/form-data"})  # no boundary
    assert r.status_code == 400 and "We could not read that" in r.text and "on our side" not in r.text


def test_the_about_page_says_who_runs_the_service_from_the_corpus_and_never_invents_one(client, engine):
    about = engine.version.corpus.about
    assert about.operator == "" and about.contact == ""  # the shipped file names nobody: a deployer fills it in
    page = BeautifulSoup(client.get("/about").text, "html.parser")
    texts = [p.get_text(" ", strip=True) for p in page.select(".about-text")]
    assert texts == [" ".join(about.what_it_is.en.split()), " ".join(about.what_it_is_not.en.split())]
    assert "Not filled in yet" in page.select_one("#operator").get_text()
    assert "Not filled in yet" in page.select_one("#contact").get_text()
    listed = page.select(".about-documents li")
    assert len(listed) == len(engine.version.corpus.originals)
    assert str(engine.version.corpus.originals[0].last_reviewed) in listed[0].get_text()
    es = BeautifulSoup(client.get("/es/about").text, "html.parser")
    assert es.html["lang"] == "es" and es.select(".about-text")[0].get_text(" ", strip=True) == " ".join(
        about.what_it_is.es.split())


def test_a_filled_in_about_file_is_shown_and_a_wrong_one_is_a_corpus_problem(corpus_copy):
    from qa.corpus import load_corpus
    from qa.errors import CorpusError

    path = corpus_copy / "about.yaml"
    text = path.read_text()
    path.write_text(text.replace('operator: ""', 'operator: "Windham Example Coalition"'))
    assert load_corpus(corpus_copy).about.operator == "Windham Example Coalition"
    path.write_text(text.replace('contact: ""', 'contact: ""\nopening_hours: "9-5"'))
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus_copy)
    assert any(p.startswith(f"{path}:") and "unknown field 'opening_hours'" in p for p in e.value.problems)
    path.unlink()  # optional: another town's corpus may have none yet
    assert load_corpus(corpus_copy).about.operator == ""


@pytest.mark.parametrize("path", ["/", "/es/", "/about", "/source/windham-faq", "/no/such/page"])
def test_every_public_page_links_to_the_about_page_and_the_source_title_is_neutral(client, path):
    r = client.get(path)
    page = BeautifulSoup(r.text, "html.parser")
    prefix = "/es" if path.startswith("/es") else ""
    assert page.select_one(f'.site-footer a[href="{prefix}/about"]') is not None
    if path.startswith("/source"):
        assert page.title.get_text() == "Source - Windham Answers"  # browser history names no topic


def test_the_app_gives_the_model_the_configured_number_of_threads(settings):
    from qa.encoder import encoder_for
    from web.app import create_app

    for threads, idle in ((2, 2), (1, 2)):
        configured = settings.model_copy(update={"encoder_threads": threads, "encoder_idle_threads": idle})
        with TestClient(create_app(configured)) as c:
            assert c.post("/api/ask", json={"question": "where can I get narcan"}).status_code == 200
            encoder = c.app.state.live.encoder
            assert encoder is encoder_for(settings, threads, idle) and encoder.threads == threads
        # ONNX Runtime fixes its threads per session, whichever thread runs it: one session made at start, and
        # one more for a question answered alone when the idle cores are more than a question's share
        assert sorted(encoder._sessions) == sorted({threads, idle})
        for n, session in encoder._sessions.items():
            assert session.get_session_options().intra_op_num_threads == n


def test_the_torch_encoder_applies_its_threads_in_every_calling_thread(encoder):
    import threading

    import torch

    from qa.encoder import TorchEncoder

    on_torch = TorchEncoder(encoder.path)
    on_torch.use_threads(2)
    seen: list[int] = []  # torch keeps the setting per thread: a request's thread must get it too
    worker = threading.Thread(target=lambda out=seen: (on_torch.encode(["narcan"]), out.append(torch.get_num_threads())))
    worker.start()
    worker.join()
    assert seen == [2]
