"""The ``graphaudit`` command line (DATA_CONTRACT §3): ``main`` holds the app and the small commands;
``check``, ``export`` and ``serve`` hold the larger ones; ``common`` the options they share."""

from graphaudit.cli.main import app

__all__ = ["app"]
