"""tui-gradients: watch gradient descent one step at a time, in any terminal."""

__version__ = "0.1.0"
