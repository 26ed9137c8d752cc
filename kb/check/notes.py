"""Which documentation checklist elements a treatment note shows.

A note is prepared once per visit: Unicode-normalised, clinical shorthand expanded from a data table
(kb/check/note_lexicon.yaml: "LOB" reads "LOB [loss of balance]", "24'" reads "24' [24 min]"), cut into clauses,
and marked where a mention is denied ("no cueing needed", "perturbation training not performed") or only planned
or wished for ("will attempt next session", a SOAP plan section, a goal). A checklist element (its patterns are
data in the policies) is shown when one of its patterns matches a mention that is neither denied nor, unless the
element is about the future (a goal), planned. A match that starts with the denying word itself ("no loss of
balance") is not denied: the pattern asked for it.

Note sections say what kind of statement their content is, whatever its words: a SOAP "A:" line or a "Response:"
field states how the patient did; an "Aim:" or "STG:" line states a goal. The lexicon maps headings to section
kinds; an element that names kinds (`sections: [assessment]`) is also shown by a section of that kind whose content
has a word that is neither denied, planned (unless the element is about the future), a trigger ("Response: not
assessed") nor filler ("A: Pt would benefit ...").

Why rules of our own rather than medspaCy's ConText or negspacy: both need spaCy (a few hundred megabytes with a
model) and take milliseconds per note, where the checker spends about a hundred microseconds on a whole visit; the
NegEx-style triggers they use fit in a small table here. The lexicon is literal words, looked up token by token.
The policy's patterns run in RE2 (google-re2), whose matching time is linear in the note's length whatever the
pattern: no policy can make a note hang the checker. Notes are limited to MAX_NOTE_CHARS characters
(kb/check/inputs.py enforces it).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:
    import re2
except ImportError:  # Pyodide (the site's in-browser visit check) has no RE2 build; see _re2
    re2 = None

from kb.problems import KBError

MAX_NOTE_CHARS = 50_000  # a long treatment note is a few thousand characters; this bounds the time per visit
_SCOPE_CHARS = 240  # a trigger never reaches further than this, however long its clause
_LEXICON = Path(__file__).with_name("note_lexicon.yaml")
_FAR = 1 << 62  # beyond any position: (pos, _FAR) sorts after every span starting at pos
_MASK = "\x1f"  # stands in for a denied or planned character in the text the fast search reads


class PatternError(KBError):
    """A documentation pattern RE2 cannot run (lookarounds and backreferences have no linear-time match)."""


def _options() -> Any:
    if re2 is None:
        return None
    options = re2.Options()
    options.log_errors = False  # RE2 would print every rejected pattern on stderr
    return options


_OPTIONS = _options()


def _re2(pattern: str) -> Any:
    if re2 is None:
        # Only in Pyodide, where google-re2 cannot be installed: the browser checks visits against the site's own
        # kb.json, whose patterns `kb validate` accepted as RE2 patterns; Python's re runs them there.
        return re.compile(pattern.encode("utf-8"))
    return re2.compile(pattern.encode("utf-8"), _OPTIONS)


def re2_problem(pattern: str) -> str | None:
    """Why RE2 cannot compile `pattern` (None when it can)."""
    try:
        _re2(pattern)
    except (TypeError, ValueError, UnicodeError, re.error) as exc:  # e.g. a lone surrogate in the pattern
        return str(exc) or "invalid pattern"
    except Exception as exc:  # re2.error (not a class to name when re2 is missing)
        why = exc.args[0] if exc.args else ""
        return (why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)) or "invalid pattern"
    return None


def compile_any(patterns: Iterable[str]) -> Any:
    """One RE2 program (over UTF-8 bytes) matching any of `patterns`, case-insensitively."""
    patterns = list(patterns)
    bad = [(p, why) for p in patterns if (why := re2_problem(p)) is not None]
    if bad:
        raise PatternError("; ".join(f"pattern {p!r}: {why}" for p, why in bad))
    body = "|".join(f"(?:{p})" for p in patterns) if patterns else "\\b\\B"  # no pattern: never matches
    return _re2("(?i)" + body)


# A token: "1:1", a word with its inner / ' + - ("w/o", "s/p", "re-ed", "5xSTS"), or a sign that means a word;
# each with the gap before it, so `findall` (several times faster than `finditer`) gives the positions too. Every
# character is in a gap or starts a token, so the positions cannot drift.
_TOKEN = re.compile(r"\d+:\d+|[^\W_][\w/'+\-]*|[:↑↓→≥]|-")
# The gap is one character class (a repeated alternation is superlinear in Python's re): "_" counts as a gap
# because `_tokens` reads it as a blank.
_GAP_TOKEN = re.compile(r"([^\w:↑↓→≥-]*)(\d+:\d+|[^\W_][\w/'+\-]*|[:↑↓→≥]|-)")


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of every token of `text`."""
    out = []
    pos = 0
    # The sentinel token ends the text with a token: a run of gap characters at the end would otherwise be scanned
    # again from each of its characters (quadratic: 3,000 trailing blanks took seconds). It is dropped below.
    for gap, token in _GAP_TOKEN.findall(text.replace("_", " ") + " x"):
        pos += len(gap)
        end = pos + len(token)
        out.append((pos, end, token))
        pos = end
    out.pop()
    return out


# A heading ("A:", "Pt response:", "Aim:") starts a line or follows the end of a sentence ("... 25 min. Aim: ...").
# Each way in has one run of blanks, so a long run is scanned a bounded number of times: linear in the note.
_HEADING = re.compile(r"(?m)(?:^[ \t]*|[.;|!?][ \t]+)([a-z][a-z' -]{0,24}?)[ \t]*:")
# Where a clause ends (the lexicon's terminator words end one too). Not at a parenthesis: "will need a balance
# assessment (Berg)" is planned to its end, "no cues (verbal or tactile)" denied. A full stop ends a sentence before
# a closing quote too ('... "I'll fall in the bathroom." O: ...').
_BOUNDARY = re.compile(r"[\n;|!?,\[\]]|\.(?=[\"')]?(?:\s|$))|\s[–—-]\s")
# Minutes written with a prime ("24'"), unless it is a distance ("200' x2", "amb 75'").
_PRIME = re.compile(r"['′]")  # found first, then the number before it is read: linear whatever the text
_NUMBER_BEFORE = re.compile(r"(\d{1,3}(?:\.\d)?)[ \t]*\Z")
_DISTANCE_AFTER = re.compile(r"\s*(?:x\s*\d|ft\b|feet\b)")
_DISTANCE_BEFORE = ("amb", "ambulat", "walk", "ft", "distance")  # not "gait": "FES during gait 20'" is minutes
# A line broken inside a sentence (an EHR's or an editor's wrap: "Foot\ndrop", "vs\nlast session") goes on: its
# line break reads as a blank when the line does not end a sentence and the next starts with a lower-case word that
# is not a heading. Same length, so every position stays where it was.
_WRAP = re.compile(r"[^.:;!?\s]\n[ \t]*[a-z]")
_LINE_HEADING = re.compile(r"[ \t]*[a-z][a-z' -]{0,24}?[ \t]*:")
# A template field left empty ("Tolerance:", "Goal: —"): its label states nothing, so its words are denied.
# (One blank run may follow the colon, and one the filler: two runs side by side made a long blank run after a label
# quadratic, as every split of it was tried.)
_EMPTY_FIELD = re.compile(r"(?m)(?:^[ \t]*|[.;|!?][ \t]+)([a-z][a-z' /&()-]{0,30}?)[ \t]*:"
                          r"[ \t]*(?:(?:[-–—_.]+|n/a|\?)[ \t]*)?(?:$|\|)")
# A field whose boxes are all unticked ("Education: [ ] wear schedule [ ] skin care |") states nothing either. Read
# field by field (`_all_unticked`): one pattern over the whole text tried every field start against the rest of its
# line, which was quadratic on a long line of fields.
_FIELD_START = re.compile(r"(?m)(?:^[ \t]*|[.;|!?][ \t]+)([a-z][a-z' /&-]{0,30}?)[ \t]*:[ \t]*")
_BOXES_ONLY = re.compile(r"(?:(?:\[ ?\]|☐|\( \))[^\[\]\n☐☑☒()|]*)+")
# An unticked box ("[ ] 1:1", "☐ perturbation") denies its item, to the next box, field separator ("|") or the
# line's end.
_UNTICKED = re.compile(r"(?:\[ ?\]|☐|\( \))[ \t]*([^\[\]\n☐☑☒()|]*)")
# A field whose ticked box says there was none ("Cues: [ ] verbal [x] none required") denies its label too.
_TICKED_NONE = re.compile(r"(?m)(?:^[ \t]*|[.;|!?][ \t]+)([a-z][a-z' /&-]{0,30}?)[ \t]*:[^\n|:]{0,120}?"
                          r"(?:\[[x✓]\]|☑|☒)[ \t]*(?:none|n/a|not (?:needed|required|applicable))\b")
_INVISIBLE = {"Cf", "Cs", "Co", "Cn"}  # zero-width, bidi controls, surrogates, private use, unassigned
_KINDS = ("negation_before", "negation_after", "hypothetical_before", "hypothetical_after", "terminators")


@dataclass(frozen=True)
class Lexicon:
    """The note language of kb/check/note_lexicon.yaml, as look-up tables of word sequences."""

    phrases: dict[str, tuple[tuple[str, str], ...]]  # lower-cased words -> (kind, expansion or "")
    cased: dict[str, str]  # shorthand matched only as written -> expansion
    longest: dict[str, int]  # first word (lower case) -> most words of a phrase starting with it
    cased_first: frozenset[str]  # first words (lower case) of the shorthand matched only as written
    sections: dict[str, str]  # heading (lower case, single spaces) -> section kind
    window: int
    fillers: frozenset[str] = frozenset()  # words that state nothing on their own in a section ("pt", "the")


def _key(text: str) -> str:
    return " ".join(t.lower() for t in _TOKEN.findall(text))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped lexicon (read once)."""
    data = yaml.safe_load(_LEXICON.read_text(encoding="utf-8"))
    phrases: dict[str, list[tuple[str, str]]] = {}
    for short, meaning in data["abbreviations"].items():
        phrases.setdefault(_key(str(short)), []).append(("abbreviation", str(meaning)))
    for kind in _KINDS:
        for phrase in data[kind]:
            phrases.setdefault(_key(str(phrase)), []).append((kind, ""))
    cased = {str(k): str(v) for k, v in data["cased_abbreviations"].items()}
    longest: dict[str, int] = {}
    for key in [*phrases, *(_key(c) for c in cased)]:
        words = key.split(" ")
        longest[words[0]] = max(longest.get(words[0], 1), len(words))
    cased_first = frozenset(_key(c).split(" ")[0] for c in cased)
    return Lexicon({k: tuple(v) for k, v in phrases.items() if k}, cased, longest, cased_first,
                   {_key(str(k)): str(v) for k, v in data["sections"].items()}, int(data["negation_window"]),
                   frozenset(_key(str(w)) for w in data.get("section_fillers") or ()))


def _normalise(note: str) -> str:
    text = unicodedata.normalize("NFKC", note)
    if not text.isascii() and any(unicodedata.category(c) in _INVISIBLE for c in text if not c.isascii()):
        text = "".join(c for c in text if c.isascii() or unicodedata.category(c) not in _INVISIBLE)
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')


def _unwrap(text: str) -> str:
    """The text with the line breaks inside a sentence read as blanks (`_WRAP`)."""
    if "\n" not in text:
        return text
    chars = list(text)
    for m in _WRAP.finditer(text):
        brk = m.start() + 1
        if not _LINE_HEADING.match(text, brk + 1):
            chars[brk] = " "
    return "".join(chars)


def _unstated(low: str) -> list[tuple[int, int]]:
    """Spans that state nothing: the labels of empty template fields and the items of unticked boxes."""
    spans = [m.span(1) for m in _EMPTY_FIELD.finditer(low)] if ":" in low else []
    if "[" in low or "☐" in low or "( )" in low:
        spans += [m.span(1) for m in _UNTICKED.finditer(low) if m.end(1) > m.start(1)]
        spans += [(m.start(1), m.end()) for m in _TICKED_NONE.finditer(low)]
        spans += _all_unticked(low)
    return spans


def _all_unticked(low: str) -> list[tuple[int, int]]:
    """The labels (with the blank before them) of fields whose boxes are all unticked, to the field's end: the next
    field, a `|` or the line's end. Each character is read by one field, so the time is linear."""
    starts = list(_FIELD_START.finditer(low))
    out = []
    for i, m in enumerate(starts):
        stop = starts[i + 1].start() + 1 if i + 1 < len(starts) else len(low)  # up to the next field's own start
        for end in (low.find("\n", m.end(), stop), low.find("|", m.end(), stop)):
            if end >= 0:
                stop = min(stop, end)
        if _BOXES_ONLY.fullmatch(low, m.end(), stop):
            out.append((m.start(), m.end(1)))
    return out


def _primes(text: str) -> list[tuple[int, str]]:
    """Numbers written with a prime that mean minutes ("24'"), as (end, "24 min"); distances are left out."""
    out = []
    for m in _PRIME.finditer(text):
        end = m.end()
        if text[end:end + 1] in ("'", "′"):
            continue  # a double prime (seconds or inches)
        number = _NUMBER_BEFORE.search(text, max(0, m.start() - 8), m.start())
        if number is None or (number.start() > 0 and text[number.start() - 1].isdigit()):
            continue
        before = text[max(0, number.start() - 14):number.start()].lower()
        if float(number.group(1)) > 120 or _DISTANCE_AFTER.match(text, end) \
                or any(w in before for w in _DISTANCE_BEFORE):
            continue
        out.append((end, f"{number.group(1)} min"))
    return out


def _slashed(word: str, lex: Lexicon) -> str:
    """The expansions of the shorthand parts of a word joined by slashes ("VC/TC": "verbal cues / tactile cues"),
    when every part is shorthand the lexicon knows; else ""."""
    meanings = []
    for part in word.split("/"):
        cased = lex.cased.get(part)
        found = lex.phrases.get(part.lower(), ())
        meaning = cased if cased is not None else next((m for k, m in found if k == "abbreviation"), None)
        if meaning is None:
            return ""
        meanings.append(meaning)
    return " / ".join(meanings) if len(meanings) > 1 else ""


class PreparedNote:
    """A note ready for the checklist patterns, as UTF-8 for RE2: the expanded text (`full`), the same with denied
    characters masked (`undenied`) and with denied or planned ones masked (`affirmed`), and per byte of `full`
    whether a mention starting there is denied (`negated`) or planned (`planned`); and the kinds of the sections
    whose content states something not denied (`undenied_sections`) and neither denied nor planned
    (`affirmed_sections`)."""

    __slots__ = ("affirmed", "affirmed_sections", "full", "negated", "planned", "undenied", "undenied_sections")

    def __init__(self, note: str, lex: Lexicon | None = None):
        lex = lex or lexicon()
        text = _unwrap(_normalise(note))
        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two ("İ"): keep positions exact
            low = "".join(c.lower()[:1] for c in text)
        tokens = _tokens(low)  # lower-cased words
        inserts: list[tuple[int, str]] = []  # (position, expansion) in `text`
        triggers: list[tuple[int, int, str, int, int]] = []  # (start, end, kind, first token, last token)
        ends = {m.start() for m in _BOUNDARY.finditer(text)}
        n_tok = len(tokens)
        longest, phrases, cased_map, cased_first = lex.longest, lex.phrases, lex.cased, lex.cased_first
        expanded_to = -1  # the end of the last expanded shorthand: "wt shifting" is not expanded again as "wt"
        for i, (_, _, lower) in enumerate(tokens):
            most = longest.get(lower)
            if most is None:  # most words start no phrase
                if "/" in lower and tokens[i][0] >= expanded_to:
                    parts = _slashed(text[tokens[i][0]:tokens[i][1]], lex)
                    if parts:
                        inserts.append((tokens[i][1], parts))
                        expanded_to = tokens[i][1]
                continue
            for size in range(min(most, n_tok - i), 0, -1):
                words = tokens[i:i + size]
                if size > 1 and any(text[words[k][1]:words[k + 1][0]] not in (" ", "  ", "\t")
                                    for k in range(size - 1)):
                    continue  # the words of a phrase stand together on one line
                start, end = words[0][0], words[-1][1]
                found = phrases.get(" ".join(w[2] for w in words) if size > 1 else lower, ())
                cased = None
                if lower in cased_first:
                    cased = cased_map.get(" ".join(text[a:b] for a, b, _ in words) if size > 1 else text[start:end])
                if not found and cased is None:
                    continue
                meaning = cased if cased is not None else next((m for k, m in found if k == "abbreviation"), None)
                if meaning is not None and start >= expanded_to:
                    inserts.append((end, meaning))
                    expanded_to = end
                for kind, _ in found:
                    if kind == "terminators":
                        ends.add(start)
                    elif kind != "abbreviation":
                        triggers.append((start, end, kind, i, i + size - 1))
        inserts += _primes(text)
        # Section headings: a plan heading ("P:", "Plan:") makes the rest of its line (to the next heading) a plan;
        # the content of every section is kept for the elements that name its kind.
        plan_spans: list[tuple[int, int]] = []
        section_spans: list[tuple[str, int, int]] = []  # (kind, content start, content end)
        headings = [(m.start(1), m.end(), lex.sections[name]) for m in _HEADING.finditer(low)
                    if (name := " ".join(m.group(1).split())) in lex.sections]
        for h, (start, content, kind) in enumerate(headings):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            bar = text.find("|", content, end)  # a template's fields: "Response: - | POC: cont."
            end = end if bar < 0 else bar
            if h + 1 < len(headings):  # a section ends at its line's end, a field separator or the next heading
                end = min(end, headings[h + 1][0])
            section_spans.append((kind, content, end))
            if kind in ("plan", "goal"):  # a goal's target ("STG: SLS 10 s") is not a result of this visit
                plan_spans.append((start, end))

        clause_ends = sorted(ends | {len(text)})
        negated: list[tuple[int, int]] = _unstated(low)
        planned: list[tuple[int, int]] = list(plan_spans)
        for start, end, kind, first_tok, last_tok in triggers:
            k = bisect_left(clause_ends, start)
            clause_end = clause_ends[k] if k < len(clause_ends) else len(text)
            clause_start = clause_ends[k - 1] + 1 if k > 0 else 0
            if kind == "negation_after" and text[start] == ":" and text[end:clause_end].strip()[:1] not in ("", "("):
                continue  # "One-on-one: No (group)" denies its field; "LTG: no falls" is a goal, not a denial
            window = lex.window if kind.startswith("negation") else n_tok
            if kind.endswith("before"):
                reach = tokens[min(last_tok + window, n_tok - 1)][1]
                span = (end, min(clause_end, end + _SCOPE_CHARS, reach))
            else:
                reach = tokens[max(first_tok - window, 0)][0]
                span = (max(clause_start, start - _SCOPE_CHARS, reach), start)
            (negated if kind.startswith("negation") else planned).append(span)

        # The expanded text; an expansion is denied or planned as the shorthand before it is.
        pieces: list[str] = []
        at: list[int] = []  # insertion points in `text`
        shift = [0]  # characters inserted at or before each of them
        last = 0
        for pos, meaning in sorted(inserts):
            extra = f" [{meaning}]"
            pieces += [text[last:pos], extra]
            at.append(pos)
            shift.append(shift[-1] + len(extra))
            last = pos
        pieces.append(text[last:])
        expanded = "".join(pieces)

        def moved(p: int) -> int:
            return p + shift[bisect_right(at, p)]

        self.undenied_sections, self.affirmed_sections = _stating_sections(
            section_spans, tokens, lex.fillers, _merge([(a, b) for a, b, *_ in triggers]),
            _merge([s for s in negated if s[1] > s[0]]), _merge([s for s in negated + planned if s[1] > s[0]]))
        neg_chars = _merge([(moved(a), moved(b)) for a, b in negated if b > a])
        plan_chars = _merge([(moved(a), moved(b)) for a, b in planned if b > a])
        self.full = expanded.encode("utf-8", "replace")
        self.undenied = _masked(expanded, neg_chars).encode("utf-8", "replace")
        self.affirmed = _masked(expanded, _merge(neg_chars + plan_chars)).encode("utf-8", "replace")
        self.negated = _byte_mask(expanded, neg_chars, len(self.full))
        self.planned = _byte_mask(expanded, plan_chars, len(self.full))


def _stating_sections(sections: list[tuple[str, int, int]], tokens: list[tuple[int, int, str]],
                      fillers: frozenset[str], triggers: list[tuple[int, int]], denied: list[tuple[int, int]],
                      unaffirmed: list[tuple[int, int]]) -> tuple[frozenset[str], frozenset[str]]:
    """The kinds of the sections with a content word outside the trigger spans and the filler words: (those where
    it is not denied, those where it is neither denied nor planned). Spans are merged and sorted."""
    if not sections:
        return frozenset(), frozenset()
    starts = [t[0] for t in tokens]
    undenied: set[str] = set()
    affirmed: set[str] = set()
    for kind, a, b in sections:
        for start, _end, word in tokens[bisect_left(starts, a):bisect_left(starts, b)]:
            if kind in affirmed:
                break
            if not word[0].isalnum() or word in fillers or _inside(triggers, start):
                continue
            if not _inside(denied, start):
                undenied.add(kind)
                if not _inside(unaffirmed, start):
                    affirmed.add(kind)
    return frozenset(undenied), frozenset(affirmed)


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    k = bisect_right(spans, (pos, _FAR)) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    pieces, last = [], 0
    for a, b in spans:
        pieces.append(text[last:a])
        pieces.append(_MASK * (b - a))
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def _byte_mask(text: str, spans: list[tuple[int, int]], size: int) -> bytearray:
    """Per byte of text's UTF-8, 1 inside the character spans."""
    mask = bytearray(size + 1)
    ascii_text = text.isascii()
    pos_char, pos_byte = 0, 0
    for a, b in spans:
        if ascii_text:
            ba, bb = a, b
        else:  # walk forward once over the text: linear in its length
            pos_byte += len(text[pos_char:a].encode("utf-8", "replace"))
            ba = pos_byte
            bb = ba + len(text[a:b].encode("utf-8", "replace"))
            pos_char, pos_byte = b, bb
        mask[ba:bb] = b"\x01" * (bb - ba)
    return mask


@dataclass(frozen=True)
class ElementMatcher:
    """The patterns of one checklist element, compiled for RE2."""

    pattern: Any
    exclude: tuple[Any, ...] | None = None  # a match inside one of theirs does not count ("pain 4/10")
    future: bool = False  # a goal: planned mentions count (denied ones still do not)
    sections: frozenset[str] = frozenset()  # section kinds whose stating content shows the element

    def found_in(self, note: PreparedNote) -> bool:
        """Whether the note shows the element: some match is neither excluded, denied nor (unless future) planned,
        or a section of one of the element's kinds states something."""
        if self.sections and self.sections & (note.undenied_sections if self.future else note.affirmed_sections):
            return True
        # Fast path: one search of the text with denied (and planned) characters masked.
        if self._search(note.undenied if self.future else note.affirmed, note.full):
            return True
        # A match that starts on a word that is not masked but runs into masked text ("no loss of balance").
        full, negated, planned = note.full, note.negated, note.planned
        excluded: _Spans | None = None
        for m in self.pattern.finditer(full):
            s, e = m.span()
            if e == s or negated[s] or (not self.future and planned[s]):
                continue
            if self.exclude is not None:
                if excluded is None:
                    excluded = _Spans(self.exclude, full)
                if excluded.covers(s, e):
                    continue
            return True
        return False

    def _search(self, text: bytes, full: bytes) -> bool:
        m = self.pattern.search(text)
        if m is None or self.exclude is None:
            return m is not None
        # The look-alikes are read on the whole text (as the slow path below does): "reports no change in symptoms
        # since last week" is one, though its denied words are masked in `text`. Same bytes, same positions.
        excluded = _Spans(self.exclude, full if len(full) == len(text) else text)
        while m is not None:
            s, e = m.span()
            if not excluded.covers(s, e):
                return True
            m = self.pattern.search(text, max(e, s + 1))
        return False


class _Spans:
    """The matches of the exclude patterns in a text, for "is this match inside one of them" in O(log n). Each
    pattern is searched on its own: one alternation of them all would report one match per position and skip the
    look-alikes that overlap it ("8 sec x 8 sec" holds "8 sec x 8" and "x 8 sec")."""

    def __init__(self, patterns: Sequence[Any], text: bytes):
        spans = sorted(m.span() for pattern in patterns for m in pattern.finditer(text))
        self.starts = [a for a, _ in spans]
        self.reach: list[int] = []  # the furthest end of the spans starting at or before each start
        for _, b in spans:
            self.reach.append(max(b, self.reach[-1]) if self.reach else b)

    def covers(self, s: int, e: int) -> bool:
        k = bisect_right(self.starts, s) - 1
        return k >= 0 and e <= self.reach[k]


def compile_element(match: Sequence[str], exclude: Sequence[str] = (), future: bool = False,
                    sections: Iterable[str] = ()) -> ElementMatcher:
    """An element's matcher from its policy data (`match`, `exclude`, `future`, `sections`); the same data give the
    same (immutable) matcher, compiled once per process: every period's context of every payer names them again,
    and compiling them was most of the cost of a context (so of each worker's start on a batch of many dates)."""
    return _compiled_element(tuple(match), tuple(exclude), bool(future), frozenset(sections))


@lru_cache(maxsize=4096)
def _compiled_element(match: tuple[str, ...], exclude: tuple[str, ...], future: bool,
                      sections: frozenset[str]) -> ElementMatcher:
    return ElementMatcher(compile_any(match), tuple(compile_any([x]) for x in exclude) or None, future, sections)


def section_kinds() -> frozenset[str]:
    """The section kinds the lexicon knows (what an element's `sections` may name)."""
    return frozenset(lexicon().sections.values())


def prepare(note: str) -> PreparedNote:
    """A note ready for `ElementMatcher.found_in`."""
    return PreparedNote(note)
