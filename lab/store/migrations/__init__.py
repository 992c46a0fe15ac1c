"""Alembic migrations of the results store (script location of lab.store.migrate)."""
