"""The state database lives in :mod:`graphaudit.state` (the command line records check runs and cases in it
too); this name is kept for the API modules and scripts that import it from here."""

from graphaudit.state import DB_FILE, State, state_dir

__all__ = ["State", "state_dir", "DB_FILE"]
