"""The registries proven by test-only plugins: a citation style and a rule, each added in one place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import refcheck
from refcheck import rules
from refcheck.model import CitationKind, Document, Span
from refcheck.parse import citations, styles
from refcheck.parse.citations import Context, Found

# --- a citation style: IEEE-like labels `[Smith2020]` cited by key against a bibliography ----------

_LABEL = re.compile(r"\[(?P<key>[A-Z][a-z]+\d{4}[a-z]?)\](?![(\[:])")


def _labels(ctx: Context) -> Iterator[Found]:
    for m in _LABEL.finditer(ctx.text):
        if ctx.mask[m.start()] != " ":
            yield Found(CitationKind.DISTILL, m.start(), m.end(), m.group(0), key=m.group("key"))


LABELS = styles.Style("ieee-label", CitationKind.DISTILL, (("ieee-label", "[", _labels),), keyed=True)


@pytest.fixture
def label_style(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(styles, "STYLES", list(styles.STYLES))
    monkeypatch.setattr(citations, "GRAMMARS", list(citations.GRAMMARS))
    styles.register(LABELS)  # the one place
    yield


BIB = "@article{Smith2020, author = {Smith, Ann}, title = {A title}, journal = {J}, year = {2020}}\n"
DOC = "---\nbibliography: refs.bib\n---\n\nAs shown [Smith2020] and [Jones2019].\n"


def test_a_plugin_style_is_read_and_matched(label_style: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "a.md").write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = refcheck.check_paths(["a.md"])
    found = [(d.path, d.span.line, d.span.column, d.code, d.message) for d in result.diagnostics]
    assert found == [("a.md", 5, 26, "RC201", "@Jones2019: no entry with this key in the bibliography")]
    assert result.summary.citations == 2


def test_without_the_plugin_labels_are_not_citations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "a.md").write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert refcheck.check_paths(["a.md"]).summary.citations == 0


def test_every_builtin_grammar_belongs_to_one_style() -> None:
    owned = [entry[0] for style in styles.STYLES for entry in style.grammars]
    assert sorted(owned) == sorted(name for name, _, _ in citations.GRAMMARS)
    assert {style.kind for style in styles.STYLES} == set(CitationKind)


# --- a rule: a TODO left in a document ------------------------------------------------------------

TODO = rules.Rule("RC901", "todo-left", refcheck.Severity.WARNING, "A `TODO` left in the text.")


def _todos(doc: Document) -> Iterator[refcheck.Diagnostic]:
    for number, line in enumerate(doc.path.read_text(encoding="utf-8").splitlines(), start=1):
        column = line.find("TODO")
        if column >= 0:
            yield TODO.at(doc.display_path, Span.point(number, column + 1, 4), "TODO left in the text")


@pytest.fixture
def todo_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("BY_CODE", "BY_NAME", "INDEX"):
        monkeypatch.setattr(rules, name, dict(getattr(rules, name)))
    monkeypatch.setattr(rules, "RULES", rules.RULES)
    monkeypatch.setattr(rules, "CHECKS", [])
    rules.register(TODO, _todos)  # the one place
    yield


def test_a_plugin_rule_is_reported_selected_and_explained(
    todo_rule: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from refcheck import cli

    (tmp_path / "a.md").write_text("# Title\n\nSome text. TODO: cite it.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = refcheck.check_paths(["a.md"])
    assert [(d.path, d.span.line, d.span.column, d.code) for d in result.diagnostics] == [("a.md", 3, 12, "RC901")]
    assert (
        refcheck.check_paths(
            ["a.md"], refcheck.Config(offline=True, use_cache=False, ignore=frozenset({"RC901"}))
        ).diagnostics
        == []
    )
    sarif = refcheck.render(result, "sarif")
    assert '"ruleId": "RC901"' in sarif and '"id": "RC901"' in sarif
    assert cli.main(["--explain", "todo-left"]) == 0
    assert capsys.readouterr().out.startswith("# RC901 (todo-left)\n")
    assert cli.main(["--offline", "--no-cache", "--select", "RC901", "--format", "json", "a.md"]) == 0
    assert '"code": "RC901"' in capsys.readouterr().out


def test_a_rule_code_is_registered_once() -> None:
    with pytest.raises(ValueError, match="RC201"):
        rules.register(rules.Rule("RC201", "again", refcheck.Severity.ERROR, "x"))


def test_every_rule_is_a_named_object() -> None:
    for rule in rules.RULES:
        assert getattr(rules, rule.name.upper().replace("-", "_")) is rule
