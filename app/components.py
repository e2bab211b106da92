"""The per-app objects the views use, kept in `app.extensions` behind one typed accessor."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from app.chat.turn import ChatService
from app.config import Settings
from app.llm.types import Answerer
from app.retrieval.retriever import ResumeRetriever
from app.state.sessions import SessionStore

_KEY = "resume_api"


@dataclass(slots=True)
class Services:
    settings: Settings
    retriever: ResumeRetriever
    answerer: Answerer
    sessions: SessionStore
    chat: ChatService

    def close(self) -> None:
        """Release upstream connections."""
        self.retriever.close()
        self.answerer.close()


def install(app: Flask, services: Services) -> None:
    """Attach the services to `app`."""
    app.extensions[_KEY] = services


def services(app: Flask | None = None) -> Services:
    """Return the services of `app` (default: the current app)."""
    services: Services = (app or current_app).extensions[_KEY]
    return services
