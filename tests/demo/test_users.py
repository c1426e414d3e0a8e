"""The demo users: their passwords are stored hashed once (load.DEMO_PASSWORD_HASHES)."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, identify_hasher

from fatura.demo.load import DEMO_PASSWORD_HASHES, DEMO_USERS


def test_each_demo_password_hash_is_its_password() -> None:
    assert set(DEMO_PASSWORD_HASHES) == {username for username, *_ in DEMO_USERS}
    for username, password, *_ in DEMO_USERS:
        encoded = DEMO_PASSWORD_HASHES[username]
        assert identify_hasher(encoded).algorithm == "pbkdf2_sha256"
        assert check_password(password, encoded)
