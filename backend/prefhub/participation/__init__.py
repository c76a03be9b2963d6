"""Annotators in a campaign: consent, profile survey, crowd-platform entry and completion."""
