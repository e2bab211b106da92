"""What a reload (SIGHUP) does with settings that no longer validate: it keeps the running ones.

gunicorn's master reads its config file again on SIGHUP, and the file checks every setting
(`gunicorn.conf.py`). A bad value there used to stop the master, and with it a running
service (open streams cut off, the port closed), for a typo in `.env`. Now the first load
still refuses a bad value, but a reload that meets one says so and keeps what it had: the
master's settings, and for the new workers (which read `.env` themselves) a copy of the
`.env` the running settings came from, named by ENV_FILE_VAR. Module state on purpose:
gunicorn re-executes its config file on reload, while imported modules stay.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, MutableMapping
from pathlib import Path

from app.config import ENV_FILE, ENV_FILE_VAR, ConfigError, Settings

_running: Settings | None = None
_running_env_text: str | None = None  # the .env the running settings were read from (None: none)


def settings_for_this_load(
    load: Callable[[], Settings], environ: MutableMapping[str, str] = os.environ, env_file: Path = ENV_FILE
) -> Settings:
    """Return the settings to run with: new ones when they validate, else (on a reload) the running ones."""
    global _running, _running_env_text
    kept_copy = environ.pop(ENV_FILE_VAR, None)  # validate what `.env` says now, not the copy
    try:
        settings = load()
    except ConfigError as error:
        if _running is None:
            raise  # the first load: a bad value stops start-up, as before
        print(
            f"{error}\nReload refused: the new workers start with the current settings (as on any reload, "
            "the old ones finish their answers within GRACEFUL_TIMEOUT).",
            file=sys.stderr,
        )
        environ[ENV_FILE_VAR] = kept_copy or _copy_of_running_env()
        return _running
    _running = settings
    _running_env_text = env_file.read_text(encoding="utf-8") if env_file.is_file() else None
    if kept_copy:  # the workers read `.env` itself again
        Path(kept_copy).unlink(missing_ok=True)
    return settings


def forget_copy(environ: MutableMapping[str, str] = os.environ) -> None:
    """Remove the copy of `.env` a refused reload made (it holds the settings' secrets); on exit."""
    copy = environ.pop(ENV_FILE_VAR, None)
    if copy:
        Path(copy).unlink(missing_ok=True)


def _copy_of_running_env() -> str:
    handle, path = tempfile.mkstemp(prefix="resume-api-env-", suffix=".env")
    with os.fdopen(handle, "w", encoding="utf-8") as copy:
        copy.write(_running_env_text or "")
    return path
