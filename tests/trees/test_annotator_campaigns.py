"""Tree campaigns in the annotator's campaign list."""

from __future__ import annotations


def test_tree_campaign_is_listed_as_trees_so_the_screen_can_route_it(as_user, tree_campaign):
    _, slug = tree_campaign()
    annotator = as_user("annotator")
    listed = {c["slug"]: c for c in annotator.get("/api/annotate/campaigns").json()["campaigns"]}
    assert listed[slug]["kind"] == "trees"
