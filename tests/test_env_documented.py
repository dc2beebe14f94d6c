"""Every environment variable the code reads is in docs/deploy.md's one table (§4, "Every
environment variable"): the settings' `env.<type>("NAME")`, `os.environ.get("NAME")` /
`os.environ["NAME"]` / `os.getenv("NAME")` in the code and the benchmarks, and the
`${NAME:-…}` reads of the CI script."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE_HEADING = "### Every environment variable"

PY_READS = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()\s*["']([A-Z][A-Z0-9_]+)["']"""
)
SHELL_READS = re.compile(r"\$\{([A-Z][A-Z0-9_]+):[-=]")


def _read_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("config", "mediation", "workflows", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in PY_READS.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, str(path.relative_to(ROOT)))
    for script in sorted((ROOT / ".ci").glob("*")):
        for name in SHELL_READS.findall(script.read_text(encoding="utf-8")):
            found.setdefault(name, str(script.relative_to(ROOT)))
    return found


def _documented() -> set[str]:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert TABLE_HEADING in text, f"docs/deploy.md lost its table {TABLE_HEADING!r}"
    section = text.split(TABLE_HEADING, 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_the_scan_finds_the_settings():
    found = _read_in_code()
    # a scan that matched nothing would pass below for the wrong reason
    assert {"DATABASE_URL", "SECRET_KEY", "BENCH_PG_ADMIN_URL", "FAKETIME_POINT"} <= set(found)


def test_every_environment_variable_is_documented():
    missing = {name: where for name, where in _read_in_code().items() if name not in _documented()}
    assert not missing, (
        "environment variables read by the code but not in docs/deploy.md's table "
        f"({TABLE_HEADING}): {missing}"
    )


def test_the_table_names_no_variable_the_code_does_not_read():
    stale = _documented() - set(_read_in_code())
    assert not stale, f"docs/deploy.md documents variables nothing reads: {sorted(stale)}"
