"""``dpo`` lines written by PostgreSQL, for the common case of a large export.

Python spends about 45 µs per row decoding and encoding JSON (bench/RESULTS.md); PostgreSQL
builds the same text in C. This path runs when it can give exactly what ``DpoWriter.lines()``
gives: PostgreSQL, aggregation ``none``, the conversational form, no media, the pairwise
questions as the only preference questions, and only the filters SQL can say. The line is
``lines()``' template in the same sorted-key order; strings are escaped by ``to_json``, which
escapes exactly what Python's json does with ``ensure_ascii`` off; pseudonyms are computed in
Python and joined in. ``tests/api/test_fast_dpo.py`` holds the two paths to the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from prefhub.exports.formats.dpo import _json
from prefhub.exports.formats.preferences import PREFERENCE_KINDS
from prefhub.exports.records import Scope
from prefhub.exports.schemas import ExportOptions
from prefhub.models import Judgment

BATCH = 10_000

# One judgment's rows: a pairwise answer "A" or "B" gives a line; the order of questions is
# that of the answers as stored, as when Python decodes them.
LINES = text(
    """
WITH batch AS (
    SELECT j.id, j.annotator_id, j.item_id, j.answers, j.shown_order, j.time_spent_ms,
           j.campaign_version, j.created_at
    FROM unnest(CAST(:ids AS integer[])) AS wanted(id)
    JOIN judgments j ON j.id = wanted.id
    -- The range lets the primary key narrow the scan; the ids pick the judgments kept.
    WHERE j.id BETWEEN :first_id AND :last_id
),
prompts AS (
    SELECT i.id, i.external_id,
           '[' || string_agg(
               '{"content": ' || to_json(coalesce((
                   SELECT string_agg(p.part ->> 'text', E'\\n\\n' ORDER BY p.n)
                   FROM jsonb_array_elements(m.message -> 'content') WITH ORDINALITY p(part, n)
                   WHERE p.part ->> 'type' = 'text'
               ), ''))::text || ', "role": ' || to_json(m.message ->> 'role')::text || '}',
               ', ' ORDER BY m.n
           ) || ']' AS prompt
    FROM items i, jsonb_array_elements(i.context) WITH ORDINALITY m(message, n)
    WHERE i.id IN (SELECT item_id FROM batch)
    GROUP BY i.id, i.external_id
),
completions AS (
    SELECT c.id, coalesce(to_json(c.model_name)::text, 'null') AS model,
           '[{"content": ' || to_json(coalesce((
               SELECT string_agg(p.part ->> 'text', E'\\n\\n' ORDER BY p.n)
               FROM jsonb_array_elements(c.content) WITH ORDINALITY p(part, n)
               WHERE p.part ->> 'type' = 'text'
           ), ''))::text || ', "role": "assistant"}]' AS completion
    FROM candidates c
    WHERE c.item_id IN (SELECT item_id FROM batch)
),
pseudonyms AS (
    SELECT * FROM unnest(CAST(:annotator_ids AS integer[]), CAST(:names AS text[])) AS p(uid, name)
),
stated AS (
    SELECT b.*, q.key AS question, q.n, q.value ->> 'choice' AS choice,
           (b.shown_order ->> (CASE q.value ->> 'choice' WHEN 'A' THEN 0 ELSE 1 END))::int
               AS chosen_id,
           (b.shown_order ->> (CASE q.value ->> 'choice' WHEN 'A' THEN 1 ELSE 0 END))::int
               AS rejected_id
    FROM batch b
    CROSS JOIN LATERAL jsonb_each(b.answers) WITH ORDINALITY q(key, value, n)
    WHERE q.key = ANY(:pairwise) AND q.value ->> 'choice' IN ('A', 'B')
)
SELECT
    '{"campaign": ' || :slug || ', "chosen": ' || chosen.completion
    || ', "id": ' || to_json('j' || s.id || '.' || s.question)::text
    || ', "metadata": {"annotator_id": ' || to_json(ps.name)::text
    || ', "campaign_version": ' || s.campaign_version
    || ', "chosen_label": ' || to_json(s.choice)::text
    || ', "created_at": "' || to_char(s.created_at, 'YYYY-MM-DD"T"HH24:MI:SS') || 'Z"'
    || ', "item_id": ' || to_json(pr.external_id)::text
    || ', "judgment_id": ' || s.id
    || ', "question": ' || to_json(s.question)::text
    || ', "shown_order": ' || s.shown_order::text
    || ', "source_models": {"chosen": ' || chosen.model || ', "rejected": ' || rejected.model
    || '}, "time_spent_ms": ' || coalesce(s.time_spent_ms::text, 'null')
    || '}, "prompt": ' || pr.prompt || ', "rejected": ' || rejected.completion || '}'
FROM stated s
JOIN prompts pr ON pr.id = s.item_id
JOIN pseudonyms ps ON ps.uid = s.annotator_id
JOIN completions chosen ON chosen.id = s.chosen_id
JOIN completions rejected ON rejected.id = s.rejected_id
ORDER BY s.id, s.n
"""
).bindparams(
    bindparam("ids", type_=ARRAY(Integer)),
    bindparam("annotator_ids", type_=ARRAY(Integer)),
    bindparam("names", type_=ARRAY(String)),
    bindparam("pairwise", type_=ARRAY(String)),
)


def applies(session: Session, options: ExportOptions, scope: Scope, kinds: dict[str, str]) -> bool:
    """Whether this export can take the PostgreSQL path and give the same bytes."""
    preference_kinds = {kind for kind in kinds.values() if kind in PREFERENCE_KINDS}
    return (
        session.get_bind().dialect.name == "postgresql"
        and options.format == "dpo"
        and options.aggregation == "none"
        and options.min_agreement is None
        and options.conversational
        and not options.include_profiles
        and scope.current_only
        and scope.rounds is None
        and scope.models is None
        and scope.annotators is None
        and preference_kinds <= {"pairwise"}
    )


def batches(
    session: Session, scope: Scope, slug: str, kinds: dict[str, str]
) -> Iterator[tuple[list[str], list[tuple[int, int]]]]:
    """The lines of each batch of judgments (by id), with each judgment's (annotator, item)."""
    connection = session.connection()
    # The planner's row estimates for these joins are far off: they turn on JIT compilation
    # (~0.8 s per batch), plan sorts that spill to disk, and a generic plan (psycopg prepares a
    # statement run five times) scans whole tables per batch. None of that pays here.
    connection.exec_driver_sql("SET LOCAL jit = off")
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    annotators = select(Judgment.annotator_id).where(Judgment.campaign_id == scope.campaign_id)
    annotator_ids = sorted(connection.execute(annotators.distinct()).scalars())
    params: dict[str, Any] = {
        "slug": _json(slug),
        "annotator_ids": annotator_ids,
        "names": [scope.pseudonym(uid) for uid in annotator_ids],
        "pairwise": [question for question, kind in kinds.items() if kind == "pairwise"],
    }

    def fetch(after_id: int) -> tuple[list[str], list[Any]] | None:
        judged = connection.execute(
            select(Judgment.id, Judgment.annotator_id, Judgment.item_id)
            .where(*scope.where(), Judgment.id > after_id)
            .order_by(Judgment.id)
            .limit(BATCH)
        ).all()
        if not judged:
            return None
        batch = params | {
            "ids": [row[0] for row in judged],
            "first_id": judged[0][0],
            "last_id": judged[-1][0],
        }
        return list(connection.execute(LINES, batch).scalars()), judged

    # The next batch is read while the caller writes this one: PostgreSQL builds lines on one
    # core while Python writes and hashes on the other. Only the reading thread touches the
    # connection, one query at a time.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fast-dpo") as reader:
        upcoming = reader.submit(fetch, 0)
        while (found := upcoming.result()) is not None:
            lines, judged = found
            upcoming = reader.submit(fetch, judged[-1][0])
            yield lines, [(row[1], row[2]) for row in judged]


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
