"""The documentation's links lead somewhere: every relative link in a Markdown file the
repository tracks names a tracked file (or folder), and its `#anchor` a heading of that file as
GitHub renders it. No tracked file cites the design document, which is not in the repository."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Spelled in two pieces so that this file does not match itself.
DESIGN_MENTIONS = ("DESIGN" + " §", "DESIGN" + ".md")

FENCE = re.compile(r"^ {0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_LINK = re.compile(r"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\)")
LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@cache
def tracked_files() -> tuple[str, ...]:
    """The repository's files as git knows them (staged ones included)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return tuple(name for name in listed.decode().split("\0") if name)


def tracked_paths() -> set[str]:
    """Tracked files and every folder above them, as repository-relative POSIX paths."""
    paths: set[str] = set()
    for name in tracked_files():
        path = PurePosixPath(name)
        paths.add(str(path))
        paths.update(str(parent) for parent in path.parents if str(parent) != ".")
    return paths


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code spans blanked out."""
    lines, fenced = [], None
    for line in text.splitlines():
        fence = FENCE.match(line)
        if fence and (fenced is None or fence.group(1) == fenced):
            fenced = fence.group(1) if fenced is None else None
            continue
        if fenced is None:
            lines.append(CODE_SPAN.sub("", line))
    return lines


def links(text: str) -> list[str]:
    found = []
    for line in prose_lines(text):
        found += [target.strip("<>") for target in INLINE_LINK.findall(line)]
        found += [target.strip("<>") for target in LINK_DEFINITION.findall(line)]
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its rendered text lower-cased, punctuation other than
    hyphens and underscores dropped, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"[`*]", "", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """A Markdown file's anchors; a repeated heading's gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        found.update(HTML_ANCHOR.findall(line))
    for line in prose_lines(text):
        heading = HEADING.match(line)
        if not heading:
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(found)


def broken_link(source: str, target: str, tracked: set[str]) -> str | None:
    """Why `target`, linked from the tracked Markdown file `source`, leads nowhere; None when
    it resolves."""
    path_part, _, anchor = unquote(target).partition("#")
    if path_part:
        resolved = (ROOT / PurePosixPath(source).parent / path_part).resolve()
        try:
            relative = resolved.relative_to(ROOT).as_posix()
        except ValueError:
            return "outside the repository"
        if relative not in tracked:
            return "no such file in the repository"
    else:
        resolved = ROOT / source
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"no heading #{anchor} in {resolved.relative_to(ROOT).as_posix()}"
    return None


def markdown_files() -> list[str]:
    return [name for name in tracked_files()
            if name.endswith(".md") and (ROOT / name).is_file()]


def test_every_relative_link_resolves() -> None:
    tracked = tracked_paths()
    broken = []
    for source in markdown_files():
        for target in links((ROOT / source).read_text(encoding="utf-8")):
            if SCHEME.match(target):
                continue  # a web address, not a file of the repository
            reason = broken_link(source, target, tracked)
            if reason:
                broken.append(f"{source}: ({target}): {reason}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_docs_cover_the_newcomers_pages() -> None:
    """The check above reads these; a pattern that finds none of them would check nothing."""
    checked = set(markdown_files())
    assert {"README.md", "docs/architecture.md", "benchmarks/results/make.md"} <= checked
    assert any(name.startswith("ingestion/") and name.endswith("/README.md") for name in checked)


def test_no_tracked_file_cites_the_design_document() -> None:
    citing = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file():
            continue
        content = path.read_bytes()
        citing += [f"{name}: {mention!r}" for mention in DESIGN_MENTIONS
                   if mention.encode() in content]
    assert not citing, "the design document is not in the repository:\n" + "\n".join(citing)


@pytest.mark.parametrize(("heading", "slug"), [
    ("When a blocking check fails", "when-a-blocking-check-fails"),
    ("A team's own file for BI tools", "a-teams-own-file-for-bi-tools"),
    ("`ads-analytics dev`: the Dagster UI", "ads-analytics-dev-the-dagster-ui"),
    ("Spend, in the [company currency](x.md)", "spend-in-the-company-currency"),
    ("raw_* tables & fct_ad_performance_daily", "raw_-tables--fct_ad_performance_daily"),
])
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug
