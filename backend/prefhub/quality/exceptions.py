from prefhub.kit.errors import InvalidInput


class UnknownGroupField(InvalidInput):
    """``group_by`` names neither a profile-survey question, a profile answer any annotator of
    the campaign gave, nor ``annotator_group``."""

    code = "unknown_group_field"


class UnknownQuestion(InvalidInput):
    """``question`` names no pairwise question of the campaign."""

    code = "unknown_question"


class GoldAnswerInvalid(InvalidInput):
    """Expected answers that do not fit the campaign's questions or the item's candidates:
    the import's problems (``quality.gold.expected_problems``), one per field."""

    code = "invalid_gold_answer"
