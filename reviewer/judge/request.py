"""Judge stage, the request: what the model is told about one figure, and the prompt files.

Static instructions come first and the figure's content last, so that providers' prompt
caching reuses the shared prefix across every figure of a run. Nothing here depends on where
the chapter lies on disk or when it is reviewed: the request is also the cache key."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.extract.diagrams import drawn_text
from reviewer.extract.shown import float_content
from reviewer.model import Drawing, Figure, FloatType, Location, Pairing, RichText
from reviewer.project.book import find_project_root
from reviewer.project.diagrams import NO_SETUP, TikzSetup, tikz_setup
from reviewer.project.images import readable_image

PROMPT_FILES = ("system.md", "json_mode.md", "repair.md", "propose.md")
MAX_MENTIONS = 3
MAX_MENTION_CHARS = 600
MAX_DRAWN_CHARS = 4000  # about 1,000 tokens; the largest diagram of the corpus draws 3,333 chars


@dataclass(frozen=True)
class Prompts:
    system: str
    json_mode: str
    repair: str
    propose: str


def load_prompts(directory: Path | None = None) -> Prompts:
    """The shipped prompts, with any file present in `directory` taking precedence."""
    texts = []
    for name in PROMPT_FILES:
        override = directory / name if directory else None
        try:
            if override is not None and override.is_file():
                texts.append(override.read_text(encoding="utf-8"))
            else:
                texts.append(shipped_prompt(name))
        except (OSError, UnicodeDecodeError) as err:
            raise ReviewerError(f"cannot read the prompt {name} ({err})") from None
    if directory is not None and not directory.is_dir():
        raise ReviewerError(f"{directory}: no such prompts folder (--prompts)")
    return Prompts(*texts)


def shipped_prompt(name: str) -> str:
    try:
        return resources.files("reviewer.prompts").joinpath(name).read_text("utf-8")
    except ModuleNotFoundError:
        # A source checkout imported directly (as the tests do) has the prompts at the top of
        # the repository, where the wheel's package-dir mapping takes them from.
        return (Path(__file__).resolve().parents[2] / "prompts" / name).read_text("utf-8")


@dataclass(frozen=True)
class JudgeRequest:
    figure_id: str | None
    kind: str
    chapter: str | None
    section: str | None
    caption: str | None
    alt: str | None
    shows: tuple[str, ...]
    intro: str | None  # Markdown source: the rewrite is an edit of exactly this
    previous: str | None = None
    mentions: tuple[str, ...] = ()
    positional: bool = False
    parent: str | None = None
    images: tuple[Path, ...] = ()  # files the figure shows, attached when vision is on
    drawing: Drawing | None = None  # a diagram written as code, to render
    drawn: tuple[str, ...] = ()  # the text that diagram draws
    tikz: TikzSetup = NO_SETUP  # the book's preamble, to render a TikZ drawing with
    location: Location | None = None  # where the figure is; not part of the question
    float_type: FloatType = FloatType.FIGURE
    shown: str | None = None  # a table's header and first rows, or a listing's code
    language: str | None = None  # the listing's (or the table-making cell's) language

    def content(self) -> str:
        """The variable part of the prompt, in tagged sections; the float's element says
        whether it is a figure, a table or a listing."""
        ident = f' id="{escape(self.figure_id)}"' if self.figure_id else ' id=""'
        element = self.float_type.noun
        parts = [
            _tag("chapter", self.chapter),
            _tag("section", self.section),
            f'<{element}{ident} kind="{self.kind}">',
            _tag("caption", self.caption),
            _tag("alt", self.alt),
            _tag("shows", "\n".join(self.shows) or None),
            self._drawn(),
            self._shown(),
            f"</{element}>",
            _tag("previous_paragraph", self.previous),
            _tag("introducing_paragraph", self.intro),
        ]
        if self.positional:
            parts.append("<note>The figure has no id; the paragraph is the one before it.</note>")
        if self.mentions:
            mentions = "".join(f"\n{_tag('mention', m)}" for m in self.mentions)
            parts.append(f"<later_mentions>{mentions}\n</later_mentions>")
        return "\n".join(p for p in parts if p)

    @property
    def drawn_text(self) -> str | None:
        """The diagram's labels, one per line, within a size bound: a picture with hundreds of
        numbered cells must not crowd out the paragraph being judged. For a table or listing,
        its rows or code (bounded where they are read)."""
        if self.shown is not None:
            return self.shown
        if not self.drawn:
            return None
        kept: list[str] = []
        size = 0
        for text in self.drawn:
            size += len(text) + 1
            if size > MAX_DRAWN_CHARS:
                kept.append(f"(and {len(self.drawn) - len(kept)} more)")
                break
            kept.append(text)
        return "\n".join(kept)

    @property
    def drawn_from(self) -> tuple[tuple[Path, ...], Drawing | None, TikzSetup]:
        """What the figure's images are made from, as reviewer.draw.Pictures takes it."""
        return self.images, self.drawing, self.tikz

    def _shown(self) -> str:
        if self.shown is None:
            return ""
        if self.float_type is FloatType.TABLE and self.language is None:
            return _tag("rows", self.shown)
        return f'<code language="{escape(self.language or "")}">{self.shown}</code>'

    def _drawn(self) -> str:
        text = self.drawn_text
        if text is None or self.drawing is None:
            return ""
        return f'<drawn_text from="{self.drawing.language}">{text}</drawn_text>'


def _tag(name: str, value: str | None) -> str:
    return f"<{name}>{value}</{name}>" if value else ""


def build_request(pairing: Pairing, chapter: str | None, root: Path | None) -> JudgeRequest:
    figure = pairing.figure
    shown = float_content(figure)  # a table's rows or a listing's code, read exactly
    drawing = figure.drawing if figure.drawing and not figure.images else None
    drawn = drawn_text(drawing) if drawing is not None else ()
    return JudgeRequest(
        figure_id=figure.id,
        kind=figure.kind.value,
        chapter=chapter,
        section=figure.section,
        caption=_plain(figure.caption),
        alt=_plain(figure.alt),
        shows=() if shown is not None else _shows(figure, drawing, drawn),
        intro=pairing.intro.source.strip() if pairing.intro else None,
        previous=pairing.previous.source.strip() if pairing.previous else None,
        mentions=_mentions(pairing),
        positional=pairing.positional,
        parent=figure.parent,
        location=figure.location,
        drawing=drawing,
        drawn=drawn,
        tikz=_tikz_setup(figure.location.path, drawing),
        images=tuple(
            path
            for src in figure.images
            if (path := readable_image(src, figure.location.path, root)) is not None
        ),
        float_type=figure.float_type,
        shown=shown,
        language=figure.code_kind if shown is not None else None,
    )


def _shows(figure: Figure, drawing: Drawing | None, drawn: tuple[str, ...]) -> tuple[str, ...]:
    """What a figure is made from: its images, else the first lines of its code."""
    if drawing is not None and drawn:
        return (f"({drawing.language} diagram; the text it draws is in drawn_text)",)
    shows = figure.images or tuple(figure.code_head)
    if figure.code_kind and not figure.images:
        return (f"({figure.code_kind} code, first lines)", *shows)
    return shows


def _mentions(pairing: Pairing) -> tuple[str, ...]:
    mentions: list[str] = []
    for ref in pairing.mentions:
        source = ref.paragraph.source.strip()[:MAX_MENTION_CHARS]
        if source not in mentions and len(mentions) < MAX_MENTIONS:
            mentions.append(source)
    return tuple(mentions)


def _tikz_setup(chapter: str, drawing: Drawing | None) -> TikzSetup:
    """The preamble of the book the chapter is in: a run over several books has no one root."""
    if drawing is None or drawing.language != "tikz":
        return NO_SETUP
    return tikz_setup(find_project_root(Path(chapter)))


def _plain(value: RichText | None) -> str | None:
    if value is None:
        return None
    if value.text is None and value.expr:
        return f"(computed when the book is rendered: {value.expr})"
    return value.text
