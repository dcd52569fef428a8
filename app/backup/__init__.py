"""Backups of one node (`flask backup …` and the daily job): the database, the file store
and the node's keys in one archive with a checksum manifest, optionally encrypted to an
operator's key; checked without restoring; restored into an empty deployment only.

Builds on core alone (the node's keys, the audit checkpoints' folder): it reads the file
store as files and the database as a whole, never a feature's models.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.backup import cli

    cli.init_app(app)
