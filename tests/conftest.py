"""Shared test setup: a fixed terminal environment, so the app's automatic choice of ASCII or
Unicode (read from LANG and TERM) is the same on every machine that runs the suite."""

import os
import tempfile

import pytest

# The app keeps its preferences in the user's configuration folder: the tests, and the
# processes they start, keep theirs in a folder of their own, never the user's.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="tui-gradients-config-")


@pytest.fixture(autouse=True)
def utf8_terminal(monkeypatch):
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
