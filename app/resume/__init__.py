"""The resume source format (SPEC §10): parsing markdown, and building a `.mv2` from it.

`parse_resume` needs PyYAML and pydantic; `app.resume.ingest` needs memvid-sdk.
"""

from app.resume.model import Frame, ResumeDocument, ResumeFormatError
from app.resume.parser import parse_resume

__all__ = ["Frame", "ResumeDocument", "ResumeFormatError", "parse_resume"]
