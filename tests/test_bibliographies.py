"""Bibliographies found the way each site generator finds them, read as BibTeX, CSL JSON or CSL YAML;
abstention when one is declared but cannot be read; bad input gives a finding, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refcheck.cli import main
from refcheck.parse import bib, csl
from tests.conftest import findings

RunJson = Callable[..., tuple[int, dict[str, Any]]]

BIB = "@misc{known, author={Smith, Ann}, title={A title}, year={2019}}\n"


def _messages(data: dict[str, Any]) -> list[str]:
    return [d["message"] for d in data["diagnostics"]]


# -- each generator's convention ----------------------------------------------------------------


def test_quarto_project_bibliography_applies_to_chapters_in_subfolders(run_json: RunJson) -> None:
    files = {
        "_quarto.yml": "project:\n  type: book\nbibliography: refs.bib\n",
        "refs.bib": BIB,
        "chapters/one.qmd": "As @known shows [@known], unlike [@unknown].\n",
    }
    code, data = run_json(files)
    assert (code, findings(data)) == (1, [(1, 34, "RC201")])
    assert data["summary"]["citations"] == 3  # the bare @known counts: a bibliography applies
    # pre-commit passes the chapter alone, from the project root
    assert findings(run_json(files, "chapters/one.qmd")[1]) == [(1, 34, "RC201")]


def test_quarto_metadata_yml_and_format_bibliography(run_json: RunJson) -> None:
    files = {
        "_quarto.yml": "format:\n  html:\n    bibliography: html.bib\n",
        "html.bib": "@misc{fromhtml, title={T}, year={2020}}\n",
        "part/_metadata.yml": "bibliography: part.bib\n",
        "part/part.bib": BIB,
        "part/a.qmd": "Cited [@known] and [@fromhtml]; not [@other].\n",
    }
    assert findings(run_json(files)[1]) == [(1, 37, "RC201")]


def test_bookdown_index_rmd_bibliography_applies_to_every_chapter(run_json: RunJson) -> None:
    files = {
        "_bookdown.yml": 'book_filename: "b"\n',
        "index.Rmd": "--- \ntitle: B\nbibliography:\n  - book.bib\n---\n\n# Preface\n",
        "book.bib": BIB,
        "01-intro.Rmd": "# Intro\n\nSee @known and [@missing], Chapter \\@ref(intro).\n",
    }
    code, data = run_json(files, "01-intro.Rmd")
    assert (code, findings(data)) == (1, [(3, 16, "RC201")])
    assert (data["summary"]["citations"], data["summary"]["references"]) == (2, 1)  # @known found in book.bib


def test_jupyter_book_bibtex_bibfiles_are_relative_to_the_config(run_json: RunJson) -> None:
    files = {
        "myst.yml": "version: 1\nproject:\n  title: P\n",
        "content/_config.yml": "title: B\nbibtex_bibfiles:\n  - ../paper.bib\n",
        "paper.bib": BIB,
        "content/intro.md": "Cited [@known], not [@gone].\n",
    }
    assert findings(run_json(files, "content/intro.md")[1]) == [(1, 21, "RC201")]


def test_mystmd_without_a_declaration_reads_every_bib_of_the_project(run_json: RunJson) -> None:
    files = {
        "myst.yml": "version: 1\nproject:\n  title: P\n",
        "refs/a.bib": BIB,
        "refs/b.bib": "@misc{second, title={T}, year={2021}}\n",
        "paper.md": "Cited [@known; @second], not [@third].\n",
    }
    _code, data = run_json(files, "paper.md")
    assert findings(data) == [(1, 30, "RC201")]
    assert data["summary"]["references"] == 2


def test_mkdocs_bib_file_loads_despite_python_name_tags(run_json: RunJson) -> None:
    files = {
        "mkdocs.yml": (
            "site_name: S\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
            'plugins:\n  - search\n  - bibtex:\n      bib_file: "library.bib"\n'
        ),
        "library.bib": BIB,
        "docs/index.md": "Cited [@known], not [@known_2019].\n",
    }
    code, data = run_json(files)
    assert (code, findings(data), data["notices"]) == (1, [(1, 21, "RC201")], [])


def test_mkdocs_bib_dir_reads_every_bib_in_the_folder(run_json: RunJson) -> None:
    files = {
        "mkdocs.yml": "site_name: S\nplugins:\n  bibtex:\n    bib_dir: docs/bibs\n",
        "docs/bibs/one.bib": BIB,
        "docs/bibs/two.bib": "@misc{second, title={T}, year={2021}}\n",
        "docs/page.md": "Cited [@known] and [@second].\n",
    }
    assert run_json(files)[1]["diagnostics"] == []


def test_alfolio_post_finds_its_bibliography_in_assets_without_a_config(run_json: RunJson) -> None:
    files = {
        ".git/HEAD": "ref: refs/heads/main\n",
        "assets/bibliography/post.bib": BIB,
        "_posts/2024-01-01-post.md": (
            '---\nlayout: distill\nbibliography: post.bib\n---\n\nA <d-cite key="known"></d-cite> and '
            '<d-cite key="knwon"></d-cite>.\n'
        ),
    }
    code, data = run_json(files)
    assert (code, findings(data)) == (1, [(6, 37, "RC201")])


def test_jekyll_scholar_source_folder_is_searched(run_json: RunJson) -> None:
    files = {
        "_config.yml": "scholar:\n  source: /_bib/\n  bibliography: papers.bib\n",
        "_bib/post.bib": BIB,
        "_posts/p.md": "---\nbibliography: post.bib\n---\n\nA [@known] and [@nope].\n",
    }
    assert findings(run_json(files)[1]) == [(5, 16, "RC201")]


def test_manubot_alias_in_the_same_file_tag_in_a_sibling_and_manual_references(run_json: RunJson) -> None:
    csl_items = [{"id": "manual1", "title": "T", "author": [{"family": "Smith"}], "issued": {"date-parts": [[2019]]}}]
    files = {
        "content/metadata.yaml": "title: M\n",
        "content/manual-references.json": json.dumps(csl_items, indent=2),
        "content/01.main.md": (
            "Alias [@deep-review], tag [@tag:t1], manual [@manual1], id [@doi:10.1000/x], @fig:one.\n"
            "Undefined [@nowhere].\n\n[@deep-review]: doi:10.1098/rsif.2017.0387\n"
        ),
        "content/90.back-matter.md": "## References\n\n[@tag:t1]: doi:10.7554/eLife.38532\n",
    }
    code, data = run_json(files, "content/01.main.md")
    assert (code, findings(data)) == (1, [(2, 11, "RC201")])
    assert data["summary"]["citations"] == 5


def test_csl_yaml_bibliography_entries_match_by_key_author_and_year(run_json: RunJson) -> None:
    refs = (
        "references:\n- id: pebesma2018\n  author:\n  - family: Pebesma\n    given: Edzer\n"
        "  issued:\n    date-parts:\n    - - 2018\n  title: Simple features for R\n"
    )
    files = {"refs.yaml": refs, "a.md": "---\nbibliography: refs.yaml\n---\nSee [@pebesma2018], [@other2018].\n"}
    code, data = run_json(files)
    assert (code, findings(data), data["summary"]["references"]) == (1, [(4, 21, "RC201")], 1)


def test_csl_json_items_become_references_with_identifiers() -> None:
    text = json.dumps(
        [
            {
                "id": "a",
                "type": "article-journal",
                "author": [{"family": "Vaswani", "given": "A."}, {"literal": "Google"}],
                "issued": {"date-parts": [[2017, 6]]},
                "title": "Attention is all you need",
                "DOI": "10.48550/arXiv.1706.03762",
            },
            {"title": "no id: skipped"},
        ],
        indent=2,
    )
    result = csl.parse_csl_text(text, "r.json", as_json=True)
    [ref] = result.references
    assert (ref.key, ref.authors, ref.year, ref.title) == (
        "a",
        ("vaswani", "google"),
        "2017",
        "Attention is all you need",
    )
    assert (ref.doi, ref.arxiv_id, ref.span[:2]) == ("10.48550/arxiv.1706.03762", "1706.03762", (3, 12))


# -- abstention -------------------------------------------------------------------------------


def test_missing_declared_bibliography_is_one_rc103_naming_every_place_and_no_rc201(run_json: RunJson) -> None:
    files = {"_config.yml": "title: blog\n", "_posts/p.md": "---\nbibliography: gone.bib\n---\n[@a] [@b] [@c]\n"}
    code, data = run_json(files)
    assert (code, findings(data)) == (1, [(2, 15, "RC103")])
    message = data["diagnostics"][0]["message"]
    for place in ("_posts/gone.bib", "_bibliography/gone.bib", "assets/bibliography/gone.bib"):
        assert place in message
    assert "not judged" in message


def test_bib_option_with_the_declared_name_satisfies_the_declaration(run_json: RunJson) -> None:
    files = {"a.md": "---\nbibliography: refs.bib\n---\nCited [@known], not [@other].\n", "build/refs.bib": BIB}
    code, data = run_json(files, "--bib", "build/refs.bib", "a.md")
    assert (code, findings(data)) == (1, [(4, 21, "RC201")])


def test_missing_config_bibliography_is_a_notice_naming_its_line_and_citations_are_not_judged(
    run_json: RunJson,
) -> None:
    files = {
        "_quarto.yml": "project:\n  type: book\nbibliography:\n  - refs.bib\n  - packages.bib\n",
        "refs.bib": BIB,
        "ch.qmd": "Cited [@known] and [@maybe_in_packages].\n",
    }
    code, data = run_json(files)
    assert (code, data["diagnostics"]) == (0, [])
    assert data["notices"] == [
        "_quarto.yml:5:5: bibliography packages.bib not found (searched: packages.bib); "
        "the citations that need it are not judged"
    ]


def test_no_bibliography_at_all_is_one_finding_not_one_per_citation(run_json: RunJson) -> None:
    code, data = run_json({"a.md": "Cited [@a], [@b; @c] and [@d].\n"})
    assert (code, findings(data)) == (1, [(1, 7, "RC201")])
    assert data["diagnostics"][0]["message"] == "@a: no bibliography to look it up in; 3 more such citations not judged"


# -- bad input ----------------------------------------------------------------------------------


def test_bibliography_outside_the_project_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.bib").write_text(BIB, encoding="utf-8")
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "a.md").write_text("---\nbibliography: ../secret.bib\n---\nCited [@known].\n", encoding="utf-8")
    monkeypatch.chdir(project)
    code = main(["--offline", "--no-cache", "--format", "json", "a.md"])
    data = json.loads(capsys.readouterr().out)
    assert (code, findings(data)) == (1, [(2, 15, "RC103")])
    assert "bibliography ../secret.bib is outside the project (.): not read" in data["diagnostics"][0]["message"]
    assert data["summary"]["references"] == 0  # nothing of secret.bib was read


def test_config_that_does_not_parse_is_a_notice_at_its_line_not_a_traceback(run_json: RunJson) -> None:
    files = {"_quarto.yml": "project:\n  type: book\nbibliography: [refs.bib\n", "refs.bib": BIB, "a.qmd": "[@x]\n"}
    code, data = run_json(files)
    assert (code, data["diagnostics"]) == (0, [])
    [notice] = data["notices"]
    assert notice.startswith("_quarto.yml:4:1: is not valid YAML")


def test_symlink_loop_in_the_search_path_is_rc103(tmp_path: Path, run_json: RunJson) -> None:
    os.symlink("loop.bib", tmp_path / "loop.bib")
    code, data = run_json({"a.md": "---\nbibliography: loop.bib\n---\n[@k]\n"})
    assert (code, findings(data)) == (1, [(2, 15, "RC103")])
    assert "symlink loop at loop.bib" in data["diagnostics"][0]["message"]


def test_csl_json_that_is_not_json_is_rc103_where_reading_stopped(run_json: RunJson) -> None:
    files = {
        "refs.json": '[\n  {"id": "a",\n   "title" "T"}\n]\n',
        "a.md": "---\nbibliography: refs.json\n---\n[@a] [@b]\n",
    }
    code, data = run_json(files)
    assert (code, [(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]]) == (
        1,
        [("refs.json", 3, 12, "RC103")],
    )


# -- one read per process, and worker processes ---------------------------------------------------


def test_a_shared_bibliography_is_parsed_once_per_process(run_json: RunJson, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = bib.parse_bib_text
    monkeypatch.setattr(
        bib, "parse_bib_text", lambda text, path, *a, **k: calls.append(path) or real(text, path, *a, **k)
    )
    files = {"_quarto.yml": "bibliography: refs.bib\n", "refs.bib": BIB}
    files |= {f"ch{n:02d}.qmd": f"Chapter {n} [@known].\n" for n in range(30)}
    code, data = run_json(files, "--jobs", "1", ".")
    assert (code, data["summary"]["files"], calls) == (0, 30, ["refs.bib"])


def test_worker_processes_find_the_same_bibliographies(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("plugins:\n  - bibtex:\n      bib_file: lib.bib\n", encoding="utf-8")
    (tmp_path / "lib.bib").write_text(BIB, encoding="utf-8")
    for n in range(20):
        (tmp_path / "docs" / f"p{n:02d}.md").parent.mkdir(exist_ok=True)
        (tmp_path / "docs" / f"p{n:02d}.md").write_text(f"[@known] and [@missing{n}]\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "refcheck", "--offline", "--no-cache", "--format", "json", "--jobs", jobs, "."],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        outputs.append(json.loads(proc.stdout))
    assert outputs[0] == outputs[1]
    assert [(d["path"], d["line"], d["column"]) for d in outputs[1]["diagnostics"]][:2] == [
        ("docs/p00.md", 1, 14),
        ("docs/p01.md", 1, 14),
    ]


def test_a_key_right_after_a_narrative_citation_says_which_entry_it_means(run_json: RunJson) -> None:
    two = (
        "@misc{path, author={Bommasani, Rishi and Arora, S.}, title={A Path}, year={2024}}\n"
        "@misc{fmti, author={Bommasani, Rishi and Klyman, K.}, title={Transparency}, year={2024}}\n"
        "@misc{values, author={Birhane, Abeba and Kalluri, P.}, title={Values}, year={2022}}\n"
    )
    text = (
        "---\nbibliography: refs.bib\n---\n"
        'Bommasani et al. (2024) <d-cite key="fmti"></d-cite> and Bommasani et al. (2024) alone.\n'
        'Birhane et al. (2021) <d-cite key="values"></d-cite>.\n'
    )
    code, data = run_json({"refs.bib": two, "a.md": text})
    assert (code, findings(data)) == (1, [(4, 58, "RC204"), (5, 1, "RC203")])
    assert data["diagnostics"][1]["message"].endswith("(line 3)")
