"""tui-gradients: watch gradient descent one step at a time, in any terminal."""

__version__ = "0.1.0"

COMMANDS = ("run", "chain", "serve")
"""The words that start a command other than the app: `cli.main` runs them, and `__main__`
holds the terminal's keys for the app alone."""
