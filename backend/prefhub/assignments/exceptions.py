from prefhub.kit.errors import Conflict, Forbidden, NotFound


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


class JudgmentNotFound(NotFound):
    code = "judgment_not_found"


class UndoExpired(Conflict):
    code = "undo_expired"


class JudgmentSuperseded(Conflict):
    """A judgment that a later revision replaced: only the latest may be re-opened."""

    code = "judgment_superseded"


class NotEligible(Forbidden):
    code = "not_eligible"


class LeaseCapReached(Conflict):
    code = "lease_cap_reached"
