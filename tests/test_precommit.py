"""The pre-commit hook in `.pre-commit-hooks.yaml`: it runs the deterministic stage on the
staged `.qmd` files, as pre-commit calls it (a whole process, the entry then the file names),
and never calls an LLM even with a key and an endpoint configured."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .cliutil import CLEAN, ERROR, WARNING_ONLY, write
from .conftest import ROOT


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "review"]
    assert isinstance(hook, dict)
    return hook


def test_the_hook_is_declared_for_qmd_files_and_never_judges() -> None:
    hook = _hook()
    assert hook["language"] == "python"
    assert hook["files"] == r"\.qmd$"
    entry = shlex.split(hook["entry"])
    assert entry[0] == "review"  # the console script pip installs from pyproject
    assert "--no-llm" in entry
    assert hook.get("pass_filenames", True)


def _run_hook(
    cwd: Path, *files: str, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(_hook()["entry"])
    env = dict(os.environ)
    # An endpoint that refuses every connection: a hook that tried to judge would fail.
    env.update(OPENAI_API_KEY="sk-dummy", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    command = [sys.executable, "-m", "reviewer", *entry[1:], *extra, *files]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_the_hook_passes_clean_chapters_and_fails_on_errors(tmp_path: Path) -> None:
    write(tmp_path / "clean.qmd", CLEAN)
    write(tmp_path / "proofing.qmd", WARNING_ONLY)
    passed = _run_hook(tmp_path, "clean.qmd", "proofing.qmd")
    assert passed.returncode == 0  # a warning does not fail by default
    assert passed.stdout.startswith("proofing.qmd:5: FIG003 [warning] figure has no alt text")
    assert passed.stdout.count("\n") == 1 and "(fix: e.g. " in passed.stdout
    assert passed.stderr == ""
    strict = _run_hook(tmp_path, "proofing.qmd", extra=("--fail-on", "warning"))
    assert strict.returncode == 1
    write(tmp_path / "crumbs.qmd", ERROR)
    failed = _run_hook(tmp_path, "clean.qmd", "crumbs.qmd")
    assert failed.returncode == 1
    assert failed.stdout.startswith("crumbs.qmd:3: REF001")


def test_staged_chapters_are_reviewed_together(tmp_path: Path) -> None:
    # A reference to a figure in another staged chapter resolves.
    write(tmp_path / "a.qmd", "# A\n\nThe oven in @fig-oven is hot.\n")
    write(tmp_path / "b.qmd", '# B\n\n![An oven.](o.png){#fig-oven fig-alt="A brick oven."}\n')
    result = _run_hook(tmp_path, "a.qmd", "b.qmd")
    assert (result.returncode, result.stdout) == (0, "")


def test_the_hook_honours_a_baseline_and_suppressions(tmp_path: Path) -> None:
    write(tmp_path / "proofing.qmd", WARNING_ONLY)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [sys.executable, "-m", "reviewer", "baseline", "write", "proofing.qmd", "--no-llm", "-q"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=60,
    )
    args = ("--fail-on", "warning", "--baseline", "review-baseline.json")
    assert _run_hook(tmp_path, "proofing.qmd", extra=args).returncode == 0
    silenced = WARNING_ONLY.replace("![Dough", "<!-- review: ignore FIG003 -->\n![Dough")
    write(tmp_path / "proofing.qmd", silenced)
    result = _run_hook(tmp_path, "proofing.qmd", extra=("--fail-on", "warning"))
    assert (result.returncode, result.stdout) == (0, "")


def test_the_hook_loads_no_part_of_the_judge_stack(tmp_path: Path) -> None:
    """A --no-llm review starts and ends without importing the judge's stack, its client or
    its cache: the hook runs on every commit, and only `judge_setup` may load them."""
    write(tmp_path / "ch.qmd", CLEAN)
    probe = (
        "import sys\n"
        "from reviewer.cli.main import main\n"
        "main(['ch.qmd', '--no-llm', '-q', '-o', '-'])\n"
        "heavy = ('openai', 'diskcache', 'tiktoken', 'reviewer.judge.stage', "
        "'reviewer.judge.llm')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
