"""What the judge is told a figure shows, on a corpus: the share of figures whose request
carries an image or the figure's own text (a diagram's drawn labels), before and after
diagrams were read and vector images drawn, and the prompt tokens that costs, both measured
in the same run.

    python bench/diagrams.py [CORPUS] [--quick]     # default ../shared/corpus

--quick (the test suite's) runs no renderer: TeX takes a second or two per picture, and the
corpus has 163 of them.

"Before" is each request as it was built before: a diagram sent as its first code lines, and
only PNG, JPEG, GIF and WebP files attached. "After" is the request as it is built now, with
the renderers this machine has (Graphviz, Mermaid's mmdc, TeX: each named below when found).
Tokens are counted offline, as --dry-run counts them, with vision on and images at OpenAI's
high-detail rate.

Last line: `figures with an image or their own text: <before>% -> <after>% of <n>; extra
prompt tokens per figure: <mean> (<changed> figures changed, <mean> each)`."""

from __future__ import annotations

import mimetypes
import sys
from dataclasses import replace
from pathlib import Path

from reviewer.draw.pictures import ATTACHABLE, Image, Pictures
from reviewer.draw.tools import Tools
from reviewer.extract.figures import CODE_HEAD_LINES
from reviewer.judge.chat import ChatCall, ChatReply
from reviewer.judge.llm import LLMJudge, Settings
from reviewer.judge.request import JudgeRequest, load_prompts
from reviewer.pipeline import judge_requests
from reviewer.project.images import read_image
from reviewer.project.plan import plan

ROOT = Path(__file__).resolve().parent.parent


class _Unused:
    def complete(self, call: ChatCall) -> ChatReply:
        raise AssertionError("the benchmark calls nothing")


def before(request: JudgeRequest) -> JudgeRequest:
    """The request as it was built before diagrams were read: the code's first lines."""
    drawing = request.drawing
    if drawing is None:
        return request
    head = [line for line in drawing.source.split("\n") if line.strip()][:CODE_HEAD_LINES]
    shows = (f"({drawing.language} code, first lines)", *head)
    return replace(request, drawing=None, drawn=(), shows=shows)


def old_images(request: JudgeRequest) -> int:
    """Tokens of the images the old request attached: raster files only, unscaled."""
    total = 0
    for path in request.images:
        media = mimetypes.guess_type(path.name)[0]
        data = read_image(path) if media in ATTACHABLE else None
        if media is not None and data is not None:
            total += Image(media, data).tokens
    return total


def main(argv: list[str]) -> int:
    paths = [arg for arg in argv if not arg.startswith("--")]
    corpus = Path(paths[0]) if paths else ROOT.parent / "shared" / "corpus"
    chapters = sorted(corpus.rglob("*.qmd"))
    if not chapters:
        print(f"note: no .qmd files under {corpus}; using the repository's example chapter")
        chapters = [ROOT / "examples" / "chapter.qmd"]
    tools = Tools() if "--quick" in argv else Tools.found()
    pictures = Pictures(tools)
    settings = Settings("gpt-4.1-mini", "openai", vision=True)
    judge = LLMJudge(_Unused(), load_prompts(), settings, pictures=pictures)
    text_only = LLMJudge(_Unused(), load_prompts(), replace(settings, vision=False))
    requests = judge_requests(plan(chapters))
    had = has = drawn = shown = changed = extra = 0
    for request in requests:
        old = before(request)
        had += old_images(old) > 0
        attached = pictures.of(*request.drawn_from).images
        has += bool(attached) or request.drawn_text is not None
        drawn += request.drawn_text is not None
        shown += bool(attached)
        cost_before = text_only.estimate(old) + old_images(old)
        cost_after = judge.estimate(request)
        changed += cost_after != cost_before
        extra += cost_after - cost_before
    found = [name for name, path in (("dot", tools.dot), ("mmdc", tools.mmdc)) if path]
    found += [name for name, _ in tools.tex]
    print(
        f"{len(chapters)} chapters, {len(requests)} figures; renderers here: "
        f"{', '.join(found) or 'none'}"
    )
    print(f"after: {drawn} figures carry their drawn text, {shown} an image")
    for reason, count in pictures.not_drawn.most_common():
        print(f"  {count} diagrams as text only: {reason}")
    n = len(requests)
    print(
        f"figures with an image or their own text: {100 * had / n:.1f}% -> {100 * has / n:.1f}% "
        f"of {n}; extra prompt tokens per figure: {extra / n:.0f} ({changed} figures changed, "
        f"{extra / max(changed, 1):.0f} each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
