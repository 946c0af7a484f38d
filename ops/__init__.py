"""How Balie's processes are run: the supervisor configuration and its launcher."""
