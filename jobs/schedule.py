"""The schedule: which job runs when, by name (the names let tests and the demo run a job at once)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.context import Services
from jobs.rounds import digest_job, receipts_job, reminder_job
from jobs.sender import OUTBOX_JOB, outbox_job
from jobs.workdays import in_quiet_hours

REMINDER_JOB = "daily-reminders"
DIGEST_JOB = "weekly-digest"
RECEIPTS_JOB = "reminder-receipts"


def schedule_jobs(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Daily round and digest check at the configured times, in the office's time zone; the outbox is
    drained every half minute and soon after start."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    tz = settings.tz
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    job_queue.run_daily(reminder_job, time=settings.reminder_time.replace(tzinfo=tz), name=REMINDER_JOB)
    job_queue.run_daily(digest_job, time=settings.digest_time.replace(tzinfo=tz), name=DIGEST_JOB)
    job_queue.run_repeating(outbox_job, interval=30, first=2, name=OUTBOX_JOB)
    job_queue.run_repeating(receipts_job, interval=300, first=60, name=RECEIPTS_JOB)
    now = services.clock.now().astimezone(tz)
    awake = not in_quiet_hours(now, settings.quiet_start, settings.quiet_end)
    if awake and settings.reminder_time <= now.time():
        job_queue.run_once(reminder_job, when=5, name=f"{REMINDER_JOB}-catch-up")
    if awake and settings.digest_time <= now.time():
        job_queue.run_once(digest_job, when=10, name=f"{DIGEST_JOB}-catch-up")
