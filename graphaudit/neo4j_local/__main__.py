"""``python -m graphaudit.neo4j_local fetch|start|stop|status``."""

from graphaudit.neo4j_local.cli import app

app(prog_name="python -m graphaudit.neo4j_local")
