"""New password hashes: Argon2id at the standard cost in production; the test suites make
theirs at Argon2's least cost (PASSWORD_HASH_COST = "minimal"), which production refuses.
Either verifies, since a hash carries its own parameters."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from app import create_app
from app.auth.passwords import check_password, hash_password
from app.core.secrets import ConfigurationError
from tests.conftest import base_config


def test_the_standard_cost_is_rfc_9106s_low_memory_profile(app):
    standard = {**app.config, "PASSWORD_HASH_COST": "standard"}
    with app.app_context():
        app.config.update(standard)
        try:
            made = hash_password("a long enough passphrase")
        finally:
            app.config["PASSWORD_HASH_COST"] = "minimal"
    parameters = extract_parameters(made)
    assert made.startswith("$argon2id$")
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)


def test_the_suite_hashes_at_the_least_cost_and_both_verify(app):
    with app.app_context():
        assert app.config["PASSWORD_HASH_COST"] == "minimal"
        made = hash_password("a long enough passphrase")
        parameters = extract_parameters(made)
        assert (parameters.time_cost, parameters.memory_cost) == (1, 8)
        assert check_password(made, "a long enough passphrase")
        assert not check_password(made, "another passphrase")
        app.config["PASSWORD_HASH_COST"] = "standard"
        try:
            assert check_password(made, "a long enough passphrase")  # its own parameters
        finally:
            app.config["PASSWORD_HASH_COST"] = "minimal"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"PASSWORD_HASH_COST": "cheap"}, "must be one of standard, minimal, not 'cheap'"),
        ({"PASSWORD_HASH_COST": "minimal", "PRODUCTION": True}, "only 'standard'"),
    ],
)
def test_a_bad_cost_stops_the_app_at_start(tmp_path, changes, message):
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'refused.sqlite'}")
    with pytest.raises(ConfigurationError, match=message):
        create_app({**config, **changes})
