"""The fake server's default answerer: a deterministic stand-in for the judging model.

It reads the tagged sections the reviewer sends (`<introducing_paragraph>`, `<caption>`,
`<alt>`, ...) and grades the paragraph by plain word overlap with the caption and alt text:
the share of the figure's words (lowercase, four letters or more) that the paragraph uses.
Nothing is hard-coded per input, so any chapter gets a stable, schema-valid answer. The
rationale starts with "[fake server]" so nobody mistakes it for a model's opinion."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MARK = "[fake server]"
MAX_QUOTE = 80
REWRITE_WORDS = 12
# Words that tell a reader where to look; their presence meets `where_to_look`.
LOOK_WORDS = (
    "left", "right", "top", "bottom", "panel", "axis", "colour", "color", "curve", "line",
    "bar", "bars", "region", "peak", "corner", "red", "blue", "green", "orange", "shaded",
)  # fmt: skip
_LOOK = re.compile(r"\b(?:" + "|".join(LOOK_WORDS) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{4,}")
_REFERENCE = re.compile(r"@[\w-]+")  # `@fig-wind` names the figure; it does not describe it
_UNSAFE = re.compile(r"[\d@\[\]$`*_^~<>{}\\#|=/]")  # digits and Markdown syntax


def default_answer(body: dict[str, Any]) -> str:
    """The content of the fake's reply: the judgment as a JSON string."""
    return json.dumps(judgment(body), ensure_ascii=False)


def judgment(body: dict[str, Any]) -> dict[str, Any]:
    prompt = prompt_text(body)
    paragraph = tag(prompt, "introducing_paragraph")
    if not paragraph:
        figure = figure_prompt(body)
        return proposal(figure) if figure else _without_intro()
    figure_words = words(tag(prompt, "caption") + " " + tag(prompt, "alt"))
    shared = figure_words & words(_REFERENCE.sub(" ", paragraph))
    ratio = len(shared) / len(figure_words) if figure_words else 0.0
    verdict, score = grade(ratio)
    return {
        "criteria": _criteria(paragraph, shared, verdict),
        "rationale": _rationale(paragraph, len(shared), len(figure_words), verdict),
        "score": score,
        "verdict": verdict,
        "rewrite": None if verdict == "explains" else rewrite(paragraph, prompt),
    }


def grade(ratio: float) -> tuple[str, int]:
    if ratio >= 0.5:
        return "explains", 5
    if ratio >= 0.25:
        return "partial", 3
    return "mentions_only", 2


def prompt_text(body: dict[str, Any]) -> str:
    """The first message holding an introducing paragraph, user messages first: a system
    prompt may name the tags while describing them."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    ordered = [m for m in messages if m.get("role") == "user"]
    ordered += [m for m in messages if m.get("role") != "user"]
    for message in ordered:
        text = "\n".join(message_texts(message))
        if tag(text, "introducing_paragraph"):
            return text
    return ""


def figure_prompt(body: dict[str, Any]) -> str:
    """The user message describing a figure that no paragraph introduces."""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            text = "\n".join(message_texts(message))
            if "<figure" in text:
                return text
    return ""


def proposal(prompt: str) -> dict[str, Any]:
    """For a figure nothing cites: a short introduction made of caption words, citing the
    figure by its id when it has one."""
    ident = re.search(r'<figure id="([^"]*)"', prompt)
    name = f"@{ident.group(1)}" if ident and ident.group(1) else "The figure below"
    sentence = rewrite("", prompt) or " The figure shows what its caption says."
    return {
        "rationale": f"{MARK} No paragraph cites this figure; the proposal uses its caption.",
        "proposal": sentence.strip().replace("The figure", name, 1)[:200],
    }


def message_texts(message: dict[str, Any]) -> list[str]:
    """The text parts of one message; images and other parts carry no text."""
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        part["text"]
        for part in content
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    ]


def tag(text: str, name: str) -> str:
    found = re.search(rf"<{name}(?:\s[^>]*)?>(.*?)</{name}>", text, re.DOTALL)
    return found.group(1).strip() if found else ""


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def rewrite(paragraph: str, prompt: str) -> str | None:
    """The paragraph unchanged plus one sentence made of caption words, so it keeps every
    reference, citation, formula and code span. Words with a digit are left out, so it adds
    no number, and so are words with Markdown syntax, so it adds no reference or formula."""
    source = tag(prompt, "caption") or tag(prompt, "alt")
    plain = [w.strip("()\"'") for w in source.split() if not _UNSAFE.search(w)]
    kept = [w for w in plain if w][:REWRITE_WORDS]
    if not kept:
        return None
    first = kept[0]
    if first[1:].islower():  # keep acronyms and names like "CO2" or "McDonald" as written
        kept[0] = first[0].lower() + first[1:]
    return f"{paragraph} The figure shows {' '.join(kept).rstrip('.,;:!?')}."


def excerpt(text: str, at: int, limit: int = MAX_QUOTE) -> str:
    """An exact substring of `text` of at most `limit` characters around position `at`,
    cut at spaces, so the reviewer can find the quote in the paragraph."""
    start = text.rfind(" ", 0, max(0, at - 20)) + 1
    end = start + limit
    if end < len(text):
        space = text.rfind(" ", start, end + 1)
        end = space if space > start else end
    return text[start:end].strip()


def _quote_of(paragraph: str, targets: Iterable[str]) -> str:
    found = [
        m.start()
        for t in targets
        for m in [re.search(rf"\b{re.escape(t)}\b", paragraph, re.I)]
        if m
    ]
    return excerpt(paragraph, min(found)) if found else ""


def _criteria(paragraph: str, shared: set[str], verdict: str) -> dict[str, Any]:
    shows = _quote_of(paragraph, sorted(shared)) if verdict != "mentions_only" else ""
    look = _LOOK.search(paragraph)
    reference = paragraph.find("@")
    return {
        "shows": _criterion(shows),
        "takeaway": _criterion(shows if verdict == "explains" else ""),
        "where_to_look": _criterion(excerpt(paragraph, look.start()) if look else ""),
        "consistent": {"met": True, "evidence": ""},
        "timely": _criterion(
            excerpt(paragraph, reference) if reference >= 0 else excerpt(paragraph, 0)
        ),
    }


def _criterion(evidence: str) -> dict[str, Any]:
    return {"met": bool(evidence), "evidence": evidence}


def _rationale(paragraph: str, shared: int, total: int, verdict: str) -> str:
    share = f"{shared / total:.0%}" if total else "none"
    return (
        f"{MARK} Word overlap with the caption and alt text: {shared} of {total} words "
        f'({share}), so "{verdict}". The paragraph begins "{excerpt(paragraph, 0, 60)}".'
    )


def _without_intro() -> dict[str, Any]:
    names = ("shows", "takeaway", "where_to_look", "consistent", "timely")
    return {
        "criteria": {name: {"met": False, "evidence": ""} for name in names},
        "rationale": f"{MARK} The request holds no introducing paragraph to judge.",
        "score": 2,
        "verdict": "mentions_only",
        "rewrite": None,
    }
