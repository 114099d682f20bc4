"""How tall an answer page is on a phone: Debian's chromium at 360x740, on the index in service.

For each typical question, prints the page's height and how far down its first service card
starts, in phone screens (740 px), and the median:

    python scripts/measure_page.py

Starts the app on a free loopback port in this process; needs /usr/bin/chromium (make test installs it).
"""

from __future__ import annotations

import socket
import statistics
import threading
import time

import uvicorn
from playwright.sync_api import sync_playwright

from qa.config import get_settings
from web.app import create_app

SCREEN = {"width": 360, "height": 740}
QUESTIONS = ["Where can I get tested for HIV?", "can I get arrested for selling sex", "where can I get narcan",
             "what is the difference between prostitution and trafficking", "who can help me leave sex work",
             "what happens if police arrest me for prostitution", "is it illegal to buy sex in windham",
             "where can I get free condoms"]
FIRST_CARD = "(() => { const c = document.querySelector('main li.card'); " \
             "return c ? c.getBoundingClientRect().top + window.scrollY : null; })()"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings()), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    heights = []
    print("| screens tall | first card, screens down | question |")
    print("|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport=SCREEN)
        for question in QUESTIONS:
            page.goto(base + "/")
            page.fill("#question", question)
            with page.expect_navigation():
                page.get_by_role("button", name="Ask", exact=True).click()
            height = page.evaluate("document.documentElement.scrollHeight") / SCREEN["height"]
            card = page.evaluate(FIRST_CARD)
            heights.append(height)
            where = f"{card / SCREEN['height']:.2f}" if card is not None else "none"
            print(f"| {height:.2f} | {where} | {question} |")
        browser.close()
    print(f"median page: {statistics.median(heights):.2f} screens")
    server.should_exit = True


if __name__ == "__main__":
    main()
