"""Consent and profile answers before the first task; crowd links that create or resume an
annotator without a password; the completion code once the target is reached."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefhub.campaigns.participation_spec import CrowdEntry, Participation, SurveyQuestion
from prefhub.campaigns.service import spec_of
from prefhub.kit.time import utcnow
from prefhub.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignParticipant,
    Role,
    TreeTask,
    TreeTaskStatus,
    User,
)
from prefhub.participation.exceptions import (
    AnnotatorExcluded,
    ConsentRequired,
    CrowdEntryClosed,
    InvalidCrowdLink,
    InvalidProfile,
    OnboardingRequired,
)
from prefhub.settings import get_settings

EXCLUDED = "excluded"
# The standing source of an annotator the qualification phase stopped.
QUALIFICATION = "qualification"
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")


def participation_of(campaign: Campaign) -> Participation:
    return spec_of(campaign).participation


def find(session: Session, campaign: Campaign, user: User) -> CampaignParticipant | None:
    return session.scalar(
        select(CampaignParticipant).where(
            CampaignParticipant.campaign_id == campaign.id, CampaignParticipant.user_id == user.id
        )
    )


def _ensure(session: Session, campaign: Campaign, user: User) -> CampaignParticipant:
    participant = find(session, campaign, user)
    if participant is None:
        participant = CampaignParticipant(campaign_id=campaign.id, user_id=user.id)
        session.add(participant)
        session.flush()
    return participant


@dataclass(frozen=True)
class OnboardingState:
    consent: str | None
    consented: bool
    survey: list[SurveyQuestion]
    answers: dict[str, Any] | None
    ready: bool


def onboarding(session: Session, campaign: Campaign, user: User) -> OnboardingState:
    rules = participation_of(campaign)
    participant = find(session, campaign, user)
    consented = rules.consent is None or bool(participant and participant.consented_at)
    answered = not rules.survey or bool(participant and participant.profile_answered_at)
    return OnboardingState(
        consent=rules.consent,
        consented=consented,
        survey=rules.survey,
        answers=participant.profile if participant else None,
        ready=consented and answered,
    )


def require_onboarded(session: Session, campaign: Campaign, user: User) -> None:
    """Before any task: consent given and the survey answered, where the campaign asks."""
    if not participation_of(campaign).needs_onboarding:
        return
    state = onboarding(session, campaign, user)
    if not state.consented:
        raise OnboardingRequired("Please read and agree to the consent form first")
    if not state.ready:
        raise OnboardingRequired("Please answer the short profile survey first")


def require_not_excluded(session: Session, campaign: Campaign, user: User) -> None:
    """An excluded annotator gets no new task here (their held ones lapse unserved)."""
    standing = session.execute(
        select(CampaignParticipant.standing, CampaignParticipant.standing_source).where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.user_id == user.id,
        )
    ).first()
    if standing is None or standing.standing != EXCLUDED:
        return
    if standing.standing_source == QUALIFICATION:
        raise AnnotatorExcluded(
            "Thank you for your time: this study needs answers closer to its reference answers "
            "than yours were in the qualification tasks, so it has no tasks for you",
            details={"source": QUALIFICATION, **screen_out(campaign)},
        )
    raise AnnotatorExcluded(
        "Thank you for your work on this campaign: it has no more tasks for you",
        details={"source": standing.standing_source},
    )


def screen_out(campaign: Campaign) -> dict[str, str | None]:
    """What an annotator who did not qualify takes back to the crowd platform: the screen-out
    code, and the return URL with that code in place of the completion code (a URL that would
    carry the completion code is never given without one)."""
    spec = spec_of(campaign)
    code = spec.quality.qualification.screen_out_code if spec.quality.qualification else None
    crowd = spec.participation.crowd
    url = str(crowd.completion_url) if crowd and crowd.completion_url else None
    if url and crowd:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if any(value == crowd.completion_code for _, value in query):
            url = (
                urlunsplit(
                    parts._replace(
                        query=urlencode(
                            [(k, code if v == crowd.completion_code else v) for k, v in query]
                        )
                    )
                )
                if code
                else None
            )
    return {"screen_out_code": code, "return_url": url}


def give_consent(session: Session, campaign: Campaign, user: User) -> None:
    participant = _ensure(session, campaign, user)
    participant.consented_at = participant.consented_at or utcnow()


def answer_survey(
    session: Session, campaign: Campaign, user: User, answers: dict[str, Any]
) -> dict[str, Any]:
    """Store the survey answers (once; later answers replace them until the first task)."""
    rules = participation_of(campaign)
    participant = _ensure(session, campaign, user)
    if rules.consent is not None and participant.consented_at is None:
        raise ConsentRequired("Agree to the consent form before the survey")
    clean = validate_profile(rules.survey, answers)
    participant.profile = clean
    participant.profile_answered_at = utcnow()
    return clean


def validate_profile(survey: list[SurveyQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(answers) - {q.id for q in survey})
    if unknown:
        _refuse(f"answers.{unknown[0]}", "no such survey question")
    clean: dict[str, Any] = {}
    for q in survey:
        field = f"answers.{q.id}"
        value = answers.get(q.id)
        if value is None or value == "" or value == []:
            if q.required:
                _refuse(field, "this question needs an answer")
            continue
        clean[q.id] = _checked(q, value, field)
    return clean


def _checked(q: SurveyQuestion, value: Any, field: str) -> Any:
    options = [o.id for o in q.options]
    if q.kind == "single_choice":
        if value not in options:
            _refuse(field, f"choose one of {', '.join(options)}")
        return value
    if q.kind == "multiple_choice":
        if not isinstance(value, list) or len(set(value)) != len(value):
            _refuse(field, "a list of distinct options")
        bad = [v for v in value if v not in options]
        if bad:
            _refuse(field, f"'{bad[0]}' is not an option")
        return sorted(value, key=options.index)
    if q.kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            # isfinite would overflow on an integer too large for a float; exports hold 64 bits
            or (isinstance(value, float) and not math.isfinite(value))
            or (isinstance(value, int) and not -(2**63) <= value < 2**63)
        ):
            _refuse(field, "must be a number")
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            _refuse(field, f"must be between {q.min} and {q.max}")
        return value
    if not isinstance(value, str) or len(value) > q.max_length:
        _refuse(field, f"text of at most {q.max_length} characters")
    return value.strip()


def _refuse(field: str, message: str) -> None:
    raise InvalidProfile(f"{field}: {message}", details=[{"field": field, "message": message}])


# ---------------------------------------------------------------- crowd entry


def external_id_hash(campaign: Campaign, external_id: str) -> str:
    """A keyed hash: the same person is recognised again, and the database holds no id a
    platform could be asked about."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"crowd:{campaign.id}:{external_id}".encode(), hashlib.sha256).hexdigest()


def _crowd_link(campaign: Campaign) -> CrowdEntry:
    crowd = participation_of(campaign).crowd
    if crowd is None:
        raise CrowdEntryClosed(f"Campaign '{campaign.slug}' has no crowd link")
    return crowd


def link_hash(campaign: Campaign, params: dict[str, str]) -> str:
    """The keyed hash of the participant a crowd link names; refuses a link without one."""
    crowd = _crowd_link(campaign)
    external = params.get(crowd.participant_param, "")
    if not EXTERNAL_ID.match(external):
        raise InvalidCrowdLink(
            f"The link needs a participant id in '{crowd.participant_param}' "
            "(letters, digits, _ . : -; at most 200)"
        )
    return external_id_hash(campaign, external)


def is_linked_participant(
    session: Session, campaign: Campaign, user: User, params: dict[str, str]
) -> bool:
    """Whether ``user`` is the account this campaign's link names (so their session may stay)."""
    if user.crowd_campaign_id != campaign.id:
        return False
    participant = find(session, campaign, user)
    return participant is not None and participant.external_id_hash == link_hash(campaign, params)


def enter(session: Session, campaign: Campaign, params: dict[str, str]) -> User:
    """Create or resume the annotator a crowd link names. The account is bound to the campaign:
    the hash is keyed by campaign, so another campaign's link never finds it."""
    crowd = _crowd_link(campaign)
    hashed = link_hash(campaign, params)
    participant = session.scalar(
        select(CampaignParticipant).where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.external_id_hash == hashed,
        )
    )
    if participant is None:
        user = User(
            email=None,
            password_hash=None,
            role=Role.annotator,
            display_name=f"Participant {hashed[:8]}",
            languages=[],
            profile={},
            crowd_campaign_id=campaign.id,
        )
        session.add(user)
        session.flush()
        participant = CampaignParticipant(
            campaign_id=campaign.id, user_id=user.id, external_id_hash=hashed
        )
        try:
            with session.begin_nested():
                session.add(participant)
        except IntegrityError:
            # The same link opened twice at once: the other request created them.
            raise InvalidCrowdLink("This participant is being signed in already; retry") from None
    participant.study_id = _param(params, crowd.study_param) or participant.study_id
    participant.session_id = _param(params, crowd.session_param) or participant.session_id
    return session.get_one(User, participant.user_id)


def _param(params: dict[str, str], name: str | None) -> str | None:
    value = params.get(name or "", "")
    return value[:200] if value else None


# ---------------------------------------------------------------- completion


def target_reached(session: Session, campaign: Campaign, user: User) -> bool:
    """A crowd participant who did the target number of tasks gets no more (they are paid
    for that many, and shown their completion code)."""
    crowd = participation_of(campaign).crowd
    if crowd is None:
        return False
    participant = find(session, campaign, user)
    if participant is None or participant.external_id_hash is None:
        return False
    return tasks_done(session, campaign, user) >= crowd.target_count


@dataclass(frozen=True)
class Completion:
    done: int
    target: int | None
    completed: bool
    code: str | None
    url: str | None


def completion(session: Session, campaign: Campaign, user: User) -> Completion:
    """How far the annotator is towards the crowd target; the code once it is reached."""
    crowd = participation_of(campaign).crowd
    done = tasks_done(session, campaign, user)
    if crowd is None:
        return Completion(done, None, False, None, None)
    completed = done >= crowd.target_count
    if completed:
        participant = _ensure(session, campaign, user)
        participant.completed_at = participant.completed_at or utcnow()
    return Completion(
        done=done,
        target=crowd.target_count,
        completed=completed,
        code=crowd.completion_code if completed else None,
        url=str(crowd.completion_url) if completed and crowd.completion_url else None,
    )


def tasks_done(session: Session, campaign: Campaign, user: User) -> int:
    """Tasks the annotator finished here: submitted items, or done tree tasks."""
    if spec_of(campaign).trees is not None:
        query = select(func.count(TreeTask.id)).where(
            TreeTask.campaign_id == campaign.id,
            TreeTask.annotator_id == user.id,
            TreeTask.status == TreeTaskStatus.done,
        )
    else:
        query = select(func.count(Assignment.id)).where(
            Assignment.campaign_id == campaign.id,
            Assignment.annotator_id == user.id,
            Assignment.status == AssignmentStatus.submitted,
        )
    return session.scalar(query) or 0
