from prefhub.kit.errors import Conflict, InvalidInput, NotFound


class GroupNotFound(NotFound):
    code = "group_not_found"


class GroupExists(Conflict):
    code = "group_exists"


class UnknownUsers(InvalidInput):
    """Members named by an e-mail or id that no account has; ``details`` lists them."""

    code = "unknown_users"
