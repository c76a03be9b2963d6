"""The task loop's answers spliced from parts (``assignments/task_json.py``) parse to what the
response models write: ``NextTaskResponse`` and ``SubmitResponse``'s ``model_dump(mode="json")``,
for campaigns of several shapes and tasks of several kinds of content."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

DEMO = Path(__file__).parents[2] / "backend" / "prefhub" / "demo"
PAIRWISE = {
    "name": 'Pairwise «ünïcode» "quoted"',
    "slug": "pairwise-splice",
    "guidelines": "Pick the **better** answer.\n\n- line\t\\ tab",
    "redundancy": 2,
    "questions": [{"kind": "pairwise", "id": "preference", "prompt": "Which is better?"}],
}
TEXT = [{"type": "text", "text": 'Hello, «world» \u2028 "quoted"'}]
IMAGE = [
    {"type": "text", "text": "Look:"},
    # Stored without its optional fields: the model writes them as null.
    {"type": "image", "sha256": "a" * 64, "content_type": "image/png"},
]
CONTEXTS = [
    [{"role": "user", "content": TEXT}],
    [{"role": "system", "content": TEXT}, {"role": "user", "content": IMAGE}],
    [],
]
CONTENTS = [
    [TEXT, [{"type": "text", "text": "B"}]],
    [IMAGE, TEXT, [{"type": "audio", "sha256": "b" * 64, "content_type": "audio/ogg"}]],
]
EXPIRIES = [datetime(2026, 12, 7, 17, 0, 1, 123456), datetime(2026, 12, 7, 17, 0, 0, tzinfo=UTC)]


def _campaign(spec: dict[str, Any], version: int = 1) -> Any:
    from prefhub.auth.service import CampaignRow
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.models import CampaignStatus

    stored = CampaignSpec.model_validate(spec).model_dump(mode="json")
    created = datetime(2026, 1, 1, 0, 0, version)
    return CampaignRow(
        id=hash(stored["slug"]) % 100_000,
        slug=stored["slug"],
        name=stored["name"],
        status=CampaignStatus.active,
        version=version,
        created_at=created,
        owner_id=1,
        spec=stored,
    )


def _specs() -> list[dict[str, Any]]:
    specs = [PAIRWISE]
    for name in ("demo_all_kinds.yaml", "demo_multimodal.yaml", "demo_campaign.yaml"):
        specs.append(yaml.safe_load((DEMO / name).read_text()))
    return specs


@pytest.mark.parametrize("spec", _specs(), ids=lambda spec: spec["slug"])
def test_spliced_task_answers_parse_as_the_models_write_them(spec: dict[str, Any]):
    from prefhub.assignments import schemas, task_json
    from prefhub.assignments.fast_path import FreshTask
    from prefhub.assignments.schemas import NextTaskResponse, SubmitResponse, Task
    from prefhub.assignments.service import AnnotatorProgress, task_payload_of

    campaign = _campaign(spec)
    progress = AnnotatorProgress(my_judgments=3, items_total=120, items_complete=7)
    for context in CONTEXTS:
        for contents in CONTENTS:
            for expires_at in EXPIRIES:
                fields: dict[str, Any] = {
                    "assignment_id": 41,
                    "item_id": 9_000_000_001,
                    "expires_at": expires_at,
                    "context": context,
                    "contents": contents,
                }
                fresh = FreshTask(**fields, progress=progress)
                spliced = task_json.next_task(task_json.task(campaign, fresh), progress)
                model = NextTaskResponse(
                    task=Task(**task_payload_of(campaign, **fields)),
                    progress=schemas.AnnotatorProgress(**progress.__dict__),
                )
                assert orjson.loads(spliced) == model.model_dump(mode="json")

                for undo_until in (None, expires_at):
                    answer = task_json.submitted(77, "client-1.a:b_c", undo_until, None, spliced)
                    expected = SubmitResponse(
                        judgment_id=77,
                        client_id="client-1.a:b_c",
                        undo_until=undo_until,
                        next=model,
                    )
                    assert orjson.loads(answer) == expected.model_dump(mode="json")

    nothing_left = NextTaskResponse(
        task=None, progress=schemas.AnnotatorProgress(**progress.__dict__)
    )
    assert orjson.loads(task_json.next_task(None, progress)) == nothing_left.model_dump(mode="json")
    bare = SubmitResponse(judgment_id=1, client_id="abcdefgh", undo_until=None)
    spliced_bare = task_json.submitted(1, "abcdefgh", None, None, None)
    assert orjson.loads(spliced_bare) == bare.model_dump(mode="json")


def test_a_new_campaign_version_changes_the_spliced_parts():
    from prefhub.assignments import task_json
    from prefhub.assignments.fast_path import FreshTask
    from prefhub.assignments.service import AnnotatorProgress

    first = _campaign(PAIRWISE, version=1)
    second = _campaign({**PAIRWISE, "guidelines": "New guidelines."}, version=2)
    fresh = FreshTask(1, 2, EXPIRIES[0], [], CONTENTS[0], AnnotatorProgress(0, 1, 0))
    guidelines = [
        orjson.loads(task_json.task(campaign, fresh))["campaign"]["guidelines"]
        for campaign in (first, second)
    ]
    assert guidelines == [PAIRWISE["guidelines"], "New guidelines."]
