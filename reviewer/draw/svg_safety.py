"""Draw stage, SVG safety: an untrusted SVG parsed and checked before resvg sees it.

The SVG is parsed by expat here first: external entities, entities built from entities and deep
nesting are refused, and any href that is not `#fragment` or a bounded data: URL is deleted,
since resvg reads any path an <image> names (even /dev/zero). resvg then parses our
re-serialization, so it never sees anything we did not check."""

from __future__ import annotations

import base64
import binascii
from typing import NoReturn
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree as ET
from xml.parsers import expat

from reviewer.draw.bitmaps import image_size

SVG_NS = "http://www.w3.org/2000/svg"
_MAX_DEPTH = 64  # 64 nested translucent groups already cost resvg 3 s of compositing
_MAX_TEXT = 8 << 20  # characters of text and attributes after entity expansion
_MAX_EMBEDDED_PIXELS = 4096 * 4096  # resvg decodes a data: raster at full size


class _Refused(Exception):
    """The SVG asks for something it never gets."""


def checked_svg(data: bytes) -> ET.Element | None:
    """The SVG `data` as a tree with every unsafe href deleted; None when it is not an SVG or
    asks for what is refused."""
    root = _parse_svg(data)
    if root is not None:
        _drop_external_links(root)
    return root


def serialized(root: ET.Element) -> str:
    try:  # SVG as the default namespace keeps CSS type selectors (`text { ... }`) matching
        return ET.tostring(root, encoding="unicode", default_namespace=SVG_NS)
    except ValueError:  # an element outside any namespace: prefixes then
        return ET.tostring(root, encoding="unicode")


class _TreeBuilder:
    """Feeds expat's events into an ElementTree, refusing what could reach outside the SVG or
    blow up in size while the document is still being read."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.depth = 0
        self.budget = _MAX_TEXT

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Refused("nesting")
        self._spend(sum(len(v) for v in attrs.values()))
        self.builder.start(_qname(name), {_qname(k): v for k, v in attrs.items()})

    def end(self, name: str) -> None:
        self.depth -= 1
        self.builder.end(_qname(name))

    def data(self, text: str) -> None:
        self._spend(len(text))
        self.builder.data(text)

    def entity(self, name: str, is_parameter: bool, value: str | None, *_: object) -> None:
        # An external entity would read a file or URL; one built from others is how a few
        # bytes expand to gigabytes. Flat ones (Illustrator's namespace aliases) are harmless.
        if is_parameter or value is None or "&" in value:
            raise _Refused(f"entity {name}")

    def _spend(self, chars: int) -> None:
        self.budget -= chars
        if self.budget < 0:
            raise _Refused("size")


def _refuse(*_: object) -> NoReturn:
    raise _Refused("external")


def _parse_svg(data: bytes) -> ET.Element | None:
    tree = _TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = tree.start
    parser.EndElementHandler = tree.end
    parser.CharacterDataHandler = tree.data
    parser.EntityDeclHandler = tree.entity
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
        root = tree.builder.close()
    except (expat.ExpatError, _Refused, ValueError, AssertionError):
        return None
    return root if root.tag == f"{{{SVG_NS}}}svg" else None


def _qname(name: str) -> str:
    uri, _, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if uri else local


def _drop_external_links(root: ET.Element) -> None:
    for element in root.iter():
        for key in [k for k in element.attrib if k == "href" or k.endswith("}href")]:
            if not _safe_href(element.attrib[key]):
                del element.attrib[key]


def _safe_href(href: str) -> bool:
    href = href.strip()
    if href.startswith("#"):
        return True
    if href[:5].lower() != "data:":
        return False
    header, _, payload = href[5:].partition(",")
    if header.split(";")[0].strip().lower() == "image/svg+xml":
        return True  # usvg renders a nested SVG as vectors and loads no <image> inside it
    try:
        raw = base64.b64decode(payload) if header.endswith(";base64") else unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return False
    size = image_size(raw)
    return size is not None and size[0] * size[1] <= _MAX_EMBEDDED_PIXELS
