"""The history database schema as an ordered list of migrations.

SQLite's ``user_version`` pragma records how many migrations a file has seen, so an old
database is brought forward in place on start and a new one is built by the same steps.
Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: users, tasks, media references, deliveries, saved motions
    """
    CREATE TABLE users (
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        acknowledged_at REAL,
        blocked_at REAL,
        created_at REAL NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    CREATE TABLE tasks (
        task_id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL,
        engine TEXT NOT NULL,
        options TEXT NOT NULL,
        photo TEXT NOT NULL,
        motion TEXT NOT NULL,
        output TEXT,
        duration_s REAL,
        failure_reason TEXT,
        failure_message TEXT,
        timings TEXT NOT NULL DEFAULT '{}',
        status_message_id TEXT,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL
    );
    CREATE INDEX tasks_by_user ON tasks (platform, user_id, created_at DESC);
    CREATE INDEX tasks_by_status ON tasks (status);
    CREATE TABLE media (
        task_id TEXT NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        media_key TEXT NOT NULL,
        size INTEGER NOT NULL,
        filename TEXT,
        PRIMARY KEY (task_id, role)
    );
    CREATE INDEX media_by_key ON media (media_key);
    CREATE TABLE deliveries (
        task_id TEXT PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        message_id TEXT,
        file_id TEXT,
        delivered_at REAL NOT NULL
    );
    CREATE INDEX deliveries_by_file ON deliveries (platform, file_id);
    CREATE TABLE saved_motions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (platform, user_id, name)
    );
    """,
    # 2: per-guild settings of the Discord frontend (channels it answers in, daily quota)
    """
    CREATE TABLE guild_settings (
        platform TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        channels TEXT NOT NULL DEFAULT '[]',
        daily_quota INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL,
        PRIMARY KEY (platform, guild_id)
    );
    CREATE TABLE guild_usage (
        platform TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        day TEXT NOT NULL,
        renders INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (platform, guild_id, day)
    );
    """,
    # 3: which guild and day each counted render belongs to, so one that ends without a
    # video (failed or cancelled) gives its unit of the guild's quota back
    """
    CREATE TABLE guild_renders (
        task_id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        day TEXT NOT NULL
    );
    """,
    # 4: the stored files a saved motion refers to, in a table of their own (found by key,
    # not by searching the motion's JSON), filled from the saved motions there are; and the
    # guild quota settled by the database when a task finishes, so the task history does
    # not maintain the guild tables: a render that ends without a video gives its unit back
    """
    CREATE TABLE saved_motion_media (
        motion_id INTEGER NOT NULL REFERENCES saved_motions (id) ON DELETE CASCADE,
        media_key TEXT NOT NULL,
        PRIMARY KEY (motion_id, media_key)
    );
    CREATE INDEX saved_motion_media_by_key ON saved_motion_media (media_key);
    INSERT OR IGNORE INTO saved_motion_media (motion_id, media_key)
        SELECT id, json_extract(source, '$.video.key') FROM saved_motions
        WHERE json_extract(source, '$.video.key') IS NOT NULL
        UNION ALL
        SELECT id, json_extract(source, '$.saved.key') FROM saved_motions
        WHERE json_extract(source, '$.saved.key') IS NOT NULL;
    CREATE TRIGGER guild_render_refunded AFTER UPDATE OF status ON tasks
    WHEN NEW.status IN ('failed', 'cancelled') AND OLD.status IN ('queued', 'running')
    BEGIN
        UPDATE guild_usage SET renders = MAX(0, renders - 1) WHERE (platform, guild_id, day) IN
            (SELECT platform, guild_id, day FROM guild_renders WHERE task_id = NEW.task_id);
        DELETE FROM guild_renders WHERE task_id = NEW.task_id;
    END;
    CREATE TRIGGER guild_render_kept AFTER UPDATE OF status ON tasks WHEN NEW.status = 'done'
    BEGIN
        DELETE FROM guild_renders WHERE task_id = NEW.task_id;
    END;
    """,
    # 5: the language a user speaks with the bot: the one chosen with /language (NULL: the
    # app's) and the app's own as last seen, so a result delivered later (a group's, a
    # Discord channel's) is worded for the user who asked
    """
    ALTER TABLE users ADD COLUMN language TEXT;
    ALTER TABLE users ADD COLUMN app_language TEXT;
    """,
    # 6: the performer a saved move follows in its video (the number picked on the people
    # picture of the task it was saved from; NULL: the renderer's default)
    """
    ALTER TABLE saved_motions ADD COLUMN performer INTEGER;
    """,
)


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply the migrations this file has not seen; returns the resulting version."""
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = int(row[0]) if row else 0
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"history database is at schema {version}, newer than this release knows ({len(MIGRATIONS)}); "
            "upgrade motionbot or point MOTIONBOT_HISTORY_DB at another file"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first; the version bump rides in the same script so a crash
        # mid-migration leaves either the old or the new version, not a half-applied mix
        await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return len(MIGRATIONS)
