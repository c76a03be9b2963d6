"""Annotator groups: who may list, create and change them, and how members are named."""

from __future__ import annotations

from support.api import items, jsonl, make_user, pairwise_spec


def _create(client, name: str, description: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/api/groups", json={"name": name, "description": description})


def test_researcher_creates_a_group_and_sets_its_members_by_e_mail_or_id(as_user, db, unique):
    researcher = as_user("researcher")
    ann = make_user(db, f"Grp-Ann-{unique}@example.org")
    bob = make_user(db, f"grp-bob-{unique}@example.org")
    created = _create(researcher, f"experts-{unique}", "Medical experts")
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["member_count"] == 0 and group["created_by_id"] == researcher.user_id

    # E-mails are matched whatever their case; ids name accounts without e-mail too.
    members = [f"grp-ann-{unique}@example.org", bob]
    response = researcher.put(f"/api/groups/{group['id']}/members", json={"members": members})
    assert response.status_code == 200, response.text
    assert [m["id"] for m in response.json()["members"]] == [ann, bob]

    # PUT replaces the whole set.
    response = researcher.put(f"/api/groups/{group['id']}/members", json={"members": [bob]})
    assert [m["id"] for m in response.json()["members"]] == [bob]
    listed = {g["name"]: g for g in researcher.get("/api/groups").json()}
    assert listed[f"experts-{unique}"]["member_count"] == 1


def test_unknown_members_refuse_the_whole_list_and_are_named(as_user, db, unique):
    admin = as_user("admin")
    ann = make_user(db, f"grp-known-{unique}@example.org")
    group = _create(admin, f"known-{unique}").json()
    admin.put(f"/api/groups/{group['id']}/members", json={"members": [ann]})
    missing = f"nobody-{unique}@example.org"
    response = admin.put(
        f"/api/groups/{group['id']}/members",
        json={"members": [f"grp-known-{unique}@example.org", missing, 999999999]},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_users"
    assert error["details"]["unknown"] == [missing, 999999999]
    assert missing in error["message"]
    assert [m["id"] for m in admin.get(f"/api/groups/{group['id']}").json()["members"]] == [ann]


def test_group_names_are_unique_on_create_and_rename(as_user, unique):
    admin = as_user("admin")
    _create(admin, f"first-{unique}")
    second = _create(admin, f"second-{unique}").json()
    duplicate = _create(admin, f"first-{unique}")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "group_exists"
    renamed = admin.patch(f"/api/groups/{second['id']}", json={"name": f"first-{unique}"})
    assert renamed.status_code == 409
    renamed = admin.patch(
        f"/api/groups/{second['id']}", json={"name": f"third-{unique}", "description": "new"}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == f"third-{unique}" and renamed.json()["description"] == "new"
    assert _create(admin, " padded ").status_code == 422
    assert _create(admin, "x" * 65).status_code == 422


def test_researchers_see_every_group_but_change_only_their_own(as_user, unique):
    owner = as_user("researcher")
    other = as_user("researcher")
    admin = as_user("admin")
    group = _create(owner, f"owned-{unique}").json()
    path = f"/api/groups/{group['id']}"

    seen_by_other = {g["name"]: g for g in other.get("/api/groups").json()}
    assert seen_by_other[f"owned-{unique}"]["managed"] is False
    seen_by_owner = {g["name"]: g for g in owner.get("/api/groups").json()}
    assert seen_by_owner[f"owned-{unique}"]["managed"] is True
    refused = [
        other.get(path),
        other.patch(path, json={"description": "mine now"}),
        other.put(f"{path}/members", json={"members": []}),
        other.delete(path),
    ]
    assert [r.status_code for r in refused] == [404] * 4
    assert {r.json()["error"]["code"] for r in refused} == {"group_not_found"}

    annotator = as_user("annotator")
    assert annotator.get("/api/groups").status_code == 403
    assert _create(annotator, f"mine-{unique}").status_code == 403

    # Admins manage every group.
    assert admin.patch(path, json={"description": "checked"}).status_code == 200
    assert admin.delete(path).status_code == 204
    assert owner.get(path).status_code == 404


def test_deleting_a_group_keeps_its_members_accounts(as_user, db, unique):
    from prefhub.models import AnnotatorGroupMember, User

    admin = as_user("admin")
    ann = make_user(db, f"grp-kept-{unique}@example.org")
    group = _create(admin, f"gone-{unique}").json()
    admin.put(f"/api/groups/{group['id']}/members", json={"members": [ann]})
    assert admin.delete(f"/api/groups/{group['id']}").status_code == 204
    with db() as session:
        assert session.get(User, ann) is not None
        assert session.get(AnnotatorGroupMember, (group["id"], ann)) is None


# ---------------------------------------------------------------- campaigns open to groups


def _group_campaign(owner, slug: str, groups: list[str]) -> None:  # type: ignore[no-untyped-def]
    spec = pairwise_spec(slug, eligibility={"groups": groups})
    assert owner.post("/api/campaigns", json=spec).status_code == 201
    imported = owner.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(items(2)), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def test_a_campaign_for_groups_is_open_to_their_members_only(as_user, unique):
    owner = as_user("researcher")
    member, outsider = as_user(), as_user()
    group = _create(owner, f"raters-{unique}").json()
    owner.put(f"/api/groups/{group['id']}/members", json={"members": [member.user_id]})
    slug = f"for-group-{unique}"
    _group_campaign(owner, slug, [f"raters-{unique}", f"nobody-{unique}"])

    listed = {c["slug"] for c in member.get("/api/annotate/campaigns").json()["campaigns"]}
    assert slug in listed
    assert member.get(f"/api/annotate/{slug}/next").json()["task"] is not None

    listed = {c["slug"] for c in outsider.get("/api/annotate/campaigns").json()["campaigns"]}
    assert slug not in listed
    refused = outsider.get(f"/api/annotate/{slug}/next")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_eligible"
    assert f"this campaign is for the groups raters-{unique}" in refused.json()["error"]["message"]

    # Taken out of the group, the member is refused too.
    owner.put(f"/api/groups/{group['id']}/members", json={"members": []})
    assert member.get(f"/api/annotate/{slug}/next").status_code == 403


def test_the_campaign_list_loads_the_annotators_groups_once(as_user, unique):
    from sqlalchemy import event

    from prefhub.kit.db import get_engine

    owner = as_user("researcher")
    member = as_user()
    group = _create(owner, f"once-{unique}").json()
    owner.put(f"/api/groups/{group['id']}/members", json={"members": [member.user_id]})
    for n in range(3):
        _group_campaign(owner, f"once-{n}-{unique}", [f"once-{unique}"])

    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        listed = member.get("/api/annotate/campaigns").json()["campaigns"]
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert {f"once-{n}-{unique}" for n in range(3)} <= {c["slug"] for c in listed}
    assert sum("annotator_group_members" in s for s in statements) == 1
