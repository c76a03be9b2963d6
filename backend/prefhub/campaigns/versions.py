"""A campaign's spec versions: who saved each and how many judgments were made under it, what
changed between two specs, and which stored answers a new spec would no longer accept.

Specs are compared as stored JSON (every field present, as ``model_dump`` writes it), so a
version saved under older rules still diffs. Questions, and the choices inside one (aspects,
reasons, attributes, labels), are matched by their ``id``, never by position. The rules saying
which answers a change invalidates live in ``answer_rules``; this module counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from prefhub.campaigns.answer_rules import Severity, rules_for
from prefhub.campaigns.lifecycle import SHOWN_TO_ANNOTATORS
from prefhub.campaigns.spec import CampaignSpec
from prefhub.campaigns.version_errors import VersionNotFound
from prefhub.models import Campaign, CampaignVersion, Judgment, User
from prefhub.quality.gold_supply import gold_shortfall

ChangeKind = Literal["added", "removed", "changed"]
# Lists of objects with these keys hold choices matched by ``id``; other lists are one value.
_KEYED_LISTS = frozenset({"questions", "aspects", "reasons", "attributes", "labels"})


@dataclass(frozen=True)
class VersionSummary:
    version: int
    created_at: datetime
    created_by: str | None
    judgments: int


@dataclass(frozen=True)
class SpecChange:
    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class AnswerWarning:
    """What a spec change does to stored answers; ``affected`` counts kept judgments."""

    code: str
    severity: Severity
    question: str | None
    path: str
    message: str
    affected: int


@dataclass(frozen=True)
class SpecProblem:
    field: str
    message: str


@dataclass(frozen=True)
class SpecCheck:
    valid: bool
    problems: list[SpecProblem]
    changes: list[SpecChange]
    warnings: list[AnswerWarning]


def _kept() -> Any:
    """Judgments no later revision replaced (an undo writes a row superseding the old one)."""
    newer = aliased(Judgment)
    return ~exists().where(newer.supersedes_id == Judgment.id)


def list_versions(session: Session, campaign: Campaign) -> list[VersionSummary]:
    """Every version, oldest first, with the kept judgments made under it."""
    counts = dict(
        session.execute(
            select(Judgment.campaign_version, func.count(Judgment.id))
            .where(Judgment.campaign_id == campaign.id, _kept())
            .group_by(Judgment.campaign_version)
        )
        .tuples()
        .all()
    )
    rows = session.execute(
        select(
            CampaignVersion.version,
            CampaignVersion.created_at,
            User.display_name,
            User.email,
        )
        .outerjoin(User, User.id == CampaignVersion.created_by_id)
        .where(CampaignVersion.campaign_id == campaign.id)
        .order_by(CampaignVersion.version)
    ).tuples()
    return [
        VersionSummary(
            version=version,
            created_at=created_at,
            created_by=name or email,
            judgments=int(counts.get(version, 0)),
        )
        for version, created_at, name, email in rows
    ]


def get_version(session: Session, campaign: Campaign, version: int) -> CampaignVersion:
    found = session.scalar(
        select(CampaignVersion).where(
            CampaignVersion.campaign_id == campaign.id, CampaignVersion.version == version
        )
    )
    if found is None:
        raise VersionNotFound(f"Campaign '{campaign.slug}' has no version {version}")
    return found


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> list[SpecChange]:
    """Every leaf that differs, with its JSON path, e.g. ``questions[preference].allow_tie``."""
    return list(_diff(old, new, ""))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _keyed(values: Any) -> dict[str, Any] | None:
    if not isinstance(values, list) or not all(
        isinstance(v, dict) and isinstance(v.get("id"), str) for v in values
    ):
        return None
    return {v["id"]: v for v in values}


def _diff(old: Any, new: Any, path: str) -> Iterator[SpecChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            child = _join(path, str(key))
            if key not in new:
                yield SpecChange(child, "removed", old=old[key])
            elif key not in old:
                yield SpecChange(child, "added", new=new[key])
            else:
                yield from _diff(old[key], new[key], child)
        return
    last_key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    old_by_id, new_by_id = _keyed(old), _keyed(new)
    if last_key in _KEYED_LISTS and old_by_id is not None and new_by_id is not None:
        for key in [*old_by_id, *(k for k in new_by_id if k not in old_by_id)]:
            child = f"{path}[{key}]"
            if key not in new_by_id:
                yield SpecChange(child, "removed", old=old_by_id[key])
            elif key not in old_by_id:
                yield SpecChange(child, "added", new=new_by_id[key])
            else:
                yield from _diff(old_by_id[key], new_by_id[key], child)
        kept_order = [k for k in old_by_id if k in new_by_id]
        if kept_order != [k for k in new_by_id if k in old_by_id]:
            yield SpecChange(path, "changed", old=list(old_by_id), new=list(new_by_id))
        return
    if old != new:
        yield SpecChange(path, "changed", old=old, new=new)


def _stored_answers(session: Session, campaign: Campaign) -> Iterator[dict[str, Any]]:
    """The campaign's kept judgments' answers, streamed rather than loaded at once."""
    rows = session.scalars(
        select(Judgment.answers)
        .where(Judgment.campaign_id == campaign.id, _kept())
        .order_by(Judgment.id)
        .execution_options(yield_per=500)
    )
    for answers in rows:
        if isinstance(answers, dict):
            yield answers


def with_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """A stored spec with fields added since it was saved filled in by their defaults (so a
    version saved before ``display`` existed diffs as showing the defaults); as stored when
    current rules refuse it."""
    try:
        return CampaignSpec.model_validate(spec).model_dump(mode="json")
    except ValidationError:
        return spec


def _current_spec(campaign: Campaign) -> dict[str, Any]:
    return with_defaults(campaign.spec)


def invalidated_answers(
    session: Session, campaign: Campaign, new_spec: CampaignSpec
) -> list[AnswerWarning]:
    """What saving ``new_spec`` over the current version does to stored answers.

    Warnings (an answer the new spec refuses) are listed only when some judgment is affected;
    infos (a question added, a requirement or the redundancy changed) always.
    """
    rules = rules_for(_current_spec(campaign), new_spec.model_dump(mode="json"))
    counted = [(i, rule.hits) for i, rule in enumerate(rules) if rule.hits is not None]
    affected = [0] * len(rules)
    if counted:
        for answers in _stored_answers(session, campaign):
            for i, hits in counted:
                if hits(answers):
                    affected[i] += 1
    return [
        AnswerWarning(rule.code, rule.severity, rule.question, rule.path, rule.message, count)
        for rule, count in zip(rules, affected, strict=True)
        if rule.severity == "info" or count > 0
    ]


def check_spec(session: Session, campaign: Campaign, new_spec: CampaignSpec) -> SpecCheck:
    """What saving ``new_spec`` would change and do to stored answers, without saving it."""
    problems = []
    if new_spec.slug != campaign.slug:
        problems.append(SpecProblem("slug", "the slug of an existing campaign cannot change"))
    warnings = invalidated_answers(session, campaign, new_spec)
    shortfall = gold_shortfall(session, campaign, new_spec)
    if shortfall is not None:
        where = "quality.qualification.tasks"
        if campaign.status in SHOWN_TO_ANNOTATORS:
            problems.append(SpecProblem(where, shortfall))  # saving it is refused
        else:
            warnings.append(
                AnswerWarning("not_enough_gold", "warning", None, where, shortfall, affected=0)
            )
    return SpecCheck(
        valid=not problems,
        problems=problems,
        changes=diff_specs(_current_spec(campaign), new_spec.model_dump(mode="json")),
        warnings=warnings,
    )
