"""Alembic migrations of the tpsdesk schema (one file per revision under ``versions``)."""

# The newest revision: commands compare the database's version row with it, without
# loading alembic. A new migration sets it (tests/test_migrations.py checks it is alembic's head).
HEAD = "0010"
