"""Tree tasks for annotators: which kind of work, on which message, leased like items.

A request picks task kinds in a weighted random order (the campaign's weights), and for the
first kind with work finds a target among the campaign's live trees. The lease is taken with
the tree's row locked and the target's open leases counted, so concurrent requests never hand
out more reviews, replies or rankings than a message needs.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from prefhub.assignments.eligibility import sees_campaign
from prefhub.assignments.service import check_eligible
from prefhub.campaigns.service import spec_of
from prefhub.campaigns.tree_spec import TreeSettings
from prefhub.kit.time import utcnow
from prefhub.models import (
    Campaign,
    CampaignStatus,
    ConversationTree,
    MessageRole,
    TreeMessage,
    TreeRanking,
    TreeReview,
    TreeState,
    TreeTask,
    TreeTaskKind,
    TreeTaskStatus,
    User,
)
from prefhub.participation.service import require_onboarded, target_reached
from prefhub.trees.service import (
    LIVE_STATES,
    can_take_reply,
    live_children,
    lock_tree,
    messages_of,
    review_open,
    settings_of,
    sibling_sets,
)

REPLY_ROLE = {
    TreeTaskKind.assistant_reply: MessageRole.prompter,  # an assistant replies to a prompter
    TreeTaskKind.prompter_reply: MessageRole.assistant,
}
# Targets considered per kind and request: a random pick among them spreads annotators.
WINDOW = 32


@dataclass(frozen=True)
class _Open:
    """Leases still open, by (message id, kind)."""

    counts: Counter[tuple[int | None, TreeTaskKind]]

    def __call__(self, message_id: int | None, kind: TreeTaskKind) -> int:
        return self.counts[(message_id, kind)]


def expire_tasks(session: Session, campaign: Campaign) -> None:
    session.execute(
        update(TreeTask)
        .where(
            TreeTask.campaign_id == campaign.id,
            TreeTask.status == TreeTaskStatus.leased,
            TreeTask.expires_at < utcnow(),
        )
        .values(status=TreeTaskStatus.expired)
    )


def open_task(session: Session, campaign: Campaign, annotator: User) -> TreeTask | None:
    return session.scalar(
        select(TreeTask)
        .where(
            TreeTask.campaign_id == campaign.id,
            TreeTask.annotator_id == annotator.id,
            TreeTask.status == TreeTaskStatus.leased,
        )
        .order_by(TreeTask.id)
        .limit(1)
    )


def next_tree_task(
    session: Session, campaign: Campaign, annotator: User, rng: random.Random | None = None
) -> TreeTask | None:
    """The annotator's open task, or a new lease on the work the campaign needs most."""
    settings = settings_of(campaign)
    if campaign.status != CampaignStatus.active:
        # Paused or closed: the task held before is still the annotator's to finish.
        expire_tasks(session, campaign)
        held = open_task(session, campaign, annotator)
        if held is not None and sees_campaign(annotator, campaign.id):
            return held
    check_eligible(campaign, annotator)
    require_onboarded(session, campaign, annotator)
    if target_reached(session, campaign, annotator):
        return None
    rng = rng or random.SystemRandom()
    expire_tasks(session, campaign)
    current = open_task(session, campaign, annotator)
    if current is not None:
        return current
    for kind in _kinds_in_weighted_order(settings, rng):
        task = _lease(session, campaign, annotator, settings, kind, rng)
        if task is not None:
            return task
    return None


def _kinds_in_weighted_order(settings: TreeSettings, rng: random.Random) -> list[TreeTaskKind]:
    """A weighted shuffle: kind k comes first with probability weight(k) / total."""
    weights = {k: getattr(settings.weights, k.value) for k in TreeTaskKind}
    keyed = [(rng.random() ** (1 / w), k) for k, w in weights.items() if w > 0]
    return [k for _, k in sorted(keyed, key=lambda pair: pair[0], reverse=True)]


def _open_leases(session: Session, campaign: Campaign) -> _Open:
    rows = session.execute(
        select(TreeTask.message_id, TreeTask.kind, func.count())
        .where(TreeTask.campaign_id == campaign.id, TreeTask.status == TreeTaskStatus.leased)
        .group_by(TreeTask.message_id, TreeTask.kind)
    )
    return _Open(Counter({(m, k): n for m, k, n in rows}))


def _lease(
    session: Session,
    campaign: Campaign,
    annotator: User,
    settings: TreeSettings,
    kind: TreeTaskKind,
    rng: random.Random,
) -> TreeTask | None:
    if kind == TreeTaskKind.initial_prompt:
        return _lease_initial_prompt(session, campaign, annotator, settings)
    targets = _targets(session, campaign, annotator, settings, kind, rng)
    for tree_id, message_id in targets[:WINDOW]:
        lock_tree(session, tree_id)
        # Under the lock, with fresh rows: is the work still there?
        messages = {m.id: m for m in messages_of(session, tree_id)}
        leases = _open_leases(session, campaign)
        done = _done_by(session, annotator, kind)
        shown = _still_needed(
            session, annotator, settings, kind, messages, message_id, leases, done
        )
        if shown is not None:
            rng.shuffle(shown)
            return _new_task(
                session, campaign, annotator, settings, kind, tree_id, message_id, shown
            )
    return None


def _lease_initial_prompt(
    session: Session, campaign: Campaign, annotator: User, settings: TreeSettings
) -> TreeTask | None:
    # The campaign row's lock serialises the count of live trees against new prompt leases.
    session.scalar(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    trees = dict(
        session.execute(
            select(ConversationTree.state, func.count())
            .where(ConversationTree.campaign_id == campaign.id)
            .group_by(ConversationTree.state)
        )
        .tuples()
        .all()
    )
    live = sum(trees.get(state, 0) for state in LIVE_STATES)
    leased = _open_leases(session, campaign)(None, TreeTaskKind.initial_prompt)
    if live + leased >= settings.max_active_trees:
        return None
    started = sum(trees.values()) - trees.get(TreeState.aborted_low_grade, 0)
    if settings.max_trees is not None and started + leased >= settings.max_trees:
        return None
    return _new_task(session, campaign, annotator, settings, TreeTaskKind.initial_prompt)


def _targets(
    session: Session,
    campaign: Campaign,
    annotator: User,
    settings: TreeSettings,
    kind: TreeTaskKind,
    rng: random.Random,
) -> list[tuple[int, int]]:
    """(tree id, message id) pairs with work of this kind, best first, read without locks."""
    states = {
        TreeTaskKind.review: (TreeState.initial_prompt_review, TreeState.growing),
        TreeTaskKind.rank: (TreeState.ranking,),
    }.get(kind, (TreeState.growing,))
    trees = list(
        session.scalars(
            select(ConversationTree.id).where(
                ConversationTree.campaign_id == campaign.id, ConversationTree.state.in_(states)
            )
        )
    )
    if not trees:
        return []
    messages = list(session.scalars(select(TreeMessage).where(TreeMessage.tree_id.in_(trees))))
    by_tree: dict[int, dict[int, TreeMessage]] = {}
    for m in messages:
        by_tree.setdefault(m.tree_id, {})[m.id] = m
    leases = _open_leases(session, campaign)
    done = _done_by(session, annotator, kind)
    found = [
        (tree_id, message_id)
        for tree_id, tree_messages in by_tree.items()
        for message_id in tree_messages
        if _still_needed(
            session, annotator, settings, kind, tree_messages, message_id, leases, done
        )
        is not None
    ]
    rng.shuffle(found)
    if kind in REPLY_ROLE:
        # Messages without replies first; one with a lone reply gets a sibling with the
        # campaign's probability, else waits behind the rest.
        def order(pair: tuple[int, int]) -> int:
            replies = len(live_children(by_tree[pair[0]].values(), pair[1]))
            if replies == 0:
                return 0
            if replies == 1 and rng.random() < settings.lone_reply_sibling_probability:
                return 1
            return 2

        found.sort(key=order)
    return found


def _still_needed(
    session: Session,
    annotator: User,
    settings: TreeSettings,
    kind: TreeTaskKind,
    messages: dict[int, TreeMessage],
    message_id: int,
    leases: _Open,
    done: set[int],
) -> list[int] | None:
    """The ids to show if ``annotator`` may take this work now, else None. ``done`` holds the
    messages they already reviewed (or whose replies they already ranked)."""
    message = messages[message_id]
    tree = session.get_one(ConversationTree, message.tree_id)
    if kind in REPLY_ROLE:
        if message.role != REPLY_ROLE[kind]:
            return None
        ok = can_take_reply(
            tree, message, list(messages.values()), settings, leased=leases(message_id, kind)
        )
        return [] if ok else None
    if message_id in done:
        return None
    if kind == TreeTaskKind.review:
        needed = (
            settings.reviews_needed_prompt
            if message.parent_id is None
            else settings.reviews_needed_reply
        )
        if (
            not review_open(tree, message)
            or message.author_id == annotator.id
            or message.review_count + leases(message_id, kind) >= needed
        ):
            return None
        return []
    # Ranking the replies to this message.
    siblings = sibling_sets(list(messages.values())).get(message_id)
    if (
        tree.state != TreeState.ranking
        or not siblings
        or message.ranking_count + leases(message_id, kind) >= settings.rankings_needed
        or any(s.author_id == annotator.id for s in siblings)
    ):
        return None
    return [s.id for s in siblings]


def _done_by(session: Session, annotator: User, kind: TreeTaskKind) -> set[int]:
    if kind == TreeTaskKind.review:
        column, who = TreeReview.message_id, TreeReview.annotator_id
    elif kind == TreeTaskKind.rank:
        column, who = TreeRanking.parent_id, TreeRanking.annotator_id
    else:
        return set()
    return set(session.scalars(select(column).where(who == annotator.id)))


def _new_task(
    session: Session,
    campaign: Campaign,
    annotator: User,
    settings: TreeSettings,
    kind: TreeTaskKind,
    tree_id: int | None = None,
    message_id: int | None = None,
    shown: list[int] | None = None,
) -> TreeTask:
    task = TreeTask(
        campaign_id=campaign.id,
        annotator_id=annotator.id,
        kind=kind,
        tree_id=tree_id,
        message_id=message_id,
        shown_ids=shown or [],
        status=TreeTaskStatus.leased,
        expires_at=utcnow() + timedelta(minutes=spec_of(campaign).lease_minutes),
    )
    session.add(task)
    session.flush()
    return task
