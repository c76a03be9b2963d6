"""The Celery application: Redis in production, a filesystem broker when embedded.

Both run the same task code; only the broker URL differs. Results live in our own tables
(``jobs`` and each kind's), so Celery's result backend is off.
"""

from __future__ import annotations

from celery import Celery

from prefhub import embedded_broker
from prefhub.settings import Settings, get_settings

EXPORTS_QUEUE = "exports"
GENERATION_QUEUE = "generation"
ALL_QUEUES = (EXPORTS_QUEUE, GENERATION_QUEUE)


def queue_name(settings: Settings, queue: str) -> str:
    return f"{settings.celery_queue_prefix}.{queue}"


def make_celery(settings: Settings) -> Celery:
    app = Celery(
        "prefhub",
        include=[
            "prefhub.exports.tasks",
            "prefhub.generation.tasks",
            "prefhub.insitu.tasks",
            "prefhub.items.tasks",
            "prefhub.jobs.tasks",
            "prefhub.media.tasks",
            "prefhub.quality.tasks",
        ],
    )
    if settings.redis_url:
        app.conf["broker_url"] = settings.redis_url  # celery-types: the attribute is read-only
        visibility = settings.redis_visibility_timeout
        app.conf.broker_transport_options = {
            "visibility_timeout": visibility,
            # kombu looks for a dead worker's unacknowledged tasks only every interval x
            # throttle seconds (100 s by default); sweep at a pace tied to the timeout instead,
            # so a killed worker's tasks come back soon after they become visible again.
            "unacked_restore_interval": max(1, min(60, visibility // 4)),
            "unacked_restore_throttle": 1,
        }
    else:
        folder = settings.broker_dir.resolve()
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        app.conf["broker_url"] = "filesystem://"
        app.conf.broker_transport = embedded_broker.TRANSPORT  # whole messages only
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            # Without this kombu writes its broadcast exchange files into the current folder.
            "control_folder": str(folder / "control"),
            "store_processed": False,
            # A job waits on average half of this for a worker: a folder listing 20 times a
            # second costs an idle worker next to nothing.
            "polling_interval": 0.05,
        }
    app.conf.update(
        task_ignore_result=True,
        # A task is acknowledged after it ran: a killed worker's task runs again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_default_queue=queue_name(settings, "default"),
        task_routes={
            "prefhub.exports.*": {"queue": queue_name(settings, EXPORTS_QUEUE)},
            "prefhub.insitu.run_export": {"queue": queue_name(settings, EXPORTS_QUEUE)},
            "prefhub.insitu.run_judge": {"queue": queue_name(settings, GENERATION_QUEUE)},
            "prefhub.generation.*": {"queue": queue_name(settings, GENERATION_QUEUE)},
        },
        worker_hijack_root_logger=False,
    )
    return app


celery_app = make_celery(get_settings())
