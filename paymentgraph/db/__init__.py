"""Database layer: declarative base, ids, exact column types, sessions, row locks, migrations."""
