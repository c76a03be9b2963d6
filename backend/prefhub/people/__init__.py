"""People beyond accounts: annotator groups and what each annotator did."""
