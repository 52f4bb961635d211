"""History: what each user acknowledged, rendered, received and saved (SQLite, aiosqlite).

Frontends share one :class:`HistoryStore` per process, opened at the entry point::

    history = await HistoryStore.open(settings.history_db)
    ...
    await history.close()

The conversation core records tasks as they are submitted; the delivery dispatcher
(``motionbot.bot.delivery``) records outcomes and the platform's file id after sending,
which keeps deliveries exactly-once and makes re-sends free. Owner checks belong to the
caller: :meth:`TaskRecord.owned_by` before acting on a task id from a client.
"""

from motionbot.bot.history.models import DeliveryRecord, SavedMotion, TaskRecord, TaskStatus, UserRecord
from motionbot.bot.history.store import HistoryStore

__all__ = ["DeliveryRecord", "HistoryStore", "SavedMotion", "TaskRecord", "TaskStatus", "UserRecord"]
