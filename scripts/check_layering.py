#!/usr/bin/env python3
"""Fails when a module under src/ includes a header of a module it must not
depend on. The allowed edges are those of docs/architecture.md; keep the two
in step.

Usage: check_layering.py <repo-root>
"""
import pathlib
import re
import sys

# module -> modules it may include (besides itself). `cli` is glue and may
# include anything; so may bench/ and test/, which are not under src/.
ALLOWED = {
    "common": set(),
    "log": {"common"},
    "broker": {"common", "log"},
    "engine": {"common"},
    "sql": {"common", "engine"},
    "connectors": {"common", "engine", "log"},
    "web": {"common", "log", "broker", "engine"},
    "jobs": {"common", "engine", "sql", "connectors", "log"},
    "cli": None,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/', re.M)


def main() -> int:
    root = pathlib.Path(sys.argv[1]) / "src"
    errors = []
    for module_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in ALLOWED:
            errors.append(f"src/{module}: unknown module; add it to scripts/check_layering.py "
                          "and docs/architecture.md")
            continue
        allowed = ALLOWED[module]
        if allowed is None:
            continue
        for f in sorted(module_dir.rglob("*")):
            if f.suffix not in (".h", ".cc", ".in"):
                continue
            for m in INCLUDE.finditer(f.read_text(errors="replace")):
                dep = m.group(1)
                if dep == module or dep in allowed:
                    continue
                line = f.read_text(errors="replace")[: m.start()].count("\n") + 1
                errors.append(f"{f.relative_to(root.parent)}:{line}: module '{module}' must not "
                              f"include '{dep}/' (allowed: {', '.join(sorted(allowed)) or 'none'})")
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} layering violation(s); see docs/architecture.md")
        return 1
    print("layering ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
