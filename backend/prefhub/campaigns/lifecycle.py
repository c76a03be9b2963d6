"""A campaign's lifecycle: which status may follow which, and what each status allows.

draft (researchers only, preview works) → active → paused (listed to annotators as paused, no
new tasks) → closed (read-only, exports work) → archived (hidden, may be deleted). Leases held
when a campaign is paused or closed may still be submitted until they expire: nothing an
annotator did is lost.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from prefhub.campaigns.exceptions import CampaignClosed, InvalidTransition
from prefhub.campaigns.spec import CampaignSpec
from prefhub.models import Campaign, CampaignStatus
from prefhub.quality.gold_supply import require_enough_gold

_S = CampaignStatus
TRANSITIONS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    _S.draft: (_S.active,),
    _S.active: (_S.paused, _S.closed),
    _S.paused: (_S.active, _S.closed),
    _S.closed: (_S.archived, _S.active),
    _S.archived: (_S.closed,),
}
# Annotators' list shows these (a paused one marked so); the others do not exist for them.
SHOWN_TO_ANNOTATORS = frozenset({_S.active, _S.paused})
# Annotate routes answer for these (a closed campaign still takes a held lease's submit and
# shows its completion code); draft and archived campaigns are a 404 to annotators.
REACHABLE_BY_ANNOTATORS = frozenset({_S.active, _S.paused, _S.closed})
# Spec edits and item imports are refused in these.
READ_ONLY = frozenset({_S.closed, _S.archived})
# Deleting is for a draft never opened or a campaign put away; anything else is closed first.
DELETABLE = frozenset({_S.draft, _S.archived})
# What a new campaign may start as.
INITIAL = frozenset({_S.draft, _S.active})


def change_status(session: Session, campaign: Campaign, to: CampaignStatus) -> Campaign:
    allowed = TRANSITIONS[campaign.status]
    if to not in allowed:
        raise InvalidTransition(
            f"Campaign '{campaign.slug}' is {campaign.status.value}: it cannot become "
            f"{to.value} (it may become {', '.join(s.value for s in allowed)})",
            details={
                "from": campaign.status.value,
                "to": to.value,
                "allowed": [s.value for s in allowed],
            },
        )
    if to == _S.active:
        require_ready_to_open(session, campaign)
    campaign.status = to
    session.flush()
    return campaign


def require_ready_to_open(
    session: Session, campaign: Campaign, spec: CampaignSpec | None = None
) -> None:
    """What a campaign (under ``spec``, else its own) needs before annotators may have it:
    409 ``not_enough_gold`` when its qualification phase asks for more gold than it holds."""
    if spec is None:
        try:
            spec = CampaignSpec.model_validate(campaign.spec)
        except ValidationError:
            return  # a spec that no longer validates is refused where it is read (spec_of)
    require_enough_gold(session, campaign, spec)


def require_editable(campaign: Campaign) -> None:
    """Refuse a change to the spec or the items of a closed or archived campaign."""
    if campaign.status in READ_ONLY:
        raise CampaignClosed(
            f"Campaign '{campaign.slug}' is {campaign.status.value}: its spec and items are "
            "read-only (exports still work); reopen it to change them"
        )
