"""The registers' Celery tasks: a whole region's register built in the background, and the daily purge of the
files kept past their day. Safe to run twice."""

from celery import shared_task

from assessment.registers.jobs import register_export_run, register_exports_purge


@shared_task(bind=True)
def register_export_task(self, export_id: int) -> dict:
    """Build a queued register export (a whole region's), reporting progress per unit. Idempotent: an
    export that is no longer queued is left as it is."""

    def progress(done: int, total: int) -> None:
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    job = register_export_run(export_id=export_id, on_progress=progress)
    return {"status": job.status, "sheets": job.sheets, "size": job.size}


@shared_task
def purge_register_exports_task() -> int:
    """Daily (Celery beat): delete register exports kept past their day."""
    return register_exports_purge()
