"""tui-gradients: watch gradient descent one step at a time, in any terminal."""

__version__ = "0.1.0"

PROG = "tui-gradients"
"""The command's name, as its messages begin."""
COMMANDS = ("run", "chain", "net", "serve")
"""The commands of the one parser (`arguments.command_line`), which takes a command only as the
first word: so `__main__`, which must know before anything heavy is imported whether to hold
the terminal's keys for the app, reads the same first word and cannot disagree with it."""
