"""The first-run settings: SQLite and in-process Celery unless the environment says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
