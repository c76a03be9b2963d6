"""Models add assistant replies to accepted prompter messages, through generation jobs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from prefhub.campaigns.tree_spec import ModelReplies
from prefhub.models import Campaign, TreeMessage


def request_model_replies(
    session: Session, campaign: Campaign, message: TreeMessage, settings: ModelReplies
) -> None:
    from prefhub.generation.service import create_tree_reply_job

    create_tree_reply_job(session, campaign, message, settings)
