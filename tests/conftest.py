"""Shared test setup: a fixed terminal environment, so the app's automatic choice of ASCII or
Unicode (read from LANG and TERM) is the same on every machine that runs the suite."""

import pytest


@pytest.fixture(autouse=True)
def utf8_terminal(monkeypatch):
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
