"""Retrieval of resume passages from memvid, over gRPC or in-process."""
