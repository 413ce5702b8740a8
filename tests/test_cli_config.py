"""The command line and its configuration: `reviewer.toml` (found upward from the chapter) <
`REVIEWER_*` environment variables < command-line options; invalid values stop the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cliutil import WARNING_ONLY, one_error_line, run, write
from .conftest import ROOT

Cap = pytest.CaptureFixture[str]

# The figure (line 15) sits 12 lines below the paragraph that first cites it (line 3).
FAR = """# Cooling

The loaves cool on racks before they are sliced; @fig-cool shows how long that takes.

A rye loaf needs the longest rest.

A white tin loaf can be sliced soonest.

Rolls are sold warm.

The baguettes go out first.

The sourdough waits for the afternoon.

![Cooling time by loaf.](cool.png){#fig-cool fig-alt="Bars from twenty to ninety minutes."}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose chapter sits two levels below it; the tests put reviewer.toml here."""
    root = tmp_path / "bakery"
    write(root / "part" / "one" / "proofing.qmd", WARNING_ONLY)
    write(root / "part" / "one" / "cooling.qmd", FAR)
    monkeypatch.chdir(root)
    return root


CHAPTER = "part/one/proofing.qmd"


# -- fail_on -----------------------------------------------------------------------------------


def test_toml_found_upward_sets_fail_on(project: Path, capsys: Cap) -> None:
    assert run(capsys, CHAPTER, "-f", "concise").code == 0
    write(project / "reviewer.toml", 'fail_on = "warning"\n')
    assert run(capsys, CHAPTER, "-f", "concise").code == 1


def test_environment_beats_toml(
    project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "reviewer.toml", 'fail_on = "warning"\n')
    monkeypatch.setenv("REVIEWER_FAIL_ON", "never")
    assert run(capsys, CHAPTER, "-f", "concise").code == 0


def test_option_beats_environment(
    project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEWER_FAIL_ON", "never")
    assert run(capsys, CHAPTER, "-f", "concise", "--fail-on", "warning").code == 1


def test_option_beats_toml(project: Path, capsys: Cap) -> None:
    write(project / "reviewer.toml", 'fail_on = "warning"\n')
    assert run(capsys, CHAPTER, "-f", "concise", "--fail-on", "never").code == 0


def test_explicit_config_file_replaces_the_search(
    project: Path, capsys: Cap, tmp_path: Path
) -> None:
    write(project / "reviewer.toml", 'fail_on = "never"\n')
    other = write(tmp_path / "strict.toml", 'fail_on = "warning"\n')
    assert run(capsys, CHAPTER, "-f", "concise").code == 0
    assert run(capsys, CHAPTER, "-f", "concise", "--config", str(other)).code == 1


# -- [output] format ---------------------------------------------------------------------------


def _kind(out: str) -> str:
    if out.startswith("# Figure audit"):
        return "md"
    if out.lstrip().startswith("{"):
        assert json.loads(out)["schema_version"] == 1
        return "json"
    assert out.splitlines()[0].startswith("part/one/proofing.qmd:5: FIG003")
    return "concise"


@pytest.mark.parametrize(
    ("toml", "env", "option", "expected"),
    [
        (None, None, None, "md"),
        ("json", None, None, "json"),
        ("json", "concise", None, "concise"),
        (None, "json", None, "json"),
        ("json", "concise", "md", "md"),
        ("concise", None, "json", "json"),
    ],
)
def test_format_precedence(
    toml: str | None,
    env: str | None,
    option: str | None,
    expected: str,
    project: Path,
    capsys: Cap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if toml:
        write(project / "reviewer.toml", f'[output]\nformat = "{toml}"\n')
    if env:
        monkeypatch.setenv("REVIEWER_FORMAT", env)
    args = [CHAPTER, "-o", "-"] + (["--format", option] if option else [])
    result = run(capsys, *args)
    assert result.code == 0
    assert _kind(result.out) == expected


def test_output_dir_from_toml(project: Path, capsys: Cap) -> None:
    write(project / "reviewer.toml", '[output]\ndir = "_audits"\n')
    run(capsys, CHAPTER, "-q")
    assert (project / "part" / "one" / "_audits" / "proofing.audit.md").is_file()
    assert not (project / "part" / "one" / "_review").exists()


# -- invalid configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        'fail_on = "sometimes"\n',
        '[output]\nformat = "yaml"\n',
        '[checks]\nfar_after_lines = "far"\n',
        "[checks]\nfar_before_lines = -3\n",
        "fail_on = \n",
        "[output\n",
        "[llm]\nconcurrency = 0\n",
        '[llm]\nvision = "sometimes"\n',
        '[llm]\nmax_cost = "cheap"\n',
        '[prices."my-model"]\ninput = 0.1\n',
    ],
)
def test_invalid_toml_exits_2_and_names_the_file(content: str, project: Path, capsys: Cap) -> None:
    write(project / "reviewer.toml", content)
    result = run(capsys, CHAPTER, "-o", "-")
    assert result.code == 2
    assert "reviewer.toml" in one_error_line(result.err)
    assert result.out == ""
    assert not (project / "part" / "one" / "_review").exists()


def test_invalid_environment_value_exits_2(
    project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEWER_FORMAT", "yaml")
    result = run(capsys, CHAPTER, "-o", "-")
    assert result.code == 2
    assert "yaml" in one_error_line(result.err)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REVIEWER_CONCURRENCY", "many"),
        ("REVIEWER_ENDPOINT", "bedrock"),
        ("REVIEWER_MAX_COST", "0"),
    ],
)
def test_invalid_llm_setting_exits_2_naming_its_variable(
    variable: str, value: str, project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    result = run(capsys, CHAPTER, "-o", "-")
    assert result.code == 2
    assert variable in one_error_line(result.err)


def test_invalid_option_value_exits_2(project: Path, capsys: Cap) -> None:
    result = run(capsys, CHAPTER, "-o", "-", "--fail-on", "sometimes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.out == ""


# -- [checks] ----------------------------------------------------------------------------------


def _codes(capsys: Cap) -> list[tuple[str, int, str]]:
    return run(capsys, "part/one/cooling.qmd", "-f", "concise").findings()


def test_far_after_lines_decides_ref002(project: Path, capsys: Cap) -> None:
    assert _codes(capsys) == []  # 12 lines apart; the default allows 30
    write(project / "reviewer.toml", "[checks]\nfar_after_lines = 5\n")
    assert _codes(capsys) == [("part/one/cooling.qmd", 15, "REF002")]
    write(project / "reviewer.toml", "[checks]\nfar_after_lines = 12\n")
    assert _codes(capsys) == []


def test_far_after_lines_from_the_environment_beats_toml(
    project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "reviewer.toml", "[checks]\nfar_after_lines = 5\n")
    monkeypatch.setenv("REVIEWER_FAR_AFTER_LINES", "40")
    assert _codes(capsys) == []
    monkeypatch.setenv("REVIEWER_FAR_AFTER_LINES", "3")
    write(project / "reviewer.toml", "[checks]\nfar_after_lines = 40\n")
    assert _codes(capsys) == [("part/one/cooling.qmd", 15, "REF002")]


# -- bugs found by these tests, since fixed ---------------------------------------------


def test_invalid_environment_value_names_the_variable(
    project: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "reviewer.toml", 'fail_on = "warning"\n')
    monkeypatch.setenv("REVIEWER_FAIL_ON", "sometimes")
    result = run(capsys, CHAPTER, "-o", "-")
    assert result.code == 2
    line = one_error_line(result.err)
    assert "REVIEWER_FAIL_ON" in line
    assert "reviewer.toml" not in line


def test_the_example_config_is_valid_and_documents_every_key(tmp_path: Path) -> None:
    from reviewer.project.config import load_config
    from reviewer.project.selection import KEYS
    from reviewer.project.settings import CONFIG_KEYS
    from reviewer.rules import BY_CODE

    example = ROOT / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    config = load_config(tmp_path, explicit=example, environ={})
    assert config.rules.selected == frozenset(BY_CODE)
    for key in ("[rules]", *KEYS):
        assert key in text, key
    for key, (_, name, variable) in CONFIG_KEYS.items():
        assert name in text, key
        assert variable in text, key
