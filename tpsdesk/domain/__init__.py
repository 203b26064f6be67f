"""The rules of the rulebook as pure code: small frozen facts in, decisions out.

No SQLAlchemy, SQLModel, sessions or rows here (an import-linter contract keeps it so):
``vocab`` (the words), ``facts`` (who acts, on what), ``access`` (R5: see, do, hold),
``lifecycle`` (E12), ``schedule`` (due, next action, rank), ``finalise`` (W, D, F).
"""
