"""The Celery app. Without REDIS_URL tasks run in-process (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kaohe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The assessment keeps each stage's tasks beside its services.
app.autodiscover_tasks(["assessment.quarter", "assessment.year", "assessment.registers", "assessment.analytics"])
