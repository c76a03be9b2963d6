"""Models add assistant replies to accepted prompter messages, through generation jobs.

Trees say *when* a message wants model replies; generation knows *how* to ask the models, and
stores each reply back with ``trees.service.add_reply``. So generation imports trees, and trees
ask for replies through this hook, which ``prefhub.generation.service`` fills when it is
imported (the API, the worker and the simulation all import it): trees never import generation.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from prefhub.campaigns.tree_spec import ModelReplies
from prefhub.models import Campaign, TreeMessage

# Opens a job of model replies to the message, in the caller's transaction.
RequestReplies = Callable[[Session, Campaign, TreeMessage, ModelReplies], object]

_request: RequestReplies | None = None


def register(request: RequestReplies) -> None:
    """Generation's way to ask models for replies (one generation domain: the last one wins)."""
    global _request
    _request = request


def request_model_replies(
    session: Session, campaign: Campaign, message: TreeMessage, settings: ModelReplies
) -> None:
    if _request is None:
        raise RuntimeError(
            "Nothing asks models for tree replies in this process: "
            "import prefhub.generation.service, which registers it"
        )
    _request(session, campaign, message, settings)
