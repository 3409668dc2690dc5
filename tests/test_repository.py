"""The repository's promises: CI runs exactly the README's test command, then the install check."""

import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n# run the tests\n(.+)\n```", readme)
    assert len(commands) == 1
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[0] in ci_lines
    assert ci_lines[-1] == "bash .ci/install-check"


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return [
        line.split("  #")[0].strip()
        for block in re.findall(r"```sh\n(.*?)```", readme, re.S)
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_every_readme_command_runs_as_written_after_the_quick_start(tmp_path):
    """From the clone's folder, the venv not activated: each program is one the quick start
    put there (or the system's python3 and ssh), and each of the app's command lines is one
    its parser takes (a data file named in an example is made first)."""
    import shlex

    from tui_gradients.arguments import parse

    installed = {".venv/bin/tui-gradients", ".venv/bin/pip", ".venv/bin/python"}
    for command in _readme_commands():
        words = shlex.split(command)
        programs = [words[0]] + [after for word, after in itertools.pairwise(words) if word == "&&"]
        assert set(programs) <= installed | {"python3", "ssh"}, command
        if words[0] != ".venv/bin/tui-gradients":
            continue
        (tmp_path / "measurements.csv").write_text("size,price\n1,2\n2,3\n3,5\n")
        arguments = [str(tmp_path / word) if word.endswith(".csv") else word for word in words[1:]]
        args, _ = parse(arguments)  # refused flags would exit here
        assert args is not None, command
