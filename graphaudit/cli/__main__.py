"""``python -m graphaudit.cli …``: the ``graphaudit`` command."""

from graphaudit.cli import app

app(prog_name="graphaudit")
