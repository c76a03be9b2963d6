from prefhub.kit.errors import Conflict, NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignExists(Conflict):
    code = "campaign_exists"
