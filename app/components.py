"""The per-app objects the views use, kept in `app.extensions` behind one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from app.chat.turn import ChatService
from app.config import Settings
from app.fit.service import FitService
from app.llm.types import Answerer
from app.retrieval.retriever import ResumeRetriever
from app.state.redis_link import RedisLink
from app.state.sessions import SessionStore

_KEY = "resume_api"


@dataclass(slots=True)
class Components:
    """The settings, the chat service (which holds the retriever, sessions and answerer) and fit assessment."""

    settings: Settings
    chat: ChatService
    fit: FitService
    redis: RedisLink | None = None

    @property
    def retriever(self) -> ResumeRetriever:
        return self.chat.retriever

    @property
    def sessions(self) -> SessionStore:
        return self.chat.sessions

    @property
    def answerer(self) -> Answerer:
        return self.chat.answerer

    def close(self) -> None:
        """Release upstream connections."""
        self.retriever.close()
        self.answerer.close()
        if self.redis is not None:
            self.redis.close()


def install(app: Flask, parts: Components) -> None:
    """Attach the components to `app`."""
    app.extensions[_KEY] = parts


def components(app: Flask | None = None) -> Components:
    """Return the components of `app` (default: the current app)."""
    parts: Components = (app or current_app).extensions[_KEY]
    return parts
