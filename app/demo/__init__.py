"""Demo data for the four provinces and synthetic data for benchmarks."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import cli

    cli.init_app(app)
