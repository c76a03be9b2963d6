"""Quality of a campaign's data, computed from its judgments: model leaderboards with
intervals and where annotator groups disagree (issue #17 adds gold checks, reliability and
agreement here too)."""
