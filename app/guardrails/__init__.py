"""Prompt-injection guardrails: an input guard, an output leak filter and the friendly redirect."""
