from prefhub.kit.errors import Conflict, NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignExists(Conflict):
    code = "campaign_exists"


class SpecNoLongerValid(Conflict):
    """A spec stored under rules that have since been tightened (e.g. bounds on integers)."""

    code = "spec_no_longer_valid"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class CampaignClosed(Conflict):
    """A closed (or archived) campaign is read-only: its spec and items stay as they were."""

    code = "campaign_closed"


class CampaignNotDeletable(Conflict):
    """Only a draft or an archived campaign may be deleted."""

    code = "campaign_not_deletable"


class CampaignNotEmpty(Conflict):
    code = "campaign_not_empty"


class ConfirmationMismatch(Conflict):
    code = "confirmation_mismatch"


class NotEnoughGold(Conflict):
    """A qualification phase asks for more gold items (with expected answers) than the campaign
    holds: it may not open to annotators until they are imported."""

    code = "not_enough_gold"
