"""What a simulated annotator writes in a text question: a rationale, a critique or a
refinement, in its preference group's terms (concise, thorough, structured).

The texts are machine-written on purpose: a template of the group's reasons filled with a
feature of the reply that is true of it (its word count, its list items, its code blocks), so a
concise annotator calls the longest reply too long and a structured one asks for a list. A
refinement is a mechanical edit of the reply: cut to its first code block and first (and, when
long, last) sentence for concise, turned into bullets for structured, given a closing note for
thorough. Every choice is drawn
from the run's seeded ``rng``: the same seed writes the same texts. Nothing personal is ever
written: the only inputs are the replies and the group.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_LIST_ITEM = re.compile(r"^\s*(?:[-*+] |\d+[.)] )", re.MULTILINE)
_HEADING = re.compile(r"^\s*#{1,6} ", re.MULTILINE)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SIGN_OFF = re.compile(r"(?:let me know|hope (?:this|that) helps|i hope)\b", re.IGNORECASE)
_OPENERS = re.compile(
    r"^(?:(?:great|good|excellent) question[.!]|sure[.!,]|certainly[.!,]|of course[.!,])\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reply:
    """A shown reply as the annotator saw it: its label ("A", "B", ...) and its text."""

    label: str
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def list_items(self) -> int:
        return len(_LIST_ITEM.findall(_FENCE.sub("", self.text)))

    @property
    def code_blocks(self) -> int:
        return len(_FENCE.findall(self.text))

    @property
    def structure(self) -> int:
        return self.list_items + self.code_blocks + len(_HEADING.findall(self.text))

    def describe(self) -> str:
        parts = [f"{self.words} words"]
        if self.list_items:
            parts.append(f"{self.list_items} list items")
        if self.code_blocks:
            blocks = self.code_blocks
            parts.append("a code block" if blocks == 1 else f"{blocks} code blocks")
        return ", ".join(parts)


# The group's reasons, said in a few ways; a text of too few characters is padded with them.
REASONS = {
    "concise": (
        "Shorter is better when it still answers the question.",
        "The answer should come first, without preamble.",
        "Every sentence should earn its place.",
    ),
    "thorough": (
        "A good answer explains why, not only what.",
        "Examples and edge cases make an answer useful.",
        "I would rather read more than miss a step.",
    ),
    "structured": (
        "Steps belong in a numbered list.",
        "Code belongs in a code block.",
        "Headings and bullets make an answer easy to scan.",
    ),
}

_CRITIQUES = {
    ("concise", False): (
        "Too long: {words} words where {best} would do. Cut the preamble and keep the answer.",
        "Runs long at {words} words and the point gets lost; say it in two or three sentences.",
        "Longer than it needs to be ({words} words). Drop the repetition and the summary.",
    ),
    ("concise", True): (
        "Short and direct ({words} words); nothing to cut.",
        "Gets to the point in {words} words.",
        "Brief enough ({words} words) and answers the question first.",
    ),
    ("thorough", False): (
        "Too brief: {words} words leave out the reasons and the edge cases.",
        "Only {words} words, too brief: it needs an explanation of why, and an example.",
        "Brief and thin: answers in {words} words but does not explain the steps.",
    ),
    ("thorough", True): (
        "Detailed ({words} words): it explains the steps and the reasons.",
        "Covers the question properly in {words} words, with the reasoning shown.",
        "Thorough ({words} words); nothing important is left out.",
    ),
    ("structured", False): (
        "A block of prose ({words} words, no list or code block); the steps would be easier "
        "to follow as a numbered list.",
        "No structure: put the steps in a list and any code in a code block.",
        "Hard to scan: {words} words of paragraphs with no headings or list.",
    ),
    ("structured", True): (
        "Well organised ({features}); easy to scan.",
        "Easy to follow: {features}.",
        "Short enough ({words} words) that it needs no list.",
    ),
}

_CHOSE = ("Chose Response {label}", "Picked {label}", "Response {label} is better", "Took {label}")
_RATIONALES = {
    ("concise", True): "{chose}: the shortest ({words} words against {others}), and direct.",
    ("concise", False): "{chose} despite its length ({words} words against {others}); cut it down.",
    ("thorough", True): "{chose}: the most detailed ({words} words against {others}); it explains.",
    ("thorough", False): "{chose}, though at {words} words (against {others}) it says too little.",
    ("structured", True): "{chose}: {features}, so it is the easiest to scan.",
    ("structured", False): "{chose}, though it would be easier to follow as a list ({features}).",
}
_NO_FAVOURITE = "No clear favourite: {all}. {reason}"

_THOROUGH_NOTES = (
    "Why this works: each step builds on the one before, so check each before moving on.",
    "Before relying on it, try it on a small example and on an unusual case.",
    "If something goes wrong, the usual cause is a skipped step; go back to the first one.",
    "A common mistake is to stop after the first step; the later ones matter as much.",
)
_EMPTY = "There is no text in this reply to comment on."


def _ideal(group: str, reply: Reply, replies: list[Reply]) -> bool:
    """Whether the reply has what the group looks for, judged against the others shown."""
    if group == "concise":
        shortest = min(r.words for r in replies)
        return reply.words <= max(60, 1.5 * shortest)
    if group == "thorough":
        longest = max(r.words for r in replies)
        return reply.words >= max(40, 0.5 * longest)
    return reply.structure > 0 or reply.words <= 25


def _first(group: str, reply: Reply, replies: list[Reply]) -> bool:
    """Whether the reply is the one the group's feature favours most among those shown."""
    if group == "concise":
        return reply.words == min(r.words for r in replies)
    if group == "thorough":
        return reply.words == max(r.words for r in replies)
    return reply.structure > 0 and reply.structure == max(r.structure for r in replies)


def critique(group: str, reply: Reply, replies: list[Reply], rng: random.Random) -> str:
    """One or two sentences on a reply: what the group finds wrong with it, or that it is fine."""
    if not reply.text.strip():
        return _EMPTY
    fine = _ideal(group, reply, replies)
    templates = _CRITIQUES[(group, fine)]
    if group == "structured" and fine and reply.structure == 0:
        template = templates[2]  # short plain prose: the only fitting praise
    elif group == "structured" and fine:
        template = rng.choice(templates[:2])
    else:
        template = rng.choice(templates)
    best = min(r.words for r in replies)
    return template.format(words=reply.words, best=best, features=reply.describe())


def rationale(group: str, replies: list[Reply], chosen: int | None, rng: random.Random) -> str:
    """Why the annotator chose the reply it chose (``chosen``: its index), or why it chose none."""
    if chosen is None or len(replies) < 2:
        every = "; ".join(f"{r.label} has {r.describe()}" for r in replies)
        return _NO_FAVOURITE.format(all=every, reason=rng.choice(REASONS[group]))
    reply = replies[chosen]
    others = " and ".join(str(r.words) for i, r in enumerate(replies) if i != chosen)
    template = _RATIONALES[(group, _first(group, reply, replies))]
    chose = rng.choice(_CHOSE).format(label=reply.label)
    return template.format(chose=chose, words=reply.words, others=others, features=reply.describe())


def _blocks(text: str) -> list[str]:
    """Paragraphs, with each fenced code block kept whole as one."""
    out: list[str] = []
    rest = text
    for match in _FENCE.finditer(text):
        before, rest = rest.split(match.group(0), 1)
        out.extend(p.strip() for p in before.split("\n\n") if p.strip())
        out.append(match.group(0))
    out.extend(p.strip() for p in rest.split("\n\n") if p.strip())
    return out


def _is_prose(block: str) -> bool:
    return not (block.startswith("```") or _LIST_ITEM.search(block) or _HEADING.search(block))


def _sentences(block: str) -> list[str]:
    """The block's sentences, without sign-offs ("Let me know if ...", "Hope this helps")."""
    found = (s for line in block.splitlines() for s in _SENTENCE_END.split(line.strip()))
    return [s for s in found if s and not _SIGN_OFF.match(s)]


def _shortened(blocks: list[str]) -> str:
    """The first code block and the first and last full sentences, in their order."""
    code = next((i for i, b in enumerate(blocks) if b.startswith("```")), None)
    sentences = [
        ((i, j), s)
        for i, block in enumerate(blocks)
        if _is_prose(block)
        for j, s in enumerate(_sentences(block))
    ]
    full = [(at, s) for at, s in sentences if not s.endswith(":")] or sentences
    kept = dict.fromkeys(full[:1] + full[-1:] if len(sentences) > 3 else full[:1])
    parts = sorted([*kept, *([((code, 0), blocks[code])] if code is not None else [])])
    return "\n\n".join(part for _, part in parts) if parts else blocks[0]


def _bulleted(blocks: list[str]) -> str:
    """Prose sentences as bullet points (a lead-in ending with ":" kept), the rest as it was."""
    out: list[str] = []
    bullets: list[str] = []
    for block in blocks:
        if _is_prose(block) and not block.endswith(":"):
            bullets.extend(f"- {s}" for s in _sentences(block))
            continue
        if bullets:
            out.append("\n".join(bullets))
            bullets = []
        out.append(block)
    if bullets:
        out.append("\n".join(bullets))
    return "\n\n".join(out)


def refinement(group: str, reply: Reply, rng: random.Random) -> str:
    """The reply edited the way the group would want it: shortened (concise), in bullet points
    (structured), or with a closing note (thorough)."""
    text = _OPENERS.sub("", reply.text.strip())
    if not text:
        return _EMPTY
    if group == "concise":
        return _shortened(_blocks(text)) or text
    if group == "structured":
        return _bulleted(_blocks(text)) or text
    return f"{text}\n\n{rng.choice(_THOROUGH_NOTES)}"


def within(text: str, min_length: int, max_length: int, group: str, rng: random.Random) -> str:
    """The text padded with the group's reasons up to ``min_length`` characters (not counting
    surrounding blanks, as submissions count them) and cut to ``max_length``, at a word
    boundary when that leaves enough."""
    text = text.strip()
    while len(text) < min_length:
        text = f"{text} {rng.choice(REASONS[group])}".strip()
    if len(text) > max_length:
        cut = text[: max_length + 1].rsplit(None, 1)[0].rstrip()
        text = cut if min_length <= len(cut) <= max_length and cut else text[:max_length].rstrip()
        text += "." * (min_length - len(text))
    return text
