"""progress counters: a campaign's item counts and each annotator's judgments, kept by triggers

The annotator's progress (on every next task and submit) read two counts over the campaign's
items and one over the annotator's judgments; at 100,000 items the item counts cost real
PostgreSQL CPU per request. Now triggers on ``items`` and ``judgments`` keep the counts in
``campaign_item_counts`` (8 rows per campaign, by item id: annotators completing items at once
rarely wait on each other's row lock) and ``annotator_judgment_counts``, and the backfill
counts what is already there.

PostgreSQL: statement-level triggers with transition tables, one counter update per (campaign,
shard) a statement touches, in key order: an import's COPY or its publish UPDATE of 100,000
rows costs a handful of row updates, not 100,000 updates of the same rows. SQLite: row
triggers guarded by WHEN (a lease's UPDATE of other columns runs no trigger body).

Revision ID: 2600_progress_counters
Revises: 2550_gold_indexes
Create Date: 2026-12-07 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2600_progress_counters"
down_revision: str | None = "2550_gold_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 8

# Per table: its counter table, the counter row's key (columns, and each from the counted row),
# and what each counted row adds to its counts.
COUNTED = {
    "items": (
        "campaign_item_counts",
        {"campaign_id": "campaign_id", "shard": f"id % {SHARDS}"},
        {
            "items_total": "(status <> 'importing')::int",
            "items_complete": "(status = 'complete')::int",
        },
    ),
    "judgments": (
        "annotator_judgment_counts",
        {"campaign_id": "campaign_id", "annotator_id": "annotator_id"},
        {"judgments": "(supersedes_id IS NULL)::int"},
    ),
}


def _postgresql_function(table: str, event: str) -> str:
    """A statement trigger's function: the statement's rows summed per counter row (old rows
    subtracted, new ones added), then one write per counter row that changed, in key order
    (two statements never lock the same counter rows in opposite orders)."""
    counters, key, counts = COUNTED[table]
    names, key_of = list(key), list(key.values())
    parts = []
    for sign, rows in (("-", "old"), ("", "new")):
        if (rows == "old" and event != "INSERT") or (rows == "new" and event != "DELETE"):
            values = ", ".join(f"{sign}{expression} AS {n}" for n, expression in counts.items())
            parts.append(
                f"SELECT {key_of[0]} AS k1, {key_of[1]} AS k2, {values} FROM {rows}_{table}"
            )
    sums = ", ".join(f"sum({n}) AS {n}" for n in counts)
    changed = " OR ".join(f"sum({n}) <> 0" for n in counts)
    where = f"{names[0]} = r.k1 AND {names[1]} = r.k2"
    if event == "DELETE":
        # No insert: the campaign may be going (a cascade), and a counter row that counted
        # these rows exists already.
        sets = ", ".join(f"{n} = {n} + r.{n}" for n in counts)
        write = f"UPDATE {counters} SET {sets} WHERE {where};"
    else:
        values = ", ".join(f"r.{n}" for n in counts)
        sets = ", ".join(f"{n} = c.{n} + excluded.{n}" for n in counts)
        write = (
            f"INSERT INTO {counters} AS c ({names[0]}, {names[1]}, {', '.join(counts)}) "
            f"VALUES (r.k1, r.k2, {values}) "
            f"ON CONFLICT ({names[0]}, {names[1]}) DO UPDATE SET {sets};"
        )
    return f"""
CREATE FUNCTION prefhub_count_{table}_{event.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT k1, k2, {sums} FROM ({" UNION ALL ".join(parts)}) AS d
    GROUP BY k1, k2 HAVING {changed} ORDER BY k1, k2
  LOOP
    {write}
  END LOOP;
  RETURN NULL;
END $$"""


def _postgresql_triggers() -> list[str]:
    statements = []
    for table in COUNTED:
        for event, referencing in (
            ("INSERT", f"NEW TABLE AS new_{table}"),
            ("UPDATE", f"OLD TABLE AS old_{table} NEW TABLE AS new_{table}"),
            ("DELETE", f"OLD TABLE AS old_{table}"),
        ):
            statements.append(_postgresql_function(table, event))
            statements.append(
                f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION prefhub_count_{table}_{event.lower()}()"
            )
    return statements


# An item counts in items_total unless importing, in items_complete when complete; a judgment
# counts unless it is a revision.
_ITEM_ADD = f"""
  INSERT INTO campaign_item_counts (campaign_id, shard, items_total, items_complete)
  VALUES (NEW.campaign_id, NEW.id % {SHARDS}, NEW.status <> 'importing', NEW.status = 'complete')
  ON CONFLICT (campaign_id, shard) DO UPDATE
  SET items_total = items_total + excluded.items_total,
      items_complete = items_complete + excluded.items_complete;"""
_ITEM_SUBTRACT = f"""
  UPDATE campaign_item_counts
  SET items_total = items_total - (OLD.status <> 'importing'),
      items_complete = items_complete - (OLD.status = 'complete')
  WHERE campaign_id = OLD.campaign_id AND shard = OLD.id % {SHARDS};"""
_JUDGMENT_ADD = """
  INSERT INTO annotator_judgment_counts (campaign_id, annotator_id, judgments)
  VALUES (NEW.campaign_id, NEW.annotator_id, 1)
  ON CONFLICT (campaign_id, annotator_id) DO UPDATE SET judgments = judgments + 1;"""
_JUDGMENT_SUBTRACT = """
  UPDATE annotator_judgment_counts SET judgments = judgments - 1
  WHERE campaign_id = OLD.campaign_id AND annotator_id = OLD.annotator_id;"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER items_counted_insert AFTER INSERT ON items "
    f"WHEN NEW.status <> 'importing' BEGIN {_ITEM_ADD} END",
    "CREATE TRIGGER items_counted_delete AFTER DELETE ON items "
    f"WHEN OLD.status <> 'importing' BEGIN {_ITEM_SUBTRACT} END",
    "CREATE TRIGGER items_counted_update AFTER UPDATE OF status, campaign_id, id ON items "
    "WHEN (OLD.status <> 'importing') <> (NEW.status <> 'importing') "
    "OR (OLD.status = 'complete') <> (NEW.status = 'complete') "
    "OR OLD.campaign_id <> NEW.campaign_id OR OLD.id <> NEW.id "
    f"BEGIN {_ITEM_SUBTRACT} {_ITEM_ADD} END",
    "CREATE TRIGGER judgments_counted_insert AFTER INSERT ON judgments "
    f"WHEN NEW.supersedes_id IS NULL BEGIN {_JUDGMENT_ADD} END",
    "CREATE TRIGGER judgments_counted_delete AFTER DELETE ON judgments "
    f"WHEN OLD.supersedes_id IS NULL BEGIN {_JUDGMENT_SUBTRACT} END",
    "CREATE TRIGGER judgments_counted_update "
    "AFTER UPDATE OF supersedes_id, campaign_id, annotator_id ON judgments "
    "WHEN (OLD.supersedes_id IS NULL) <> (NEW.supersedes_id IS NULL) "
    "OR OLD.campaign_id <> NEW.campaign_id OR OLD.annotator_id <> NEW.annotator_id "
    """BEGIN
      UPDATE annotator_judgment_counts SET judgments = judgments - (OLD.supersedes_id IS NULL)
      WHERE campaign_id = OLD.campaign_id AND annotator_id = OLD.annotator_id;
      INSERT INTO annotator_judgment_counts (campaign_id, annotator_id, judgments)
      VALUES (NEW.campaign_id, NEW.annotator_id, NEW.supersedes_id IS NULL)
      ON CONFLICT (campaign_id, annotator_id) DO UPDATE
      SET judgments = judgments + excluded.judgments;
    END""",
]

TRIGGERS = (
    "items_counted_insert",
    "items_counted_update",
    "items_counted_delete",
    "judgments_counted_insert",
    "judgments_counted_update",
    "judgments_counted_delete",
)

BACKFILL = [
    f"""INSERT INTO campaign_item_counts (campaign_id, shard, items_total, items_complete)
    SELECT campaign_id, id % {SHARDS},
           sum(CASE WHEN status <> 'importing' THEN 1 ELSE 0 END),
           sum(CASE WHEN status = 'complete' THEN 1 ELSE 0 END)
    FROM items GROUP BY campaign_id, id % {SHARDS}""",
    """INSERT INTO annotator_judgment_counts (campaign_id, annotator_id, judgments)
    SELECT campaign_id, annotator_id, count(*) FROM judgments
    WHERE supersedes_id IS NULL GROUP BY campaign_id, annotator_id""",
]


def upgrade() -> None:
    op.create_table(
        "campaign_item_counts",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("items_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("items_complete", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_item_counts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "shard", name=op.f("pk_campaign_item_counts")),
    )
    op.create_table(
        "annotator_judgment_counts",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("judgments", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["users.id"],
            name=op.f("fk_annotator_judgment_counts_annotator_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_annotator_judgment_counts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "annotator_id", name=op.f("pk_annotator_judgment_counts")
        ),
    )
    # Triggers first: on PostgreSQL creating them locks out writers to items and judgments
    # until this migration commits, so the backfill counts exactly what the triggers missed.
    if op.get_context().dialect.name == "postgresql":
        for statement in _postgresql_triggers():
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for name in TRIGGERS:
        table = name.split("_counted_")[0]
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        for name in TRIGGERS:
            op.execute(f"DROP FUNCTION prefhub_count_{name.replace('_counted', '')}()")
    op.drop_table("annotator_judgment_counts")
    op.drop_table("campaign_item_counts")
