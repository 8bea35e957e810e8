"""Atomic writes: the content lands whole, a failure leaves the old file and no temporary file,
and files are readable by others (0644, not mkstemp's 0600)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from srl_swe import atomic


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_text_bytes_and_json_are_written_with_parents_and_mode_0644(tmp_path):
    text, data, doc = tmp_path / "a" / "b" / "t.txt", tmp_path / "c" / "d.bin", tmp_path / "e" / "f.json"
    atomic.write_text(text, "héllo\nwörld\n")
    atomic.write_bytes(data, b"\x00\xff\x10")
    atomic.write_json(doc, {"name": "café", "n": [1, 2]})
    assert text.read_text(encoding="utf-8") == "héllo\nwörld\n"
    assert data.read_bytes() == b"\x00\xff\x10"
    raw = doc.read_text(encoding="utf-8")
    assert raw == '{\n  "name": "café",\n  "n": [\n    1,\n    2\n  ]\n}\n'  # indent 2, non-ASCII kept, newline
    assert json.loads(raw) == {"name": "café", "n": [1, 2]}
    assert {mode(p) for p in (text, data, doc)} == {0o644}


def test_overwrite_replaces_the_whole_file(tmp_path):
    path = tmp_path / "f.txt"
    atomic.write_text(path, "a much longer first version\n")
    atomic.write_text(path, "short\n")
    assert path.read_text() == "short\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "data.jsonl"
    atomic.write_text(path, "old\n")
    with pytest.raises(RuntimeError, match="midway"), atomic.replacing(path) as fh:
        fh.write("new line that must never be seen\n")
        raise RuntimeError("midway")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_unencodable_text_and_unserialisable_json_leave_nothing_behind(tmp_path):
    path = tmp_path / "x.json"
    atomic.write_json(path, {"v": 1})
    with pytest.raises(TypeError):
        atomic.write_json(path, {"v": object()})
    with pytest.raises(TypeError):
        atomic.write_bytes(path, "not bytes")  # type: ignore[arg-type]
    assert json.loads(path.read_text()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_surrogate_escaped_text_round_trips(tmp_path):
    """Output read from a sandbox with errors='surrogateescape' is written back byte for byte."""
    raw = b"ok \xff\xfe bytes\n"
    path = tmp_path / "out.txt"
    atomic.write_text(path, raw.decode("utf-8", "surrogateescape"))
    assert path.read_bytes() == raw


def test_a_missing_target_stays_missing_on_failure(tmp_path):
    path = tmp_path / "new" / "never.txt"
    with pytest.raises(ValueError), atomic.replacing(path):
        raise ValueError("no")
    assert not path.exists()
    assert list(path.parent.iterdir()) == []


def test_replacing_dir_swaps_a_whole_folder_or_leaves_the_old_one(tmp_path):
    target = tmp_path / "model"
    with atomic.replacing_dir(target) as staging:
        (staging / "a.txt").write_text("one")
    assert (target / "a.txt").read_text() == "one" and oct(target.stat().st_mode & 0o777) == "0o755"
    with pytest.raises(RuntimeError), atomic.replacing_dir(target) as staging:
        (staging / "b.txt").write_text("half")
        raise RuntimeError("interrupted")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
    with atomic.replacing_dir(target) as staging:
        (staging / "c.txt").write_text("two")
    assert sorted(p.name for p in target.iterdir()) == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging or old folder left


def test_replacing_dir_keeps_a_concurrent_builders_result_when_asked(tmp_path):
    target = tmp_path / "cache"
    with atomic.replacing_dir(target, keep_theirs=lambda p: (p / "DONE").is_file()) as staging:
        (staging / "mine").write_text("")
        target.mkdir()
        (target / "DONE").write_text("")  # another process finished first
    assert sorted(p.name for p in target.iterdir()) == ["DONE"]
    atomic.remove_dir(target)
    assert list(tmp_path.iterdir()) == []
