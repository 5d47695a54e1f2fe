"""The scheduler clock: the only package that imports APScheduler."""
