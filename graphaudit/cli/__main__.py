"""``python -m graphaudit.cli …``: the ``graphaudit`` command."""

from graphaudit.cli import app

if __name__ == "__main__":
    app(prog_name="graphaudit")
