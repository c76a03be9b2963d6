from __future__ import annotations

from support.api import make_user


def test_groups_create_add_remove_list_delete(cli, unique, db):
    from prefhub.people.service import get_group_by_name, members

    name = f"cli-group-{unique}"
    ann = f"cli-grp-ann-{unique}@example.org"
    ann_id = make_user(db, ann)
    bob_id = make_user(db, f"cli-grp-bob-{unique}@example.org")

    assert cli("groups", "create", name, "--description", "from the shell").exit_code == 0
    added = cli("groups", "add", name, ann, str(bob_id))
    assert added.exit_code == 0 and "added 2" in added.output, added.output
    with db() as session:
        assert [u.id for u in members(session, get_group_by_name(session, name).id)] == [
            ann_id,
            bob_id,
        ]
    removed = cli("groups", "remove", name, ann)
    assert removed.exit_code == 0 and "removed 1" in removed.output
    assert f"{name}: 1 members" in cli("groups", "list").output

    unknown = cli("groups", "add", name, f"nobody-{unique}@example.org")
    assert unknown.exit_code == 1 and f"nobody-{unique}@example.org" in unknown.output
    assert cli("groups", "create", name).exit_code == 1

    assert cli("groups", "delete", name).exit_code == 0
    assert name not in cli("groups", "list").output
