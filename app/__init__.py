"""AI Resume API: answers recruiters' questions about a resume, streamed as SSE."""
