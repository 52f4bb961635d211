"""Fixtures of the operations tests: the deployment-file readers and a clean environment."""

from __future__ import annotations

import pytest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No MOTIONBOT_* or token settings leak in from the developer's shell."""
    import os

    for name in list(os.environ):
        if name.startswith("MOTIONBOT_"):
            monkeypatch.delenv(name)
    return monkeypatch
