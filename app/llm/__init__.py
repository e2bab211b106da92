"""Chat-completion clients: OpenRouter (any OpenAI-compatible server) and the offline answerer."""
