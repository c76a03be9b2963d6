from prefhub.kit.errors import Conflict, NotFound


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


class LeaseExpired(Conflict):
    code = "lease_expired"


class AlreadySubmitted(Conflict):
    code = "already_submitted"


class ClientIdReused(Conflict):
    code = "client_id_reused"


class CampaignNotActive(Conflict):
    code = "campaign_not_active"
