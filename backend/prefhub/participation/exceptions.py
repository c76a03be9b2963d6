from prefhub.kit.errors import Conflict, InvalidInput, NotFound


class OnboardingRequired(Conflict):
    """Consent or the profile survey comes before the first task."""

    code = "onboarding_required"


class InvalidProfile(InvalidInput):
    code = "invalid_profile"


class ConsentRequired(Conflict):
    code = "consent_required"


class CrowdEntryClosed(NotFound):
    code = "crowd_entry_not_found"


class InvalidCrowdLink(InvalidInput):
    code = "invalid_crowd_link"


class SessionExists(Conflict):
    """Someone is signed in already: a crowd link does not replace them unless asked to."""

    code = "session_exists"


class AnnotatorExcluded(Conflict):
    """A researcher, a quality rule or the qualification phase stopped this annotator here;
    ``details`` carries ``source`` and, for a crowd entry, the code to return with."""

    code = "annotator_excluded"
