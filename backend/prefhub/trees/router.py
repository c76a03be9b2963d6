from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select

from prefhub.assignments.exceptions import CampaignNotActive
from prefhub.auth.dependencies import (
    AnnotatableCampaign,
    CurrentUser,
    ManagedCampaign,
    StaffUser,
)
from prefhub.auth.policies import can_manage_campaign
from prefhub.kit.bounds import Offset, PathId
from prefhub.kit.deps import SessionDep
from prefhub.kit.openapi import errors
from prefhub.models import Campaign, ConversationTree, TreeState, User
from prefhub.participation.exceptions import OnboardingRequired
from prefhub.trees import assignment, service, submissions, views
from prefhub.trees.exceptions import TreeNotFound, TreeStateConflict, TreeTaskClosed
from prefhub.trees.schemas import (
    DeleteResult,
    EditMessageRequest,
    FlaggedList,
    HaltRequest,
    RevisionList,
    TreeDetail,
    TreeList,
    TreeNextResponse,
    TreeSkipRequest,
    TreeSubmitResponse,
)
from prefhub.trees.submissions import TreeSubmission

annotate = APIRouter(prefix="/api/annotate/{slug}/tree-tasks", tags=["trees"])
manage = APIRouter(prefix="/api", tags=["trees"])


@annotate.get(
    "/next",
    response_model=TreeNextResponse,
    responses=errors(CampaignNotActive, OnboardingRequired),
)
def next_tree_task(
    campaign: AnnotatableCampaign, user: CurrentUser, session: SessionDep
) -> TreeNextResponse:
    """The annotator's open tree task, or a new one; ``task`` is null when there is no work."""
    service.settings_of(campaign)
    task = assignment.next_tree_task(session, campaign, user)
    return TreeNextResponse(
        task=views.task_payload(session, campaign, task, user) if task else None
    )


@annotate.post(
    "/{task_id}/submit",
    response_model=TreeSubmitResponse,
    responses=errors(TreeTaskClosed, TreeStateConflict),
)
def submit_tree_task(
    campaign: AnnotatableCampaign,
    task_id: PathId,
    body: TreeSubmission,
    user: CurrentUser,
    session: SessionDep,
) -> TreeSubmitResponse:
    service.settings_of(campaign)
    task = submissions.submit(session, campaign, user, task_id, body)
    tree = session.get(ConversationTree, task.tree_id) if task.tree_id else None
    return TreeSubmitResponse(
        task_id=task.id,
        status=task.status,
        tree_id=task.tree_id,
        tree_state=tree.state if tree else None,
        message_id=task.result_message_id,
    )


@annotate.post("/{task_id}/skip", status_code=204, responses=errors(TreeTaskClosed))
def skip_tree_task(
    campaign: AnnotatableCampaign,
    task_id: PathId,
    body: TreeSkipRequest,
    user: CurrentUser,
    session: SessionDep,
) -> None:
    service.settings_of(campaign)
    submissions.skip(session, campaign, user, task_id, body.reason)


# ---------------------------------------------------------------- researchers


def _managed_tree(
    session: SessionDep, user: User, tree_id: int
) -> tuple[ConversationTree, Campaign]:
    tree = session.get(ConversationTree, tree_id)
    if tree is None:
        raise TreeNotFound(f"No tree {tree_id}")
    campaign = session.get_one(Campaign, tree.campaign_id)
    if not can_manage_campaign(user, campaign):
        raise TreeNotFound(f"No tree {tree_id}")
    return tree, campaign


@manage.get("/campaigns/{slug}/trees", response_model=TreeList)
def list_trees(
    campaign: ManagedCampaign,
    session: SessionDep,
    state: TreeState | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
) -> TreeList:
    """The campaign's trees, newest first, optionally in one state, with counts by state."""
    service.settings_of(campaign)  # 409 for a campaign that grows no trees
    query = select(ConversationTree).where(ConversationTree.campaign_id == campaign.id)
    if state is not None:
        query = query.where(ConversationTree.state == state)
    trees = list(
        session.scalars(query.order_by(ConversationTree.id.desc()).limit(limit).offset(offset))
    )
    roots = views.roots_of(session, [t.id for t in trees])
    return TreeList(
        counts=service.counts(session, campaign).by_state,
        trees=[views.summary(t, roots.get(t.id)) for t in trees],
    )


@manage.get("/trees/{tree_id}", response_model=TreeDetail)
def get_tree(tree_id: PathId, user: StaffUser, session: SessionDep) -> TreeDetail:
    tree, _ = _managed_tree(session, user, tree_id)
    return views.detail(session, tree)


@manage.post(
    "/trees/{tree_id}/halt", response_model=TreeDetail, responses=errors(TreeStateConflict)
)
def halt_tree(
    tree_id: PathId, body: HaltRequest, user: StaffUser, session: SessionDep
) -> TreeDetail:
    """Stop a tree: no more tasks on it; what it holds stays."""
    tree, _ = _managed_tree(session, user, tree_id)
    tree = service.lock_tree(session, tree.id)
    service.halt(session, tree, user, body.reason)
    return views.detail(session, tree)


@manage.delete("/tree-messages/{message_id}", response_model=DeleteResult)
def delete_tree_message(message_id: PathId, user: StaffUser, session: SessionDep) -> DeleteResult:
    """Soft-delete a message and every reply below it (kept, hidden from tasks and exports)."""
    message = service.get_message(session, message_id)
    _, campaign = _managed_tree(session, user, message.tree_id)
    return DeleteResult(deleted=service.delete_message(session, campaign, message))


@manage.put("/tree-messages/{message_id}", response_model=TreeDetail)
def edit_tree_message(
    message_id: PathId, body: EditMessageRequest, user: StaffUser, session: SessionDep
) -> TreeDetail:
    """Correct a message's text (e.g. remove personal data); the old text stays as a revision."""
    message = service.get_message(session, message_id)
    tree, _ = _managed_tree(session, user, message.tree_id)
    service.lock_tree(session, tree.id)
    service.edit_message(session, message, user, [{"type": "text", "text": body.text}])
    return views.detail(session, tree)


@manage.get("/tree-messages/{message_id}/revisions", response_model=RevisionList)
def message_revisions(message_id: PathId, user: StaffUser, session: SessionDep) -> RevisionList:
    message = service.get_message(session, message_id)
    _managed_tree(session, user, message.tree_id)
    return RevisionList(revisions=views.revisions(session, message))


@manage.get("/campaigns/{slug}/tree-messages/flagged", response_model=FlaggedList)
def flagged_messages(campaign: ManagedCampaign, session: SessionDep) -> FlaggedList:
    """Messages reviewers flagged (spam, not appropriate, personal data, …) or rejected."""
    service.settings_of(campaign)
    return FlaggedList(messages=views.flagged(session, campaign))
