"""Conversation trees: grown by annotators and models, reviewed, sibling replies ranked."""
