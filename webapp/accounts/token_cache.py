"""A short in-process cache of API token look-ups, dropped across processes on revocation.

Every API request names its token, and looking it up (a join of the token and its owner) was a
whole SQL round trip on every call. Each process keeps what it read for `API_TOKEN_CACHE_SECONDS`,
keyed by the token's SHA-256. The cache is only used while this process listens to the Redis
channel on which every change that can end a token's validity is announced (a revocation, an
owner deactivated or given another role or e-mail address): the announcement drops the owner's
entries in every process. When Redis is unreachable, or the subscription drops, the cache is
emptied and not used until the subscription is back, so a revoked token is never honoured longer
than the subscription's own delay. No caller announces by hand: a session hook notices changed
`User` and `ApiToken` rows and announces them once their transaction commits.
"""

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from webapp.accounts.models import ApiCaller, ApiToken, User

log = logging.getLogger(__name__)

CHANNEL = "roadpass:api-token-owners-changed"
RECONNECT_SECONDS = 1.0
_EXTENSION = "api_token_cache"
_CHANGED_OWNERS = "roadpass_changed_token_owners"
_WATCHED = {User: ("is_active", "role", "email"), ApiToken: ("revoked_at", "user_id")}


@dataclass
class CachedToken:
    token_id: int
    caller: ApiCaller
    last_used_at: datetime | None
    read_at: float  # time.monotonic() when it was read from the database


class TokenCache:
    """One per app and process. Entries are only served while `listening` is true."""

    def __init__(self, redis_url: str, seconds: float) -> None:
        self.redis_url = redis_url
        self.seconds = seconds
        self.listening = False
        self.announcements_seen = 0  # how many announcements this process has applied
        self._entries: dict[str, CachedToken] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pid: int | None = None
        self._client: redis.Redis | None = None

    # --- reading -------------------------------------------------------------------------------

    def get(self, token_hash: str) -> CachedToken | None:
        self._ensure_listener()
        if not self.listening:
            return None
        entry = self._entries.get(token_hash)
        if entry is None or time.monotonic() - entry.read_at > self.seconds:
            return None
        return entry

    def put(self, token_hash: str, entry: CachedToken) -> None:
        if self.listening:
            with self._lock:
                self._entries[token_hash] = entry

    # --- invalidation --------------------------------------------------------------------------

    def forget_owners(self, user_ids: set[int]) -> None:
        with self._lock:
            for token_hash in [h for h, e in self._entries.items() if e.caller.id in user_ids]:
                del self._entries[token_hash]

    def announce(self, user_ids: set[int]) -> None:
        """Drop the owners' entries here at once and in every other process via Redis."""
        self.forget_owners(user_ids)
        try:
            for user_id in user_ids:
                self._redis().publish(CHANNEL, str(user_id))
        except (redis.RedisError, OSError) as error:
            # The other processes' subscriptions are very likely down too, and then they do not
            # cache; otherwise their entries end within API_TOKEN_CACHE_SECONDS.
            log.warning("could not announce changed API token owners %s: %s", user_ids, error)

    def wait_for_announcements(self, count: int, timeout: float) -> bool:
        """For tests: block until this process has applied `count` announcements."""
        with self._changed:
            return self._changed.wait_for(lambda: self.announcements_seen >= count, timeout)

    def wait_until_listening(self, timeout: float) -> bool:
        """For tests: start the subscription if need be and block until it is live."""
        self._ensure_listener()
        with self._changed:
            return self._changed.wait_for(lambda: self.listening, timeout)

    # --- the subscription ----------------------------------------------------------------------

    def _redis(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(
                self.redis_url, socket_connect_timeout=1, socket_timeout=2
            )
        return self._client

    def _ensure_listener(self) -> None:
        """Start the subscriber thread once per process (gunicorn forks after the app is built)."""
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid, self._client, self.listening = pid, None, False
            self._entries.clear()
            threading.Thread(target=self._listen, name="api-token-cache", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                pubsub = redis.Redis.from_url(
                    self.redis_url, socket_connect_timeout=1, health_check_interval=30
                ).pubsub()
                pubsub.subscribe(CHANNEL)
                for message in pubsub.listen():
                    self._receive(message)
            except (redis.RedisError, OSError, ValueError) as error:
                log.info("API token cache off until Redis answers again: %s", error)
            with self._lock:
                self.listening = False
                self._entries.clear()
            time.sleep(RECONNECT_SECONDS)  # a back-off between reconnection attempts

    def _receive(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":
            with self._changed:
                self._entries.clear()  # anything announced before we listened is unknown
                self.listening = True
                self._changed.notify_all()
        elif message["type"] == "message":
            try:
                user_ids = {int(message["data"])}
            except ValueError:
                user_ids = None
            with self._changed:
                if user_ids is None:
                    self._entries.clear()
                else:
                    for token_hash in [
                        h for h, e in self._entries.items() if e.caller.id in user_ids
                    ]:
                        del self._entries[token_hash]
                self.announcements_seen += 1
                self._changed.notify_all()


def cache() -> TokenCache | None:
    """The app's token cache, or None when caching is switched off (API_TOKEN_CACHE_SECONDS=0)."""
    return current_app.extensions.get(_EXTENSION)


def init_app(app: Flask) -> None:
    seconds = float(app.config["API_TOKEN_CACHE_SECONDS"])
    if seconds > 0 and str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        app.extensions[_EXTENSION] = TokenCache(app.config["REDIS_URL"], seconds)
    if not event.contains(Session, "after_flush", _note_changed_owners):
        event.listen(Session, "after_flush", _note_changed_owners)
        event.listen(Session, "after_commit", _announce_changed_owners)
        event.listen(Session, "after_rollback", _forget_changed_owners)


def _note_changed_owners(session: Session, _context: object) -> None:
    owners: set[int] = session.info.setdefault(_CHANGED_OWNERS, set())
    for row in (*session.dirty, *session.deleted):
        watched = _WATCHED.get(type(row))
        if watched is None:
            continue
        state = inspect(row)
        if row in session.deleted or any(
            state.attrs[name].history.has_changes() for name in watched
        ):
            owners.add(row.id if isinstance(row, User) else row.user_id)


def _announce_changed_owners(session: Session) -> None:
    owners = session.info.pop(_CHANGED_OWNERS, None)
    if owners:
        token_cache = _cache_if_in_app()
        if token_cache is not None:
            token_cache.announce(owners)


def _forget_changed_owners(session: Session, _previous: object = None) -> None:
    session.info.pop(_CHANGED_OWNERS, None)


def _cache_if_in_app() -> TokenCache | None:
    try:
        return cache()
    except RuntimeError:  # a session used outside any app context (a script): nothing cached
        return None
