"""``prefhub quality annotators`` and ``prefhub quality exclude``: the annotators' reliability
as a table (the endpoint's numbers; reading it applies the campaign's rules), and a
researcher's exclusion from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from prefhub.cli.common import console, fail
from prefhub.kit.errors import PrefhubError

SHOWN = (
    ("gold_accuracy", "gold"),
    ("peer_agreement", "peer"),
    ("left_share", "left"),
    ("speed_ratio", "speed"),
    ("straight_lining", "same"),
    ("skip_rate", "skip"),
    ("report_rate", "report"),
)


def annotators(slug: str) -> None:
    """Each annotator's score and measures (value and evidence n), lowest score first, with
    their standing and why."""
    from rich.table import Table

    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.quality.annotators_service import annotators_view

    try:
        with unit_of_work() as session:
            view = annotators_view(session, get_by_slug(session, slug))
    except PrefhubError as exc:
        raise fail(exc.message) from None
    rules = len(view.rules)
    console.print(
        f"[bold]{slug}[/] · {len(view.annotators)} annotators · peer agreement within "
        f"{view.grouping} · {rules} rule{'s' * (rules != 1)}"
    )
    table = Table(title="annotators, lowest score first (evidence: value/n)")
    for column in ("annotator", "group", "judgments", "score", "standing", "evidence"):
        table.add_column(column, justify="right" if column in ("judgments", "score") else "left")
    decided = []
    for row in view.annotators:
        evidence = []
        for measure, short in SHOWN:
            found = row.evidence.get(measure)
            if found is not None and found.value is not None:
                evidence.append(f"{short} {found.value:.2f}/{found.n}")
        table.add_row(
            row.username,
            row.group or "-",
            str(row.judgments),
            "-" if row.score is None else f"{row.score:.2f}",
            row.standing,
            "  ".join(evidence),
        )
        if row.standing_source:
            reason = row.standing_reason or ""
            decided.append(f"{row.username}: {row.standing} ({row.standing_source}) {reason}")
    console.print(table)
    for line in decided:
        console.print(line.rstrip())


def exclude(
    slug: str,
    username: Annotated[str, typer.Argument(help="e-mail, display name or user id")],
    reason: Annotated[str, typer.Option("--reason", help="why (kept with the standing)")],
) -> None:
    """Exclude an annotator from the campaign as a researcher: no more tasks, their
    judgments left out of training exports; no rule lifts it."""
    from sqlalchemy import exists, or_, select

    from prefhub.campaigns.service import get_by_slug
    from prefhub.kit.db import unit_of_work
    from prefhub.models import Assignment, User
    from prefhub.quality.rules import MAX_REASON, set_standing

    if len(reason) > MAX_REASON:
        raise fail(f"--reason takes at most {MAX_REASON} characters")
    try:
        with unit_of_work() as session:
            campaign = get_by_slug(session, slug)
            by_id = [User.id == int(username)] if username.isdigit() and len(username) < 10 else []
            # Display names repeat across campaigns (simulated annotators' always do): one
            # names only the annotators who worked on this campaign.
            worked_here = exists().where(
                Assignment.campaign_id == campaign.id, Assignment.annotator_id == User.id
            )
            found = list(
                session.scalars(
                    select(User).where(
                        or_(
                            User.email == username.lower(),
                            (User.display_name == username) & worked_here,
                            *by_id,
                        )
                    )
                )
            )
            if len(found) != 1:
                problem = "No user" if not found else f"{len(found)} users"
                raise fail(f"{problem} named '{username}': give their e-mail or id")
            set_standing(session, campaign, found[0].id, "excluded", reason)
    except PrefhubError as exc:
        raise fail(exc.message) from None
    console.print(f"excluded {username} from {slug}: {reason}")
