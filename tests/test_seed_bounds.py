"""What is read of the seeds is bounded: regular files inside the seeds tree, 4 MiB each."""

from __future__ import annotations

import os

from crawler.seeds import scan_seeds
from crawler.seeds.files import MAX_SEED_BYTES


def _messages(problems):
    return sorted(p.message for p in problems)


def test_symlinks_stay_inside_the_seeds_tree(tmp_path):
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    (seeds / "list.md").write_text("<http://a.test/in>\n", encoding="utf-8")
    outside = tmp_path / "secret.md"
    outside.write_text("<http://a.test/secret>\n", encoding="utf-8")
    (seeds / "sub" / "secret.md").symlink_to(outside)
    (seeds / "zero.md").symlink_to("/dev/zero")
    (seeds / "same.md").symlink_to("list.md")
    (seeds / "loop.md").symlink_to("loop.md")
    occurrences, problems = scan_seeds(seeds)
    assert sorted({o.url for o in occurrences}) == ["http://a.test/in"]
    assert len(occurrences) == 2  # list.md and same.md
    assert _messages(problems) == [
        "loop.md is a symlink that leads outside the seeds directory, skipped",
        "sub/secret.md is a symlink that leads outside the seeds directory, skipped",
        "zero.md is a symlink that leads outside the seeds directory, skipped",
    ]


def test_a_device_or_a_pipe_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)  # opening it must not wait for a writer
    zero = tmp_path / "zero.md"
    zero.symlink_to("/dev/zero")  # named explicitly: followed, and not read
    for path in (fifo, zero):
        occurrences, problems = scan_seeds(path)
        assert occurrences == []
        assert _messages(problems) == [f"{path.name} is not a regular file, skipped"]


def test_a_file_past_the_cap_is_skipped_whole(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "ok.md").write_text("<http://a.test/ok>\n", encoding="utf-8")
    with (seeds / "huge.md").open("wb") as fh:
        fh.write(b"<http://a.test/huge>\n")
        fh.truncate(MAX_SEED_BYTES + 1)  # sparse: no disk used
    occurrences, problems = scan_seeds(seeds)
    assert [o.url for o in occurrences] == ["http://a.test/ok"]
    assert _messages(problems) == [
        "huge.md is larger than 4 MiB (the most read of one seed file), skipped"
    ]
