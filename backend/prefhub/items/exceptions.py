from prefhub.kit.errors import Conflict, InvalidInput, NotFound, PrefhubError


class ImportInvalid(InvalidInput):
    code = "import_invalid"


class UploadTooLarge(PrefhubError):
    status_code = 413
    code = "upload_too_large"


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"


class TreeCampaignHasNoItems(Conflict):
    """Items are what item campaigns rate; a conversation-tree campaign grows trees instead."""

    code = "tree_campaign_has_no_items"


class ItemNotFound(NotFound):
    code = "item_not_found"


class BrowseFilterInvalid(InvalidInput):
    """A data-browser filter that is well-formed but cannot hold (min above max, a question
    the campaign does not ask)."""

    code = "invalid_filter"


class SortTooBroad(InvalidInput):
    """Sorting by a score read from the answers, over more items than a request may read."""

    code = "sort_too_broad"


class DirectImportTooLarge(PrefhubError):
    """A direct import writes in the request's one transaction: only small files take it."""

    status_code = 413
    code = "direct_import_too_large"
