"""Helpers shared by bench/judge.py and bench/rerun.py: the fake OpenAI server from the test
suite, a clean configuration environment, and reading the JSON audit.

The benchmarks run as `python bench/X.py` from a clone after `pip install .`, so `tests` is
not importable by default: the repository root is appended to sys.path (appended, not
prepended, so that an installed `reviewer` keeps precedence over the source tree, whose
prompts live outside the package)."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

import tests  # noqa: E402
from reviewer.project.settings import CONFIG_KEYS  # noqa: E402
from tests.fake_openai import CHAT_PATH, FakeOpenAI  # noqa: E402

# Another distribution's top-level `tests` package would shadow ours and fail obscurely later.
if Path(tests.__file__).resolve().parent != REPO_ROOT / "tests":
    raise SystemExit(f"bench: `tests` resolves to {tests.__file__}, not {REPO_ROOT / 'tests'}")

__all__ = [
    "CHAT_PATH", "REPO_ROOT", "FakeOpenAI", "child_environ", "judgment_statuses",
    "reviewer_environ",
]  # fmt: skip

# Everything the reviewer reads from the environment: a developer's own settings or key must
# not change what a benchmark measures.
_SETTING_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", *(var for _, _, var in CONFIG_KEYS.values()))


def child_environ(values: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any reviewer setting, plus `values`: for subprocesses."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_VARS}
    return env | dict(values or {})


@contextmanager
def reviewer_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Only `values` among the reviewer's settings, for an in-process `reviewer.cli.main.main`;
    the previous environment comes back afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(child_environ(values))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def judgment_statuses(audit: Path) -> Counter[str]:
    """How many figures of a JSON audit have each judgment status (judged, cached, failed...)."""
    data = json.loads(audit.read_text(encoding="utf-8"))
    return Counter(
        figure["judgment"]["status"] for file in data["files"] for figure in file["figures"]
    )
