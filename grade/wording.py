"""What a grader's regular expression expects, said in words for a report.

A student who reads "expected a match for /^\\d+: syscall read -> \\d+$/"
must first decode the pattern. describe() turns the patterns graders
usually write into a template instead:

    a line "N: syscall read -> N" (N stands for a number)

Only what reads plainly is translated: literal text, numbers (\\d+,
-?\\d+, [0-9]+), runs of spaces, stretches of any text (.*, \\S+) and
names (\\w+), plain groups, alternatives, line anchors and look-arounds
(which constrain but add no text). Anything else (a newline, a repeated
group, an optional letter) keeps its regular expression, so a description
is never wrong, only sometimes technical. A grader can always say what it
wants in its own words with the `what` argument of Run.match and friends.
"""

import re
from typing import List, Optional, Set, Tuple, Union

NUMBER, NAME, ANY = "N", "NAME", "\u2026"
LEGEND = ((NUMBER, "N stands for a number"), (NAME, "NAME for a name"),
          (ANY, "\u2026 for any text"))

# Quantifiers that may follow an atom that stands for a run of characters.
RUN_QUANTIFIERS = ("+", "*", "+?", "*?")
DIGIT_ATOMS = ("\\d", "[0-9]", "[1-9]")
SPACE_ATOMS = ("\\s", " ")
ANY_ATOMS = (".", "\\S", "[\\s\\S]", "[^\\n]")
LOOK_AROUNDS = ("(?<!", "(?<=", "(?=", "(?!")


class _Untranslatable(Exception):
    """The pattern uses something that has no plain reading."""


def describe(pattern: Union[str, "re.Pattern[str]"], negated: bool = False) -> str:
    """The pattern as a phrase: what a report says it expected (or, negated,
    what it expected not to find: 'no line "x"')."""
    source = pattern if isinstance(pattern, str) else pattern.pattern
    try:
        alternatives = [_phrase(part) for part in _split_alternatives(source)]
    except _Untranslatable:
        return "{}text matching the regular expression /{}/".format(
            "no " if negated else "", source)
    phrases = [phrase for phrase, _ in alternatives]
    if negated:
        phrases = ["no " + phrase[len("a "):] if phrase.startswith("a line") else
                   "no " + phrase for phrase in phrases[:1]] + phrases[1:]
    used = set().union(*(placeholders for _, placeholders in alternatives))
    legend = [words for symbol, words in LEGEND if symbol in used]
    text = " or ".join(phrases)
    return text + (" ({})".format(", ".join(legend)) if legend else "")


def _phrase(source: str) -> Tuple[str, Set[str]]:
    """One alternative, anchors and all, as a phrase and the placeholders it uses."""
    starts = source.startswith("^")
    ends = source.endswith("$") and not source.endswith("\\$")
    body = source[1 if starts else 0:len(source) - 1 if ends else len(source)]
    pieces: List[str] = []
    _render(body, pieces)
    template = "".join(pieces)
    if not template.strip():
        raise _Untranslatable(source)
    used = {symbol for symbol, _ in LEGEND if symbol in pieces}
    quoted = '"{}"'.format(template)
    if starts and ends:
        return "a line " + quoted, used
    if starts:
        return "a line that starts with " + quoted, used
    if ends:
        return "a line that ends with " + quoted, used
    return quoted, used


def _split_alternatives(source: str) -> List[str]:
    """source split at its top-level | (not inside a group or a class)."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(source, index)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
        index += 1
    parts.append(source[start:])
    return parts


def _class_end(source: str, start: int) -> int:
    """The index just past the character class that opens at start."""
    index = start + 1
    if index < len(source) and source[index] == "^":
        index += 1
    if index < len(source) and source[index] == "]":
        index += 1
    while index < len(source) and source[index] != "]":
        index += 2 if source[index] == "\\" else 1
    if index >= len(source):
        raise _Untranslatable(source)
    return index + 1


def _group_end(source: str, start: int) -> int:
    """The index just past the group that opens at start."""
    depth, index = 0, start
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(source, index)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise _Untranslatable(source)


def _atom(source: str, index: int) -> Tuple[str, int]:
    """The atom that starts at index (an escape, a class, a character) and its end."""
    if source[index] == "\\":
        return source[index:index + 2], index + 2
    if source[index] == "[":
        end = _class_end(source, index)
        return source[index:end], end
    return source[index], index + 1


def _quantifier(source: str, index: int) -> Tuple[str, int]:
    """The quantifier (maybe none) at index, and where it ends."""
    for candidate in ("+?", "*?", "??", "+", "*", "?"):
        if source.startswith(candidate, index):
            return candidate, index + len(candidate)
    if source.startswith("{", index):
        raise _Untranslatable(source)
    return "", index


def _emit(pieces: List[str], piece: str) -> None:
    """Add a piece; a placeholder or space right after the same one adds nothing."""
    if piece in (NUMBER, NAME, ANY, " ") and pieces and pieces[-1] == piece:
        return
    pieces.append(piece)


def _render(source: str, pieces: List[str]) -> None:
    """Append the template of an unanchored, alternative-free pattern to pieces."""
    index = 0
    while index < len(source):
        if source.startswith(LOOK_AROUNDS, index):
            index = _group_end(source, index)
            continue
        if source[index] == "(":
            end = _group_end(source, index)
            inner = source[index + 1:end - 1]
            if inner.startswith("?:"):
                inner = inner[2:]
            elif inner.startswith("?"):
                raise _Untranslatable(source)
            if len(_split_alternatives(inner)) > 1 or _quantifier(source, end)[0]:
                raise _Untranslatable(source)
            _render(inner, pieces)
            index = end
            continue
        if source[index] in "^$|)":
            raise _Untranslatable(source)
        atom, after = _atom(source, index)
        quantifier, index = _quantifier(source, after)
        optional_edge = quantifier in ("*", "*?") and (not pieces or index == len(source))
        _emit(pieces, _piece(atom, quantifier, source, index, optional_edge))


def _piece(atom: str, quantifier: str, source: str, following: int,
           optional_edge: bool) -> str:
    """What one quantified atom reads as; following is where the pattern goes on.

    optional_edge: the atom may be absent and stands first or last.
    """
    if atom == "\\b":
        return ""
    if atom in DIGIT_ATOMS:
        return NUMBER
    if atom == "-" and quantifier == "?" and _starts_with_digit(source, following):
        return ""  # an optional sign: part of the number that follows
    if atom in SPACE_ATOMS and optional_edge:
        return ""  # optional spaces around the text: nothing to see
    if atom in SPACE_ATOMS and quantifier in ("", "+", "*", "+?", "*?"):
        return " "
    if quantifier in RUN_QUANTIFIERS and atom == "\\w":
        return NAME
    if quantifier in RUN_QUANTIFIERS and (atom in ANY_ATOMS or atom.startswith("[")):
        return ANY
    if quantifier:
        raise _Untranslatable(source)
    return _literal(atom, source)


def _starts_with_digit(source: str, index: int) -> bool:
    return source.startswith(DIGIT_ATOMS, index)


def _literal(atom: str, source: str) -> str:
    """A single character the pattern requires, as text."""
    if len(atom) == 2 and atom[0] == "\\":
        if atom[1].isalnum():
            raise _Untranslatable(source)  # \n, \t, \A, \Z and the like
        return atom[1]
    if atom.startswith("[") or atom == ".":
        raise _Untranslatable(source)
    return atom


def describe_or(what: Optional[str], pattern: Union[str, "re.Pattern[str]"],
                negated: bool = False) -> str:
    """The grader's own words when it gave some, else describe(pattern, negated)."""
    return what if what else describe(pattern, negated)
