"""The staff console and the public feedback form, in process, each against SQLite and PostgreSQL (``database_url``).

Staff clients use https://testserver: the session cookie is Secure, and httpx (like a browser) does
not send a Secure cookie back over plain http.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from qa.corpus import Phrasing, load_corpus
from qa.lifecycle.evaluate import figures, load_questions, run
from qa.staff import accounts, flags, review
from qa.staff.db import Store
from web.app import create_app

PASSWORD = "correct horse battery staple"
DAY = 86_400
GET_ROUTES = ["/staff", "/staff/", "/staff/check", "/staff/review", "/staff/review?status=all", "/staff/review/1",
              "/staff/quality"]
POST_ROUTES = ["/staff/check", "/staff/logout", "/staff/review/1/status", "/staff/review/1/phrasing"]


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def make_app(settings, database_url, **changes):
    return create_app(settings.model_copy(update={"database_url": database_url} | changes))


@pytest.fixture
def app(settings, database_url):
    app = make_app(settings, database_url)
    yield app
    app.state.store.close()


@pytest.fixture
def web(app):
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def public(app, web):
    """A member of the public: plain http, its own (empty) cookie jar; ``web`` has run the app's startup."""
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def alice(app):
    return accounts.add(app.state.store, "alice", PASSWORD)


def sign_in(c: TestClient, name: str = "alice", password: str = PASSWORD):
    form = c.get("/staff/login")
    assert form.status_code == 200
    nonce = soup(form).find("input", {"name": "csrf"})["value"]
    return c.post("/staff/login", data={"name": name, "password": password, "csrf": nonce})


def form_data(form, **extra) -> dict:
    """The fields of a form as a browser would send them (repeated names as lists)."""
    data: dict[str, list[str]] = {}
    for field in form.find_all("input"):
        data.setdefault(field["name"], []).append(field["value"])
    return data | extra


def csrf(c: TestClient) -> str:
    page = c.get("/staff/check")
    assert page.status_code == 200, page.headers.get("location")
    return soup(page).find("input", {"name": "csrf"})["value"]


def cookie_header(response) -> SimpleCookie:
    jar = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def session_cookie(c: TestClient, name: str = "__Host-staff_session") -> str | None:
    return c.cookies.get(name)


# -- signing in and out ---------------------------------------------------------------------------

def test_sign_in_sets_a_strict_host_only_cookie_and_rotates_the_id(web, alice):
    response = sign_in(web)
    assert response.status_code == 303 and response.headers["location"] == "/staff/check"
    raw = response.headers["set-cookie"]
    morsel = cookie_header(response)["__Host-staff_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"].lower() == "strict"
    assert morsel["path"] == "/" and not morsel["domain"] and not morsel["max-age"] and "expires" not in raw.lower()
    page = web.get("/staff/check")
    assert page.status_code == 200 and "Signed in as alice" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_id_before_sign_in_is_worthless_after_it(web, alice):
    web.get("/staff/login")
    before = session_cookie(web)
    sign_in(web)
    after = session_cookie(web)
    assert before and after and before != after
    web.cookies.set("__Host-staff_session", before, domain="testserver.local")
    assert web.get("/staff/check").status_code == 303


def test_sign_out_ends_the_session_on_the_server(web, alice):
    sign_in(web)
    token = session_cookie(web)
    response = web.post("/staff/logout", data={"csrf": csrf(web)})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert 'max-age=0' in response.headers["set-cookie"].lower()
    web.cookies.set("__Host-staff_session", token, domain="testserver.local")  # replaying the old id
    assert web.get("/staff/check").headers["location"] == "/staff/login"


def test_no_get_signs_out(web, alice):
    sign_in(web)
    assert web.get("/staff/logout").status_code == 405
    assert web.get("/staff/check").status_code == 200


def test_unknown_name_and_wrong_password_get_the_same_page(web, alice):
    unknown = sign_in(web, "mallory", PASSWORD)
    wrong = sign_in(web, "alice", "not the right password")
    assert unknown.status_code == wrong.status_code == 401
    assert soup(unknown).find(id="login-error").text == soup(wrong).find(id="login-error").text
    assert soup(wrong).find("input", {"name": "name"})["value"] == "alice"  # what was typed is kept
    assert soup(wrong).find("input", {"name": "password"}).get("value") is None  # but never the password
    assert "set-cookie" not in wrong.headers


def test_sign_ins_beyond_the_limit_wait_then_get_a_429_and_public_answers_go_on(web, public, alice, monkeypatch):
    """QA_LOGIN_CONCURRENCY (1) sign-ins are checked at once; the next waits on the event loop, not in
    a worker thread, and gets a 429. The Argon2 check is held open by hand so the overlap is certain."""
    import threading

    from web import staff as staff_routes

    monkeypatch.setattr(staff_routes, "LOGIN_WAIT", 0.3)
    entered, release = threading.Event(), threading.Event()
    real = accounts._verify

    def held(digest: str, password: str) -> bool:
        entered.set()
        release.wait(10)
        return real(digest, password)

    monkeypatch.setattr(accounts, "_verify", held)
    first: list = []
    other = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    thread = threading.Thread(target=lambda: first.append(sign_in(other, "alice", "wrong password, twelve+")))
    thread.start()
    try:
        assert entered.wait(10), "the first sign-in reached the password check"
        busy = sign_in(web, "alice", PASSWORD)
        assert busy.status_code == 429 and busy.headers["retry-after"] == "5"
        assert "Too many sign-ins are being checked" in soup(busy).find(id="login-error").text
        answer = public.post("/api/ask", json={"question": "where can i get tested for hiv"})
        assert answer.status_code == 200 and answer.json()["answered"]
    finally:
        release.set()
        thread.join(10)
    assert first[0].status_code == 401
    assert sign_in(web, "alice", PASSWORD).status_code == 303  # the gate is free again


def test_a_guessing_device_waits_and_the_staff_member_elsewhere_does_not(app, alice, settings):
    limit = 2 * settings.login_max_failures
    guesser = TestClient(app, base_url="https://testserver", follow_redirects=False, client=("198.51.100.7", 4000))
    with guesser:
        for i in range(limit):  # a new name each time: the per-name back-off never starts
            assert sign_in(guesser, f"guess{i}", "a wrong guess, twelve+").status_code == 401
        refused = sign_in(guesser, "alice", PASSWORD)
        assert refused.status_code == 429 and "from this device" in soup(refused).find(id="login-error").text
        assert 0 < int(refused.headers["retry-after"]) <= settings.login_window_minutes * 60 + 1
        elsewhere = TestClient(app, base_url="https://testserver", follow_redirects=False, client=("203.0.113.9", 4000))
        assert sign_in(elsewhere, "alice", PASSWORD).status_code == 303


def test_repeated_failures_are_throttled_with_429(web, alice, settings):
    for _ in range(settings.login_max_failures):
        assert sign_in(web, "alice", "a wrong password").status_code == 401
    throttled = sign_in(web, "alice", PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= settings.login_window_minutes * 60
    assert "Too many failed sign-ins" in soup(throttled).find(id="login-error").text
    assert web.get("/staff/check").status_code == 303


def test_an_idle_session_expires(web, app, alice, settings):
    sign_in(web)
    assert web.get("/staff/check").status_code == 200
    store = app.state.store
    later = store.clock() + settings.session_idle_minutes * 60 + 1
    store.clock = lambda: later
    response = web.get("/staff/review")
    assert response.status_code == 303 and response.headers["location"] == "/staff/login?expired=true"
    assert "Your session ended" in web.get(response.headers["location"]).text
    assert web.post("/staff/check", data={"question": "x", "csrf": "whatever"}).status_code == 401


@pytest.mark.parametrize("route", GET_ROUTES)
def test_every_staff_page_sends_an_anonymous_visitor_to_sign_in(web, route):
    response = web.get(route)
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"


@pytest.mark.parametrize("route", POST_ROUTES)
def test_every_staff_post_refuses_an_anonymous_request(web, route):
    web.get("/staff/login")  # holding a sign-in nonce is not being signed in
    nonce = session_cookie(web)
    response = web.post(route, data={"csrf": nonce, "question": "q", "status": "fixed", "target": "x|1|"})
    assert response.status_code == 401 and "Please sign in" in response.text


def test_forged_or_missing_csrf_tokens_are_refused(web, app, alice):
    flag = flags.submit(app.state.store, app.state.live.engine.version, "a question", [], False, 500)
    sign_in(web)
    token = csrf(web)
    for sent in ({}, {"csrf": ""}, {"csrf": token + "x"}, {"csrf": session_cookie(web)}):
        assert web.post("/staff/check", data={"question": "where can i get narcan"} | sent).status_code == 403
        assert web.post(f"/staff/review/{flag.id}/status", data={"status": "fixed"} | sent).status_code == 403
        assert web.post("/staff/logout", data=sent).status_code == 403
    assert flags.get(app.state.store, flag.id).status == "open"
    assert web.get("/staff/check").status_code == 200  # still signed in


def test_the_sign_in_form_needs_its_own_nonce(web, alice):
    web.get("/staff/login")
    for sent in ({}, {"csrf": "login-forged"}):
        response = web.post("/staff/login", data={"name": "alice", "password": PASSWORD} | sent)
        assert response.status_code == 403
    web.cookies.clear()  # a form posted from elsewhere carries no cookie at all
    assert web.post("/staff/login", data={"name": "alice", "password": PASSWORD, "csrf": "login-x"}).status_code == 403


# -- cookies and plain http -----------------------------------------------------------------------

def test_public_pages_never_set_a_cookie(web, public, alice):
    sign_in(web)
    answer = public.post("/ask", data={"question": "where can I get narcan"})
    responses = [public.get("/"), answer, public.get("/healthz"), public.get("/source/windham-faq"),
                 public.get("/no-such-page"), web.get("/"), web.post("/ask", data={"question": "hello there"})]
    responses.append(public.post("/feedback", data=form_data(soup(answer).find("form", action="/feedback"),
                                                             helpful="yes")))
    for r in responses:
        assert "set-cookie" not in r.headers, r.url
        assert r.headers["cache-control"] == "no-store"


def test_plain_http_on_the_loopback_address_gets_a_non_secure_cookie(app, alice, web):
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000), follow_redirects=False) as c:
        response = sign_in(c)
        assert response.status_code == 303
        morsel = cookie_header(response)["staff_session"]
        assert not morsel["secure"] and morsel["httponly"] and morsel["samesite"].lower() == "strict"
        assert c.get("/staff/check").status_code == 200


def test_plain_http_elsewhere_is_refused(app, alice, web):
    with TestClient(app, base_url="http://staff.example.org", follow_redirects=False) as c:
        for response in (c.get("/staff/login"), c.get("/staff/check"), c.post("/staff/login", data={})):
            assert response.status_code == 403 and "need HTTPS" in response.text
            assert "set-cookie" not in response.headers


def test_loopback_http_can_be_switched_off(settings, tmp_path):
    app = make_app(settings, f"sqlite:///{tmp_path}/staff.db", staff_http_loopback=False)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as c:
        assert c.get("/staff/login").status_code == 403
    app.state.store.close()


# -- checking an answer ---------------------------------------------------------------------------

def _rows(page) -> list[dict]:
    out = []
    for tr in soup(page).select("#candidates tbody tr"):
        cell = {td["class"][0]: td for td in tr.find_all("td")}
        sentence = tr.select_one("p.sentence")
        out.append({"id": tr["data-id"], "rank": int(cell["rank"].text.split()[0]), "fused": cell["fused"].text,
                    "dense": cell["dense"].text, "dense_rank": int(cell["dense-rank"].text),
                    "lexical": cell["lexical"].text, "lexical_rank": int(cell["lexical-rank"].text),
                    "classified": cell["classified"].text,
                    "sentence": int(sentence["data-index"]) if sentence.has_attr("data-index") else None,
                    "source": tr.select_one("a.source")["href"]})
    return out


def test_check_page_shows_the_words_searched_when_spelling_or_street_words_changed_them(web, alice):
    """Staff see why "rubber" found the passage on condoms: the question is searched in plain words."""
    sign_in(web)
    page = web.post("/staff/check", data={"question": "trick tried to go without a rubber wat can i catch",
                                          "csrf": csrf(web)})
    html = soup(page)
    assert html.find(id="understood").text == "trick tried to go without a rubber wat can i catch"
    assert html.find(id="searched").text.startswith("client tried to go without a condom what can i catch (")
    page = web.post("/staff/check", data={"question": "where can I get narcan", "csrf": csrf(web)})
    assert soup(page).find(id="searched") is None  # searched as written: nothing to explain


@pytest.mark.parametrize("question", ["where can I get narcan", "how do I renew my driver's license",
                                      "my pimp took my ID and says I owe him", "5-0 doin stings round the motels",
                                      "¿Dónde me puedo hacer la prueba del VIH en Willimantic?"])
def test_check_page_shows_what_engine_trace_computes(web, alice, engine, settings, question):
    sign_in(web)
    page = web.post("/staff/check", data={"question": question, "csrf": csrf(web)})
    assert page.status_code == 200
    trace = engine.trace(question, ranks=True)
    answer = engine.render(trace, settings.page_passages)  # what the public answer page shows
    html = soup(page)
    assert html.find(id="answered")["data-value"] == str(trace.answered).lower()
    assert html.find(id="confidence").text == f"{trace.confidence:.4f}"
    if trace.confidence > 0:  # the coverage model's part in it is named (qa.retrieval.coverage)
        assert f"coverage model's probability that our information covers it ({trace.covered:.4f})" in \
            html.find(id="reason").text
    assert html.find(id="threshold").text.split()[0] == f"{trace.rule.threshold_for(trace.lang):.4f}"
    assert html.find(id="language")["data-value"] == trace.lang
    gloss = html.find(id="gloss")
    assert (gloss.text.startswith(trace.gloss) if trace.gloss else gloss is None)
    searched = html.find(id="searched")
    assert (searched.text.startswith(trace.searched) if trace.searched else searched is None)
    assert html.find(id="index-version").text.split()[0] == engine.version.id
    rows = _rows(page)
    assert len(rows) == len(trace.ranking.candidates) == len(engine.version.chunks)
    for row, c in zip(rows, trace.ranking.candidates, strict=True):
        assert row == {"id": c.chunk.id, "rank": c.rank, "fused": f"{c.fused:.4f}", "dense": f"{c.dense:.4f}",
                       "dense_rank": c.dense_rank, "lexical": f"{c.lexical:.4f}", "lexical_rank": c.lexical_rank,
                       "classified": f"{c.classified:.4f}", "sentence": c.sentence,
                       "source": f"/source/{c.chunk.document}#{c.chunk.citation.anchor}"}
    banner = [c.id for c in answer.safety.services] if answer.safety else []
    below = [c.id for c in answer.services if c.id not in banner]
    assert [li["data-id"] for li in html.select("#cards li[data-id]")] == banner + below
    shown = {tr["data-id"] for tr in html.select("#candidates tr.shown")}
    assert shown == {p.id for p in answer.passages + answer.related}


def test_check_page_links_open_the_source_at_the_paragraph(web, public, alice):
    sign_in(web)
    page = web.post("/staff/check", data={"question": "where can I get tested", "csrf": csrf(web)})
    href = _rows(page)[0]["source"]
    path, anchor = href.split("#")
    source = public.get(path)
    assert source.status_code == 200 and soup(source).find(id=anchor) is not None


def test_check_page_names_the_crisis_rule_that_fired(web, alice, engine):
    rule = next(r for r in engine.version.corpus.rules if r.level == "emergency" and r.phrases)
    question = f"please help, {rule.phrases.phrases[0]}"
    trace = engine.trace(question)
    assert trace.safety is not None
    sign_in(web)
    page = web.post("/staff/check", data={"question": question, "csrf": csrf(web)})
    crisis = soup(page).find(id="crisis").text
    assert trace.safety.rule.id in crisis and trace.safety.matched in crisis
    if trace.safety.level == "emergency" and trace.safety.rule.passages:  # the rows its passages hold say so
        assert "placed by the crisis rule" in soup(page).find("table").text


def test_check_page_says_when_the_message_read_whole_raised_the_banner(web, alice, engine):
    question = "the nail salon workers sleep in the back room and never seem to go home"
    trace = engine.trace(question)
    assert trace.safety is not None and trace.safety.whole  # tests/test_crisis.py: nothing else fires on it
    sign_in(web)
    page = web.post("/staff/check", data={"question": question, "csrf": csrf(web)})
    crisis = soup(page).find(id="crisis").text
    assert "the message classifier" in crisis and str(trace.safety.score) in crisis and trace.safety.sign in crisis


def test_check_page_says_why_an_emergency_was_lowered(web, alice, engine):
    question = "im so stressed, my manager put me on nights and i have nobody to watch the kids"
    trace = engine.trace(question)
    assert trace.safety is not None and trace.safety.lowered == "neighbours"  # tests/test_crisis.py
    sign_in(web)
    page = web.post("/staff/check", data={"question": question, "csrf": csrf(web)})
    crisis = soup(page).find(id="crisis").text
    assert "lowered from emergency: most of the question's nearest labelled messages are everyday worries" in crisis
    assert "by a cue" not in crisis


def test_check_takes_a_question_at_the_length_limit_and_keeps_a_longer_one(web, alice, settings):
    sign_in(web)
    token = csrf(web)
    at_limit = ("where can i get tested " * 40)[:settings.max_question_chars]
    assert web.post("/staff/check", data={"question": at_limit, "csrf": token}).status_code == 200
    too_long = "x" * (settings.max_question_chars + 1)
    refused = web.post("/staff/check", data={"question": too_long, "csrf": token})
    assert refused.status_code == 422
    assert soup(refused).find("textarea", {"name": "question"}).text == too_long  # nothing typed is lost


# -- flags, the queue and phrasings ---------------------------------------------------------------

def test_the_feedback_form_sends_only_the_question_and_passage_ids(public):
    page = public.post("/ask", data={"question": "where can I get narcan"})
    form = soup(page).find("form", action="/feedback")
    assert form["method"] == "post"
    names = {i["name"] for i in form.find_all(["input", "button"])}
    assert names == {"question", "passage", "helpful"}
    note = soup(page).find(id="feedback-what").text
    assert "only your question" in note and "No IP address or cookie" in note


def test_a_flag_goes_from_the_public_page_through_the_queue_to_an_exported_phrasing(
        web, public, app, alice, corpus_copy):
    question = "who can help me get my ID back from my boyfriend"
    page = public.post("/ask", data={"question": question})
    form = soup(page).find("form", action="/feedback")
    assert len(form_data(form)["passage"]) > 1
    thanks = public.post("/feedback", data=form_data(form, helpful="no"))
    assert thanks.status_code == 200 and "Thank you" in thanks.text

    sign_in(web)
    queue = web.get("/staff/review")
    first = soup(queue).select_one("#flags tbody tr")
    assert first.select_one(".question").text == question and first.select_one(".helpful").text == "No"
    flag_page = web.get(f"/staff/review/{first['data-id']}")
    assert flag_page.status_code == 200
    html = soup(flag_page)
    assert html.find(id="flag-question").text == question
    assert html.select(".now-passages li")  # the answer as it stands now
    target = html.find("select", {"name": "target"}).find("option", selected=True)["value"]
    assert target  # preselected: the section of the first passage the person was shown
    token = html.find("input", {"name": "csrf"})["value"]
    done = web.post(f"/staff/review/{first['data-id']}/phrasing",
                    data={"csrf": token, "target": target, "question": question})
    assert done.status_code == 303 and done.headers["location"] == "/staff/review"
    queue = web.get("/staff/review")
    assert not soup(queue).select("#flags tbody tr")  # nothing left to review
    assert question in soup(queue).find(id="pending").text

    report = review.export_phrasings(app.state.store, corpus_copy)
    document, section, paragraph = target.split("|")
    heading = next(s.heading for s in app.state.live.engine.version.corpus.document(document).sections
                   if s.number == int(section))
    assert report.added == [Phrasing(document, heading, int(paragraph), question)]
    assert Phrasing(document, heading, int(paragraph), question) in load_corpus(corpus_copy).phrasings


def test_marking_fixed_and_not_a_problem(web, app, alice):
    store = app.state.store
    version = app.state.live.engine.version
    fixed = flags.submit(store, version, "first question", [], False, 500)
    fine = flags.submit(store, version, "second question", [], True, 500)
    sign_in(web)
    token = csrf(web)
    assert web.post(f"/staff/review/{fixed.id}/status", data={"csrf": token, "status": "fixed"}).status_code == 303
    assert web.post(f"/staff/review/{fine.id}/status", data={"csrf": token, "status": "not-a-problem"}).status_code == 303
    assert web.post(f"/staff/review/{fine.id}/status", data={"csrf": token, "status": "gone"}).status_code == 422
    assert (flags.get(store, fixed.id).status, flags.get(store, fixed.id).reviewed_by) == ("fixed", "alice")
    assert flags.get(store, fine.id).status == "not-a-problem"
    listed = soup(web.get("/staff/review?status=all")).select("#flags tbody tr")
    assert [int(tr["data-id"]) for tr in listed] == [fine.id, fixed.id]  # newest first
    assert web.get("/staff/review/9999").status_code == 404
    assert web.get("/staff/review/not-a-number").status_code == 404
    assert web.get("/staff/review/99999999999999999999999").status_code == 404  # beyond BIGINT: not a 500


def test_a_bad_phrasing_target_keeps_what_was_typed(web, app, alice):
    flag = flags.submit(app.state.store, app.state.live.engine.version, "a question", [], False, 500)
    sign_in(web)
    response = web.post(f"/staff/review/{flag.id}/phrasing",
                        data={"csrf": csrf(web), "target": "windham-faq|999|", "question": "my edited wording"})
    assert response.status_code == 422
    odd = web.post(f"/staff/review/{flag.id}/phrasing",
                   data={"csrf": csrf(web), "target": "windham-faq|²|", "question": "my edited wording"})
    assert odd.status_code == 422  # '²' is a digit to str.isdigit but not a number
    assert soup(response).find(id="phrasing-question")["value"] == "my edited wording"
    assert flags.get(app.state.store, flag.id).status == "open"


def test_a_flag_for_a_passage_that_no_longer_exists_is_refused_keeping_the_question(public, app):
    response = public.post("/feedback", data={"question": "where can I get narcan", "passage": "windham-faq-0123456789ab",
                                              "helpful": "no"})
    assert response.status_code == 409
    assert soup(response).find("textarea", {"name": "question"}).text == "where can I get narcan"
    assert flags.queue(app.state.store, "all") == []


def test_a_flag_at_the_length_limit_is_kept(public, app, settings):
    question = ("is it legal to " * 60)[:settings.max_question_chars]
    assert public.post("/feedback", data={"question": question, "helpful": "no"}).status_code == 200
    assert flags.queue(app.state.store)[0].question == question.strip()
    assert public.post("/feedback", data={"question": question, "helpful": "maybe"}).status_code == 422


def test_old_flags_are_deleted_after_the_retention_period(public, app, settings):
    store = app.state.store
    now = store.clock()
    store.clock = lambda: now - (settings.feedback_retention_days + 1) * DAY
    old = flags.submit(store, app.state.live.engine.version, "an old question", [], False, 500)
    store.clock = lambda: now
    assert public.post("/feedback", data={"question": "a new question", "helpful": "yes"}).status_code == 200
    with pytest.raises(flags.FlagNotFound):
        flags.get(store, old.id)
    assert [f.question for f in flags.queue(store, "all")] == ["a new question"]


# -- a database that cannot be used ---------------------------------------------------------------

def _read_only_app(settings, tmp_path):
    path = tmp_path / "ro.db"
    setup = Store(f"sqlite:///{path}")
    accounts.add(setup, "alice", PASSWORD)
    setup.close()
    return create_app(settings.model_copy(update={"database_url": f"sqlite:///file:{path}?mode=ro&uri=true"}))


def test_a_read_only_database_gets_clear_pages_not_5xx(settings, tmp_path):
    app = _read_only_app(settings, tmp_path)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        assert c.get("/staff/login").status_code == 200
        response = sign_in(c)
        assert response.status_code == 409 and "staff database cannot be used" in response.text
        assert "sqlite" not in response.text and "ro.db" not in response.text  # anyone's page: no database name
        flag = c.post("/feedback", data={"question": "where can I get narcan", "helpful": "no"})
        assert flag.status_code == 409 and "nothing was kept" in flag.text
        assert soup(flag).find("textarea", {"name": "question"}).text == "where can I get narcan"
        assert c.post("/ask", data={"question": "where can I get narcan"}).status_code == 200  # the public is unaffected
    app.state.store.close()


def test_a_missing_database_file_is_created_and_an_impossible_one_is_a_clear_page(settings, tmp_path):
    app = create_app(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/new/dir/staff.db"}))
    with TestClient(app, follow_redirects=False) as c:
        assert c.post("/feedback", data={"question": "a question", "helpful": "no"}).status_code == 200
    assert (tmp_path / "new" / "dir" / "staff.db").exists()
    app.state.store.close()
    (tmp_path / "a-file").write_text("not a folder")
    app = create_app(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/a-file/staff.db"}))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        assert c.post("/feedback", data={"question": "a question", "helpful": "no"}).status_code == 409
        c.get("/staff/login")
        assert sign_in(c).status_code == 409
    app.state.store.close()


def test_a_postgresql_server_that_is_down_gets_clear_pages_not_5xx(settings):
    app = make_app(settings, "postgresql+psycopg://staff:secret@127.0.0.1:1/staff")  # nothing listens on port 1
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        flag = c.post("/feedback", data={"question": "where can I get narcan", "helpful": "no"})
        assert flag.status_code == 409 and "nothing was kept" in flag.text and "secret" not in flag.text
        c.get("/staff/login")
        assert sign_in(c).status_code == 409
        assert c.post("/ask", data={"question": "where can I get narcan"}).status_code == 200
    app.state.store.close()


# -- quality --------------------------------------------------------------------------------------

def test_quality_page_shows_the_figures_stored_with_the_index(web, alice, engine):
    stored = engine.version.manifest["quality"]
    sign_in(web)
    page = web.get("/staff/quality")
    assert page.status_code == 200
    html = soup(page)
    assert html.find(id="quality-version").text == engine.version.id
    for name in ("hit@1", "hit@3", "no_answer_precision", "no_answer_recall", "crisis_recall"):
        value = stored["figures"][name]
        shown = html.find("tr", {"data-name": name}).td.text
        assert shown == ("-" if value is None else f"{value * 100:.1f}%")
    failing = [td.text for td in html.select("#failures td.question")]
    assert failing == [f["question"] for f in stored["failures"]]


def test_quality_is_measured_on_the_test_split_when_the_index_stored_none(engine, settings):
    import dataclasses

    from qa.answering.engine import Engine
    from qa.staff.console import QualityCache

    manifest = {k: v for k, v in engine.version.manifest.items() if k != "quality"}
    bare = Engine(dataclasses.replace(engine.version, manifest=manifest), engine.searcher.encoder)
    report = QualityCache(settings.questions_file).get(bare)
    expected = figures(run(bare, load_questions(settings.questions_file, "test")))
    assert report.split == "test" and "measured" in report.source
    assert {k: v for k, v in report.figures.items() if k != "median_ms"} == \
        {k: v for k, v in expected.items() if k != "median_ms"}
    assert QualityCache(settings.questions_file.with_name("missing.yaml")).get(bare).problem


def test_staff_pages_have_no_inline_scripts_or_styles(web, alice):
    sign_in(web)
    for path in ("/staff/check", "/staff/review", "/staff/quality", "/staff/login"):
        html = soup(web.get(path, follow_redirects=True))
        assert not html.select("script:not([src])") and not html.select("[style]") and not html.select("style")
        assert not re.search(r"\son[a-z]+=", str(html))


def test_past_the_days_cap_the_feedback_page_says_so_and_keeps_nothing(settings, database_url):
    app = make_app(settings, database_url, feedback_max_per_day=1)
    with TestClient(app, follow_redirects=False) as public:
        answer = public.post("/ask", data={"question": "where can I get narcan"})
        data = form_data(soup(answer).find("form", action="/feedback"), helpful="no")
        assert public.post("/feedback", data=data).status_code == 200
        refused = public.post("/feedback", data=data)
        assert refused.status_code == 429 and "set-cookie" not in refused.headers
        assert len(flags.queue(app.state.store, "all")) == 1
    app.state.store.close()


def test_one_sender_past_its_hourly_limit_is_refused_and_another_is_not(settings, database_url):
    app = make_app(settings, database_url, feedback_max_per_client=2)
    with TestClient(app, follow_redirects=False) as first, \
            TestClient(app, follow_redirects=False, client=("203.0.113.9", 50000)) as other:
        answer = first.post("/ask", data={"question": "where can I get narcan"})
        data = form_data(soup(answer).find("form", action="/feedback"), helpful="no")
        assert [first.post("/feedback", data=data).status_code for _ in range(2)] == [200, 200]
        refused = first.post("/feedback", data=data)
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
        assert "You sent a lot of feedback" in refused.text and "set-cookie" not in refused.headers
        assert other.post("/feedback", data=data).status_code == 200  # the day's cap is still open to others
        assert len(flags.queue(app.state.store, "all")) == 3
        throttle = app.state.feedback_clients  # and no address is kept, even in memory
        assert all(b"203.0.113.9" not in key and b"testclient" not in key for key in throttle._events)
    app.state.store.close()


def test_the_review_queue_pages_through_every_flag_newest_first(app, web, alice, engine):
    store = app.state.store
    ids = [p.id for p in engine.answer("where can I get narcan").passages]
    made = [flags.submit(store, engine.version, f"question number {i}", ids, False, 500).id for i in range(120)]
    sign_in(web)
    seen: list[int] = []
    page = soup(web.get("/staff/review?status=all"))
    assert page.find(id="newest") is None  # the first page
    while True:
        seen += [int(row["data-id"]) for row in page.select("#flags tbody tr")]
        older = page.find(id="older")
        if older is None:
            break
        page = soup(web.get(older["href"]))
        assert page.find(id="newest")["href"] == "/staff/review?status=all"
    assert seen == sorted(made, reverse=True)  # each flag once, newest first, over three pages
    for junk in ("abc", "-1", "0", "9" * 5000, "١٢"):  # not a flag id: the first page, never an error
        r = web.get("/staff/review", params={"before": junk})
        assert r.status_code == 200 and soup(r).find(id="newest") is None


def test_every_quality_figure_is_explained_in_plain_words(web, alice, app):
    from qa.staff.console import EXPLAINED

    sign_in(web)
    rows = soup(web.get("/staff/quality")).select("#figures tbody tr")
    assert rows and {row["data-name"] for row in rows} <= set(EXPLAINED)
    for row in rows:
        name, sentence = EXPLAINED[row["data-name"]]
        assert row.th.get_text(strip=True) == name and row.select_one(".explain").get_text(strip=True) == sentence
        assert "@" not in name and "_" not in name and "mrr" not in name.lower()
