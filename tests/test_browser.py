"""The public pages in a real browser: Playwright driving Debian's chromium against the real app.

The app runs under uvicorn on 127.0.0.1 in a background thread. Quick exit points at a second tiny
server on another local port, so "leaving the site" is observable without the internet. Every test
records the requests, console messages and CSP violations of its pages and checks them at the end.
Screenshots of the pages are written to docs/screenshots/.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from qa.config import ROOT
from tests.conftest import english_left

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
ANSWERED = "Where can I get tested for HIV?"
CRISIS = "someone is forcing me to sell sex and I can't leave"
NOT_COVERED = "how do I renew my driver's license"
PHONE, DESKTOP = {"width": 360, "height": 780}, {"width": 1280, "height": 900}

# Reports every CSP violation of every page to the test (the binding is installed by the test, not the page).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " on " + e.documentURI);
});
"""
# WCAG contrast ratio of the text colour of every element matching the selectors against its background.
CONTRAST = """
(selectors) => {
  const parse = (s) => { const p = s.match(/rgba?\\(([^)]+)\\)/)[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
                         return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (el) => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
                                 if (c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      const a = lum(parse(getComputedStyle(el).color)), b = lum(background(el));
      out.push([sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
  }
  return out;
}
"""


@dataclass
class Recorder:
    """What the pages of one browser context did."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    expected_failures: set[str] = field(default_factory=set)  # URLs visited for their error page on purpose

    def console(self, msg) -> None:
        url = msg.location.get("url", "")
        if msg.type != "error":
            return
        if msg.text.startswith("Failed to load resource") and url in self.expected_failures:
            return  # chromium reports the 404 status of a page we asked for in order to see its 404 page
        self.console_errors.append(f"{msg.text} ({url})")

    def assert_clean(self, allowed_origins: set[str]) -> None:
        foreign = [url for url in self.requests if _origin(url) not in allowed_origins]
        assert foreign == [], f"requests to other origins: {foreign}"
        assert self.console_errors == [], self.console_errors
        assert self.violations == [], self.violations


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def exit_site():
    """A neutral page on another local origin, where Quick exit sends people during the tests."""

    class Weather(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            body = b"<!doctype html><html lang=en><title>Weather</title><h1>Today's weather</h1></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Weather)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/weather"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` under uvicorn on a free local port until the block ends; its base URL once it answers."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                           ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"the app did not answer on {base}/healthz")
        time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings, exit_site):
    """The real app under uvicorn on a free local port; its base URL."""
    from web.app import create_app

    with serving(create_app(settings.model_copy(update={"exit_url": exit_site}))) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
                    "Run `make test` (it installs it with apt-get), or: sudo apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser: Browser):
    """Open a page in a fresh context (no shared history or cache) that records what it does."""
    contexts = []

    def _open(viewport: dict | None = None, javascript: bool = True) -> tuple[Page, Recorder]:
        rec = Recorder()
        context = browser.new_context(viewport=viewport or DESKTOP, java_script_enabled=javascript)
        contexts.append(context)
        context.expose_function("reportViolation", lambda text: rec.violations.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.on("request", lambda request: rec.requests.append(request.url))
        page.on("console", rec.console)
        page.on("pageerror", lambda error: rec.console_errors.append(str(error)))
        return page, rec

    yield _open
    for context in contexts:
        context.close()


def ask(page: Page, base: str, question: str) -> None:
    """Type the question in the box on the home page and press the Ask button."""
    page.goto(base + "/")
    page.locator("#question").click()
    page.keyboard.type(question)
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    assert page.url == base + "/ask"


def settle(page: Page) -> None:
    # CSP violation events are dispatched asynchronously; give them a moment to arrive.
    page.wait_for_timeout(150)


# --- asking and reading -----------------------------------------------------------------------------

def test_ask_by_typing_and_read_the_cited_answer(open_page, live_server):
    page, rec = open_page()
    ask(page, live_server, ANSWERED)
    assert page.locator("h1").inner_text() == "What our information says"
    first = page.locator("li.passage").first
    assert first.locator("blockquote mark").first.is_visible()
    assert first.locator("p.citation").inner_text().startswith("From: Understanding Sex Work in Windham")
    # the citation opens on the answer page: its section, with the cited paragraph marked
    cited = first.locator("details.context .cited")
    assert not cited.is_visible()
    first.locator("details.context summary").click()
    assert cited.is_visible() and cited.inner_text() == first.locator("blockquote.full").text_content().strip()
    assert page.url == live_server + "/ask"  # still the answer
    whole = first.locator(".context-source a").first
    href = whole.get_attribute("href")
    anchor = href.split("#")[1]
    whole.click()
    page.wait_for_url(live_server + href)
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor
    # The cited paragraph is on screen, below the sticky Quick exit bar rather than under it.
    strip_bottom = page.locator(".safety-strip").bounding_box()["y"] + page.locator(".safety-strip").bounding_box()["height"]
    target = page.locator(f"[id='{anchor}']").bounding_box()
    assert strip_bottom <= target["y"] < DESKTOP["height"]
    settle(page)
    rec.assert_clean({live_server})


def test_example_questions_are_one_press_away(open_page, live_server):
    page, rec = open_page(PHONE)
    page.goto(live_server + "/")
    example = page.locator("button.example").nth(1)
    question = example.inner_text()
    with page.expect_navigation():
        example.click()
    assert page.locator(".you-asked q").inner_text() == question
    assert page.locator("li.passage").count() > 0
    settle(page)
    rec.assert_clean({live_server})


# --- Quick exit ---------------------------------------------------------------------------------------

def test_quick_exit_is_first_in_the_tab_order_with_a_visible_focus(open_page, live_server):
    page, rec = open_page()
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring != "none"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible(), "the skip link shows when it has focus"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    settle(page)
    rec.assert_clean({live_server})


def test_quick_exit_by_click_leaves_and_back_does_not_return_to_the_answer(open_page, live_server, exit_site):
    page, rec = open_page()
    ask(page, live_server, ANSWERED)
    page.locator("#quick-exit").click()
    page.wait_for_url(exit_site)
    assert page.locator("h1").inner_text() == "Today's weather"
    page.go_back()
    # location.replace took the answer page out of the history: back goes to the page before it.
    assert page.url == live_server + "/"
    assert page.locator("li.passage").count() == 0
    rec.assert_clean({live_server, _origin(exit_site)})


def test_quick_exit_by_pressing_shift_three_times(open_page, live_server, exit_site):
    page, rec = open_page(PHONE)
    ask(page, live_server, CRISIS)
    lit = page.locator("#quick-exit .exit-presses span.lit")
    status = page.locator("#exit-status")
    assert status.get_attribute("role") == "status" and status.inner_text() == ""
    # each press lights a dot in the button and says how many remain, as GOV.UK's component does
    page.keyboard.press("Shift")
    assert lit.count() == 1 and status.inner_text() == "Press Shift 2 more times to leave this site."
    assert page.locator("#quick-exit .exit-presses").is_visible()
    page.keyboard.press("Shift")
    assert lit.count() == 2 and status.inner_text() == "Press Shift 1 more time to leave this site."
    # Shift used for typing does not count: another key in between starts the count again.
    page.keyboard.press("a")
    assert lit.count() == 0 and status.inner_text() == ""
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == live_server + "/ask"
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_url(exit_site)
    page.go_back()
    assert page.url == live_server + "/"
    rec.assert_clean({live_server, _origin(exit_site)})


def test_a_second_quick_exit_ends_the_page_and_both_keep_their_shape_in_forced_colours(open_page, live_server,
                                                                                      exit_site):
    page, rec = open_page(PHONE)
    ask(page, live_server, ANSWERED)
    page.emulate_media(forced_colors="active")
    for link in page.locator("a.quick-exit").all():
        assert page.evaluate("(el) => getComputedStyle(el).borderTopStyle", link.element_handle()) == "solid"
        assert page.evaluate("(el) => parseFloat(getComputedStyle(el).borderTopWidth)", link.element_handle()) >= 2
    end = page.locator("footer a.quick-exit")
    end.scroll_into_view_if_needed()
    end.click()
    page.wait_for_url(exit_site)
    page.go_back()
    assert page.url == live_server + "/"  # replaced in the history, as the top one does
    rec.assert_clean({live_server, _origin(exit_site)})


# --- privacy and CSP -----------------------------------------------------------------------------------

def test_every_kind_of_page_is_clean_no_other_origin_no_console_error_no_csp_violation(open_page, live_server):
    page, rec = open_page()
    rec.expected_failures.add(live_server + "/no/such/page")
    for path in ["/", "/source/windham-faq#s5-p1", "/no/such/page"]:
        page.goto(live_server + path)
        settle(page)
    for question in [ANSWERED, CRISIS, "<script>alert(1)</script>", NOT_COVERED]:
        ask(page, live_server, question)
        settle(page)
    page.locator(".related-passages > summary").click()  # the closest passages of a question we do not cover
    assert page.locator(".related li.passage").first.is_visible()
    assert page.locator("script").count() == 1  # the payload was escaped, not run
    settle(page)
    assert len(rec.requests) > 10
    rec.assert_clean({live_server})
    assert page.context.cookies() == []  # the browser's own jar, after every kind of public page


def test_there_is_no_swagger_page_pulling_third_party_scripts(open_page, live_server):
    page, rec = open_page()
    response = page.goto(live_server + "/api/docs")
    assert response.status == 404  # Swagger UI would load scripts from a CDN; the schema is /api/openapi.json
    settle(page)
    assert [url for url in rec.requests if _origin(url) != live_server] == []
    assert rec.violations == []


def test_the_violation_recorder_does_catch_an_inline_script(open_page, live_server):
    """The CSP checks above would be worthless if violations went unnoticed: provoke one."""
    page, rec = open_page()
    page.goto(live_server + "/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                              document.body.appendChild(s); }""")
    settle(page)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in rec.violations), rec.violations


def test_text_contrast_passes_wcag_aa(open_page, live_server):
    page, _ = open_page(PHONE)
    selectors = ["h1", "h2", "h3", "p", "li", "a", "button", "label", "mark", "q", ".badge", ".why", ".meta",
                 ".hint", ".citation", ".no-contact", ".strip-hint", ".quick-exit", ".history-note", "summary"]
    ratios = []
    for question in [ANSWERED, CRISIS, NOT_COVERED]:
        ask(page, live_server, question)
        ratios += page.evaluate(CONTRAST, selectors)
    page.goto(live_server + "/")
    ratios += page.evaluate(CONTRAST, selectors)
    assert len(ratios) > 100
    low = sorted({(sel, round(r, 2)) for sel, r in ratios if r < 4.5})
    assert low == [], low


# --- without JavaScript ---------------------------------------------------------------------------------

def test_without_javascript_asking_works_and_quick_exit_is_a_plain_link(open_page, live_server, exit_site):
    page, rec = open_page(PHONE, javascript=False)
    ask(page, live_server, ANSWERED)
    assert page.locator("li.passage mark").count() > 0
    assert page.locator("main li.card").count() > 0
    page.goto(live_server + "/")
    with page.expect_navigation():
        page.locator("button.example").first.click()
    assert page.locator("li.passage").count() > 0
    link = page.locator("#quick-exit")
    assert link.evaluate("el => el.tagName") == "A" and link.get_attribute("href") == exit_site
    link.click()
    page.wait_for_url(exit_site)
    rec.assert_clean({live_server, _origin(exit_site)})


# --- on a phone and on a desktop --------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_screenshots_and_no_sideways_scrolling(open_page, live_server, viewport):
    page, rec = open_page(viewport)
    width = viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(name: str, shoot: bool) -> None:
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} scrolls sideways at {width}px ({overflow}px wide)"
        if shoot:
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)

    page.goto(live_server + "/")
    check("home", True)
    ask(page, live_server, ANSWERED)
    check("answer", True)
    ask(page, live_server, CRISIS)
    check("crisis", width == PHONE["width"])
    ask(page, live_server, NOT_COVERED)
    page.locator(".related-passages > summary").click()
    check("not-covered", False)
    ask(page, live_server, "help" * 120)  # one long unbroken word must wrap, not push the page sideways
    check("long-word", False)
    page.goto(live_server + "/source/windham-faq")
    check("source", False)
    page.goto(live_server + "/about")
    check("about", width == PHONE["width"])
    rec.expected_failures.add(live_server + "/no/such/page")
    page.goto(live_server + "/no/such/page")
    check("not-found", False)
    for name in ["home", "answer"] + (["crisis"] if width == PHONE["width"] else []):
        assert (SCREENSHOTS / f"{name}-{width}.png").stat().st_size > 10_000
    settle(page)
    rec.assert_clean({live_server})


def test_the_hiv_answer_fits_two_and_a_half_phone_screens_and_its_first_card_leads_somewhere(open_page, live_server):
    """Issue 12's bar, at 360x740: the whole answer page for the HIV question is at most 2.5 screens
    tall (scripts/measure_page.py prints it for more questions), and the open card under the answer
    has a way to reach someone or, where our information has none, says where to look."""
    screen = {"width": 360, "height": 740}
    page, rec = open_page(screen)
    ask(page, live_server, ANSWERED)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2.5 * screen["height"], f"the answer page is {height / screen['height']:.2f} screens tall"
    card = page.locator("main > ul.cards > li.card").first
    assert card.is_visible()
    assert card.locator("h3").inner_text() == "Generations Family Health Center"
    reach = card.locator(".contacts a")
    if reach.count():
        assert all(a.get_attribute("href").startswith(("tel:", "sms:", "https://", "mailto:")) for a in reach.all())
    else:
        assert "Searching for its name may find them" in card.locator(".no-contact").inner_text()
    # it starts within the first two screens, under the answer and above the feedback and the form
    box = card.bounding_box()
    assert box is not None and box["y"] < 2 * screen["height"]
    assert box["y"] > page.locator("li.passage").first.bounding_box()["y"]
    settle(page)
    rec.assert_clean({live_server})


# --- the crisis page on a phone ------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "lang"), [(CRISIS, "en"), ("me quitaron el pasaporte y no me dejan salir", "es")])
def test_the_three_crisis_buttons_are_in_the_first_phone_screen(open_page, live_server, question, lang):
    screen = {"width": 360, "height": 740}
    page, rec = open_page(screen)
    ask(page, live_server, question)
    banner = page.locator("section.banner")
    assert banner.get_attribute("class") == "banner banner-emergency"
    assert page.locator("html").get_attribute("lang") == lang
    assert page.evaluate("window.scrollY") == 0
    for number, href in (("911", "tel:911"), ("1-888-373-7888", "tel:18883737888"), ("233733", "sms:233733")):
        button = banner.locator(f".banner-actions a[data-contact='{number}']")
        assert button.get_attribute("href") == href
        box = button.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= screen["height"], (number, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"], (number, box)
    if lang == "es":
        assert banner.locator(".banner-actions a[data-contact='911']").inner_text() == "Llamar al 911"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"crisis-first-screen-{lang}-360.png")
    settle(page)
    rec.assert_clean({live_server})


# --- en español ------------------------------------------------------------------------------------------

SPANISH = {"answer": "¿Dónde me puedo hacer la prueba del VIH en Willimantic?",
           "no-answer": "¿cómo renuevo mi licencia de conducir?",
           "crisis": "me quitaron el pasaporte y no me dejan salir"}


def test_the_spanish_pages_on_a_phone(open_page, live_server):
    """Home, answer, no-answer and crisis pages in Spanish at 360 px: the switch on each, lang="es", no
    English interface word left (checked against the catalog), nothing sideways, no cookie."""
    page, rec = open_page(PHONE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == "es", name
        switch = page.locator("nav.language-switch")
        assert switch.locator("[aria-current='true']").text_content() == "Español"
        english = switch.get_by_text("English", exact=True)
        box = english.bounding_box()
        assert english.is_visible() and box is not None and box["y"] + box["height"] <= PHONE["height"], name
        assert english_left(page.content()) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        page.screenshot(path=SCREENSHOTS / f"es-{name}-360.png", full_page=name != "crisis")

    page.goto(live_server + "/es/")
    check("home")
    for name, question in SPANISH.items():
        page.goto(live_server + "/es/")
        page.locator("#question").fill(question)
        with page.expect_navigation():
            page.get_by_role("button", name="Preguntar", exact=True).click()
        assert page.url == live_server + "/es/ask"
        check(name)
    assert page.locator(".banner-actions a[data-contact='911']").inner_text() == "Llamar al 911"
    assert page.context.cookies() == []
    settle(page)
    rec.assert_clean({live_server})


def test_the_switch_changes_language_and_keeps_the_answer(open_page, live_server):
    page, rec = open_page(PHONE)
    page.goto(live_server + "/")
    with page.expect_navigation():
        page.get_by_role("link", name="Español").click()
    assert page.url == live_server + "/es/" and page.locator("html").get_attribute("lang") == "es"
    page.locator("#question").fill(SPANISH["answer"])
    with page.expect_navigation():
        page.get_by_role("button", name="Preguntar", exact=True).click()
    first = page.locator("li.passage blockquote").first.inner_text()
    with page.expect_navigation():  # the answer page's switch sends the question again, in the body
        page.locator("nav.language-switch").get_by_role("button", name="English").click()
    assert page.url == live_server + "/en/ask" and page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "What our information says"
    assert page.locator("li.passage blockquote").first.inner_text() == first
    assert page.context.cookies() == []
    settle(page)
    rec.assert_clean({live_server})



# --- the staff console on a phone ------------------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_server(settings, exit_site, tmp_path):
    """The real app under uvicorn with its own staff database: one account and one flag; its base URL."""
    from qa.staff import accounts, flags
    from web.app import create_app

    app = create_app(settings.model_copy(update={"exit_url": exit_site,
                                                 "database_url": f"sqlite:///{tmp_path}/staff.db"}))
    accounts.add(app.state.store, "alice", STAFF_PASSWORD)
    with serving(app) as base:
        engine = app.state.live.engine
        question = "can I get arrested for selling sex in windham if it is my first time and I did not know the law"
        ids = [p.id for p in engine.answer(question).passages]
        flag = flags.submit(app.state.store, engine.version, question, ids, False, 500)
        yield base, flag.id
    app.state.store.close()


def test_every_staff_page_fits_a_phone(open_page, staff_server):
    base, flag_id = staff_server
    page, rec = open_page(PHONE)
    page.goto(base + "/staff/login")
    page.get_by_label("Name").fill("alice")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == base + "/staff/check"
    page.get_by_label("Question").fill("what happens if police arrest me for prostitution in windham")
    with page.expect_navigation():
        page.get_by_role("button", name="Check").click()
    wide = {}
    for name, path in [("check", None), ("review", "/staff/review"), ("flag", f"/staff/review/{flag_id}"),
                       ("quality", "/staff/quality")]:
        if path:
            page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
        page.screenshot(path=SCREENSHOTS / f"staff-{name}-360.png", full_page=True)
    assert wide == {}, f"staff pages scroll sideways at 360 px: {wide}"
    rec.assert_clean({base})


def test_the_headers_history_link_opens_the_folded_privacy_help(open_page, live_server):
    page, rec = open_page(PHONE)
    ask(page, live_server, ANSWERED)
    steps = page.locator("#history-help li").first
    assert not steps.is_visible()  # folded, so the answer page stays short
    page.locator(".history-note a").click()
    page.wait_for_function("document.querySelector('#history-help').checkVisibility()")
    assert steps.is_visible() and steps.bounding_box()["y"] >= 0
    rec.assert_clean({live_server})
