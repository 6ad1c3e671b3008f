"""Parallel and sharded runs: identical to a serial, unsharded run; cross-file targets still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refcheck.cli import main
from refcheck.config import Config
from refcheck.errors import UsageError
from refcheck.model import RunResult
from refcheck.pipeline import check, shard_of
from refcheck.sources import discover

FILES = 40  # above the size where the parallel path starts

BIB = """@article{dup, author = {Smith, A.}, title = {One}, year = {2019}}
@article{dup, author = {Jones, B.}, title = {Two}, year = {2020}}
@article{ok, author = {Lee, C.}, title = {Three}, year = {2021}}
"""


def _document(n: int) -> str:
    nxt = (n + 1) % FILES
    parts = [f"# Doc {n}\n", "## Part one\n"]
    parts.append(f"As Smith et al. (2019) showed, and (Nobody et al., {2000 + n}) did not.\n")
    target = f"../g{nxt % 4}/doc{nxt:02d}.md"
    parts.append(f"See [next]({target}#part-one) and [gone]({target}#nope).\n")
    parts.append(f"An image ![fig](missing{n}.png) and a [self](#part-one) and [bad self](#nowhere).\n")
    if n == 0:
        parts.append("[@tag:shared]: doi:10.1000/shared\n")
    if n % 5 == 3:
        parts.append("Tagged [@tag:shared] and [@tag:undefined].\n")
    if n % 3 == 0:
        parts = ["---\nbibliography: ../refs.bib\n---\n", *parts, "Cited [@ok] and [@missing].\n"]
    parts.append("\n## References\n\n- Smith, A., & Jones, B. (2019). A title. Venue.\n- Uncited, U. (2001). Other.\n")
    return "\n".join(parts)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for n in range(FILES):
        path = tmp_path / f"g{n % 4}" / f"doc{n:02d}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_document(n), encoding="utf-8")
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(jobs: int, shard: tuple[int, int] | None = None) -> RunResult:
    return check([Path(".")], Config(offline=True, jobs=jobs), shard=shard)


def test_parallel_run_equals_serial_run_in_content_and_order(tree: Path) -> None:
    serial, parallel = _run(1), _run(2)
    assert parallel.diagnostics == serial.diagnostics
    assert parallel.summary == serial.summary
    assert parallel.notices == serial.notices
    codes = {d.code for d in serial.diagnostics}
    assert {"RC201", "RC202", "RC205", "RC404", "RC405"} <= codes


def test_cli_json_is_byte_identical_for_any_number_of_jobs(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for jobs in ("1", "2", "3"):
        main(["--offline", "--no-cache", "--format", "json", "--jobs", jobs, "."])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0])["summary"]["files"] == FILES


@pytest.mark.parametrize("count", [1, 2, 3, 7, 50])
def test_shards_partition_the_files(count: int) -> None:
    files = [Path(f"f{n:02d}.md") for n in range(20)]
    shards = [shard_of(files, (index, count)) for index in range(1, count + 1)]
    assert sorted(p for shard in shards for p in shard) == files
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


@pytest.mark.parametrize("count", [2, 3])
def test_union_of_shards_equals_an_unsharded_run(tree: Path, count: int) -> None:
    whole = _run(2)
    parts = [_run(2, (index, count)) for index in range(1, count + 1)]
    union = {d for part in parts for d in part.diagnostics}
    assert union == set(whole.diagnostics)
    assert len(set(whole.diagnostics)) == len(whole.diagnostics)
    for key in ("files", "citations", "references", "links"):
        assert sum(getattr(p.summary, key) for p in parts) == getattr(whole.summary, key)


def test_shard_reads_anchors_and_tags_of_files_in_other_shards(tree: Path) -> None:
    files = [p.as_posix() for p in discover([Path(".")], ())]
    count = 7
    shard = (files.index("g3/doc03.md") % count + 1, count)
    in_shard = {p.as_posix() for p in shard_of([Path(f) for f in files], shard)}
    assert "g3/doc03.md" in in_shard and not {"g0/doc04.md", "g0/doc00.md"} & in_shard
    part = _run(1, shard)  # doc03 links to doc04 and cites a tag that doc00 defines
    messages = {(d.path, d.code, d.message) for d in part.diagnostics}
    assert ("g3/doc03.md", "RC405", "../g0/doc04.md#nope: no heading or id #nope in ../g0/doc04.md") in messages
    assert not any(m.endswith("#part-one in ../g0/doc04.md") for _, _, m in messages)
    tag_errors = {m for p, code, m in messages if p == "g3/doc03.md" and code == "RC201" and "tag:" in m}
    assert tag_errors == {"@tag:undefined: no [@tag:undefined]: definition in any checked file"}


@pytest.mark.parametrize("shard", [(0, 2), (3, 2), (1, 0)])
def test_check_rejects_an_impossible_shard(tree: Path, shard: tuple[int, int]) -> None:
    with pytest.raises(UsageError):
        _run(1, shard)


@pytest.mark.parametrize("args", [["--shard", "3/2"], ["--shard", "0/2"], ["--shard", "1"], ["--shard", "a/b"]])
def test_cli_rejects_bad_shard_values(tree: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--offline", *args, "."])
    assert exc.value.code == 2
    assert "refcheck: error: argument" in capsys.readouterr().err


def test_cli_rejects_zero_jobs_with_the_config_check(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--offline", "--jobs", "0", "."]) == 2
    assert "refcheck: error: --jobs: expected a whole number from 1 to 1024, got 0" in capsys.readouterr().err


def test_the_pool_started_callback_comes_before_the_first_result(tree: Path) -> None:
    from refcheck.pipeline import _Job, check_files

    events: list[str] = []
    files = discover([tree], ())
    for _checked in check_files(files, _Job(Config(jobs=2)), lambda: events.append("started")):
        events.append("result")
    assert events == ["started"] + ["result"] * len(files)
    events.clear()
    for _checked in check_files(files, _Job(Config(jobs=1)), lambda: events.append("started")):
        events.append("result")
    assert events == ["result"] * len(files)  # no pool, no callback: links go out as each file is parsed


def _niceness(_: int) -> int:
    import os

    return os.nice(0)


def test_workers_yield_the_cpu_only_while_links_are_checked() -> None:
    import multiprocessing
    import os

    from refcheck.pipeline import _WORKER_NICENESS, _Job, _worker_init

    own = os.nice(0)
    for yields, expected in ((True, min(own + _WORKER_NICENESS, 19)), (False, own)):
        with multiprocessing.Pool(1, _worker_init, (_Job(Config(), workers_yield=yields),)) as pool:
            assert pool.map(_niceness, [0]) == [expected]
