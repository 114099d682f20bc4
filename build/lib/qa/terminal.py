"""Plain-text rendering of an Answer for the terminal (``qa ask``)."""

from __future__ import annotations

import textwrap

from qa.records import Answer, Passage


def format_answer(answer: Answer) -> str:
    out = [f"Q: {answer.question}", ""]
    if answer.safety:
        contacts = ", ".join(p.number for p in answer.safety.contacts)
        out += [f"!! {answer.safety.level.upper()}: {answer.safety.message}" + (f" [{contacts}]" if contacts else ""), ""]
    if not answer.answered:
        out += ["Our information does not cover that. Try other words.", ""]
        if answer.related:
            out += ["Might be related:"] + [_passage(p) for p in answer.related]
    for i, p in enumerate(answer.passages, 1):
        out.append(f"{i}. {_passage(p)}")
    if answer.services:
        out.append("Services:")
        for card in answer.services:
            phones = ", ".join(f"{ph.number} ({ph.kind})" for ph in card.phones) or "no contact details on record"
            out.append(f"  - {card.name}: {phones}\n    {card.why}")
    out.append(f"\n[index {answer.index.version}]")
    return "\n".join(out)


def _passage(p: Passage) -> str:
    c = p.citation
    text = p.text
    if p.highlight:
        h = p.highlight
        text = text[: h.start] + "»" + text[h.start : h.end] + "«" + text[h.end :]
    body = textwrap.fill(text, 100, initial_indent="   ", subsequent_indent="   ")
    return f"From: {c.title} › {c.section}, paragraph {c.paragraph} (score {p.score})\n{body}\n"
