"""The API key rules of MineContext's backend manager (api_auth in config.yaml), done safely."""

from __future__ import annotations

import fnmatch
import hmac
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote

#: health needs no key: the supervisor checks it without one
DEFAULT_EXCLUDED = ("/api/health", "/health")


def _strings(section: Mapping[str, Any], name: str) -> Tuple[str, ...]:
    # a string where a list belongs would be split into characters: "*" would open every path
    value = section.get(name)
    if value is None:
        return ()  # YAML's "api_keys:" with nothing after it
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise ValueError(f"api_auth.{name} must be a list of non-empty strings, got {value!r}")


def _flag(section: Mapping[str, Any], name: str, default: bool) -> bool:
    # bool("false") is True: a quoted value must not switch auth off or the query key on
    value = section.get(name, default)
    if isinstance(value, bool):
        return value
    raise ValueError(f"api_auth.{name} must be true or false, got {value!r}")


@dataclass(frozen=True)
class AuthConfig:
    """Who may call the backend.

    ``api_keys``: accepted X-API-Key values (the supervisor's BACKEND_API_KEY is added by
    :meth:`from_config`'s ``api_key``). ``excluded_paths``: paths that need no key, globs allowed
    (``/static/*``); health is always excluded. ``allow_query_key``: also accept ``?api_key=``,
    off by default because query strings end up in access logs and browser history.
    ``cors_origins``: exact origins whose CORS preflights pass (for direct access from a page).

    Example::

        auth = AuthConfig.from_config({"excluded_paths": ["/static/*"]}, api_key=settings.api_key)
    """

    enabled: bool = True
    api_keys: Tuple[str, ...] = ()
    excluded_paths: Tuple[str, ...] = DEFAULT_EXCLUDED
    allow_query_key: bool = False
    cors_origins: Tuple[str, ...] = field(default=())

    @classmethod
    def from_config(cls, api_auth: Optional[Mapping[str, Any]] = None, api_key: Optional[str] = None, **overrides: Any) -> "AuthConfig":
        """Accepts the shape of MineContext's config.yaml: ``{enabled, api_keys, excluded_paths}``."""
        section = dict(api_auth or {})
        unknown = set(section) - {"enabled", "api_keys", "excluded_paths", "allow_query_key", "cors_origins"}
        if unknown:
            raise ValueError(f"api_auth: unknown setting(s) {', '.join(sorted(unknown))}")
        keys = _strings(section, "api_keys")
        if api_key:
            keys = (api_key,) + tuple(key for key in keys if key != api_key)
        excluded = tuple(DEFAULT_EXCLUDED) + _strings(section, "excluded_paths")
        values = dict(
            enabled=_flag(section, "enabled", True),
            api_keys=keys,
            excluded_paths=tuple(dict.fromkeys(excluded)),
            allow_query_key=_flag(section, "allow_query_key", False),
            cors_origins=_strings(section, "cors_origins"),
        )
        values.update(overrides)
        return cls(**values)

    def is_excluded(self, path: str) -> bool:
        # "*" matches "/" as well: a path with "." or ".." segments (encoded or not, "\\" as "/")
        # could leave an excluded folder wherever a handler normalizes it, so it is never excluded
        segments = unquote(path).replace("\\", "/").split("/")
        if "." in segments or ".." in segments:
            return False
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.excluded_paths)

    def key_matches(self, candidate: Optional[str]) -> bool:
        """Constant-time comparison against every accepted key."""
        if not candidate:
            return False
        given = candidate.encode("utf-8")
        # compare with all keys, so the time does not tell which one nearly matched
        results = [hmac.compare_digest(given, key.encode("utf-8")) for key in self.api_keys]
        return any(results)

    def allows(self, path: str, header_key: Optional[str], query: str = "") -> bool:
        """True when a request for ``path`` may pass: auth off, an excluded path, or a valid key."""
        if not self.enabled or self.is_excluded(path):
            return True
        if self.key_matches(header_key):
            return True
        if self.allow_query_key:
            return self.key_matches(next(iter(parse_qs(query).get("api_key", [])), None))
        return False

    def cors_headers(self, origin: Optional[str]) -> Iterable[Tuple[str, str]]:
        """The headers that let a configured origin read an answer; none for any other."""
        if origin and origin in self.cors_origins:
            return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        return []

    def preflight_headers(self, origin: Optional[str]) -> Optional[Iterable[Tuple[str, str]]]:
        """The answer headers of a CORS preflight from ``origin``, or None to refuse it (403)."""
        allowed = list(self.cors_headers(origin))
        if not allowed:
            return None
        return allowed + [
            ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"),
            ("Access-Control-Allow-Headers", "X-API-Key, Content-Type"),
            ("Access-Control-Max-Age", "600"),
        ]
