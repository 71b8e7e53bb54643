import subprocess
import sys

# A command whose output outlasts the pipe's buffer, read by a reader that stops early.
LONG_OUTPUT = """
from eval.command import run

def main():
    for _ in range(20000):
        print("x" * 100)

run(main, "python -m eval.long")
"""


def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly() -> None:
    command = subprocess.Popen(
        [sys.executable, "-c", LONG_OUTPUT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert command.stdout is not None and command.stderr is not None
    assert command.stdout.readline().startswith("x")
    command.stdout.close()  # as `| head -1` does
    error = command.stderr.read()
    assert command.wait(timeout=60) == 0
    assert "Traceback" not in error and "BrokenPipe" not in error
