"""Persistence: engines for SQLite, PostgreSQL and MySQL/MariaDB, tables, repositories."""
