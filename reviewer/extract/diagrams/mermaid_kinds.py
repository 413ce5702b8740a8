"""Extract stage, diagram text: what Mermaid's sequence, class, state and entity-relationship
diagrams draw.

Participants (by alias), messages, notes and block titles (`loop`, `alt`, a `box`'s title
without its color); classes with their generics, members, stereotypes, relation labels and
cardinalities; states, their descriptions, transition labels and notes; entities, attributes
and relationship labels. These diagrams name things by id, so a thing written only as its id
draws the id, once, where it first appears. Each is read a line at a time."""

from __future__ import annotations

import re

from reviewer.extract.diagrams.mermaid_drawn import (
    QUOTED_OR_BRACKETED,
    STYLING,
    Drawn,
    Node,
    first_word,
    unquote,
    words,
)

_GENERIC = re.compile(r"~([^~]*)~")


def sequence(kind: str, lines: list[str], out: Drawn) -> None:
    for line in lines:
        word, rest = first_word(line)
        low = word.lower()
        if low == "create":
            word, rest = first_word(rest)
            low = word.lower()
        if low in ("participant", "actor"):
            name, _, alias = rest.partition(" as ")
            out.node(name.split("@{")[0].strip(), alias.strip() or None)
        elif low in ("note", "title"):
            out.text(rest.partition(":")[2] if low == "note" else rest)
        elif low in _SEQUENCE_BLOCKS:
            out.text(rest)
        elif low == "box":
            out.text(_box_title(rest))
        elif low not in _SEQUENCE_QUIET and word not in STYLING:
            _message(line, out)


_SEQUENCE_BLOCKS = words("loop alt else opt par and critical option break")
_SEQUENCE_QUIET = words("autonumber activate deactivate destroy end rect")
_ARROW = re.compile(r"<<--?>>|--?(?:>>|[>x)])")


def _message(line: str, out: Drawn) -> None:
    arrow = _ARROW.search(line)
    if arrow is None:
        return
    target, _, text = line[arrow.end() :].lstrip("+-").partition(":")
    source, target = line[: arrow.start()].strip(), target.strip()
    if source and target:
        out.node(source)
        out.node(target)
        out.text(text)


_COLORS = words(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson
    cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta
    darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue
    darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey
    dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray
    green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
    lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen
    lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey
    lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue
    mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
    mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive
    olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred
    papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue
    saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray
    slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white
    whitesmoke yellow yellowgreen transparent"""
)


def _box_title(rest: str) -> str:
    """`box Aqua Group one`: a leading color is paint, the rest is the box's title."""
    if rest.lower().startswith(("rgb", "hsl")):
        return rest[rest.find(")") + 1 :] if ")" in rest else ""
    color, _, title = rest.partition(" ")
    return title if color.lower() in _COLORS else rest


def class_diagram(kind: str, lines: list[str], out: Drawn) -> None:
    inside = False  # within a class's `{ ... }`, where each line is a member
    for line in lines:
        word, rest = first_word(line)
        if inside:
            inside = not line.startswith("}")
            out.text(_member(line) if inside else "")
        elif word == "class":
            inside = _class_declared(rest, out)
        elif word in ("namespace", "note"):
            out.text(_quoted_or_all(rest) if word == "note" else rest.rstrip("{ "))
        elif line.startswith("<<") and ">>" in line:
            out.text(_member(line[: line.find(">>") + 2]))
            out.node(line[line.find(">>") + 2 :].strip().split("~")[0])
        elif line[0] != "}" and word not in STYLING and not _class_relation(line, out):
            name, colon, member = line.partition(":")
            out.node(name.strip().split("~")[0])
            out.text(_member(member) if colon else "")


_CLASS_NAME = re.compile(r'\s*([^\s{\[~:"]+)(~[^~]*~)?(?:\s*\["([^"]*)"\])?')
_RELATION = re.compile(r"(?:<\|?|\*|\bo|\(\))?(?:--|\.\.)[-.]*(?:\|?>|\*|o\b|\(\))?")


def _member(text: str) -> str:
    text = text.strip()
    if text.startswith("<<") and text.endswith(">>"):
        return f"«{text[2:-2].strip()}»"
    return _GENERIC.sub(r"<\1>", text)


def _class_declared(rest: str, out: Drawn) -> bool:
    """`class Name~T~["Label"] {`: whether a body of members follows on the next lines."""
    match = _CLASS_NAME.match(rest)
    if match is None:
        return False
    name, generic, label = match.groups()
    out.node(name, label or name + _member(generic or ""))
    body = rest[match.end() :].partition("{")
    if body[1] and "}" in body[2]:
        out.text(_member(body[2].partition("}")[0]))
    return bool(body[1]) and "}" not in body[2]


def _class_relation(line: str, out: Drawn) -> bool:
    """`A "1" *-- "many" B : label`: both classes, the cardinalities and the label."""
    relation = _RELATION.search(line)
    if relation is None or ":" in line[: relation.start()]:
        return False  # `Name : +member` may hold `--` or `..` in the member
    left, right = line[: relation.start()].strip(), line[relation.end() :]
    right, _, label = right.partition(":")
    left, left_card = _split_quoted(left, last=True)
    right, right_card = _split_quoted(right.strip(), last=False)
    if not left or not right:
        return False
    out.node(left.split("~")[0])
    out.text(left_card)
    out.text(right_card)
    out.node(right.split("~")[0])
    out.text(label)
    return True


def _split_quoted(text: str, last: bool) -> tuple[str, str]:
    """The name and the quoted text at its end (`last`) or its start."""
    if last and text.endswith('"') and (open_ := text.rfind('"', 0, len(text) - 1)) >= 0:
        return text[:open_].strip(), text[open_ + 1 : -1]
    if not last and text.startswith('"') and (close := text.find('"', 1)) >= 0:
        return text[close + 1 :].strip(), text[1:close]
    return text, ""


def _quoted_or_all(text: str) -> str:
    found = QUOTED_OR_BRACKETED.findall(text)
    return found[-1][0] if found else text


def state_diagram(kind: str, lines: list[str], out: Drawn) -> None:
    in_note = False  # a note over lines, up to `end note`
    for line in lines:
        word, rest = first_word(line)
        if in_note:
            in_note = line.lower() != "end note"
            out.text(line if in_note else "")
        elif word == "note" and ":" not in rest:
            in_note = True
        elif word == "note":
            out.text(rest.partition(":")[2])
        elif word == "state":
            _state_declared(rest, out)
        elif "-->" in line:
            source, _, target = line.partition("-->")
            target, _, label = target.partition(":")
            _state(source, out)
            _state(target, out)
            out.text(label)
        elif word not in STYLING and line[0] not in "}-":
            name, _, description = line.partition(":")
            node = _state(name, out)
            if node is not None and description.strip():
                if node.text is None:
                    node.text = description
                else:
                    out.text(description)


def _state(name: str, out: Drawn) -> Node | None:
    name = name.split(":::")[0].strip()
    return None if name in ("", "[*]") else out.node(name)


def _state_declared(rest: str, out: Drawn) -> None:
    """`state "Text" as id`, `state id <<fork>>` (a bar, no text), `state id {`."""
    if rest.startswith('"') and (close := rest.find('"', 1)) > 0:
        alias = rest[close + 1 :].strip().removeprefix("as").split()
        if alias:
            out.node(alias[0].rstrip("{"), rest[1:close])
        return
    words = rest.replace("{", " ").split()
    node = _state(words[0], out) if words else None
    if node is not None and "<<" in rest:
        node.hidden = True


def er_diagram(kind: str, lines: list[str], out: Drawn) -> None:
    inside = False
    for line in lines:
        if inside:
            inside = not line.startswith("}")
            for word in _ER_WORDS.findall(line) if inside else ():
                out.text(unquote(word))
        elif line.endswith("{"):
            _entity_name(line[:-1], out)
            inside = True
        elif ":" in line:
            left, _, label = line.partition(":")
            words = left.split()
            if len(words) >= 3:
                _entity_name(words[0], out)
                _entity_name(words[-1], out)
            out.text(unquote(label))
        elif first_word(line)[0] not in STYLING:
            _entity_name(line, out)


_ER_WORDS = re.compile(r'"[^"]*"|[^\s,"]+')


def _entity_name(text: str, out: Drawn) -> None:
    text = text.strip()
    name, bracket, alias = text.partition("[")
    if bracket and alias.endswith("]"):
        out.node(name.strip(), unquote(alias[:-1]))
    elif text:
        out.node(unquote(text))
