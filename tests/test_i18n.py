"""The service in Spanish: complete catalogs, no interface string outside them, /es/ pages, and the
language chosen by path, question or browser - never by a cookie."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from qa.config import ROOT
from qa.corpus import load_corpus
from qa.errors import CorpusError, QuestionError
from qa.i18n import catalog_path, gettext, negotiate
from tests.conftest import english_left

TEMPLATES = ROOT / "web" / "templates"
PUBLIC_TEMPLATES = sorted(TEMPLATES.glob("*.html"))  # staff pages (templates/staff/) are in English only
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>")
ANSWERED_ES = "¿Dónde me puedo hacer la prueba del VIH en Willimantic?"
CRISIS_ES = "me quitaron el pasaporte y no me dejan salir"
NOT_COVERED_ES = "¿cómo renuevo mi licencia de conducir?"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


# --- the catalogs ----------------------------------------------------------------------------------

def test_the_makefile_extraction_finds_exactly_the_committed_messages(tmp_path):
    """`make catalog`'s own extract command, run again: the committed template is up to date."""
    line = next(x for x in (ROOT / "Makefile").read_text().splitlines() if "pybabel -q extract" in x)
    command = line.strip().replace("$(BIN)/", f"{Path(sys.executable).parent}/")
    command = command.replace("qa/locale/messages.pot", str(tmp_path / "fresh.pot"))
    subprocess.run(shlex.split(command), cwd=ROOT, check=True)
    fresh, committed = _ids(tmp_path / "fresh.pot"), _ids(ROOT / "qa" / "locale" / "messages.pot")
    assert fresh == committed, "the message template is out of date - run: make catalog"
    assert len(fresh) > 100  # the pages, the why lines, the gap messages and the refusals


def test_every_message_has_a_reviewed_spanish_translation_with_the_same_placeholders():
    with catalog_path("es").open("rb") as f:
        catalog = read_po(f)
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} == _ids(
        ROOT / "qa" / "locale" / "messages.pot"), "the Spanish catalog is not merged - run: make catalog"
    assert not catalog.obsolete
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"no Spanish for {message.id!r}"
        assert not message.fuzzy, f"unreviewed (fuzzy) Spanish for {message.id!r}"
        english = message.id if isinstance(message.id, str) else message.id[0]
        for spanish in strings:
            assert sorted(PLACEHOLDERS.findall(spanish)) == sorted(PLACEHOLDERS.findall(english)), message.id


class _Visible(HTMLParser):
    """The text and the read-aloud attributes of a template once every Jinja construct is gone."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self.found.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v or "" for k, v in attrs if k in ("aria-label", "title", "alt", "placeholder")]


def outside_catalog(source: str) -> list[str]:
    """Words of a template that a person would read and that no catalog translates."""
    for pattern in (r"\{#.*?#\}", r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", r"\{\{.*?\}\}", r"\{%.*?%\}"):
        source = re.sub(pattern, " ", source, flags=re.DOTALL)
    parser = _Visible()
    parser.feed(source)
    texts = (" ".join(t.replace("Windham Answers", "").split()) for t in parser.found)  # the service's name
    return [t for t in texts if re.search(r"[^\W\d_]", t)]


@pytest.mark.parametrize("template", PUBLIC_TEMPLATES, ids=lambda p: p.name)
def test_no_template_string_escapes_the_catalog(template):
    assert outside_catalog(template.read_text()) == []


def test_the_template_check_catches_bare_text_and_labels():
    source = '<p>{{ _("Fine") }} Hello</p><a aria-label="Close" href="/">{% trans %}Also fine{% endtrans %}</a>'
    assert outside_catalog(source) == ["Hello", "Close"]


def test_the_page_check_catches_english_on_a_spanish_page(client):
    assert "Quick exit" in english_left(client.get("/en/").text)
    assert english_left(client.get("/es/").text) == []


# --- choosing the language --------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "lang"), [
    ("es-MX,es;q=0.9,en;q=0.5", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"), ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
    ("fr", "en"), ("*", "en"), ("es;q=0", "en"), ("en;q=0.2, es;q=0.7", "es"), ("", "en"), (None, "en"),
    (";;;,,q=", "en"), ("es-419", "es"), ("x" * 5000, "en"),
])
def test_accept_language_is_read_with_its_weights(header, lang):
    assert negotiate(header) == lang


def test_a_page_without_a_prefix_follows_the_browser_and_says_so_in_vary(client):
    page = client.get("/", headers={"accept-language": "es-MX,es;q=0.9"})
    html = BeautifulSoup(page.text, "html.parser")
    assert html.html["lang"] == "es" and page.headers["vary"] == "Accept-Language"
    assert html.select_one("form.ask-form")["action"] == "/ask"  # no choice made: the next page decides again
    assert BeautifulSoup(client.get("/", headers={"accept-language": "en"}).text, "html.parser").html["lang"] == "en"
    # a choice made with the switch wins over the browser
    chosen = BeautifulSoup(client.get("/en/", headers={"accept-language": "es"}).text, "html.parser")
    assert chosen.html["lang"] == "en" and chosen.select_one("form.ask-form")["action"] == "/en/ask"


def test_the_switch_is_on_every_page_and_keeps_the_page(client):
    home = BeautifulSoup(client.get("/es/").text, "html.parser")
    switch = home.select_one("nav.language-switch")
    assert switch.select_one('[aria-current="true"]').get_text() == "Español"
    assert [(a["href"], a.get_text()) for a in switch.select("a")] == [("/en/", "English")]
    source = BeautifulSoup(client.get("/es/source/windham-faq").text, "html.parser")
    assert source.select_one("nav.language-switch a")["href"] == "/en/source/windham-faq"
    # on an answer the switch sends the question again (in the body, never the URL) in the other language
    answer = BeautifulSoup(client.post("/es/ask", data={"question": ANSWERED_ES}).text, "html.parser")
    form = answer.select_one("nav.language-switch form")
    assert form["method"] == "post" and form["action"] == "/en/ask"
    assert form.select_one('input[name="question"]')["value"] == ANSWERED_ES
    english = BeautifulSoup(client.post(form["action"], data={"question": ANSWERED_ES}).text, "html.parser")
    assert english.html["lang"] == "en" and english.h1.get_text() == "What our information says"


def test_a_spanish_question_without_a_choice_gets_a_spanish_page(client):
    page = BeautifulSoup(client.post("/ask", data={"question": ANSWERED_ES}).text, "html.parser")
    assert page.html["lang"] == "es" and page.h1.get_text() == "Lo que dice nuestra información"
    assert page.select_one(".quoted-language").get_text().startswith("Esta información está en inglés")
    assert page.select_one("li.passage blockquote")["lang"] == "en"


def test_language_paths_set_no_cookie_and_do_not_open_staff_or_api(client):
    for path in ("/es/", "/es/source/windham-faq", "/en/"):
        assert "set-cookie" not in client.get(path).headers
    assert "set-cookie" not in client.post("/es/ask", data={"question": CRISIS_ES}).headers
    assert client.get("/es/staff/login").status_code == 404
    assert client.post("/es/api/ask", json={"question": "hi"}).status_code in (404, 405)
    back = client.get("/es/ask", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/es/"


# --- the Spanish pages hold no English interface word --------------------------------------------------

SPANISH_PAGES = {
    "home": ("GET", "/es/", None, 200),
    "answer": ("POST", "/es/ask", {"question": ANSWERED_ES}, 200),
    "no-answer": ("POST", "/es/ask", {"question": NOT_COVERED_ES}, 200),
    "crisis": ("POST", "/es/ask", {"question": CRISIS_ES}, 200),
    "other-place": ("POST", "/es/ask", {"question": "¿es legal la prostitución en Nevada?"}, 200),
    "missing-fact": ("POST", "/es/ask", {"question": "¿cuál es el horario de Generations?"}, 200),
    "empty-question": ("POST", "/es/ask", {"question": "   "}, 422),
    "too-long": ("POST", "/es/ask", {"question": "pregunta " * 300}, 422),
    "source": ("GET", "/es/source/windham-faq", None, 200),
    "not-found": ("GET", "/es/no/such/page", None, 404),
    "feedback-refused": ("POST", "/es/feedback", {"question": ANSWERED_ES, "helpful": "maybe"}, 422),
}


@pytest.mark.parametrize("name", SPANISH_PAGES)
def test_spanish_pages_are_spanish_throughout(client, name):
    method, path, data, status = SPANISH_PAGES[name]
    page = client.request(method, path, data=data)
    assert page.status_code == status
    html = BeautifulSoup(page.text, "html.parser")
    assert html.html["lang"] == "es"
    assert english_left(page.text) == []
    assert "set-cookie" not in page.headers


def test_spanish_answers_speak_spanish_in_the_services_own_words(client):
    crisis = BeautifulSoup(client.post("/es/ask", data={"question": CRISIS_ES}).text, "html.parser")
    assert crisis.select_one(".banner-title").get_text(strip=True) == "Si está en peligro, busque ayuda ahora"
    assert crisis.select_one(".banner-actions a[data-contact='911']").get_text() == "Llamar al 911"
    place = BeautifulSoup(client.post("/es/ask", data={"question": "¿es legal la prostitución en Nevada?"}).text,
                          "html.parser")
    assert place.select_one("p.gap").get_text().startswith("Nuestra información es sobre Windham")
    empty = BeautifulSoup(client.post("/es/ask", data={"question": " "}).text, "html.parser")
    assert empty.select_one("#question-error").get_text() == "Escriba una pregunta."


# --- the library's words ------------------------------------------------------------------------------

def test_the_engine_answers_in_the_readers_language(engine):
    english = engine.answer("is prostitution legal in nevada")
    spanish = engine.answer("is prostitution legal in nevada", lang="es")
    assert english.gap.message.startswith("Our information covers") and english.gap.kind == spanish.gap.kind
    assert spanish.gap.message == gettext("es", "Our information covers {jurisdiction}. It does not cover {place}, "
                                                "so what it says may not apply there.").format(
        jurisdiction="Windham, Connecticut, United States", place="Nevada")
    cards = engine.answer(ANSWERED_ES).services  # no language asked for: the question's
    assert cards and all(c.lang == "es" for c in cards)
    generations = next(c for c in cards if c.id == "generations-family-health-center")
    assert generations.description.startswith("Atención médica")
    assert generations.cost == "A menudo con tarifa según ingresos."
    assert not generations.why.startswith(("Named", "Offers"))


def test_refusals_carry_their_message_id_for_any_language(engine):
    with pytest.raises(QuestionError) as refused:
        engine.answer("x" * 5000)
    e = refused.value
    assert str(e) == e.message.format(**e.params) and e.params["length"] == 5000
    assert gettext("es", e.message).format(**e.params).startswith("escriba una pregunta de menos de")


def test_the_api_takes_the_readers_language(client):
    body = client.post("/api/ask", json={"question": "where can I get tested for HIV", "lang": "es"}).json()
    assert body["services"][0]["lang"] == "es" and body["services"][0]["why"] != ""
    assert not body["services"][0]["why"].startswith(("Named", "Offers"))
    assert client.post("/api/ask", json={"question": "hola", "lang": "fr"}).status_code == 422


# --- translated service records -------------------------------------------------------------------------

def _problems(corpus: Path) -> list[str]:
    with pytest.raises(CorpusError) as e:
        load_corpus(corpus)
    return e.value.problems


def test_a_translation_states_no_fact_the_english_does_not(corpus_copy):
    path = corpus_copy / "services.yaml"
    text = path.read_text().replace("      description: Atención médica de emergencia.\n",
                                    "      description: Atención médica de emergencia.\n      cost: Gratis.\n")
    path.write_text(text)
    found = _problems(corpus_copy)
    assert len(found) == 1 and "es.cost translates a field the record does not state in English" in found[0]
    assert found[0].startswith(f"{path}:")


def test_a_translation_leaves_no_stated_fact_out(corpus_copy):
    path = corpus_copy / "services.yaml"
    text = path.read_text().replace("      hours: 24 horas, todos los días\n", "")
    path.write_text(text)
    found = _problems(corpus_copy)
    assert len(found) == 1 and "es.hours is missing: the record states 'hours' in English" in found[0]
