"""Rich tables more than one ``prefhub quality`` command prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from prefhub.quality.leaderboard import Leaderboard


def standings_table(title: str, board: Leaderboard) -> Table:
    from rich.table import Table

    from prefhub.quality.leaderboard import elo

    table = Table(title=f"{title} ({board.judgments:g} judgments)")
    for column in ("rank", "model", "rating", "95% interval", "win rate", "judgments"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for s in board.standings:
        table.add_row(
            str(s.rank),
            s.model,
            f"{s.rating:.0f}",
            f"{elo(s.low):.0f} to {elo(s.high):.0f}",
            "-" if s.win_rate is None else f"{s.win_rate:.0%}",
            f"{s.judgments:g}",
        )
    return table
