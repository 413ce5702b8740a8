"""Judge stage, the answer's shape: the strict JSON schema the model answers against, and the
validation every answer passes, whether or not the server enforced the schema.

Properties are ordered reasoning first (criteria, rationale) and verdict last: models write
them in that order, so the verdict follows from the evidence instead of the other way round.
Some servers ignore numeric bounds or the schema itself, so nothing here trusts the server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reviewer.model import Criterion, Verdict

CRITERIA = {
    "shows": "says what the figure shows",
    "takeaway": "states the takeaway the reader should draw",
    "where_to_look": "tells the reader where to look (a panel, axis, colour, region)",
    "consistent": "agrees with the caption and alt text (numbers, labels, colours)",
    "timely": "introduces the figure before the reader needs it",
}
# The judge never answers `no_intro`: a figure no paragraph cites has that verdict by
# construction, and the model is only asked to propose an introduction for it.
MODEL_VERDICTS = tuple(v.value for v in Verdict if v is not Verdict.NO_INTRO)
MAX_EVIDENCE = 400
# The scores each verdict may have: the rubric's, and one step either side where the rubric
# leaves room (a weak "partial" is a 2, a strong one a 4). "explains" with 1 is a contradiction.
SCORES_FOR = {
    Verdict.EXPLAINS.value: (4, 5),
    Verdict.PARTIAL.value: (2, 3, 4),
    Verdict.MENTIONS_ONLY.value: (1, 2, 3),
    Verdict.CONTRADICTS.value: (1, 2),
}
MAX_RATIONALE = 2000

_CRITERION = {
    "type": "object",
    "properties": {
        "met": {"type": "boolean"},
        "evidence": {"type": "string", "description": "A short quote from the paragraph, or ''"},
    },
    "required": ["met", "evidence"],
    "additionalProperties": False,
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "criteria": {
            "type": "object",
            "properties": {name: _CRITERION for name in CRITERIA},
            "required": list(CRITERIA),
            "additionalProperties": False,
        },
        "rationale": {"type": "string"},
        # An enum, not minimum/maximum: grammar engines (llama.cpp's among them) skip numeric
        # bounds, but every one of them enforces an enum.
        "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
        "verdict": {"type": "string", "enum": list(MODEL_VERDICTS)},
        "rewrite": {"type": ["string", "null"]},
    },
    "required": ["criteria", "rationale", "score", "verdict", "rewrite"],
    "additionalProperties": False,
}
SCHEMA_NAME = "figure_judgment"

# For a figure nothing references: the verdict is already known, only an introduction is asked.
PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"rationale": {"type": "string"}, "proposal": {"type": "string"}},
    "required": ["rationale", "proposal"],
    "additionalProperties": False,
}
PROPOSAL_NAME = "figure_introduction"


# Lengths for grammar engines, which enforce maxLength where OpenAI's strict mode rejects it:
# a small model stuck repeating itself inside a string is cut off by its grammar instead of
# by the output token limit. Each is under what validation accepts, and llama.cpp's grammar
# parser takes at most 2,000 repetitions of a rule, where a JSON string character is three:
# past that the server fails the grammar (and llama-cpp-python 0.3.36 then crashes).
_GRAMMAR_LENGTHS = {"evidence": 200, "rationale": 600, "rewrite": 650, "proposal": 650}


def bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` for the servers whose own form compiles it to a grammar (llama-cpp-python,
    llama-server): strings bounded, and for a judgment one branch per verdict with the scores
    it allows, so that even a small model cannot answer `explains` with 1."""
    out = _bounded_object(schema)
    if "verdict" not in out["properties"]:
        return out
    return {
        "anyOf": [
            {
                **out,
                "properties": {
                    **out["properties"],
                    "score": {"type": "integer", "enum": list(scores)},
                    "verdict": {"type": "string", "enum": [verdict]},
                },
            }
            for verdict, scores in SCORES_FOR.items()
        ]
    }


def _bounded_object(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            value = {name: _bounded_property(name, sub) for name, sub in value.items()}
        out[key] = value
    return out


def _bounded_property(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "object":
        return _bounded_object(schema)
    limit = _GRAMMAR_LENGTHS.get(name)
    if limit is None:
        return schema
    if schema.get("type") == ["string", "null"]:  # a type list would lose the bound
        return {"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}]}
    # A required text is never empty: a small model otherwise answers "" and fails validation.
    least = 0 if name == "evidence" else 8
    return {**schema, "minLength": least, "maxLength": limit}


@dataclass(frozen=True)
class Answer:
    """A validated answer, as the model gave it (the rewrite is not checked yet)."""

    criteria: tuple[Criterion, ...]
    rationale: str
    score: int
    verdict: Verdict
    rewrite: str | None

    def to_json(self) -> dict[str, Any]:
        if self.verdict is Verdict.NO_INTRO:
            return {"rationale": self.rationale, "proposal": self.rewrite}
        return {
            "criteria": {c.name: {"met": c.met, "evidence": c.evidence} for c in self.criteria},
            "rationale": self.rationale,
            "score": self.score,
            "verdict": self.verdict.value,
            "rewrite": self.rewrite,
        }


class InvalidAnswer(ValueError):
    """The answer is not valid JSON for the schema; the message lists every problem."""


def parse_answer(text: str) -> Answer:
    data = _json(text)
    problems = problems_in(data)
    if problems:
        raise InvalidAnswer("; ".join(problems))
    return _answer(data)


def parse_proposal(text: str) -> Answer:
    """A proposed introduction, as an answer whose verdict is `no_intro`."""
    data = _json(text)
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer is not a JSON object")
    problems = _key_problems(data, PROPOSAL_SCHEMA["required"], "answer")
    for key in ("rationale", "proposal"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            problems.append(f"{key} must be a non-empty string")
    if problems:
        raise InvalidAnswer("; ".join(problems))
    rationale = data["rationale"].strip()[:MAX_RATIONALE]
    return Answer((), rationale, 1, Verdict.NO_INTRO, data["proposal"].strip())


def _json(text: str) -> Any:
    try:
        # strict=False: grammar engines let raw newlines and tabs into strings, which
        # JSON forbids; the renderers strip control characters from the audit anyway.
        return json.loads(_strip_fence(text), strict=False)
    except json.JSONDecodeError as err:
        raise InvalidAnswer(f"not valid JSON ({err.msg} at character {err.pos})") from None


def _strip_fence(text: str) -> str:
    """JSON mode on some local servers wraps the object in a ```json fence."""
    body = text.strip()
    if body.startswith("```") and body.endswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    return body


def problems_in(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["the answer is not a JSON object"]
    problems = _key_problems(data, SCHEMA["required"], "answer")
    criteria = data.get("criteria")
    if isinstance(criteria, dict):
        problems += _key_problems(criteria, list(CRITERIA), "criteria")
        for name in CRITERIA:
            problems += _criterion_problems(name, criteria.get(name))
    elif "criteria" in data:
        problems.append("criteria must be an object")
    problems += _field_problems(data)
    return problems


def _key_problems(data: dict[str, Any], required: list[str], where: str) -> list[str]:
    missing = [k for k in required if k not in data]
    extra = [k for k in data if k not in required]
    found = [f"{where} lacks {', '.join(missing)}"] if missing else []
    return found + ([f"{where} has unknown keys {', '.join(extra)}"] if extra else [])


def _criterion_problems(name: str, value: Any) -> list[str]:
    if value is None:
        return []  # already reported as missing
    if not isinstance(value, dict) or not isinstance(value.get("met"), bool):
        return [f"criteria.{name} needs a boolean 'met'"]
    if not isinstance(value.get("evidence"), str):
        return [f"criteria.{name} needs a string 'evidence'"]
    if len(value["evidence"]) > MAX_EVIDENCE:
        return [f"criteria.{name}.evidence is longer than {MAX_EVIDENCE} characters"]
    return []


def _field_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    score = data.get("score")
    if "score" in data and (type(score) is not int or not 1 <= score <= 5):
        problems.append(f"score must be a whole number from 1 to 5, not {score!r}")
    verdict = data.get("verdict")
    if "verdict" in data and verdict not in MODEL_VERDICTS:
        problems.append(f"verdict must be one of {', '.join(MODEL_VERDICTS)}, not {verdict!r}")
    if type(score) is int and verdict in SCORES_FOR and score not in SCORES_FOR[verdict]:
        allowed = " or ".join(map(str, SCORES_FOR[verdict]))
        problems.append(f"score {score} contradicts the verdict {verdict}, which scores {allowed}")
    rationale = data.get("rationale")
    if "rationale" in data and (not isinstance(rationale, str) or not rationale.strip()):
        problems.append("rationale must be a non-empty string")
    elif isinstance(rationale, str) and len(rationale) > MAX_RATIONALE:
        problems.append(f"rationale is longer than {MAX_RATIONALE} characters")
    rewrite = data.get("rewrite")
    if "rewrite" in data and rewrite is not None and not isinstance(rewrite, str):
        problems.append("rewrite must be a string or null")
    return problems


def _answer(data: dict[str, Any]) -> Answer:
    given = data["criteria"]
    criteria = tuple(
        Criterion(name, given[name]["met"], given[name]["evidence"]) for name in CRITERIA
    )
    rewrite = data["rewrite"]
    if isinstance(rewrite, str) and not rewrite.strip():
        rewrite = None
    return Answer(
        criteria, data["rationale"].strip(), data["score"], Verdict(data["verdict"]), rewrite
    )
