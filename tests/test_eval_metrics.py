"""Evaluate stage: the gold file reader, the metrics (checked against values worked out by hand
below) and the Markdown report of one result and of two compared."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from reviewer.errors import ReviewerError
from reviewer.evaluate.gold import GoldPair, dump_gold, parse_gold, read_gold
from reviewer.evaluate.metrics import COLUMNS, ROWS, Outcome, RunInfo, compute, evaluate
from reviewer.evaluate.report import NONE, compare, render
from reviewer.evaluate.stats import ranks, spearman
from reviewer.model import Judgment, JudgmentStatus, Verdict

from .conftest import FIXTURES

E, P, M, C, N = (
    Verdict.EXPLAINS,
    Verdict.PARTIAL,
    Verdict.MENTIONS_ONLY,
    Verdict.CONTRADICTS,
    Verdict.NO_INTRO,
)
GOLD = FIXTURES / "eval" / "gold.jsonl"


def outcome(
    gold: Verdict,
    gold_score: int,
    said: Verdict | None,
    score: int | None,
    confidence: str = "high",
    origin: str = "labelled",
    rewrite: bool | None = None,
) -> Outcome:
    return Outcome(
        gold, gold_score, said, score,
        rewrite_proposed=rewrite is not None, rewrite_passed=bool(rewrite),
        prompt_tokens=100, completion_tokens=0 if said is None else 10, cost_usd=0.001,
        confidence=confidence, origin=origin,
    )  # fmt: skip


# The worked case: eight pairs, one failed.
#  #  gold           score  judge          score  confidence origin     rewrite
#  1  explains       5      explains       4      high       labelled   passed
#  2  explains       4      partial        3      high       labelled   rejected
#  3  partial        3      partial        3      low        labelled   -
#  4  partial        2      explains       4      high       labelled   passed
#  5  mentions_only  1      mentions_only  1      high       perturbed  -
#  6  contradicts    1      explains       4      high       perturbed  -
#  7  contradicts    1      (failed)       -      high       perturbed  -
#  8  mentions_only  1      no_intro       1      low        perturbed  -
CASE = [
    outcome(E, 5, E, 4, rewrite=True),
    outcome(E, 4, P, 3, rewrite=False),
    outcome(P, 3, P, 3, confidence="low"),
    outcome(P, 2, E, 4, rewrite=True),
    outcome(M, 1, M, 1, origin="perturbed"),
    outcome(C, 1, E, 4, origin="perturbed"),
    outcome(C, 1, None, None, origin="perturbed"),
    outcome(M, 1, N, 1, confidence="low", origin="perturbed"),
]


def test_the_worked_case_all_pairs() -> None:
    m = compute(CASE)
    assert (m.pairs, m.judged, m.failed) == (8, 7, 1)
    # Confusion, rows gold, columns explains partial mentions_only contradicts no_intro failed:
    assert COLUMNS == ("explains", "partial", "mentions_only", "contradicts", "no_intro", "failed")
    assert m.confusion == (
        (1, 1, 0, 0, 0, 0),  # explains: #1 right, #2 said partial
        (1, 1, 0, 0, 0, 0),  # partial: #4 said explains, #3 right
        (0, 0, 1, 0, 1, 0),  # mentions_only: #5 right, #8 said no_intro
        (1, 0, 0, 0, 0, 1),  # contradicts: #6 said explains, #7 failed
    )
    # Correct: #1, #3, #5 of the 7 judged.
    assert m.correct == 3
    assert m.accuracy == pytest.approx(3 / 7)
    # Kappa over the 7 judged. Gold counts E2 P2 M2 C1; judge counts E3 P2 M1 C0 N1.
    # p_o = 3/7 = 21/49; p_e = (2*3 + 2*2 + 2*1 + 1*0 + 0*1) / 49 = 12/49;
    # kappa = (21/49 - 12/49) / (1 - 12/49) = 9/37.
    assert m.observed_agreement == pytest.approx(3 / 7)
    assert m.expected_agreement == pytest.approx(12 / 49)
    assert m.kappa == pytest.approx(9 / 37)
    # Per verdict (judged pairs): explains P 1/3 R 1/2 F1 2*(1/6)/(5/6) = 2/5; partial 1/2 1/2
    # 1/2; mentions_only P 1/1 R 1/2 F1 2/3; contradicts P undefined (never said) R 0/1.
    by = {v.verdict: v for v in m.per_verdict}
    assert [by[r].support for r in ROWS] == [2, 2, 2, 1]
    assert [by[r].predicted for r in ROWS] == [3, 2, 1, 0]
    assert (by["explains"].precision, by["explains"].recall) == pytest.approx((1 / 3, 1 / 2))
    assert by["explains"].f1 == pytest.approx(2 / 5)
    assert (by["partial"].precision, by["partial"].recall, by["partial"].f1) == pytest.approx(
        (1 / 2, 1 / 2, 1 / 2)
    )
    assert by["mentions_only"].precision == 1.0
    assert by["mentions_only"].recall == pytest.approx(1 / 2)
    assert by["mentions_only"].f1 == pytest.approx(2 / 3)
    assert by["contradicts"].precision is None
    assert by["contradicts"].recall == 0.0
    assert by["contradicts"].f1 is None
    # MAE over the 7 scored: |5-4| + |4-3| + 0 + |2-4| + 0 + |1-4| + 0 = 7; 7/7 = 1.
    assert m.scored == 7
    assert m.score_mae == pytest.approx(1.0)
    # Spearman. Gold 5 4 3 2 1 1 1 -> ranks 7 6 5 4 2 2 2 (the three 1s share ranks 1-3).
    # Judge 4 3 3 4 1 4 1 -> ranks 6 3.5 3.5 6 1.5 6 1.5. Both mean 4.
    # Deviations: gold 3 2 1 0 -2 -2 -2; judge 2 -.5 -.5 2 -2.5 2 -2.5.
    # cov = 6 - 1 - .5 + 0 + 5 - 4 + 5 = 10.5; var gold 26, var judge 25;
    # rho = 10.5 / sqrt(26 * 25) = 2.1 / sqrt(26).
    assert m.score_spearman == pytest.approx(2.1 / math.sqrt(26))
    assert (m.rewrites_proposed, m.rewrites_passed) == (3, 2)
    assert m.rewrite_pass_rate == pytest.approx(2 / 3)
    assert (m.prompt_tokens, m.completion_tokens) == (800, 70)
    assert m.cost_usd == pytest.approx(0.008)


def test_the_worked_case_high_confidence_only() -> None:
    m = evaluate(CASE).group("high_confidence")
    # Without #3 and #8: 6 pairs, 5 judged (#7 failed), #1 and #5 right.
    assert (m.pairs, m.judged, m.failed, m.correct) == (6, 5, 1, 2)
    assert m.accuracy == pytest.approx(2 / 5)
    # Gold E2 P1 M1 C1, judge E3 P1 M1: p_o = 2/5 = 10/25, p_e = (6 + 1 + 1) / 25 = 8/25;
    # kappa = (10/25 - 8/25) / (17/25) = 2/17.
    assert m.expected_agreement == pytest.approx(8 / 25)
    assert m.kappa == pytest.approx(2 / 17)
    # MAE: (1 + 1 + 2 + 0 + 3) / 5. Spearman: gold 5 4 2 1 1 -> ranks 5 4 3 1.5 1.5,
    # judge 4 3 4 1 4 -> ranks 4 2 4 1 4; deviations 2 1 0 -1.5 -1.5 and 1 -1 1 -2 1;
    # cov = 2 - 1 + 0 + 3 - 1.5 = 2.5; vars 9.5 and 8; rho = 2.5 / sqrt(76).
    assert m.score_mae == pytest.approx(7 / 5)
    assert m.score_spearman == pytest.approx(2.5 / math.sqrt(76))


def test_groups_by_origin() -> None:
    result = evaluate(CASE, RunInfo(model="m"))
    names = [name for name, _ in result.groups]
    assert names == [
        "all",
        "high_confidence",
        "labelled",
        "labelled_high_confidence",
        "perturbed",
        "perturbed_high_confidence",
    ]
    perturbed = result.group("perturbed")
    assert (perturbed.pairs, perturbed.judged, perturbed.correct) == (4, 3, 1)
    by = {v.verdict: v for v in perturbed.per_verdict}
    assert by["mentions_only"].recall == pytest.approx(1 / 2)
    assert by["contradicts"].recall == 0.0  # #6 said explains; the failed #7 is not a miss
    assert result.group("labelled").accuracy == pytest.approx(2 / 4)
    only_labelled = evaluate(CASE[:4])
    assert [name for name, _ in only_labelled.groups] == [
        "all",
        "high_confidence",
        "labelled",
        "labelled_high_confidence",
    ]


def test_all_failed() -> None:
    m = compute([outcome(E, 4, None, None), outcome(C, 1, None, None)])
    assert (m.pairs, m.judged, m.failed, m.correct) == (2, 0, 2, 0)
    assert m.accuracy is m.kappa is m.score_mae is m.score_spearman is None
    assert m.count("explains", "failed") == 1 and m.count("contradicts", "failed") == 1
    assert all(v.precision is None and v.recall is None and v.f1 is None for v in m.per_verdict)
    assert m.prompt_tokens == 200  # a failed call still spent its tokens


def test_empty_input() -> None:
    m = compute([])
    assert (m.pairs, m.judged, m.failed, m.scored) == (0, 0, 0, 0)
    assert m.accuracy is None and m.kappa is None and m.rewrite_pass_rate is None
    assert m.cost_usd == 0
    assert [name for name, _ in evaluate([]).groups] == ["all", "high_confidence"]


def test_constant_scores_have_no_spearman() -> None:
    constant_gold = [outcome(P, 3, P, 2), outcome(P, 3, E, 4), outcome(P, 3, P, 3)]
    m = compute(constant_gold)
    assert m.score_spearman is None
    assert m.score_mae == pytest.approx(2 / 3)
    assert compute([outcome(E, 5, E, 4), outcome(P, 2, P, 4)]).score_spearman is None
    assert compute([outcome(E, 5, E, 4)]).score_spearman is None  # one pair


def test_kappa_edges() -> None:
    # Both sides always say explains: chance agreement is 1 and kappa is undefined.
    assert compute([outcome(E, 5, E, 5), outcome(E, 4, E, 4)]).kappa is None
    perfect = compute([outcome(E, 5, E, 5), outcome(M, 1, M, 1)])
    assert perfect.kappa == pytest.approx(1.0)
    assert perfect.score_spearman == pytest.approx(1.0)


def test_ranks_average_ties() -> None:
    assert ranks([10, 20, 20, 30, 20]) == [1.0, 3.0, 3.0, 5.0, 3.0]
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_outcome_from_a_judgment() -> None:
    pair = read_gold(GOLD)[0]
    judged = Judgment(
        JudgmentStatus.CACHED, score=4, verdict=P, rejected_rewrite="x",
        prompt_tokens=7, completion_tokens=3,
    )  # fmt: skip
    o = Outcome.of(pair, judged, cost_usd=0.5)
    assert (o.verdict, o.score, o.rewrite_proposed, o.rewrite_passed) == (P, 4, True, False)
    assert (o.gold_verdict, o.gold_score, o.origin, o.id) == (E, 5, "labelled", pair.id)
    failed = Outcome.of(pair, Judgment.failed("timeout"))
    assert failed.verdict is None and failed.score is None
    with pytest.raises(ValueError):
        Outcome(N, 1)


def test_json_keys_are_stable() -> None:
    data = json.loads(json.dumps(evaluate(CASE, RunInfo(model="gpt-x")).to_json()))
    assert list(data) == ["schema_version", "run", "groups"]
    assert data["run"] == {
        "model": "gpt-x",
        "base_url_kind": None,
        "prompts_digest": None,
        "date": None,
        "gold_file": None,
        "judge": None,
    }
    metrics = data["groups"]["all"]
    assert list(metrics) == [
        "pairs", "judged", "failed", "correct", "accuracy", "kappa", "observed_agreement",
        "expected_agreement", "scored", "score_mae", "score_spearman", "rewrites", "tokens",
        "cost_usd", "confusion", "per_verdict",
    ]  # fmt: skip
    assert list(metrics["confusion"]) == list(ROWS)
    assert list(metrics["confusion"]["contradicts"]) == list(COLUMNS)
    assert metrics["confusion"]["contradicts"]["failed"] == 1
    assert list(metrics["per_verdict"]["explains"]) == [
        "support", "predicted", "correct", "precision", "recall", "f1",
    ]  # fmt: skip
    assert metrics["per_verdict"]["contradicts"]["precision"] is None


# -- gold file ----------------------------------------------------------------------------------


def test_read_gold() -> None:
    pairs = read_gold(GOLD)
    assert [p.verdict for p in pairs] == [E, P, C]
    assert [p.high_confidence for p in pairs] == [True, False, True]
    assert pairs[1].alt is None and pairs[2].origin == "perturbed"
    assert pairs[2].stem == pairs[1].id
    assert parse_gold(dump_gold(pairs).splitlines(), "again") == pairs


def _record(**changes: object) -> str:
    record = json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])
    record.update(changes)
    return json.dumps({k: v for k, v in record.items() if v is not _DROP})


_DROP = object()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "g.jsonl:2: not valid JSON"),
        ("[1, 2]", "g.jsonl:2: expected a JSON object, found list"),
        ("[" * 100_000 + "]" * 100_000, "g.jsonl:2: not a gold record (nested too deeply)"),
        (_record(score=_DROP, origin=_DROP), "g.jsonl:2: missing field(s) score, origin"),
        (_record(verdict="great"), "g.jsonl:2: unknown verdict 'great'; use one of explains"),
        (_record(verdict="no_intro"), "unknown verdict 'no_intro'"),
        (_record(verdict=["explains"]), "unknown verdict ['explains']"),
        (_record(score=6), "g.jsonl:2: score 6 is not a whole number 1 to 5"),
        (_record(score=0), "score 0 is not"),
        (_record(score=4.5), "score 4.5 is not"),
        (_record(score=True), "score true is not"),
        (_record(confidence="medium"), "confidence 'medium' is not one of high, low"),
        (_record(origin="made up"), "origin 'made up' is not one of labelled, perturbed"),
        (_record(intro=""), "g.jsonl:2: field intro must be non-empty text"),
        (_record(alt=3), "g.jsonl:2: field alt must be text or null"),
        (_record(caption=None), "field caption must be text"),
        (_record(id="other"), "g.jsonl:2: id 'other' already used on line 1"),
    ],
)
def test_bad_gold_lines(line: str, message: str) -> None:
    first = _record(id="other")
    with pytest.raises(ReviewerError) as err:
        parse_gold([first, line], "g.jsonl")
    assert message in str(err.value)


def test_bad_gold_files(tmp_path: Path) -> None:
    with pytest.raises(ReviewerError, match="no such gold file"):
        read_gold(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ReviewerError, match=r"empty\.jsonl: no gold pairs"):
        read_gold(tmp_path / "empty.jsonl")
    (tmp_path / "latin.jsonl").write_bytes(b'{"id": "\xe9"}\n')
    with pytest.raises(ReviewerError, match="not UTF-8"):
        read_gold(tmp_path / "latin.jsonl")
    with pytest.raises(ReviewerError, match="cannot read"):
        read_gold(tmp_path)


def test_gold_pair_json_round_trip() -> None:
    pair = read_gold(GOLD)[2]
    assert pair.to_json()["verdict"] == "contradicts"
    assert GoldPair(**{**pair.to_json(), "verdict": Verdict.CONTRADICTS}) == pair


# -- report -------------------------------------------------------------------------------------


def test_render_one_result() -> None:
    run = RunInfo("gpt-x", "openai", "0123456789abcdef0123", "2025-06-01", "dev.jsonl")
    text = render(evaluate(CASE, run))
    assert text.startswith("# Judge evaluation\n\ngpt-x (openai) · prompts 0123456789ab")
    assert "· 2025-06-01 · gold dev.jsonl\n" in text
    summary = "| All pairs | 8 | 7 | 1 | 0.429 (3/7) | 0.243 | 1.000 | 0.412 | 2/3 | 800 / 70 |"
    assert summary + " $0.0080 |" in text
    assert "| contradicts | 1 | 0 | 0 | 0 | 0 | 1 | 2 |" in text  # the confusion row
    assert f"| contradicts | 1 | 0 | 0 | {NONE} | 0.000 | {NONE} |" in text  # per verdict
    assert "## Perturbed, high confidence only" in text
    assert render(evaluate(CASE, run).to_json()) == text  # from a saved result, the same


def test_compare_two_results() -> None:
    a = evaluate(CASE, RunInfo(model="model-a")).to_json()
    better = [outcome(C, 1, C, 1, origin="perturbed") if o.verdict is None else o for o in CASE]
    b = evaluate(better[:7], RunInfo(model="model-b")).to_json()
    text = compare(a, b)
    assert "- A: model-a\n- B: model-b\n" in text
    lines = text.splitlines()
    all_pairs = lines[lines.index("## All pairs") :]
    assert "| pairs | 8 | 7 | -1 |" in all_pairs
    assert "| failed | 1 | 0 | -1 |" in all_pairs
    # A: 3 right of 7 judged; B: #7 now right and #8 gone, 4 of 7.
    assert "| accuracy | 0.429 | 0.571 | +0.143 |" in all_pairs
    assert "| recall contradicts | 0.000 | 0.500 | +0.500 |" in all_pairs
    assert "| cost | $0.0080 | $0.0070 | -$0.0010 |" in all_pairs
    high = lines[lines.index("## All pairs, high confidence only") :]
    assert "| pairs | 6 | 6 | 0 |" in high  # no sign on no change
    # A group that one result lacks shows dashes on that side.
    b_groups = dict(b["groups"])
    del b_groups["perturbed_high_confidence"]
    text = compare(a, {**b, "groups": b_groups}, "A run", "B run")
    assert "- A: A run\n- B: B run\n" in text
    tail = text.splitlines()[text.splitlines().index("## Perturbed, high confidence only") :]
    assert f"| pairs | 3 | {NONE} | {NONE} |" in tail
