from prefhub.kit.errors import Conflict, NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignExists(Conflict):
    code = "campaign_exists"


class SpecNoLongerValid(Conflict):
    """A spec stored under rules that have since been tightened (e.g. bounds on integers)."""

    code = "spec_no_longer_valid"
