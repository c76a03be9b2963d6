"""Deleting a campaign and everything that hangs off it, in one transaction.

The foreign keys cascade, but rows are deleted explicitly, children first: some foreign keys
between children do not cascade (a judgment's assignment, a report's assignment), and the
order then holds on every database whatever its foreign-key settings.

The campaign's export folders go too, once the transaction has committed (a rolled-back
deletion keeps them): only folders under the export root, which the server wrote; a folder
an operator chose with ``prefhub export --out`` is theirs to keep. A file that cannot be
removed is logged, never an error: the campaign is gone either way.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Delete, Table, delete, func, select
from sqlalchemy.orm import Session

from prefhub.campaigns.exceptions import (
    CampaignNotDeletable,
    CampaignNotEmpty,
    ConfirmationMismatch,
)
from prefhub.campaigns.lifecycle import DELETABLE
from prefhub.exports.service import PARTIAL_MARKER, default_folder
from prefhub.kit.enqueue import send_after_commit
from prefhub.models import (
    Assignment,
    Campaign,
    CampaignMedia,
    CampaignParticipant,
    CampaignVersion,
    Candidate,
    ConversationTree,
    ExportJob,
    GenerationRequest,
    Item,
    ItemReport,
    Job,
    Judgment,
    TreeMessage,
    TreeMessageRevision,
    TreeRanking,
    TreeReview,
    TreeTask,
)
from prefhub.models.job import job_kinds
from prefhub.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contents:
    """What deleting a campaign would destroy, as its confirmation names it."""

    items: int
    judgments: int
    trees: int
    exports: int

    @property
    def collected(self) -> bool:
        """Whether anything annotators or exports made would be lost."""
        return bool(self.judgments or self.trees or self.exports)


def contents(session: Session, campaign: Campaign) -> Contents:
    def count(model: type[Item | Judgment | ConversationTree | ExportJob], *where: object) -> int:
        query = select(func.count()).select_from(model).where(model.campaign_id == campaign.id)
        return int(session.scalar(query.where(*where)) or 0)  # type: ignore[arg-type]

    return Contents(
        items=count(Item),
        # Current judgments, as the campaign's progress counts them.
        judgments=count(Judgment, Judgment.supersedes_id.is_(None)),
        trees=count(ConversationTree),
        exports=count(ExportJob),
    )


def delete_campaign(
    session: Session,
    campaign: Campaign,
    *,
    confirm_slug: str | None = None,
    confirm_judgments: int | None = None,
) -> Contents:
    """Delete a draft or archived campaign. One holding judgments, trees or exports needs the
    caller to name its slug and its current judgment count: a count that moved since the
    caller looked means they confirmed something else. An empty one needs no confirmation."""
    if campaign.status not in DELETABLE:
        raise CampaignNotDeletable(
            f"Campaign '{campaign.slug}' is {campaign.status.value}: only a draft or an "
            "archived campaign can be deleted (close and archive it first)"
        )
    found = contents(session, campaign)
    if found.collected:
        if confirm_slug is None and confirm_judgments is None:
            raise CampaignNotEmpty(
                f"Campaign '{campaign.slug}' holds {found.judgments} judgment(s), "
                f"{found.trees} tree(s) and {found.exports} export(s); confirm with its slug "
                "and judgment count to delete them all",
                details=asdict(found),
            )
        if confirm_slug != campaign.slug or confirm_judgments != found.judgments:
            raise ConfirmationMismatch(
                f"The confirmation does not match campaign '{campaign.slug}' as it is now "
                f"({found.judgments} judgment(s)); look again and confirm what is there",
                details=asdict(found),
            )
    folders = _export_folders(session, campaign)
    for statement in [*_deletions(campaign.id), delete(Campaign).where(Campaign.id == campaign.id)]:
        session.execute(statement)
    session.expunge(campaign)
    if folders:
        send_after_commit(
            session,
            f"removal of campaign '{campaign.slug}'s export folders",
            lambda: remove_export_folders(folders),
        )
    return found


def _export_folders(session: Session, campaign: Campaign) -> list[Path]:
    """The folders the campaign's export jobs wrote or were writing (a crashed one's
    ``.partial`` too) that lie under the export root."""
    root = get_settings().export_root.resolve()
    found: list[Path] = []
    jobs = session.scalars(select(ExportJob).where(ExportJob.campaign_id == campaign.id))
    for job in jobs:
        default = default_folder(campaign, job)
        for folder in {Path(job.folder) if job.folder else default, default}:
            for path in (folder, folder.with_name(folder.name + ".partial")):
                # The parent resolved, not the folder: a symlink is removed, never followed.
                resolved = path.parent.resolve() / path.name
                inside = resolved.is_relative_to(root) and path.name not in ("", ".", "..")
                if inside and resolved != root and resolved not in found:
                    found.append(resolved)
    return found


def remove_export_folders(folders: list[Path]) -> None:
    """Remove what is there of ``folders``; each file or folder that resists is logged."""

    def resisted(_function: object, path: str, exc_info: tuple[type, BaseException, Any]) -> None:
        log.error("could not remove %s of a deleted campaign's export: %s", path, exc_info[1])

    for folder in folders:
        if folder.is_symlink() or folder.is_file():
            try:
                folder.unlink()
            except OSError as exc:
                log.error("could not remove %s of a deleted campaign's export: %s", folder, exc)
        elif folder.is_dir():
            if folder.name.endswith(".partial") and not (folder / PARTIAL_MARKER).is_file():
                continue  # not one an export left: nothing of ours to remove
            shutil.rmtree(folder, onerror=resisted)


def _deletions(campaign_id: int) -> list[Delete]:
    items = select(Item.id).where(Item.campaign_id == campaign_id)
    trees = select(ConversationTree.id).where(ConversationTree.campaign_id == campaign_id)
    messages = select(TreeMessage.id).where(TreeMessage.tree_id.in_(trees))
    jobs = select(Job.id).where(Job.campaign_id == campaign_id)
    # Each kind of job keeps its own columns in a table of its own, keyed by the job's id.
    kind_tables = {
        table
        for kind in job_kinds().values()
        if isinstance(table := kind.__table__, Table) and table is not Job.__table__
    }
    return [
        delete(TreeRanking).where(TreeRanking.parent_id.in_(messages)),
        delete(TreeReview).where(TreeReview.message_id.in_(messages)),
        delete(TreeTask).where(TreeTask.campaign_id == campaign_id),
        delete(TreeMessageRevision).where(TreeMessageRevision.message_id.in_(messages)),
        delete(TreeMessage).where(TreeMessage.tree_id.in_(trees)),
        delete(ConversationTree).where(ConversationTree.campaign_id == campaign_id),
        delete(ItemReport).where(ItemReport.campaign_id == campaign_id),
        delete(Judgment).where(Judgment.campaign_id == campaign_id),
        delete(Assignment).where(Assignment.campaign_id == campaign_id),
        delete(Candidate).where(Candidate.item_id.in_(items)),
        delete(GenerationRequest).where(
            GenerationRequest.item_id.in_(items) | GenerationRequest.job_id.in_(jobs)
        ),
        *(delete(table).where(table.c.id.in_(jobs)) for table in kind_tables),
        delete(Job).where(Job.campaign_id == campaign_id),
        delete(Item).where(Item.campaign_id == campaign_id),
        delete(CampaignMedia).where(CampaignMedia.campaign_id == campaign_id),
        delete(CampaignParticipant).where(CampaignParticipant.campaign_id == campaign_id),
        delete(CampaignVersion).where(CampaignVersion.campaign_id == campaign_id),
    ]
