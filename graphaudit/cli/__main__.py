"""``python -m graphaudit.cli …``: the same command line as ``graphaudit …``."""

from graphaudit.cli.main import app

app(prog_name="graphaudit")
