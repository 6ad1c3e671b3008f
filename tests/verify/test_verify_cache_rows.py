"""A metadata cache row refcheck did not write in that shape is a miss: asked again, never a finding."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest
from verify_replay import ReplayServer

from refcheck.cache import Cache
from refcheck.cli import main
from refcheck.verify.records import Lookup, Record, Status

ARXIV, PONE = "1707.08567", "10.1371/journal.pone.0033693"
DOC = f"""Notes (Immink et al., 2017) and a study (Sadasivan et al., 2012).

## References

- Immink, K. A. S., et al. (2017). Proceedings of Workshop AEW10: Concepts in Information Theory and Communications. arXiv:{ARXIV}
- Sadasivan, S., et al. (2012). Methylphenidate exposure induces dopamine neuron loss and activation of microglia in the basal ganglia of mice. doi:{PONE}
"""


def _good(source: str, identifier: str) -> dict[str, object]:
    record = Record(
        source, identifier, "A title", ("Kees A. Schouhamer Immink", "Sathya Sadasivan"), (2017, 2012), "2017-07-26"
    )
    value, _ = Lookup(Status.FOUND, record).cache_value()  # type: ignore[misc]
    return value


def _with_record(namespace: str, identifier: str, **changes: object) -> str:
    value = _good(namespace, identifier)
    value["record"] = {**value["record"], **changes}  # type: ignore[dict-item]
    return json.dumps(value)


BAD_ROWS = [  # (namespace, value); each as a wrong-typed variant of what refcheck stores
    ("arxiv", _with_record("arxiv", ARXIV, withdrawn=True)),  # used to be a false RC505 "withdrawn"
    ("arxiv", _with_record("arxiv", ARXIV, authors="Immink")),
    ("arxiv", _with_record("arxiv", ARXIV, years=["2017"])),
    ("arxiv", _with_record("arxiv", ARXIV, title=["a", "list"])),
    ("arxiv", _with_record("arxiv", ARXIV, source="crossref")),
    ("arxiv", _with_record("arxiv", "2001.08361")),  # another identifier's record
    ("arxiv", _with_record("arxiv", ARXIV, extra=1)),
    ("arxiv", json.dumps({"format": 1, "status": "found", "detail": ""})),  # found, without a record
    ("arxiv", json.dumps({"format": 1, "status": "unavailable", "detail": ""})),
    ("arxiv", json.dumps({"format": 1, "status": ["found"], "detail": ""})),
    ("crossref", _with_record("crossref", PONE, retracted_by=False)),  # used to be a false RC505 "retracted"
    ("crossref", _with_record("crossref", PONE, retracted_by=0)),
    ("crossref", _with_record("crossref", PONE, published=20120321)),
    ("crossref", _with_record("crossref", PONE, authors=[None])),
    ("crossref", json.dumps({"format": 1, "status": "not-found", "detail": 404})),
    ("crossref", json.dumps({"format": 1, "status": "found", "detail": "", "record": [1, 2]})),
]


@pytest.mark.parametrize(("namespace", "row"), BAD_ROWS)
def test_a_metadata_row_of_the_wrong_shape_is_asked_again_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], namespace: str, row: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(DOC, encoding="utf-8")
    path = tmp_path / "cache.sqlite3"
    Cache(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        key = ARXIV if namespace == "arxiv" else PONE
        db.execute("INSERT INTO entries VALUES (?, ?, ?, 1e12)", (namespace, key, row))
        db.commit()
    with ReplayServer() as server:
        code = main(
            [
                "--cache",
                str(path),
                "--no-links",
                "--format",
                "json",
                "--arxiv-interval",
                "0",
                "--arxiv-api-url",
                server.url("arxiv"),
                "--crossref-api-url",
                server.url("crossref"),
                "post.md",
            ]
        )
        asked = {hit.source for hit in server.hits}
    data = json.loads(capsys.readouterr().out)
    assert data["diagnostics"] == [] and data["notices"] == [], data
    assert namespace in asked  # the row was not used: the source was asked
    assert code == 0
