from prefhub.kit.errors import Conflict, InvalidInput, NotFound


class NotATreeCampaign(InvalidInput):
    code = "not_a_tree_campaign"


class TreeNotFound(NotFound):
    code = "tree_not_found"


class TreeMessageNotFound(NotFound):
    code = "tree_message_not_found"


class TreeTaskNotFound(NotFound):
    code = "tree_task_not_found"


class TreeTaskClosed(Conflict):
    """The task expired, was skipped, or its tree moved on (halted, say) before the answer."""

    code = "tree_task_closed"


class TreeStateConflict(Conflict):
    code = "tree_state_conflict"


class WrongAnswerKind(InvalidInput):
    code = "wrong_answer_kind"


class InvalidTreeAnswer(InvalidInput):
    code = "invalid_answer"
