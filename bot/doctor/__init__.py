"""``python -m bot doctor``: is this machine ready to run the service? One line per check, in plain words."""
