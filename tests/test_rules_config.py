"""Which rules run, through the real command line: reviewer.toml's `[rules]` (`select`,
`ignore`, `per-file-ignores`, `severity`) and `--select`, `--ignore`, `--severity`; every key
of reviewer.toml is checked, and a bad one is one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.rules import BY_CODE

from .cliutil import ERROR, WARNING_ONLY, one_error_line, run, write

Cap = pytest.CaptureFixture[str]

# One finding of each of five rules (code at line): FIG003 5, REF001 7, FIG005 9, FIG001 9,
# FIG008 11.
BAKERY = """# Bakery

The oven warms at dawn, as @fig-oven shows.

![The oven at dawn.](oven.png){#fig-oven}

See @fig-crumb for the crumb.

![Flour sacks.](sacks.png){#fig-flour_sacks fig-alt="Sacks stacked high by the door."}

![A tray of buns.](buns.png){fig-alt="Twelve buns on a tray."}
"""
EVERY = {"FIG001", "FIG003", "FIG005", "FIG008", "REF001"}
FIGURES = {"FIG001", "FIG003", "FIG005", "FIG008"}
ALL_RULES = frozenset(BY_CODE)


@pytest.fixture
def bakery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding bakery.qmd; the tests put their reviewer.toml beside it."""
    write(tmp_path / "bakery.qmd", BAKERY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _toml(folder: Path, text: str) -> Path:
    return write(folder / "reviewer.toml", text)


def _codes(capsys: Cap, *argv: str) -> set[str]:
    """The codes `review` reports, through the concise format (every finding counts there)."""
    result = run(capsys, *argv, "-f", "concise", "--fail-on", "never")
    assert result.code == 0, result.err
    return {code for _, _, code in result.findings()}


# -- select and ignore -------------------------------------------------------------------------


SELECTIONS = [
    pytest.param(["FIG003"], {"FIG003"}, id="code"),
    pytest.param(["fig003"], {"FIG003"}, id="code-lower-case"),
    pytest.param(["missing-alt"], {"FIG003"}, id="name"),
    pytest.param(["FIG"], FIGURES, id="family"),
    pytest.param(["FIG00"], FIGURES, id="prefix"),
    pytest.param(["REF00"], {"REF001"}, id="ref-prefix"),
    pytest.param(["ALL"], EVERY, id="all"),
    pytest.param(["FIG003", "never-referenced", "REF"], {"FIG001", "FIG003", "REF001"}, id="mix"),
    pytest.param(["NAR"], set(), id="nothing-of-this-family-here"),
    pytest.param([], set(), id="empty-selects-nothing"),
]


@pytest.mark.parametrize(("selectors", "expected"), SELECTIONS)
def test_select_in_reviewer_toml(
    bakery: Path, capsys: Cap, selectors: list[str], expected: set[str]
) -> None:
    _toml(bakery, f"[rules]\nselect = {json.dumps(selectors)}\n")
    assert _codes(capsys, "bakery.qmd") == expected


@pytest.mark.parametrize(("selectors", "expected"), [p for p in SELECTIONS if p.values[0]])
def test_select_on_the_command_line(
    bakery: Path, capsys: Cap, selectors: list[str], expected: set[str]
) -> None:
    assert _codes(capsys, "bakery.qmd", "--select", ", ".join(selectors)) == expected


def test_no_rules_table_selects_every_rule(bakery: Path, capsys: Cap) -> None:
    assert _codes(capsys, "bakery.qmd") == EVERY
    _toml(bakery, 'fail_on = "error"\n')
    assert _codes(capsys, "bakery.qmd") == EVERY


@pytest.mark.parametrize(
    ("ignored", "expected"),
    [
        (["FIG003"], EVERY - {"FIG003"}),
        (["id-style"], EVERY - {"FIG005"}),
        (["FIG"], {"REF001"}),
        (["REF", "unlabeled-figure"], EVERY - {"REF001", "FIG008"}),
        (["ALL"], set()),
    ],
)
def test_ignore_leaves_those_rules_out(
    bakery: Path, capsys: Cap, ignored: list[str], expected: set[str]
) -> None:
    _toml(bakery, f"[rules]\nignore = {json.dumps(ignored)}\n")
    assert _codes(capsys, "bakery.qmd") == expected
    (bakery / "reviewer.toml").unlink()
    assert _codes(capsys, "bakery.qmd", "--ignore", ",".join(ignored)) == expected


def test_ignore_wins_over_select(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules]\nselect = ["FIG"]\nignore = ["FIG001", "missing-alt"]\n')
    assert _codes(capsys, "bakery.qmd") == {"FIG005", "FIG008"}


def test_a_rule_that_is_not_selected_leaves_no_trace(bakery: Path, capsys: Cap) -> None:
    """Not suppressed, not counted: gone from the audit, the summary and the exit code."""
    _toml(bakery, '[rules]\nignore = ["REF001"]\n')
    result = run(capsys, "bakery.qmd", "-f", "json", "-o", "-")
    findings = result.json()["files"][0]["findings"]
    assert "REF001" not in {f["code"] for f in findings}
    assert all(f["status"] == "active" for f in findings)
    assert result.code == 0  # REF001 was the only error
    assert "suppressed" not in result.err
    assert "error" not in result.err


def test_underscore_spelling_of_per_file_ignores(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules.per_file_ignores]\n"bakery.qmd" = ["FIG"]\n')
    assert _codes(capsys, "bakery.qmd") == {"REF001"}


# -- the command line over the file ------------------------------------------------------------


def test_select_option_replaces_the_files_select(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules]\nselect = ["REF"]\n')
    assert _codes(capsys, "bakery.qmd") == {"REF001"}
    assert _codes(capsys, "bakery.qmd", "--select", "FIG003") == {"FIG003"}
    assert _codes(capsys, "bakery.qmd", "--select", "ALL") == EVERY


def test_ignore_option_adds_to_the_files_ignore(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules]\nignore = ["FIG003"]\n')
    assert _codes(capsys, "bakery.qmd", "--ignore", "REF001") == EVERY - {"FIG003", "REF001"}


def test_the_files_ignore_still_applies_under_select_option(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules]\nignore = ["FIG003"]\n')
    assert _codes(capsys, "bakery.qmd", "--select", "FIG") == FIGURES - {"FIG003"}


def test_an_empty_select_option_keeps_the_files_select(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, '[rules]\nselect = ["REF"]\n')
    assert _codes(capsys, "bakery.qmd", "--select", "") == {"REF001"}


# -- per-file-ignores --------------------------------------------------------------------------

# Each chapter gives one FIG003 (line 5); reviewer.toml sits in the folder above them all.
LOAF = """# {title}

The {title} loaf, as @fig-{name} shows.

![The {title} loaf.]({name}.png){{#fig-{name}}}
"""
SHELF = {
    "top.qmd": "top",
    "chapters/intro.qmd": "intro",
    "chapters/deep/more.qmd": "more",
}


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for path, name in SHELF.items():
        write(tmp_path / path, LOAF.format(title=name.title(), name=name))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _flagged(capsys: Cap, *paths: str) -> set[str]:
    """The chapters that still get their FIG003."""
    result = run(capsys, *paths, "-f", "concise", "--fail-on", "never")
    assert result.code == 0, result.err
    return {path for path, _, code in result.findings() if code == "FIG003"}


@pytest.mark.parametrize(
    ("glob", "flagged"),
    [
        ("top.qmd", {"chapters/intro.qmd", "chapters/deep/more.qmd"}),
        ("chapters/intro.qmd", {"top.qmd", "chapters/deep/more.qmd"}),
        ("chapters/deep/*.qmd", {"top.qmd", "chapters/intro.qmd"}),
        ("chapters/**", {"top.qmd"}),
        ("chapters/**/more.qmd", {"top.qmd", "chapters/intro.qmd"}),
        ("*.qmd", set()),  # a file-name glob: every chapter's name matches
        ("more.qmd", {"top.qmd", "chapters/intro.qmd"}),  # a file name, at any depth
        ("m*.qmd", {"top.qmd", "chapters/intro.qmd"}),
        ("i?tro.qmd", {"top.qmd", "chapters/deep/more.qmd"}),
        ("[it]*.qmd", {"chapters/deep/more.qmd"}),
        ("bread/*.qmd", set(SHELF)),
        pytest.param(
            "**/*.qmd",
            set(),
        ),
        pytest.param(
            "chapters/**/*.qmd",
            {"top.qmd"},
        ),
    ],
)
def test_per_file_ignores_globs(shelf: Path, capsys: Cap, glob: str, flagged: set[str]) -> None:
    _toml(shelf, f'[rules.per-file-ignores]\n"{glob}" = ["FIG003"]\n')
    assert _flagged(capsys, *SHELF) == flagged


def test_the_documented_draft_glob_covers_a_draft_beside_reviewer_toml(
    bakery: Path, capsys: Cap
) -> None:
    write(bakery / "_draft-rye.qmd", LOAF.format(title="Rye", name="rye"))
    _toml(bakery, '[rules.per-file-ignores]\n"**/_draft-*.qmd" = ["ALL"]\n')
    assert _codes(capsys, "_draft-rye.qmd") == set()


def test_per_file_globs_are_relative_to_reviewer_toml_not_the_working_folder(
    shelf: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toml(shelf, '[rules.per-file-ignores]\n"chapters/deep/*.qmd" = ["FIG003"]\n')
    monkeypatch.chdir(shelf / "chapters")
    assert _flagged(capsys, "intro.qmd", "deep/more.qmd", "../top.qmd") == {
        "intro.qmd",
        "../top.qmd",
    }


def test_per_file_ignores_take_names_and_prefixes_and_leave_other_rules(
    bakery: Path, capsys: Cap
) -> None:
    _toml(bakery, '[rules.per-file-ignores]\n"bakery.qmd" = ["missing-alt", "FIG00"]\n')
    assert _codes(capsys, "bakery.qmd") == {"REF001"}
    _toml(bakery, '[rules.per-file-ignores]\n"other.qmd" = ["ALL"]\n')
    assert _codes(capsys, "bakery.qmd") == EVERY


def test_per_file_ignores_follow_an_included_file_by_its_own_path(
    tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "reviewer.toml", '[rules.per-file-ignores]\n"_*.qmd" = ["FIG003"]\n')
    write(
        tmp_path / "rolls.qmd",
        "# Rolls\n\nWe shape @fig-knot and @fig-plait.\n\n{{< include _plait.qmd >}}\n\n"
        "![A knotted roll.](knot.png){#fig-knot}\n",
    )
    write(tmp_path / "_plait.qmd", "![A plaited roll.](plait.png){#fig-plait}\n")
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "rolls.qmd", "-f", "concise", "--fail-on", "never")
    assert result.findings() == [("rolls.qmd", 7, "FIG003")]


# -- severity ----------------------------------------------------------------------------------


@pytest.fixture
def counter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """proofing.qmd has one FIG003 (a warning), crumbs.qmd one REF001 (an error)."""
    write(tmp_path / "proofing.qmd", WARNING_ONLY)
    write(tmp_path / "crumbs.qmd", ERROR)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _severities(capsys: Cap, chapter: str, *extra: str) -> tuple[int, list[tuple[str, str]]]:
    result = run(capsys, chapter, "-f", "json", "-o", "-", *extra)
    findings = result.json()["files"][0]["findings"]
    return result.code, [(f["code"], f["severity"]) for f in findings]


def test_raising_a_severity_fails_the_run(counter: Path, capsys: Cap) -> None:
    assert _severities(capsys, "proofing.qmd") == (0, [("FIG003", "warning")])
    _toml(counter, '[rules.severity]\nFIG003 = "error"\n')
    assert _severities(capsys, "proofing.qmd") == (1, [("FIG003", "error")])


def test_lowering_a_severity_passes_the_run(counter: Path, capsys: Cap) -> None:
    assert _severities(capsys, "crumbs.qmd") == (1, [("REF001", "error")])
    _toml(counter, '[rules.severity]\nREF001 = "warning"\n')
    assert _severities(capsys, "crumbs.qmd") == (0, [("REF001", "warning")])
    assert _severities(capsys, "crumbs.qmd", "--fail-on", "warning")[0] == 1


@pytest.mark.parametrize(
    ("option", "chapter", "expected"),
    [
        ("FIG003=error", "proofing.qmd", (1, [("FIG003", "error")])),
        ("missing-alt=ERROR", "proofing.qmd", (1, [("FIG003", "error")])),
        ("FIG=error", "proofing.qmd", (1, [("FIG003", "error")])),
        ("REF001=warning", "crumbs.qmd", (0, [("REF001", "warning")])),
        ("REF001=info,FIG003=error", "crumbs.qmd", (0, [("REF001", "info")])),
        (" undefined-reference = info ", "crumbs.qmd", (0, [("REF001", "info")])),
    ],
)
def test_severity_option(
    counter: Path, capsys: Cap, option: str, chapter: str, expected: tuple[int, object]
) -> None:
    assert _severities(capsys, chapter, "--severity", option) == expected


def test_severity_option_adds_to_the_files_and_wins_for_the_same_rule(
    counter: Path, capsys: Cap
) -> None:
    _toml(counter, '[rules.severity]\nFIG003 = "error"\nREF001 = "info"\n')
    assert _severities(capsys, "proofing.qmd") == (1, [("FIG003", "error")])
    assert _severities(capsys, "proofing.qmd", "--severity", "FIG003=warning") == (
        0,
        [("FIG003", "warning")],
    )
    # The file's REF001 = "info" still holds beside the option's FIG003.
    assert _severities(capsys, "crumbs.qmd", "--severity", "FIG003=warning") == (
        0,
        [("REF001", "info")],
    )


def test_severity_in_the_rules_table_and_the_summary_follows(counter: Path, capsys: Cap) -> None:
    _toml(counter, '[rules]\nseverity = { "missing-alt" = "Error" }\n')
    result = run(capsys, "proofing.qmd", "-f", "concise")
    assert result.code == 1
    assert "1 error" in result.err
    assert "warning" not in result.err


def test_a_severity_for_a_rule_not_selected_changes_nothing(counter: Path, capsys: Cap) -> None:
    _toml(counter, '[rules]\nignore = ["FIG003"]\n[rules.severity]\nFIG003 = "error"\n')
    assert _severities(capsys, "proofing.qmd") == (0, [])


# -- every mistake is one line, exit 2 ---------------------------------------------------------

# (reviewer.toml text or None, extra arguments, what the one line on stderr must say)
MISTAKES = [
    pytest.param('fial_on = "warning"\n', [], ["fial_on", "'fail_on'"], id="fial_on"),
    pytest.param("[ckecks]\nfar_after_lines = 3\n", [], ["[ckecks]", "[checks]"], id="ckecks"),
    pytest.param(
        "[checks]\nfar_after = 3\n",
        [],
        ["'far_after'", "[checks]", "'far_after_lines'"],
        id="checks-far_after",
    ),
    pytest.param(
        '[rules]\nselect = ["FIG03"]\n',
        [],
        ["[rules] select", "'FIG03'", "did you mean 'FIG003'"],
        id="select-FIG03",
    ),
    pytest.param(
        '[rules]\nslect = ["FIG003"]\n',
        [],
        ["'slect'", "[rules]", "did you mean 'select'"],
        id="slect",
    ),
    pytest.param(
        "[rulez]\nselect = []\n", [], ["[rulez]", "did you mean [rules]"], id="rulez-table"
    ),
    pytest.param(
        '[rules]\nignore = ["missinalt"]\n',
        [],
        ["[rules] ignore", "'missinalt'", "'missing-alt'"],
        id="ignore-missinalt",
    ),
    pytest.param(
        '[rules.severity]\nFIG003 = "loud"\n',
        [],
        ["severity", "FIG003", "loud", "error, warning, info"],
        id="severity-loud",
    ),
    pytest.param(
        "[rules.severity]\nFIG003 = 3\n",
        [],
        ["severity", "FIG003", "error, warning, info"],
        id="severity-number",
    ),
    pytest.param(
        '[rules.severity]\nFIG03 = "info"\n',
        [],
        ["severity", "'FIG03'", "'FIG003'"],
        id="severity-FIG03",
    ),
    pytest.param(
        '[rules]\nseverity = ["FIG003"]\n', [], ["[rules] severity", "must map"], id="severity-list"
    ),
    pytest.param(
        '[rules]\nper-file-ignores = ["FIG003"]\n',
        [],
        ["per-file-ignores", "must map file globs"],
        id="per-file-ignores-not-a-table",
    ),
    pytest.param(
        '[rules.per-file-ignores]\n"*.qmd" = 3\n',
        [],
        ['per-file-ignores."*.qmd"', "must be a list"],
        id="per-file-ignores-value-not-a-list",
    ),
    pytest.param(
        '[rules.per-file-ignores]\n"*.qmd" = ["FIG03"]\n',
        [],
        ['per-file-ignores."*.qmd"', "'FIG03'", "'FIG003'"],
        id="per-file-ignores-FIG03",
    ),
    pytest.param(
        "[rules]\nselect = 3\n", [], ["[rules] select", "must be a list"], id="select-not-a-list"
    ),
    pytest.param(
        '[rules]\nselect = ["FIG003", 3]\n',
        [],
        ["[rules] select", "must be a list"],
        id="select-not-a-list-of-strings",
    ),
    pytest.param(
        '[rules]\nselect = [""]\n',
        [],
        ["[rules] select"],
        id="select-empty-word",
    ),
    pytest.param(None, ["--select", "FIG03"], ["--select", "'FIG03'", "'FIG003'"], id="opt-select"),
    pytest.param(
        None, ["--ignore", "missinalt"], ["--ignore", "'missinalt'", "'missing-alt'"], id="opt-ign"
    ),
    pytest.param(
        None, ["--severity", "FIG003"], ["--severity", "FIG003", "error, warning, info"], id="sev"
    ),
    pytest.param(
        None, ["--severity", "FIG003=loud"], ["--severity", "loud", "error, warning"], id="sev-loud"
    ),
    pytest.param(
        None, ["--severity", "FIG03=info"], ["--severity", "'FIG03'", "'FIG003'"], id="sev-FIG03"
    ),
]


@pytest.mark.parametrize(("toml", "argv", "said"), MISTAKES)
def test_every_mistake_is_one_line_exit_2(
    bakery: Path, capsys: Cap, toml: str | None, argv: list[str], said: list[str]
) -> None:
    if toml is not None:
        _toml(bakery, toml)
    result = run(capsys, "bakery.qmd", "-o", "-", *argv)
    assert result.code == 2, result.err
    assert result.out == ""
    line = one_error_line(result.err)
    if toml is not None:
        assert str((bakery / "reviewer.toml").resolve()) in line
    else:
        assert "reviewer.toml" not in line
    for part in said:
        assert part in line


def test_a_mistake_in_an_explicit_config_names_that_file(
    bakery: Path, capsys: Cap, tmp_path: Path
) -> None:
    other = write(tmp_path / "elsewhere" / "team.toml", '[rules]\nselect = ["FIG03"]\n')
    result = run(capsys, "bakery.qmd", "-o", "-", "--config", str(other))
    assert result.code == 2
    assert str(other) in one_error_line(result.err)


def test_a_known_table_given_as_a_value_is_not_called_unknown(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, "rules = 3\n")
    result = run(capsys, "bakery.qmd", "-o", "-")
    assert result.code == 2
    line = one_error_line(result.err)
    assert "rules" in line
    assert "unknown" not in line


# -- a hostile reviewer.toml -------------------------------------------------------------------

DEEP = 100_000  # deeper than Python's recursion limit


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'fail_on = "w\xff\xfearning"\n', id="not-utf-8"),
        pytest.param(b"\xff\xfe[\x00r\x00u\x00l\x00e\x00s\x00]\x00", id="utf-16"),
        pytest.param(b"\x00\x01\x02", id="binary"),
        pytest.param(b"[rules]\nselect = 3\n", id="select-3"),
        pytest.param(b'[rules]\nselect = "FIG003\n', id="unclosed-string"),
        pytest.param(b"[rules]\nselect = []\n[rules]\nignore = []\n", id="table-twice"),
        pytest.param(b"[rules]\nselect = " + b"[" * 50 + b"]" * 50 + b"\n", id="nested-50"),
        pytest.param(b"[rules.severity]\nFIG003 = [[[]]]\n", id="severity-nested"),
        pytest.param(b'[rules.per-file-ignores]\n"*" = [["FIG003"]]\n', id="pfi-nested"),
        pytest.param(b'[rules]\nselect = ["' + b"Q" * 200_000 + b'"]\n', id="long-word"),
        pytest.param(b"[rules.severity]\n" + b"\xe2\x80\xae = 'info'\n", id="bidi-key"),
        pytest.param(
            b"[rules]\nselect = " + b"[" * DEEP + b"]" * DEEP + b"\n",
            id="nested-arrays-deep",
        ),
        pytest.param(
            b"[rules]\nseverity = " + b"{a=" * DEEP + b"1" + b"}" * DEEP + b"\n",
            id="nested-tables-deep",
        ),
    ],
)
def test_a_hostile_reviewer_toml_never_gives_a_traceback(
    bakery: Path, capsys: Cap, content: bytes
) -> None:
    (bakery / "reviewer.toml").write_bytes(content)
    result = run(capsys, "bakery.qmd", "-o", "-")
    assert result.code == 2
    assert result.out == ""
    assert str((bakery / "reviewer.toml").resolve()) in one_error_line(result.err)


def test_a_long_selector_list_is_read(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, f"[rules]\nselect = {json.dumps(['FIG003', 'missing-alt'] * 20_000)}\n")
    assert _codes(capsys, "bakery.qmd") == {"FIG003"}


def test_a_huge_bad_value_is_quoted_short(bakery: Path, capsys: Cap) -> None:
    _toml(bakery, "fail_on = " + str(list(range(20_000))) + "\n")
    result = run(capsys, "bakery.qmd", "--no-llm", "-o", "-")
    assert result.code == 2
    assert len(one_error_line(result.err)) < 300


def test_a_mistyped_name_starting_like_a_code_family_still_gets_its_name(
    bakery: Path, capsys: Cap
) -> None:
    result = run(capsys, "bakery.qmd", "--no-llm", "--select", "figure-only-mentiond")
    assert "did you mean 'figure-only-mentioned'?" in one_error_line(result.err)
