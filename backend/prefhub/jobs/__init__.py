"""Background jobs of every kind: one lifecycle, one way to send, one sweeper, one API.

Domains define a kind (a ``Job`` subclass in ``prefhub.models`` naming its task) and its
task body; this room creates, sends (by task name, after commit), claims, beats, finishes,
cancels, resumes and re-sends stranded jobs. It imports no domain.
"""
