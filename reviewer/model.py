"""The data model every stage shares: figures, references, pairings, findings, judgments
and the report (the parser's block tree, before any figure is found, is reviewer.parse.tree).
A `Figure` is any cross-referenced float: a figure, a table or a listing, told apart by its
`float_type`. Frozen dataclasses only; line numbers are 1-based everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    end_line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


# -- extract stage -----------------------------------------------------------------------------


class FigureKind(StrEnum):
    IMAGE = "image"
    DIV = "div"
    CODE_CELL = "code-cell"
    DIAGRAM = "diagram"
    PIPE_TABLE = "pipe-table"  # any Markdown table: pipe, grid or simple
    CODE_BLOCK = "code-block"


class FloatType(StrEnum):
    """What Quarto numbers a float as, by its id's prefix: `@fig-x`, `@tbl-x`, `@lst-x`."""

    FIGURE = "fig"
    TABLE = "tbl"
    LISTING = "lst"

    @property
    def noun(self) -> str:
        return {"fig": "figure", "tbl": "table", "lst": "listing"}[self.value]

    @classmethod
    def of(cls, target: str | None) -> FloatType:
        prefix = (target or "")[:4]
        return cls(prefix[:3]) if prefix in ("tbl-", "lst-") else cls.FIGURE


@dataclass(frozen=True)
class RichText:
    """A caption or alt text: as written, as plain text, and where Quarto takes it from.
    `text` is None when the value is computed at render time; `expr` then holds the expression."""

    source: str
    text: str | None
    origin: str
    expr: str | None = None


@dataclass(frozen=True)
class Drawing:
    """A diagram written as code (TikZ, Mermaid, Graphviz). The text it draws is read from the
    source only when a stage needs it (reviewer.extract.diagrams.drawn_text): a pre-commit
    run that judges nothing does not pay for it."""

    language: str  # "tikz", "mermaid" or "dot"
    source: str


@dataclass(frozen=True)
class Figure:
    id: str | None
    kind: FigureKind
    location: Location
    caption: RichText | None = None
    alt: RichText | None = None
    parent: str | None = None
    images: tuple[str, ...] = ()
    code_kind: str | None = None
    code_head: tuple[str, ...] = ()
    drawing: Drawing | None = None
    body: str | None = None  # a table's Markdown or a listing's code, as the judge reads it
    when_format: str | None = None
    embedded_from: str | None = None
    section: str | None = None
    order: int = 0  # rank in reading order, shared with paragraphs
    label_problem: str | None = None  # a code cell whose label lacks the `fig-` prefix

    @property
    def conditional(self) -> bool:
        return self.when_format is not None

    @property
    def float_type(self) -> FloatType:
        return FloatType.of(self.id)

    @property
    def bare(self) -> bool:
        """Neither an id nor a caption, and not a panel of another figure: Quarto renders such
        an image or plot as a plain image, not as a figure, so no figure finding applies."""
        no_caption = self.caption is None or not self.caption.source.strip()
        return self.id is None and no_caption and self.parent is None


@dataclass(frozen=True)
class Paragraph:
    """A block of prose (or caption, table cell...) that may cite figures. `order` is its rank in
    reading order across the whole review, so pairing can compare blocks from different files."""

    location: Location
    source: str
    text: str | None  # None until some stage needs it: plain text costs an inline parse
    container: str
    order: int
    section: str | None = None

    @property
    def prose(self) -> bool:
        return self.container in PROSE_CONTAINERS


PROSE_CONTAINERS = frozenset({"para", "list-item", "callout", "blockquote"})


@dataclass(frozen=True)
class Reference:
    target: str
    written: str
    location: Location
    paragraph: Paragraph


@dataclass(frozen=True)
class Extraction:
    """Everything the extractor found in one chapter (with its includes)."""

    path: str
    title: str | None
    figures: tuple[Figure, ...]
    references: tuple[Reference, ...]
    paragraphs: tuple[Paragraph, ...]
    problems: tuple[Finding, ...] = ()
    suppressions: tuple[Suppression, ...] = ()


# -- pair stage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    figure: Figure
    intro: Paragraph | None
    previous: Paragraph | None = None
    mentions: tuple[Reference, ...] = ()
    positional: bool = False  # intro chosen by position: the figure has no id to cite


# -- checks stage ------------------------------------------------------------------------------


class FindingStatus(StrEnum):
    """Whether a finding counts: `suppressed` by a `<!-- review: ignore CODE -->` comment in the
    source, or `baselined` because the baseline file already records it."""

    ACTIVE = "active"
    SUPPRESSED = "suppressed"
    BASELINED = "baselined"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    location: Location
    figure: str | None = None
    suggestion: str | None = None
    status: FindingStatus = FindingStatus.ACTIVE

    @property
    def active(self) -> bool:
        return self.status is FindingStatus.ACTIVE


@dataclass(frozen=True)
class Suppression:
    """What a `<!-- review: ... -->` comment covers: `ignore CODES` the block after it,
    `off CODES` ... `on` the lines between, `ignore-file CODES` its whole file. Without codes it
    covers every code; words naming no rule are kept in `unknown` (SRC009) and cover nothing."""

    codes: frozenset[str]
    target: Location
    comment: Location | None = None  # the comment itself, where SRC009 and SRC010 are placed
    unknown: tuple[str, ...] = ()
    form: str = "ignore"  # ignore, off or ignore-file

    @property
    def every(self) -> bool:
        return not self.codes and not self.unknown

    def covers(self, code: str) -> bool:
        return self.every or code in self.codes


# -- judge stage -------------------------------------------------------------------------------


class JudgmentStatus(StrEnum):
    JUDGED = "judged"
    CACHED = "cached"
    REPLAYED = "replayed"
    SKIPPED = "skipped"
    FAILED = "failed"


class Verdict(StrEnum):
    EXPLAINS = "explains"
    PARTIAL = "partial"
    MENTIONS_ONLY = "mentions_only"
    CONTRADICTS = "contradicts"
    NO_INTRO = "no_intro"


@dataclass(frozen=True)
class Criterion:
    name: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class Judgment:
    """`rewrite` is a suggestion that passed the mechanical checks; a rewrite that failed them
    is kept in `rejected_rewrite` beside its `rewrite_problems`, never suggested."""

    status: JudgmentStatus
    reason: str | None = None
    score: int | None = None
    verdict: Verdict | None = None
    rationale: str | None = None
    rewrite: str | None = None
    rewrite_problems: tuple[str, ...] = ()
    model: str | None = None
    criteria: tuple[Criterion, ...] = ()
    rejected_rewrite: str | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @classmethod
    def failed(cls, reason: str, model: str | None = None) -> Judgment:
        return cls(JudgmentStatus.FAILED, reason=reason, model=model)

    @classmethod
    def skipped(cls, reason: str) -> Judgment:
        return cls(JudgmentStatus.SKIPPED, reason=reason)


# -- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureAudit:
    pairing: Pairing
    judgment: Judgment


@dataclass(frozen=True)
class CrossReference:
    """A reference to a figure another chapter of the book defines: resolved, not a finding."""

    reference: Reference
    defined_in: str  # the chapter defining the figure, as reports show paths


@dataclass(frozen=True)
class FileAudit:
    path: str
    title: str | None
    figures: tuple[FigureAudit, ...]
    findings: tuple[Finding, ...]
    elsewhere: tuple[CrossReference, ...] = ()


@dataclass(frozen=True)
class Usage:
    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Report:
    files: tuple[FileAudit, ...]
    usage: Usage = field(default_factory=Usage)
    llm_note: str | None = None
    llm_error: str | None = None  # what stopped the LLM stage (authentication, quota)
    baseline: str | None = None  # the baseline file findings were matched against, if any

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for audit in self.files for f in audit.findings)

    @property
    def active(self) -> tuple[Finding, ...]:
        """The findings that count: neither suppressed in the source nor in the baseline."""
        return tuple(f for f in self.findings if f.active)
