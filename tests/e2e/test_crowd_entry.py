"""A crowd participant on a phone: the study link → consent → survey → two tasks by keyboard →
the completion code and the way back; the profile is stored, and no export names them."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from support.api import create_campaign_with_items, login, make_user
from support.participation import SURVEY
from support.processes import wait_for


def _no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_crowd_participant_goes_from_the_link_to_the_completion_code(browser, server, db, unique):
    from playwright.sync_api import expect

    from prefhub.models import CampaignParticipant

    slug, code = f"crowd-e2e-{unique}", f"CODE{unique}".upper()[:20]
    back = f"{server}/annotate?returned=1"
    researcher_email = f"r-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    create_campaign_with_items(researcher, slug, n_items=4, redundancy=1)
    spec = researcher.get(f"/api/campaigns/{slug}").json()["spec"]
    participation = {
        "consent": "We keep your answers to **train AI models**. No name or e-mail is collected.",
        "survey": SURVEY,
        "crowd": {"target_count": 2, "completion_code": code, "completion_url": back},
    }
    updated = researcher.put(
        f"/api/campaigns/{slug}/spec", json=spec | {"participation": participation}
    )
    assert updated.status_code == 200, updated.text

    pid, study, session_id = f"5fe2e{unique}pid", f"STUDY{unique}", f"SESSION{unique}"
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/c/{slug}?PROLIFIC_PID={pid}&STUDY_ID={study}&SESSION_ID={session_id}")

    # Consent: the researcher's Markdown, agreed to from the keyboard.
    page.wait_for_url(re.compile(rf"/annotate/{slug}$"))
    consent = page.get_by_test_id("consent")
    consent.wait_for()
    assert consent.locator("strong", has_text="train AI models").count() == 1
    assert _no_sideways_scroll(page)
    page.get_by_role("button", name="I agree").focus()
    page.keyboard.press("Enter")

    # Survey, by keyboard; an out-of-range number is caught next to its question.
    page.get_by_test_id("survey").wait_for()
    assert _no_sideways_scroll(page)
    page.get_by_role("radio", name="35+").focus()
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name="German").focus()
    page.keyboard.press("Space")
    hours = page.get_by_role("spinbutton", name=re.compile("Hours online a day"))
    hours.focus()
    page.keyboard.type("30")
    page.get_by_role("textbox", name=re.compile("What matters")).focus()
    page.keyboard.type("Honest answers")
    page.keyboard.press("Tab")  # to "Continue to the tasks"
    page.keyboard.press("Enter")
    assert page.get_by_test_id("survey-hours-error").inner_text() == "Enter a number from 0 to 24."
    assert hours.evaluate("el => el === document.activeElement")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("3.5")
    page.get_by_role("button", name="Continue to the tasks").press("Enter")

    # Two tasks, answered with the number keys; progress counts them.
    for key, done in (("1", 0), ("2", 1)):
        task = page.get_by_test_id("task")
        task.wait_for()
        expect(page.get_by_test_id("crowd-progress")).to_have_text(f"{done} of 2 tasks done")
        assignment = task.get_attribute("data-assignment-id")
        page.keyboard.press(key)
        page.wait_for_function(
            """(previous) => {
                const t = document.querySelector('[data-testid="task"]');
                return document.querySelector('[data-testid="completion"]') ||
                       (t && t.getAttribute('data-assignment-id') !== previous);
            }""",
            arg=assignment,
        )

    page.get_by_test_id("completion").wait_for()
    assert page.get_by_test_id("completion-code").inner_text() == code
    assert page.get_by_role("link", name="Return to the study").get_attribute("href") == back
    assert page.get_by_test_id("done").count() == 0
    page.wait_for_url(back, timeout=20_000)  # the automatic return to the platform
    assert errors == []
    page.close()

    with db() as session:
        participants = session.scalars(
            select(CampaignParticipant).where(
                CampaignParticipant.campaign_id == updated.json()["id"],
                CampaignParticipant.external_id_hash.is_not(None),
            )
        ).all()
        assert len(participants) == 1
        participant = participants[0]
        assert participant.profile == {
            "age_band": "older",
            "languages": ["de"],
            "hours": 3.5,
            "values": "Honest answers",
        }
        assert participant.consented_at is not None and participant.completed_at is not None

    job = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "judgments"})
    assert job.status_code in (200, 201, 202), job.text
    job_id = job.json()["id"]
    state = wait_for(
        lambda: (
            (s := researcher.get(f"/api/exports/{job_id}").json())["status"]
            in ("succeeded", "failed")
            and s
        ),
        timeout=60,
    )
    assert state["status"] == "succeeded", state
    assert state["files"]
    rows = 0
    for file in state["files"]:
        body = researcher.get(f"/api/exports/{job_id}/files/{file['name']}").text
        assert pid not in body and study not in body and session_id not in body
        rows += body.count('"question"') if file["name"] == "judgments.jsonl" else 0
    assert rows == 2  # the two judgments are there, under a pseudonymous id
    researcher.close()


def test_a_crowd_link_in_a_signed_in_browser_asks_before_switching(browser, server, db, unique):
    from support.browser import signed_in_page

    researcher_email, annotator_email = f"r2-{unique}@example.org", f"ann-{unique}@example.org"
    make_user(db, researcher_email, "researcher")
    make_user(db, annotator_email, "annotator")
    researcher = httpx.Client(base_url=server, timeout=30)
    login(researcher, researcher_email)
    study, other = f"crowd-ask-{unique}", f"crowd-other-{unique}"
    create_campaign_with_items(researcher, study, n_items=2, redundancy=1)
    create_campaign_with_items(researcher, other, n_items=2, redundancy=1)
    spec = researcher.get(f"/api/campaigns/{study}").json()["spec"]
    participation = {"crowd": {"target_count": 2, "completion_code": "ASKED"}}
    updated = researcher.put(
        f"/api/campaigns/{study}/spec", json=spec | {"participation": participation}
    )
    assert updated.status_code == 200, updated.text
    researcher.close()

    page = signed_in_page(browser, server, annotator_email)
    me = "() => fetch('/api/auth/me').then((r) => r.json())"
    annotator = page.evaluate(me)
    link = f"{server}/c/{study}?PROLIFIC_PID=ask{unique}"

    # Keeping the session: back to the annotator's own campaigns, still signed in as them.
    page.goto(link)
    question = page.get_by_test_id("crowd-session-question")
    question.wait_for()
    name = annotator["display_name"]
    assert f"You are signed in as {name} (Annotator)" in question.inner_text()
    page.get_by_role("button", name=f"Continue as {name}").click()
    page.wait_for_url(re.compile(r"/annotate$"))
    page.get_by_role("heading", name=f"Campaign {other}").wait_for()
    assert page.evaluate(me)["id"] == annotator["id"]

    # Switching: the old session ends, the participant's starts, and sees only the study.
    old_session = next(c["value"] for c in page.context.cookies() if c["name"] == "prefhub_session")
    page.goto(link)
    page.get_by_role("button", name="Switch to this study link").click()
    page.wait_for_url(re.compile(rf"/annotate/{study}$"))
    page.get_by_test_id("task").wait_for()
    participant = page.evaluate(me)
    assert participant["id"] != annotator["id"] and participant["email"] is None
    stale = httpx.get(f"{server}/api/auth/me", cookies={"prefhub_session": old_session})
    assert stale.status_code == 401

    page.goto(f"{server}/annotate")
    page.get_by_role("heading", name=f"Campaign {study}").wait_for()
    assert page.get_by_role("heading", name=f"Campaign {other}").count() == 0

    # The same participant's link again keeps their session without asking.
    page.goto(link)
    page.wait_for_url(re.compile(rf"/annotate/{study}$"))
    page.get_by_test_id("task").wait_for()
    assert page.get_by_test_id("crowd-session-question").count() == 0
    assert page.evaluate(me)["id"] == participant["id"]
    assert page.js_errors == []
    page.context.close()
