"""Parsing: one Markdown file's text → `model.Document` (blocks, inline scan, citation styles, reference
entries, bibliography files, heading anchors). `document.parse_markdown` is the entry point."""
