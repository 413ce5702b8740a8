"""Tables and listings against the independent reading: for every chapter of the shared corpus,
the ids, captions, introducing paragraphs and parents that the pandoc-based oracle lists under
`tables` and `listings` (`../shared/corpus-oracle`). Run through the command line, as a user
would: `review FILE --no-llm --format json --output -`.

Where the two readings disagree, one of them is wrong: each disagreement where the oracle is
wrong is pinned in ORACLE_WRONG with the reason, and any other fails the test."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli.main import main

from .conftest import CORPUS, ORACLE, need_corpus

ORACLE_FILES = sorted(ORACLE.rglob("*.figures.json")) if ORACLE.is_dir() else []
KINDS = ("tables", "listings")
FIELDS = ("id", "caption", "intro", "parent", "kind")
MIN_AGREEMENT = 0.98

# (chapter, id, field) -> why the oracle's reading is the wrong one.
ORACLE_WRONG: dict[tuple[str, str, str], str] = {}


def _chapter(oracle_file: Path) -> str:
    return str(oracle_file.relative_to(ORACLE))[: -len(".figures.json")]


def _fold(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _audit(
    chapter: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.chdir(CORPUS)
    args = [chapter, "--no-llm", "--format", "json", "--output", "-", "--fail-on", "never"]
    code = main([*args, "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    found: dict[str, Any] = json.loads(out)["files"][0]
    return found


def _compare(
    chapter: str, kind: str, oracle: list[dict[str, Any]], ours: list[dict[str, Any]]
) -> tuple[Counter[str], list[tuple[str, str, str, Any, Any]]]:
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in ours:
        mine[item["id"]].append(item)
    seen: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    differ = []
    for expected in oracle:
        fid = expected["id"]
        if seen[fid] >= len(mine[fid]):
            differ.append((chapter, fid, "id", None, fid))
            continue
        found = mine[fid][seen[fid]]
        seen[fid] += 1
        agree["id"] += 1
        pairs = {
            "caption": (found["caption"], expected["caption"]),
            "intro": (
                found["intro"]["text"] if found["intro"] else None,
                expected["first_prose_paragraph"],
            ),
            "parent": (found["parent"], expected["parent"]),
            "kind": (found["kind"], expected["kind"]),
        }
        for field, (a, b) in pairs.items():
            if _fold(a) == _fold(b):
                agree[field] += 1
            else:
                differ.append((chapter, fid, field, a, b))
    extra = Counter(i["id"] for i in ours) - Counter(e["id"] for e in oracle)
    differ += [(chapter, fid, "id", fid, None) for fid in extra.elements()]
    return agree, differ


def test_tables_and_listings_agree_with_the_oracle(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    need_corpus()
    total: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    unexplained = []
    for oracle_file in ORACLE_FILES:
        chapter = _chapter(oracle_file)
        oracle = json.loads(oracle_file.read_text(encoding="utf-8"))
        if not any(oracle[kind] for kind in KINDS):
            continue
        audit = _audit(chapter, capsys, monkeypatch)
        for kind in KINDS:
            counts, differ = _compare(chapter, kind, oracle[kind], audit[kind])
            agree.update({f"{kind} {field}": n for field, n in counts.items()})
            for field in FIELDS:
                total[f"{kind} {field}"] += len(oracle[kind])
            unexplained += [d for d in differ if d[:3] not in ORACLE_WRONG]
    rates = {key: agree[key] / total[key] for key in total}
    print("agreement with the oracle:", ", ".join(f"{k} {agree[k]}/{total[k]}" for k in total))
    assert total["tables id"] >= 100 and total["listings id"] >= 80
    assert all(rate >= MIN_AGREEMENT for rate in rates.values()), rates
    assert not unexplained, "\n".join(
        f"{c} {i} {f}:\n  ours:   {a!r}\n  oracle: {b!r}" for c, i, f, a, b in unexplained
    )
