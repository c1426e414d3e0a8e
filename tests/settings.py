"""The settings of the test suite and of the type checker: ``fatura.settings`` with a placeholder
secret key when the environment gives none (scripts/test.sh sets one too).

Loaded by pytest-django before any conftest (pyproject's ``DJANGO_SETTINGS_MODULE``), which is
why the default is set here and not in tests/conftest.py. Never used to serve anything.
"""

from __future__ import annotations

import os

os.environ.setdefault("FATURA_SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)

from fatura.settings import *  # noqa: F403
