"""``prefhub generate`` while the broker is down: one clear line, the job stays queued, and
running the same command again does not make a second job (it would double the candidates)."""

from __future__ import annotations

import os
import subprocess
import sys

from support.processes import free_port


def _campaign_with_model(db, unique: str) -> str:  # type: ignore[no-untyped-def]
    from prefhub.auth.service import create_user
    from prefhub.campaigns.service import create_campaign
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.generation import registry
    from prefhub.generation.schemas import ModelEndpointCreate
    from prefhub.items.service import import_items
    from prefhub.models import Role

    slug = f"down-{unique}"
    with db() as session:
        owner = create_user(
            session,
            email=f"o-{unique}@example.org",
            password="pw-long-enough",
            role=Role.researcher,
        )
        campaign = create_campaign(
            session,
            CampaignSpec.model_validate(
                {"name": slug, "slug": slug, "questions": [{"kind": "pairwise"}]}
            ),
            owner,
        )
        import_items(session, campaign, [f'{{"id": "p{i}", "prompt": "P{i}"}}' for i in range(3)])
        registry.add_model(
            session,
            ModelEndpointCreate(name=f"m-{unique}", base_url="http://127.0.0.1:9/v1", model="x"),
            None,
        )
    return slug


def _generate(slug: str, *args: str) -> subprocess.CompletedProcess[str]:
    # Nothing listens on this port: the broker is down.
    env = {**os.environ, "PREFHUB_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    return subprocess.run(
        [sys.executable, "-m", "prefhub.cli", "generate", slug, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_generate_with_the_broker_down_says_so_in_a_line_and_never_makes_a_second_job(
    migrated, db, unique
):
    from sqlalchemy import func, select

    from prefhub.models import Campaign, GenerationJob, JobStatus

    slug = _campaign_with_model(db, unique)
    first = _generate(slug, "--model", f"m-{unique}")
    assert first.returncode == 0, first.stderr
    output = first.stdout + first.stderr
    assert "Traceback" not in output
    assert "the broker is unreachable" in first.stdout and "is stored and queued" in first.stdout
    assert len(output.strip().splitlines()) <= 5

    again = _generate(slug, "--model", f"m-{unique}")
    assert again.returncode == 0 and "was made by an earlier run" in again.stdout
    other = _generate(slug, "--model", f"m-{unique}", "--key", "second-batch")
    assert other.returncode == 0 and "3 requests" in other.stdout

    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        jobs = session.execute(
            select(GenerationJob.status, func.count())
            .where(GenerationJob.campaign_id == campaign_id)
            .group_by(GenerationJob.status)
        ).all()
    assert jobs == [(JobStatus.queued, 2)]
