"""``dpo`` lines for the common case of a large export, as bytes, from pieces made once.

The Python writer spends about 45 µs per row decoding records and encoding JSON
(bench/RESULTS.md). Here a row is its chosen candidate's *head* (the row's start through
"chosen"), its metadata, and its rejected candidate's *tail* ("prompt" through the row's end):

* heads and tails are made once per candidate and hold a row's bulk: the completion's and the
  prompt's JSON. That JSON was made when the candidate and the item were written
  (``kit/json_pieces.py``) and arrives as bytes; for rows written before then (until
  ``prefhub exports backfill``), it is made here from their content, by the same functions;
* PostgreSQL hands over each row's few values (ids, label, shown order, time, date as text);
  Python formats the metadata, which costs less than formatting it in SQL.

The row layout is the dpo encoding contract's (``dpo_encoding``). This path runs when it gives
exactly what ``DpoWriter.lines()`` gives: PostgreSQL, aggregation ``none``, the conversational
form, no media, pairwise questions as the only preference questions, and only the filters SQL
can say. ``tests/exports/test_dpo_encoders.py`` holds the encoders to the same bytes.

Four things overlap: two connections read the next batches (psycopg waits without the GIL),
the caller's thread joins rows, and a writer thread hashes and writes (without the GIL).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from prefhub.exports.dpo_encoding import (
    METADATA,
    ROW_HEAD,
    ROW_MIDDLE,
    ROW_TAIL,
    completion_json,
    json_string,
    json_value,
    prompt_json,
)
from prefhub.exports.formats.preferences import PREFERENCE_KINDS
from prefhub.exports.judgment_reader import Scope, decode_json
from prefhub.exports.schemas import ExportOptions
from prefhub.kit.content import plain_text
from prefhub.models import Candidate, Item, Judgment

# The contract's row templates as bytes; a line ends with its newline.
HEAD, TAIL = ROW_HEAD.encode(), ROW_TAIL.encode() + b"\n"
# The contract's middle with its metadata, the quotes of the values this path knows need no
# escaping (row id, label, date, question: ``_Metadata``) in the template: one formatting a row.
MIDDLE = ROW_MIDDLE % (
    '"j%s.%s"',
    METADATA
    % ("%s", "%s", '"%s"', '"%sT%sZ"', "%s", "%s", "", '"%s"', "%s", "%s", "%s", "%s", "%s"),
)
BATCH = 10_000
# Bound on the ids of one IN (...) list: SQLite caps bound parameters.
ID_CHUNK = 5000
# Pieces of candidates and items kept between batches (judgments of one item can lie in
# several batches); past this many candidates the cache starts afresh, so memory is bounded.
CACHED_CANDIDATES = 12_000

# One batch's rows, in order, and its size and last judgment id. A pairwise answer "A" or "B"
# gives a row. Questions come in the order of jsonb's keys (shorter first, then bytewise), the
# order Python sees when it decodes answers. ``{window}`` selects the batch's judgments, with
# each question's choice as ``choice_<n>``; ``{choices}`` lists them as ``(n, choice)`` pairs.
# What PostgreSQL formats slowly is left to Python: the date (as text, sliced there) and a
# shown order of two candidates (the chosen and the rejected one in shown order).
ROWS = """
WITH wanted AS MATERIALIZED ({window}),
stated AS (
    SELECT j.id, j.annotator_id, j.item_id, j.shown_order, j.time_spent_ms,
           j.campaign_version, j.created_at, q.n, q.choice
    FROM wanted j
    CROSS JOIN LATERAL (VALUES {choices}) AS q(n, choice)
    WHERE q.choice IN ('A', 'B')
)
SELECT s.id, s.annotator_id, s.item_id,
       (s.shown_order ->> (CASE s.choice WHEN 'A' THEN 0 ELSE 1 END))::int,
       (s.shown_order ->> (CASE s.choice WHEN 'A' THEN 1 ELSE 0 END))::int,
       s.n, s.choice,
       CASE WHEN jsonb_array_length(s.shown_order) <> 2 THEN s.shown_order::text END,
       s.time_spent_ms, s.campaign_version, s.created_at::text, NULL::int, NULL::int
FROM stated s
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       max(id), count(*)::int
FROM wanted
ORDER BY 1 NULLS LAST, 6
"""
# The columns of judgments ROWS reads, selected once by the window (no second lookup by id).
WINDOW_COLUMNS = (
    Judgment.id,
    Judgment.annotator_id,
    Judgment.item_id,
    Judgment.shown_order,
    Judgment.time_spent_ms,
    Judgment.campaign_version,
    Judgment.created_at,
)
# Candidates of items not yet cached: their text as a JSON string, made when they were
# written, as bytes (textsend's bytea, in the client encoding, UTF-8 here: no decoding), or for
# candidates written before that column, their content for Python to encode.
CANDIDATES = """
SELECT id, item_id, model_name, textsend(text_json),
       CASE WHEN text_json IS NULL THEN content::text END
FROM candidates
WHERE item_id = ANY(%(items)s::integer[])
"""
# The items, their prompts as candidates' text above.
ITEMS = """
SELECT id, external_id, textsend(prompt_json),
       CASE WHEN prompt_json IS NULL THEN context::text END
FROM items
WHERE id = ANY(%(items)s::integer[])
"""


def applies(session: Session, options: ExportOptions, scope: Scope, kinds: dict[str, str]) -> bool:
    """Whether this export can take this path and give the same bytes."""
    preference_kinds = {kind for kind in kinds.values() if kind in PREFERENCE_KINDS}
    return (
        options.format == "dpo"
        and options.aggregation == "none"
        and options.min_agreement is None
        and options.conversational
        and not options.include_profiles
        and scope.current_only
        and scope.rounds is None
        and scope.models is None
        and scope.annotators is None
        # Rows marking an annotator's standing (include_excluded) are not in its templates.
        and not scope.marks
        and preference_kinds <= {"pairwise"}
    )


@functools.lru_cache(maxsize=1024)  # bounded: a worker lives long
def _short_json(value: str) -> str:
    """``json_value`` of the few values rows repeat (model names), encoded once each."""
    return json_value(value)


def jsonb_key_order(keys: list[str]) -> list[str]:
    """Keys in the order jsonb stores an object's keys: by length in bytes, then bytewise."""
    return sorted(keys, key=lambda k: (len(k.encode()), k.encode()))


@dataclass
class _Rows:
    """A batch's rows (ROWS' columns) in order, its last judgment id and how many judgments
    it read."""

    rows: list[tuple[Any, ...]]
    last_id: int
    read: int


@dataclass
class _Batch:
    """A batch as read: its rows, what the pieces of its new items are made from, and
    whether the cached pieces go first."""

    rows: _Rows
    new: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
    reset: bool


@dataclass
class _Pieces:
    """What rows take from their candidates and items, by id: bytes that start and end a
    row, and JSON strings for the metadata."""

    head: dict[int, bytes] = field(default_factory=dict)  # row start through "chosen"
    tail: dict[int, bytes] = field(default_factory=dict)  # "prompt" through the row's end
    model: dict[int, str] = field(default_factory=dict)
    item_id: dict[int, str] = field(default_factory=dict)

    def add(
        self, new: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]], campaign: bytes
    ) -> None:
        """Pieces of new items, from (their candidates, the items) as CANDIDATES and ITEMS
        give them; ``campaign``: the slug as JSON."""
        candidates, items = new
        prompts: dict[int, bytes] = {}
        for item, external_id, prompt, context in items:
            prompts[item] = prompt or prompt_json(decode_json(context))
            self.item_id[item] = json_value(external_id)
        for candidate, item, model, text, content in candidates:
            completion = completion_json(text or json_string(plain_text(decode_json(content))))
            self.head[candidate] = HEAD % (campaign, completion)
            self.tail[candidate] = TAIL % (prompts[item], completion)
            self.model[candidate] = "null" if model is None else _short_json(model)

    def clear(self) -> None:
        for pieces in (self.head, self.tail, self.model, self.item_id):
            pieces.clear()


class AnnotatorNames(dict[int, str]):
    """Annotator id -> pseudonym as JSON, made when a row first asks (listing a campaign's
    annotators up front was a scan of its judgments)."""

    def __init__(self, pseudonym: Callable[[int], str]) -> None:
        super().__init__()
        self.pseudonym = pseudonym

    def __missing__(self, annotator_id: int) -> str:
        name = self[annotator_id] = json_value(self.pseudonym(annotator_id))
        return name


@dataclass
class _Metadata:
    """What a row's metadata takes from the export rather than the row, as JSON."""

    names: AnnotatorNames
    questions: list[str]  # by ROWS' ordinal, from 1, without quotes
    simulated: frozenset[int] = frozenset()  # simulated annotators' ids


def _join(batch: _Batch, pieces: _Pieces, export: _Metadata) -> bytes:
    """The batch's lines: per row, its chosen candidate's head, the metadata (formatted here:
    cheaper than in SQL) and its rejected candidate's tail."""
    head, tail, model, item_id = pieces.head, pieces.tail, pieces.model, pieces.item_id
    names, questions, simulated = export.names, export.questions, export.simulated
    parts: list[bytes] = []
    add = parts.append
    for (
        jid,
        uid,
        item,
        chosen,
        rejected,
        n,
        label,
        shown,
        spent,
        version,
        created,
        _,
        _,
    ) in batch.rows.rows:
        question = questions[n]
        if shown is None:  # two candidates: A is the first shown, B the second
            shown = f"[{chosen}, {rejected}]" if label == "A" else f"[{rejected}, {chosen}]"
        add(head[chosen])
        add(
            (
                MIDDLE
                % (
                    jid,
                    question,
                    names[uid],
                    version,
                    label,
                    created[:10],
                    created[11:19],
                    item_id[item],
                    jid,
                    question,
                    shown,
                    "true" if uid in simulated else "false",
                    model[chosen],
                    model[rejected],
                    "null" if spent is None else spent,
                )
            ).encode()
        )
        add(tail[rejected])
    return b"".join(parts)


def _tuned_cursor(session: Session) -> Any:
    """A binary psycopg cursor on the session's connection, the planner set for small
    batches."""
    connection = session.connection()
    # Row estimates for unnest() are far off: they turn on JIT compilation (~0.8 s a batch),
    # and a generic plan (psycopg prepares a statement run five times) scans whole tables.
    connection.exec_driver_sql("SET LOCAL jit = off")
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    # A batch is small: starting parallel workers for it costs more than it saves.
    connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    # What textsend() gives is in the client encoding: the pieces are UTF-8 bytes.
    connection.exec_driver_sql("SET LOCAL client_encoding = 'UTF8'")
    # Dates as text are ISO 8601 with a space: YYYY-MM-DD HH:MM:SS[.ffffff].
    connection.exec_driver_sql("SET LOCAL DateStyle = 'ISO, MDY'")
    driver = connection.connection.driver_connection
    assert driver is not None  # a live psycopg connection: this session is using it
    return driver.cursor(binary=True)


def batches(
    rows_session: Session,
    pieces_session: Session,
    scope: Scope,
    slug: str,
    kinds: dict[str, str],
    names: AnnotatorNames,
) -> Iterator[tuple[bytes, int, int]]:
    """Each batch of judgments (by id) as (its lines as UTF-8, rows, judgments read).

    Three stages overlap, a batch apart: one session reads a batch's rows, a second the
    candidates and items of the batch before (the two must see one snapshot:
    ``kit.db.snapshot_sessions``), and this thread joins the batch before that. psycopg waits
    for PostgreSQL without the GIL, so both queries run while rows are joined."""
    rows_cursor, pieces_cursor = _tuned_cursor(rows_session), _tuned_cursor(pieces_session)
    questions = jsonb_key_order([q for q, kind in kinds.items() if kind == "pairwise"])
    choices = [
        Judgment.answers.op("->")(bindparam(f"fast_question_{n}", question))
        .op("->>")(literal_column("'choice'"))
        .label(f"choice_{n}")
        for n, question in enumerate(questions, 1)
    ]
    # The batch's judgments as SQLAlchemy says them, with the export's filters, inlined in ROWS.
    window = (
        select(*WINDOW_COLUMNS, *choices)
        .where(*scope.where(), Judgment.id > bindparam("fast_after", 0))
        .order_by(Judgment.id)
        .limit(BATCH)
        .compile(
            dialect=rows_session.get_bind().dialect,
            compile_kwargs={"render_postcompile": True},
        )
    )
    # No pairwise question: one pair that gives no row (VALUES cannot be empty).
    pairs = ", ".join(f"({n}, j.choice_{n})" for n in range(1, len(questions) + 1))
    pairs = pairs or "(1, NULL::text)"
    rows_sql = ROWS.format(window=window, choices=pairs)
    params: dict[str, Any] = dict(window.params)
    export = _Metadata(
        names=names,
        questions=["", *(json_value(q)[1:-1] for q in questions)],
        simulated=scope.simulated,
    )
    campaign = json_value(slug).encode()
    cached: set[int] = set()  # items whose pieces the joiner has (the pieces stage's record)

    def read_rows(after_id: int) -> _Rows | None:
        *rows, (*_, last_id, read) = rows_cursor.execute(
            rows_sql, params | {"fast_after": after_id}
        ).fetchall()
        return _Rows(rows, last_id, read) if read else None

    def read_pieces(rows: _Rows) -> _Batch:
        batch_items = {row[2] for row in rows.rows}
        reset = (len(cached) + len(batch_items)) * 2 > CACHED_CANDIDATES
        if reset:
            cached.clear()
        new_items = sorted(batch_items - cached)
        cached.update(new_items)
        new: tuple[list[Any], list[Any]] = ([], [])
        if new_items:
            # As an array literal: psycopg dumps a list of ints one by one, in Python.
            wanted = {"items": f"{{{','.join(map(str, new_items))}}}"}
            new = (
                pieces_cursor.execute(CANDIDATES, wanted).fetchall(),
                pieces_cursor.execute(ITEMS, wanted).fetchall(),
            )
        return _Batch(rows, new, reset)

    pieces = _Pieces()
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="fast-dpo-rows") as rows_reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="fast-dpo-pieces") as pieces_reader,
    ):
        next_rows = rows_reader.submit(read_rows, 0)
        joining: Future[_Batch] | None = None  # the batch to join next, its pieces read
        while True:
            rows = next_rows.result()
            reading = None
            if rows is not None:
                next_rows = rows_reader.submit(read_rows, rows.last_id)
                reading = pieces_reader.submit(read_pieces, rows)
            if joining is not None:
                batch = joining.result()
                if batch.reset:
                    pieces.clear()
                pieces.add(batch.new, campaign)
                yield _join(batch, pieces, export), len(batch.rows.rows), batch.rows.read
            if reading is None:
                return
            joining = reading


def portable_batches(
    session: Session,
    scope: Scope,
    slug: str,
    kinds: dict[str, str],
    names: AnnotatorNames,
    skipped: Counter[str],
) -> Iterator[tuple[bytes, int, int]]:
    """``batches()`` on any database (SQLite), in one session: SQLAlchemy reads each batch's
    judgments and the new candidates and items among them, Python picks the rows out of the
    decoded answers (in their stored order, as ``DpoWriter`` reads them) and counts the
    pairwise answers that state no preference into ``skipped``; the same joiner writes them."""
    pairwise = [q for q, kind in kinds.items() if kind == "pairwise"]
    ordinal = {question: n for n, question in enumerate(pairwise, 1)}
    export = _Metadata(
        names=names,
        questions=["", *(json_value(q)[1:-1] for q in pairwise)],
        simulated=scope.simulated,
    )
    campaign = json_value(slug).encode()
    # Core rows, the JSON and the date as the text SQLite stores (decoded here, each distinct
    # answers text once: most repeat), not the ORM's rows and SQLAlchemy's decoding.
    connection = session.connection()
    columns: list[Any] = [
        *WINDOW_COLUMNS[:3],
        type_coerce(Judgment.shown_order, Text),
        *WINDOW_COLUMNS[4:6],
        type_coerce(Judgment.created_at, Text),
        type_coerce(Judgment.answers, Text),
    ]
    query = select(*columns).where(*scope.where()).order_by(Judgment.id).limit(BATCH)
    cached: set[int] = set()  # items whose pieces the joiner has (the reading stage's record)

    def read(after: int) -> tuple[Sequence[Any], _Batch] | None:
        """A batch's judgments and the pieces of the items among them not cached yet."""
        judgments = _driver_rows(connection, query.where(Judgment.id > after))
        if not judgments:
            return None
        batch_items = {row[2] for row in judgments}
        reset = (len(cached) + len(batch_items)) * 2 > CACHED_CANDIDATES
        if reset:
            cached.clear()
        new_items = sorted(batch_items - cached)
        cached.update(new_items)
        rows = _Rows([], judgments[-1][0], len(judgments))
        return judgments, _Batch(rows, _portable_pieces(connection, new_items), reset)

    pieces = _Pieces()
    # A thread reads the next batch (SQLite steps without the GIL) while this one's rows are
    # picked out and joined; the two never use the connection at once.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fast-dpo-read") as reader:
        found = read(0)
        while found is not None:
            judgments, batch = found
            following = reader.submit(read, batch.rows.last_id)
            batch.rows.rows = _stated_rows(judgments, ordinal, skipped)
            if batch.reset:
                pieces.clear()
            pieces.add(batch.new, campaign)
            yield _join(batch, pieces, export), len(batch.rows.rows), batch.rows.read
            found = following.result()


def _stated_rows(
    judgments: Sequence[Any], ordinal: dict[str, int], skipped: Counter[str]
) -> list[tuple[Any, ...]]:
    """ROWS' rows of judgments read by ``portable_batches``: a row per pairwise answer "A" or
    "B", in the answers' stored order; other choices are counted into ``skipped``. What an
    answers text states is worked out once per distinct text (most repeat)."""
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    stated: dict[str, tuple[list[tuple[int, str]], list[str]]] = {}
    for jid, uid, item, shown_text, spent, version, created, answers_text in judgments:
        found = stated.get(answers_text)
        if found is None:
            found = stated[answers_text] = _statements(decode_json(answers_text), ordinal)
        picks, unstated = found
        if unstated:
            skipped.update(unstated)
        if not picks:
            continue
        shown = decode_json(shown_text)
        wide = json_value(shown) if len(shown) != 2 else None
        for n, label in picks:
            chosen, rejected = shown[:2] if label == "A" else shown[1::-1]
            row = (jid, uid, item, chosen, rejected, n, label, wide, spent, version)
            add((*row, created, None, None))
    return rows


def _statements(
    answers: dict[str, Any], ordinal: dict[str, int]
) -> tuple[list[tuple[int, str]], list[str]]:
    """An answers object's pairwise preferences as (question ordinal, "A" or "B"), in its stored
    order, and the choices of its pairwise answers that state none (as ``skipped`` counts
    them)."""
    picks: list[tuple[int, str]] = []
    unstated: list[str] = []
    for question, answer in answers.items():
        if question not in ordinal:
            continue
        label = answer.get("choice")
        if label in ("A", "B"):
            picks.append((ordinal[question], label))
        else:
            unstated.append(str(label))
    return picks, unstated


def _portable_pieces(
    connection: Connection, items: list[int]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(candidates, items) of these items as CANDIDATES and ITEMS give them: the stored export
    JSON, or where there is none the content's stored JSON text (nothing decoded here)."""
    candidates: list[tuple[Any, ...]] = []
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(items), ID_CHUNK):
        chunk = items[start : start + ID_CHUNK]
        candidates += _driver_rows(
            connection,
            select(
                Candidate.id,
                Candidate.item_id,
                Candidate.model_name,
                _utf8(Candidate.text_json),
                _unless_stored(Candidate.text_json, Candidate.content),
            ).where(Candidate.item_id.in_(chunk)),
        )
        found += _driver_rows(
            connection,
            select(
                Item.id,
                Item.external_id,
                _utf8(Item.prompt_json),
                _unless_stored(Item.prompt_json, Item.context),
            ).where(Item.id.in_(chunk)),
        )
    return candidates, found


def _driver_rows(connection: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """The statement's rows as the driver's tuples. On SQLite its integer, text and blob
    columns have no result processing, so they are what SQLAlchemy's rows hold; making a Row
    of each cost more than reading it (a third of the reading thread's time)."""
    result = connection.execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _unless_stored(stored: Any, content: Any) -> Any:
    """The content column as its stored JSON text, as UTF-8, where the export JSON column is
    empty."""
    return _utf8(case((stored.is_(None), content), else_=null()))


def _utf8(text: Any) -> Any:
    """A text column as the bytes SQLite stores (UTF-8): no decoding into str and encoding
    back. Empty text reads as null, as the pieces expect."""
    return type_coerce(func.nullif(cast(type_coerce(text, Text), LargeBinary), b""), LargeBinary)


def simulated_judgments(session: Session, scope: Scope) -> int:
    """How many of the export's judgments simulated annotators made."""
    if not scope.simulated or scope.synthetic_policy == "excluded":
        return 0
    simulated = Judgment.annotator_id.in_(sorted(scope.simulated))
    return int(session.scalar(select(func.count()).where(*scope.where(), simulated)) or 0)


def skipped(session: Session, scope: Scope, kinds: dict[str, str]) -> Counter[str]:
    """Pairwise answers that state no preference, by choice (``DpoWriter``'s counts)."""
    answer = func.jsonb_each(Judgment.answers).table_valued("key", "value")
    choice = func.coalesce(answer.c.value.op("->>")(literal_column("'choice'")), "None")
    rows = session.execute(
        select(choice, func.count())
        .select_from(Judgment)
        .join(answer, literal_column("true"))
        .where(
            *scope.where(),
            answer.c.key.in_([q for q, kind in kinds.items() if kind == "pairwise"]),
            choice.not_in(["A", "B"]),
        )
        .group_by(choice)
    ).all()
    return Counter({str(value): int(n) for value, n in rows})
