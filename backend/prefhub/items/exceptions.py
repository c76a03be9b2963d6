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
