"""The committed gRPC stubs in app/grpc_gen are exactly what proto/generate.py makes now."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def load_generator() -> ModuleType:
    """Import proto/generate.py by path (proto/ is a folder of sources, not a package)."""
    spec = importlib.util.spec_from_file_location("proto_generate", REPO_ROOT / "proto" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def test_committed_stubs_are_up_to_date(generator: ModuleType, tmp_path: Path) -> None:
    fresh = generator.generate(tmp_path)
    committed = generator.package_files(REPO_ROOT)
    assert fresh == committed, "stub files added or removed: run `uv run python proto/generate.py`"
    stale = [str(p) for p in fresh if (tmp_path / p).read_bytes() != (REPO_ROOT / p).read_bytes()]
    assert not stale, f"stale generated stubs {stale}: run `uv run python proto/generate.py`"


def test_stubs_import_from_the_app_package() -> None:
    from app.grpc_gen.memvid.v1 import memvid_pb2, memvid_pb2_grpc

    assert memvid_pb2.DESCRIPTOR.package == "memvid.v1"
    assert set(memvid_pb2.DESCRIPTOR.services_by_name) == {"MemvidService", "Health"}
    assert hasattr(memvid_pb2_grpc, "MemvidServiceStub")
    assert hasattr(memvid_pb2_grpc, "HealthStub")


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        ("SearchRequest", {"query": 1, "top_k": 2, "snippet_chars": 3, "min_relevance": 4, "mode": 5}),
        ("SearchResponse", {"hits": 1, "total_hits": 2, "took_ms": 3}),
        ("SearchHit", {"title": 1, "score": 2, "snippet": 3, "tags": 4}),
        ("AskResponse", {"answer": 1, "evidence": 2, "stats": 3}),
        ("GetStateRequest", {"entity": 1, "slot": 2}),
        ("GetStateResponse", {"found": 1, "entity": 2, "slots": 3}),
        ("HealthCheckRequest", {"service": 1}),
        ("HealthCheckResponse", {"status": 1, "frame_count": 2, "memvid_file": 3}),
    ],
)
def test_wire_field_numbers(message: str, fields: dict[str, int]) -> None:
    from app.grpc_gen.memvid.v1 import memvid_pb2

    descriptor = memvid_pb2.DESCRIPTOR.message_types_by_name[message]
    assert {f.name: f.number for f in descriptor.fields} == fields


def test_ask_request_optionals_and_map() -> None:
    from app.grpc_gen.memvid.v1 import memvid_pb2

    request = memvid_pb2.AskRequest(filters={"tag": "cloud"})
    assert not request.HasField("as_of_frame")
    request.as_of_frame = 0
    assert request.HasField("as_of_frame")  # optional: an explicit 0 is not "unset"
    numbers = {f.name: f.number for f in request.DESCRIPTOR.fields}
    assert numbers["filters"] == 4
    assert (numbers["as_of_frame"], numbers["as_of_ts"], numbers["adaptive"], numbers["cursor"]) == (11, 12, 13, 10)
