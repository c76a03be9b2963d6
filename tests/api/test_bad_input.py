"""The penetration test's input corpus (issue 13): each is refused with a 4xx and a stable code,
nothing of it is stored, and the server goes on answering. On SQLite and PostgreSQL alike
(PostgreSQL is the stricter: no NUL in text, INTEGER ids below 2**31)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from prefhub.kit.deps import SessionDep
from support.api import (
    PASSWORD,
    create_campaign_with_items,
    jsonl,
    login,
    make_user,
    pairwise_spec,
)
from support.participation import SURVEY

NUL = "a\u0000b"
SURROGATE = "a\ud800b"  # a lone (unpaired) UTF-16 surrogate
BAD_TEXTS = [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")]
INT32_OVER = 2**31
INT64_OVER = 2**63


def post_json(client, path: str, body: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    """``body`` as JSON the way other clients write it: NUL and lone surrogates as ``\\u``
    escapes (httpx's own encoder refuses lone surrogates)."""
    return client.post(
        path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def assert_refused(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


# ---------------------------------------------------------------- text: NUL, lone surrogates


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("name", "body.name"),
        ("guidelines", "body.guidelines"),
        ("question", "body.questions[0].prompt"),
    ],
)
def test_campaign_text_with_nul_or_lone_surrogate_is_refused(as_user, unique, bad, field, where):
    researcher = as_user("researcher")
    slug = f"bad-{unique}"
    spec = pairwise_spec(slug)
    if field == "question":
        spec["questions"][0]["prompt"] = bad
    else:
        spec[field] = bad
    error = assert_refused(post_json(researcher, "/api/campaigns", spec), 422, "invalid_text")
    assert error["details"][0]["field"] == where
    assert researcher.get(f"/api/campaigns/{slug}").status_code == 404


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_login_email_with_nul_or_lone_surrogate_is_refused(new_client, migrated, bad):
    client = new_client()
    response = post_json(client, "/api/auth/login", {"email": f"{bad}@x.org", "password": "x"})
    error = assert_refused(response, 422, "invalid_text")
    assert error["details"][0]["field"] == "body.email"


def test_lone_surrogate_as_raw_utf8_bytes_is_refused(new_client, migrated):
    """Not an escape: the three bytes that would encode U+D800, which Python's JSON decoder
    lets through for bytes (``surrogatepass``)."""
    body = b'{"email": "a\xed\xa0\x80@x.org", "password": "x"}'
    response = new_client().post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, 422, "invalid_text")


def test_a_key_with_nul_is_refused(as_user, unique):
    researcher = as_user("researcher")
    spec = pairwise_spec(f"key-{unique}")
    spec["eligibility"] = {"profile": {NUL: ["x"]}}
    assert_refused(post_json(researcher, "/api/campaigns", spec), 422, "invalid_text")
    assert researcher.get(f"/api/campaigns/key-{unique}").status_code == 404


def test_escaped_backslash_before_u0000_is_plain_text(as_user, unique):
    """``\\\\u0000`` is a backslash followed by ``u0000``: ordinary text, stored as sent."""
    researcher = as_user("researcher")
    spec = pairwise_spec(f"esc-{unique}", guidelines="see C:\\u0000 and \U0001f600")
    response = post_json(researcher, "/api/campaigns", spec)
    assert response.status_code == 201, response.text
    assert response.json()["spec"]["guidelines"] == "see C:\\u0000 and \U0001f600"


@pytest.fixture
def annotated(as_user, unique):  # type: ignore[no-untyped-def]
    """A researcher's campaign with items, and an annotator holding a task in it."""
    researcher = as_user("researcher")
    slug = f"bad-{unique}"
    spec = pairwise_spec(slug, redundancy=1)
    spec["questions"].append({"kind": "text", "id": "why", "prompt": "Why?"})
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    response = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(_items(2)), "application/jsonl")},
    )
    assert response.status_code == 201, response.text
    annotator = as_user("annotator")
    task = annotator.get(f"/api/annotate/{slug}/next").json()["task"]
    return researcher, annotator, slug, task


def _items(n: int) -> list[dict]:
    return [
        {"id": f"i{i}", "prompt": f"Question {i}?", "candidates": [f"A{i}", f"B{i}"]}
        for i in range(n)
    ]


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_answers_with_nul_or_lone_surrogate_are_refused_and_not_stored(annotated, bad):
    _, annotator, slug, task = annotated
    body = {
        "assignment_id": task["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "A"}, "why": {"text": bad}},
    }
    error = assert_refused(
        post_json(annotator, f"/api/annotate/{slug}/submit", body), 422, "invalid_text"
    )
    assert error["details"][0]["field"] == "body.answers.why.text"
    assert annotator.get(f"/api/annotate/{slug}/judgments").json() == []
    # The task is still the annotator's to answer.
    assert (
        annotator.get(f"/api/annotate/{slug}/next").json()["task"]["assignment_id"]
        == (task["assignment_id"])
    )


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_report_reason_with_nul_or_lone_surrogate_is_refused(annotated, bad):
    _, annotator, slug, task = annotated
    body = {"assignment_id": task["assignment_id"], "reason": bad}
    assert_refused(post_json(annotator, f"/api/annotate/{slug}/report", body), 422, "invalid_text")
    # Not reported: the task was not released.
    assert (
        annotator.get(f"/api/annotate/{slug}/next").json()["task"]["assignment_id"]
        == (task["assignment_id"])
    )


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_profile_answer_with_nul_or_lone_surrogate_is_refused(as_user, unique, bad):
    researcher = as_user("researcher")
    slug = f"prof-{unique}"
    spec = pairwise_spec(slug, participation={"consent": "OK?", "survey": SURVEY})
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    annotator = as_user("annotator")
    base = f"/api/annotate/{slug}/participation"
    assert annotator.post(f"{base}/consent", json={"agree": True}).status_code == 200
    answers = {"age_band": "young", "languages": ["en"], "hours": 3, "values": bad}
    error = assert_refused(
        post_json(annotator, f"{base}/profile", {"answers": answers}), 422, "invalid_text"
    )
    assert error["details"][0]["field"] == "body.answers.values"
    assert annotator.get(base).json()["answers"] is None


def test_profile_number_too_large_is_refused(as_user, unique):
    researcher = as_user("researcher")
    slug = f"big-{unique}"
    survey = [{"id": "count", "prompt": "How many?", "kind": "number"}]
    spec = pairwise_spec(slug, participation={"survey": survey})
    assert researcher.post("/api/campaigns", json=spec).status_code == 201
    annotator = as_user("annotator")
    base = f"/api/annotate/{slug}/participation"
    response = post_json(annotator, f"{base}/profile", {"answers": {"count": 10**400}})
    error = assert_refused(response, 422, "invalid_value")
    assert error["details"][0]["field"] == "body.answers.count"
    assert annotator.get(base).json()["answers"] is None


@pytest.mark.parametrize("value", [10**400, INT64_OVER, float("inf")])
def test_profile_numbers_beyond_64_bits_are_refused_by_the_survey_itself(value):
    """The survey's own check, for answers that reach it other than as a request body (the
    request checks refuse them first): it overflowed on integers too large for a float."""
    from prefhub.campaigns.participation_spec import SurveyQuestion
    from prefhub.participation.exceptions import InvalidProfile
    from prefhub.participation.service import validate_profile

    survey = [SurveyQuestion(id="count", prompt="How many?", kind="number")]
    assert validate_profile(survey, {"count": 2**63 - 1}) == {"count": 2**63 - 1}
    with pytest.raises(InvalidProfile):
        validate_profile(survey, {"count": value})


@pytest.mark.parametrize(
    "path",
    [
        "/api/campaigns/a%00b",
        "/api/annotate/a%00b/next",
        "/api/campaigns/%ED%A0%80",  # an encoded lone surrogate
        "/api/campaigns/%FF%FE",  # not UTF-8 at all
        "/a%00b",  # the web app's own paths too
    ],
)
def test_path_with_nul_or_undecodable_bytes_is_refused(as_user, path):
    researcher = as_user("researcher")
    error = assert_refused(researcher.get(path), 422, "invalid_text")
    assert error["details"][0]["field"] == "path"


def test_query_with_nul_is_refused(as_user, unique):
    researcher = as_user("researcher")
    create_campaign_with_items(researcher, f"q-{unique}", 1)
    response = researcher.get(f"/api/campaigns/q-{unique}/trees?state=a%00b")
    error = assert_refused(response, 422, "invalid_text")
    assert error["details"][0]["field"] == "query"


# ---------------------------------------------------------------- import files


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"prompt": "a\\u0000b", "candidates": ["x", "y"]}', "prompt: contains a NUL"),
        (
            b'{"prompt": "ok", "candidates": ["x", {"content": "\\udc00"}]}',
            "candidates[1].content: contains a lone surrogate",
        ),
        (b'{"prompt": "a\xed\xa0\x80b", "candidates": ["x", "y"]}', "not valid UTF-8"),
        (b'{"prompt": "ok", "metadata": {"score": NaN}}', "NaN is not a JSON number"),
        (
            b'{"prompt": "ok", "metadata": {"n": 123456789012345678901}}',
            "metadata.n: the integer is beyond 64 bits",
        ),
    ],
    ids=["nul", "lone-surrogate", "surrogate-bytes", "nan", "beyond-64-bits"],
)
def test_import_file_with_bad_text_is_refused_with_its_line(as_user, unique, line, message):
    researcher = as_user("researcher")
    slug = f"imp-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    good = json.dumps({"prompt": "fine", "candidates": ["x", "y"]}).encode()
    response = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", good + b"\n" + line + b"\n", "application/jsonl")},
    )
    error = assert_refused(response, 422, "import_invalid")
    assert error["details"]["errors"][0]["line"] == 2
    assert message in error["details"]["errors"][0]["message"]
    assert researcher.get(f"/api/campaigns/{slug}/items").json()["total"] == 0


def test_upload_file_name_with_nul_is_refused(as_user, unique):
    """A raw NUL in the multipart file name (httpx would percent-encode it), which an import
    job stores."""
    researcher = as_user("researcher")
    slug = f"fn-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    data = jsonl([{"prompt": "fine", "candidates": ["x", "y"]}])
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.jsonl"\r\n'
        b"Content-Type: application/jsonl\r\n\r\n" + data + b"\r\n--XX--\r\n"
    )
    response = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert_refused(response, 422, "invalid_text")


# ---------------------------------------------------------------- integers


@pytest.mark.parametrize("value", [INT32_OVER, INT64_OVER], ids=["2**31", "2**63"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/exports/{}",
        "/api/generation-jobs/{}",
        "/api/import-jobs/{}",
        "/api/media/fetches/{}",
        "/api/trees/{}",
        "/api/tree-messages/{}/revisions",
    ],
)
def test_ids_beyond_the_database_columns_in_paths_are_refused(as_user, path, value):
    admin = as_user("admin")
    assert_refused(admin.get(path.format(value)), 422, "validation_error")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (INT32_OVER, "validation_error"),  # past the id columns: the schema's bound
        (INT64_OVER, "invalid_value"),  # past 64 bits: no JSON body may hold it
    ],
    ids=["2**31", "2**63"],
)
def test_ids_beyond_the_database_columns_in_bodies_are_refused(annotated, value, code):
    _, annotator, slug, _ = annotated
    submit = {
        "assignment_id": value,
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "A"}},
    }
    error = assert_refused(annotator.post(f"/api/annotate/{slug}/submit", json=submit), 422, code)
    assert error["details"][0]["field"] == "body.assignment_id"
    undo = annotator.post(f"/api/annotate/{slug}/undo", json={"judgment_id": value})
    assert_refused(undo, 422, code)
    skip = annotator.post(f"/api/annotate/{slug}/skip", json={"assignment_id": value})
    assert_refused(skip, 422, code)
    assert annotator.get(f"/api/annotate/{slug}/judgments").json() == []


@pytest.mark.parametrize("value", [INT32_OVER, INT64_OVER], ids=["2**31", "2**63"])
def test_token_id_beyond_the_column_is_refused(as_user, value):
    admin = as_user("admin")
    assert_refused(admin.delete(f"/api/auth/tokens/{value}"), 422, "validation_error")


@pytest.mark.parametrize("path", ["items", "trees"])
def test_offset_of_2_to_the_63_is_refused(as_user, unique, path):
    researcher = as_user("researcher")
    slug = f"off-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    response = researcher.get(f"/api/campaigns/{slug}/{path}?offset={INT64_OVER}")
    error = assert_refused(response, 422, "validation_error")
    assert error["details"][0]["field"] == "query.offset"


def test_rounds_beyond_the_column_are_refused_and_annotators_keep_their_list(as_user, unique):
    """The penetration test's finding 6: one researcher's spec took the campaign list down
    for every annotator."""
    researcher = as_user("researcher")
    annotator = as_user("annotator")
    slug = f"rounds-{unique}"
    create_campaign_with_items(researcher, slug, 2)
    # Past 64 bits the request checks refuse it (invalid_value), before the spec's bound.
    for rounds, code in (
        ([INT32_OVER], "validation_error"),
        ([-1], "validation_error"),
        ([INT64_OVER], "invalid_value"),
    ):
        bad = pairwise_spec(slug, rounds=rounds)
        assert_refused(researcher.put(f"/api/campaigns/{slug}/spec", json=bad), 422, code)
        new = pairwise_spec(f"{slug}-new", rounds=rounds)
        assert_refused(researcher.post("/api/campaigns", json=new), 422, code)
    assert researcher.get(f"/api/campaigns/{slug}").json()["spec"].get("rounds") is None
    listed = annotator.get("/api/annotate/campaigns")
    assert listed.status_code == 200, listed.text
    assert slug in [c["slug"] for c in listed.json()["campaigns"]]
    assert annotator.get(f"/api/annotate/{slug}/next").status_code == 200


def test_a_stored_spec_that_no_longer_validates_closes_only_its_campaign(as_user, db, unique):
    """A spec saved before a bound was added (here: rounds past the INTEGER column) leaves
    that campaign out of the annotators' list; every other campaign stays listed."""
    from sqlalchemy import update

    from prefhub.models import Campaign

    researcher = as_user("researcher")
    annotator = as_user("annotator")
    broken, fine = f"old-{unique}", f"fine-{unique}"
    create_campaign_with_items(researcher, broken, 1)
    create_campaign_with_items(researcher, fine, 1)
    spec = pairwise_spec(broken, rounds=[INT32_OVER])
    with db() as session:
        session.execute(
            update(Campaign)
            .where(Campaign.slug == broken)
            .values(spec=spec, version=Campaign.version + 1)
        )
    listed = annotator.get("/api/annotate/campaigns")
    assert listed.status_code == 200, listed.text
    slugs = [c["slug"] for c in listed.json()["campaigns"]]
    assert fine in slugs
    assert broken not in slugs
    # Its researcher is told what to correct, and saving a corrected spec opens it again.
    opened = researcher.get(f"/api/campaigns/{broken}")
    assert (opened.status_code, opened.json()["error"]["code"]) == (409, "spec_no_longer_valid")
    assert opened.json()["error"]["details"][0]["field"].startswith("rounds")
    saved = researcher.put(f"/api/campaigns/{broken}/spec", json=pairwise_spec(broken))
    assert saved.status_code == 200, saved.text
    assert researcher.get(f"/api/campaigns/{broken}").status_code == 200
    slugs = [c["slug"] for c in annotator.get("/api/annotate/campaigns").json()["campaigns"]]
    assert broken in slugs


def test_export_rounds_beyond_the_column_are_refused(as_user, unique):
    researcher = as_user("researcher")
    slug = f"xr-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    response = researcher.post(f"/api/campaigns/{slug}/exports", json={"rounds": [INT32_OVER]})
    assert_refused(response, 422, "validation_error")
    assert researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"] == []


def test_sampling_token_counts_are_bounded(as_user, unique):
    """Sampling parameters go to the endpoint as given, but a worker is not asked for more
    than a million tokens, nor an integer no JSON number in the endpoint's language holds."""
    researcher = as_user("researcher")
    slug = f"gen-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    for params in ({"max_tokens": INT32_OVER}, {"max_tokens": 0}, {"top_k": -1}):
        job = {"models": ["nobody"], "params": params}
        response = researcher.post(f"/api/campaigns/{slug}/generation-jobs", json=job)
        error = assert_refused(response, 422, "validation_error")
        assert error["details"][0]["field"] == "body.params"
        model = {
            "name": f"m-{unique}",
            "base_url": "https://models.example.org/v1",
            "model": "m",
            "default_params": params,
        }
        assert_refused(researcher.post("/api/models", json=model), 422, "validation_error")
        spec = {
            "name": "trees",
            "slug": f"{slug}-t",
            "questions": [{"kind": "labels", "target": "prompt"}],
            "trees": {"model_replies": {"models": ["nobody"], "params": params}},
        }
        response = researcher.post("/api/campaigns", json=spec)
        error = assert_refused(response, 422, "validation_error")
        assert error["details"][0]["field"] == "body.trees.model_replies.params"
    assert researcher.get(f"/api/campaigns/{slug}/generation-jobs").json()["jobs"] == []


# ---------------------------------------------------------------- numbers JSON cannot hold


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (b"NaN", 400, "malformed_json"),
        (b"Infinity", 400, "malformed_json"),
        (b"1e400", 422, "invalid_value"),
    ],
)
def test_non_finite_numbers_are_refused(as_user, unique, number, status, code):
    researcher = as_user("researcher")
    slug = f"nan-{unique}"
    spec = json.dumps(pairwise_spec(slug, participation={"survey": SURVEY})).encode()
    spec = spec.replace(b'"max": 24', b'"max": ' + number)
    response = researcher.post(
        "/api/campaigns", content=spec, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, status, code)
    assert researcher.get(f"/api/campaigns/{slug}").status_code == 404


# ---------------------------------------------------------------- shape and size


def test_json_nested_100000_deep_is_refused(as_user, unique):
    researcher = as_user("researcher")
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (deep, b'{"name": "x", "questions": ' + deep + b"}"):
        response = researcher.post(
            "/api/campaigns", content=body, headers={"Content-Type": "application/json"}
        )
        assert_refused(response, 400, "json_too_deep")
    assert researcher.get("/api/health").status_code == 200


def test_json_nested_64_deep_is_read(annotated):
    """The limit leaves room for any answer the API takes; 64 levels reach the validator."""
    _, annotator, slug, task = annotated
    nested: object = "x"
    for _ in range(60):
        nested = [nested]
    body = {
        "assignment_id": task["assignment_id"],
        "client_id": str(uuid.uuid4()),
        "answers": {"preference": {"choice": "A"}, "why": {"text": nested}},
    }
    response = annotator.post(f"/api/annotate/{slug}/submit", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] != "json_too_deep"


def test_body_over_the_limit_is_refused_before_it_is_read(new_client, migrated):
    from prefhub.settings import get_settings

    limit = get_settings().max_request_bytes
    body = b'{"email": "' + b"x" * limit + b'", "password": "p"}'
    response = new_client().post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    error = assert_refused(response, 413, "payload_too_large")
    assert error["details"]["limit"] == limit
    # An upload route takes larger files, but JSON is no file.
    response = new_client().post(
        "/api/campaigns/any/items/import",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_refused(response, 413, "payload_too_large")


def test_import_may_be_larger_than_the_request_limit(as_user, unique):
    """Uploads have their own, larger limit (PREFHUB_MAX_UPLOAD_BYTES)."""
    from prefhub.settings import get_settings

    researcher = as_user("researcher")
    slug = f"big-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    padding = "p" * (get_settings().max_request_bytes + 1000)
    data = jsonl([{"prompt": "big", "candidates": ["x", "y"], "metadata": {"pad": padding}}])
    response = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", data, "application/jsonl")},
    )
    assert response.status_code == 201, response.text


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "filters",
    [
        {"created_from": "0001-01-01T00:00:00+01:00"},
        {"created_to": "9999-12-31T23:59:59-01:00"},
        {"created_from": "10000-01-01T00:00:00Z"},
    ],
)
def test_export_dates_that_overflow_are_refused(as_user, unique, filters):
    researcher = as_user("researcher")
    slug = f"dates-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    response = researcher.post(f"/api/campaigns/{slug}/exports", json=filters)
    assert_refused(response, 422, "validation_error")
    assert researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"] == []


def test_datetimes_in_responses_carry_their_offset(as_user, unique):
    researcher = as_user("researcher")
    slug = f"tz-{unique}"
    create_campaign_with_items(researcher, slug, 1)
    created = researcher.get(f"/api/campaigns/{slug}").json()["created_at"]
    assert created.endswith("Z"), created
    job = researcher.post(
        f"/api/campaigns/{slug}/exports", json={"created_from": "2026-11-20T13:00:00+01:00"}
    ).json()
    assert job["created_at"].endswith("Z")
    # The filter as the researcher meant it, in UTC.
    assert job["options"]["created_from"] == "2026-11-20T12:00:00Z"


# ---------------------------------------------------------------- the backstop


def test_a_value_the_database_refuses_is_a_422(migrated, database_url):
    """Defense in depth: a DataError the request checks missed is the client's 422, not a
    500. PostgreSQL refuses what SQLite stores, so only it can show this."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite stores any integer and any text")
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from prefhub.app import create_app

    app = create_app()

    @app.post("/api/test-only/cast")  # a POST: the web app's catch-all takes every GET
    def cast(value: int, session: SessionDep) -> dict:
        return {"value": session.scalar(text("SELECT CAST(:v AS integer)"), {"v": value})}

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/api/test-only/cast?value=7").json() == {"value": 7}
    assert_refused(client.post(f"/api/test-only/cast?value={INT32_OVER}"), 422, "invalid_value")


def test_server_still_answers_after_the_corpus(new_client, migrated):
    assert new_client().get("/api/health").status_code == 200


def test_wrong_csrf_header_with_non_ascii_is_refused(new_client, db, unique):
    email = f"csrf-{unique}@example.org"
    make_user(db, email, "researcher")
    client = new_client()
    login(client, email, PASSWORD)
    del client.headers["X-CSRF-Token"]
    wrong = {"X-CSRF-Token": b"\xff" * 8}  # latin-1 to the server, so not ASCII
    response = client.post("/api/auth/tokens", json={"name": "t"}, headers=wrong)
    assert_refused(response, 403, "csrf_failed")


def _rss_bytes(pid: int) -> int:
    from pathlib import Path

    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_150_mb_login_body_is_refused_without_reading_it(migrated, run_dir, unique):
    """The penetration test's finding 7: 150 MB to /api/auth/login took the server from 178 to
    618 MB. Sent in chunks (no Content-Length), to a real server: it answers 413 once past the
    limit, stops reading, and its memory stays where it was."""
    import sys

    from support.processes import api_server_process

    if not sys.platform.startswith("linux"):
        pytest.skip("reads the server's memory from /proc")
    chunk = b" " * (1024 * 1024)
    sent = 0

    def body():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(150):
            sent += len(chunk)
            yield chunk

    log = run_dir / f"big-body-{unique}.log"
    # One API process, so the process whose memory is read is the one that serves.
    args = ["--no-embedded-worker", "--workers", "1"]
    with api_server_process({}, log, args) as (base, server):
        before = _rss_bytes(server.pid)
        with httpx.Client(base_url=base, timeout=60) as client:
            response = client.post(
                "/api/auth/login", content=body(), headers={"Content-Type": "application/json"}
            )
            assert_refused(response, 413, "payload_too_large")
            grown = _rss_bytes(server.pid) - before
            assert grown < 20 * 1024 * 1024, f"the server grew by {grown} bytes"
            assert sent < 100 * len(chunk), f"the client sent {sent} bytes"
            assert client.get("/api/health").status_code == 200
