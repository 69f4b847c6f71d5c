"""graphaudit: find grassroots micro-corruption in county registers as a property graph."""

__version__ = "0.1.0"
