"""Offline dependency audit: installed packages against a dated advisory snapshot.

`make audit` (pip-audit) needs PyPI's JSON API or OSV online. Where neither answers, this script
gives a real answer from `security/advisories.json`: a trimmed copy of the PyPA advisory database
(OSV format) for exactly the Python packages installed when the snapshot was built, plus the
advisories found for the npm packages in package-lock.json.

    python security/audit_offline.py                          # this interpreter's packages
    pip freeze --all | python security/audit_offline.py --freeze -
    python security/audit_offline.py --npm-lock package-lock.json
    python security/audit_offline.py --refresh-from ~/src/advisory-database   # rebuild it

Exit status 1 when an installed package is affected by an advisory in the snapshot (unless the
snapshot documents an exception for it, with a reason), when an installed package is missing from
the snapshot (a new dependency must be audited, not passed silently), or when its version is older
than the versions the snapshot covers for it. Exit status 2 on a bad snapshot or bad input.

Checking needs only the standard library and `packaging`; refreshing also needs PyYAML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent
DEFAULT_SNAPSHOT = HERE / "advisories.json"
SELF = {"openltc"}  # the project itself (installed editable) is not a dependency
RANGE_TYPES = {"ECOSYSTEM", "SEMVER"}  # GIT ranges name commits, not releases: not evaluated
# Some stored advisories are dumps of osv.dev's Go structs: enum numbers instead of names.
GO_RANGE_TYPES = {1: "GIT", 2: "SEMVER", 3: "ECOSYSTEM"}
EVENT_KEYS = {
    "introduced": "introduced",
    "fixed": "fixed",
    "last_affected": "last_affected",
    "lastaffected": "last_affected",
    "limit": "limit",
}


class SnapshotError(Exception):
    """The snapshot or the input cannot be read: exit status 2, nothing is judged."""


def _out(stream: TextIO, line: str = "") -> None:
    stream.write(line + "\n")


# --- OSV range evaluation -------------------------------------------------------------------


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise SnapshotError(f"not a PEP 440 version in the snapshot: {text!r}") from exc


def _event_key(event: dict[str, str]) -> tuple[int, Version]:
    # OSV: "introduced: 0" comes before every version; the other events are ordered by version.
    kind, value = next(iter(event.items()))
    if kind == "introduced" and value == "0":
        return (0, Version("0"))
    return (1, _version(value))


def in_range(version: Version, events: Sequence[dict[str, str]]) -> bool:
    """OSV's evaluation of one ECOSYSTEM/SEMVER range: walk the events in version order;
    `introduced` opens an affected span, `fixed` closes it at that version (the fixed release is
    not affected), `last_affected` closes it after that version. `limit` belongs to GIT ranges."""
    affected = False
    for event in sorted((e for e in events if next(iter(e)) != "limit"), key=_event_key):
        kind, value = next(iter(event.items()))
        if kind == "introduced":
            if value == "0" or version >= _version(value):
                affected = True
        elif kind == "fixed":
            if version >= _version(value):
                affected = False
        elif kind == "last_affected":
            if version > _version(value):
                affected = False
        else:
            raise SnapshotError(f"unknown OSV range event {kind!r}")
    return affected


def is_affected(version: Version, affected: dict[str, Any]) -> bool:
    """One `affected` entry of an advisory: its explicit version list or any of its ranges."""
    for listed in affected.get("versions", []):
        try:
            if Version(listed) == version:
                return True
        except InvalidVersion:
            continue  # a release name that is not PEP 440 cannot equal an installed version
    return any(
        rng.get("type") in RANGE_TYPES and in_range(version, rng.get("events", []))
        for rng in affected.get("ranges", [])
    )


# --- what is installed ----------------------------------------------------------------------


def installed_from_metadata() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[canonicalize_name(name)] = dist.version
    return {name: version for name, version in found.items() if name not in SELF}


def installed_from_freeze(lines: Iterable[str]) -> dict[str, str]:
    """`pip freeze` output: `name==version` lines. Editable and URL lines are refused: no
    advisory names them (`pip freeze --exclude-editable` leaves the project out)."""
    found: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not name.strip() or not version.strip() or " @ " in line or line.startswith("-"):
            raise SnapshotError(f"line {number} is not 'name==version': {raw.strip()!r}")
        canonical = canonicalize_name(name.strip().split("[", 1)[0])
        if canonical not in SELF:
            found[canonical] = version.strip()
    return found


def installed_from_npm_lock(path: Path) -> dict[str, str]:
    """The packages package-lock.json (lockfileVersion 2 or 3) installs under node_modules/."""
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from exc
    packages = lock.get("packages")
    if not isinstance(packages, dict):
        raise SnapshotError(f"{path} has no 'packages' map (npm lockfileVersion 2 or 3 needed)")
    found: dict[str, str] = {}
    for key, meta in packages.items():
        if key.startswith("node_modules/") and meta.get("version"):
            found[key.rsplit("node_modules/", 1)[1]] = meta["version"]
    return found


# --- the snapshot and the check -------------------------------------------------------------


def load_snapshot(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"cannot read the snapshot {path}: {exc}") from exc
    for key in ("built", "packages", "advisories"):
        if key not in data:
            raise SnapshotError(f"the snapshot {path} has no {key!r}")
    for entry in data.get("exceptions", []):
        if not str(entry.get("reason", "")).strip() or not entry.get("package") or not entry.get("id"):
            raise SnapshotError(f"exception {entry!r} needs a package, an advisory id and a reason")
    return data


@dataclass
class Finding:
    ecosystem: str
    package: str
    installed: str
    advisory: str
    aliases: list[str]
    fixed: list[str]
    summary: str
    exception: str | None = None  # the documented reason, when the snapshot excepts this one


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    uncovered: list[tuple[str, str, str]] = field(default_factory=list)
    unused_exceptions: list[dict[str, Any]] = field(default_factory=list)
    checked: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.missing or self.uncovered or any(f.exception is None for f in self.findings))


def _check(
    ecosystem: str,
    installed: dict[str, str],
    packages: dict[str, dict[str, Any]],
    advisories: list[dict[str, Any]],
    report: Report,
) -> None:
    by_package: dict[str, list[dict[str, Any]]] = {}
    for adv in advisories:
        by_package.setdefault(adv["package"], []).append(adv)
    for name, version_text in sorted(installed.items()):
        report.checked += 1
        if name not in packages:
            report.missing.append((ecosystem, name, version_text))
            continue
        try:
            version = Version(version_text)
        except InvalidVersion as exc:
            raise SnapshotError(f"{name} is installed as {version_text!r}, not a comparable version") from exc
        floor = packages[name].get("covers_from")
        if floor and version < _version(floor):
            report.uncovered.append((name, version_text, floor))
        for adv in by_package.get(name, []):
            if any(is_affected(version, entry) for entry in adv["affected"]):
                report.findings.append(
                    Finding(
                        ecosystem=ecosystem,
                        package=name,
                        installed=version_text,
                        advisory=adv["id"],
                        aliases=adv.get("aliases", []),
                        fixed=adv.get("fixed", []),
                        summary=adv.get("summary", ""),
                    )
                )


def audit(
    installed: dict[str, str], snapshot: dict[str, Any], npm_installed: dict[str, str] | None = None
) -> Report:
    report = Report()
    packages: dict[str, dict[str, Any]] = {canonicalize_name(k): v for k, v in snapshot["packages"].items()}
    advisories = [{**adv, "package": canonicalize_name(adv["package"])} for adv in snapshot["advisories"]]
    _check("PyPI", installed, packages, advisories, report)
    if npm_installed is not None:
        npm = snapshot.get("npm")
        if not npm:
            raise SnapshotError("the snapshot has no npm section to check package-lock.json against")
        _check("npm", npm_installed, npm["packages"], npm["advisories"], report)
    used: set[int] = set()
    for finding in report.findings:
        ids = {finding.advisory, *finding.aliases}
        for index, entry in enumerate(snapshot.get("exceptions", [])):
            same_package = canonicalize_name(entry["package"]) == canonicalize_name(finding.package)
            if (
                same_package
                and entry["id"] in ids
                and finding.installed in entry.get("versions", [finding.installed])
            ):
                finding.exception = entry["reason"]
                used.add(index)
    # Stale: the package is installed but the exception no longer matches a finding for it. An
    # exception for a package this environment does not install (e.g. one of the load extra's
    # packages in CI, which installs only the test and lint extras) is not stale, just not here.
    present = {canonicalize_name(name) for name in [*installed, *(npm_installed or {})]}
    report.unused_exceptions = [
        e
        for i, e in enumerate(snapshot.get("exceptions", []))
        if i not in used and canonicalize_name(e["package"]) in present
    ]
    return report


def print_report(report: Report, snapshot: dict[str, Any], stream: TextIO) -> None:
    npm_count = len(snapshot.get("npm", {}).get("packages", {}))
    _out(
        stream,
        f"Offline audit against the advisory snapshot of {snapshot['built']} ({len(snapshot['packages'])} "
        f"PyPI packages, {len(snapshot['advisories'])} advisories; {npm_count} npm packages): "
        f"{report.checked} installed packages checked.",
    )
    for f in report.findings:
        fixed = ", ".join(f.fixed) or "no fixed release"
        alias = f" ({', '.join(f.aliases)})" if f.aliases else ""
        status = "EXCEPTED" if f.exception else "AFFECTED"
        _out(
            stream, f"{status} {f.package} {f.installed}: {f.advisory}{alias}, fixed in {fixed}. {f.summary}"
        )
        if f.exception:
            _out(stream, f"    documented exception: {f.exception}")
    for ecosystem, name, version in report.missing:
        _out(
            stream,
            f"NOT IN SNAPSHOT {ecosystem} {name} {version}: not audited when the snapshot was built; "
            "refresh the snapshot (docs/reliability.md, 'Dependency audit').",
        )
    for name, version, floor in report.uncovered:
        _out(stream, f"NOT COVERED {name} {version}: the snapshot only covers {name} >= {floor}.")
    for entry in report.unused_exceptions:
        _out(
            stream,
            f"note: exception {entry['id']} for {entry['package']} matches no finding for the installed "
            "version; remove it or update its versions.",
        )
    if report.failed:
        _out(stream, "Offline audit FAILED.")
    else:
        _out(stream, "Offline audit passed: no installed package is affected by an advisory in the snapshot.")


# --- refresh from a local copy of the advisory database --------------------------------------


def _first_line(text: str) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _timestamp(value: Any) -> str:
    if isinstance(value, dict) and "seconds" in value:  # Go-struct dump
        return dt.datetime.fromtimestamp(int(value["seconds"]), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value or "")


def _events(raw_events: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Events as single-key dicts. Go-struct dumps carry every key in every event, empty ones
    blank, and spell last_affected `lastaffected`."""
    events = []
    for raw in raw_events:
        for key, value in raw.items():
            if value not in ("", None):
                if key not in EVENT_KEYS:
                    raise SnapshotError(f"unknown OSV range event {key!r}")
                events.append({EVENT_KEYS[key]: str(value)})
    return events


def _affected_entries(raw: dict[str, Any]) -> list[dict[str, Any]]:
    if "affected" in raw:
        return list(raw["affected"] or [])
    if "affects" in raw and "package" in raw:  # the database's first, pre-OSV layout (2021)
        ranges = []
        for rng in raw["affects"].get("ranges", []):
            flat = [{"introduced": rng.get("introduced", "0")}]
            flat += [{k: rng[k]} for k in ("fixed", "last_affected") if rng.get(k)]
            ranges.append({"type": rng.get("type"), "events": flat})
        return [{"package": raw["package"], "ranges": ranges, "versions": raw["affects"].get("versions", [])}]
    return []


def _trim(raw: dict[str, Any], package: str, source: dict[str, str]) -> dict[str, Any] | None:
    """The advisory reduced to what the check needs and a reader wants, for one PyPI package."""
    if raw.get("withdrawn"):
        return None
    affected = []
    fixed: set[str] = set()
    for entry in _affected_entries(raw):
        pkg = entry.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != package:
            continue
        ranges = []
        for rng in entry.get("ranges") or []:
            kind = GO_RANGE_TYPES.get(rng.get("type"), rng.get("type"))
            if kind in RANGE_TYPES:
                ranges.append({"type": kind, "events": _events(rng.get("events") or [])})
        trimmed: dict[str, Any] = {"ranges": ranges}
        # The explicit list is kept only where no range says the same (e.g. GIT-only entries).
        if entry.get("versions") and not ranges:
            trimmed["versions"] = [str(v) for v in entry["versions"]]
        affected.append(trimmed)
        fixed |= {ev["fixed"] for r in ranges for ev in r["events"] if "fixed" in ev}
    if not affected:
        return None
    return {
        "id": raw["id"],
        "aliases": sorted(raw.get("aliases") or []),
        "package": package,
        "summary": raw.get("summary") or _first_line(raw.get("details", "")),
        "modified": _timestamp(raw.get("modified")),
        "affected": affected,
        "fixed": sorted(fixed, key=Version),
        "source": source,
    }


def _dedupe(advisories: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per vulnerability. The same one appears under a pending name (PYSEC-0000-...)
    and its assigned PYSEC id, or in two copies of the database: ids and aliases that overlap mean
    the same advisory. The assigned id wins over the pending name, then the latest `modified`."""
    kept: list[dict[str, Any]] = []
    newest_first = sorted(
        advisories,
        key=lambda a: (not a["id"].startswith("PYSEC-0000-"), a["modified"], a["id"]),
        reverse=True,
    )
    for adv in newest_first:
        names = {adv["id"], *adv["aliases"]}
        if not any(k["package"] == adv["package"] and names & {k["id"], *k["aliases"]} for k in kept):
            kept.append(adv)
    return sorted(kept, key=lambda a: (a["package"], a["id"]))


def _git_origin(root: Path) -> tuple[str, str]:
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    return git("remote", "get-url", "origin") or str(root), git("rev-parse", "HEAD") or "unknown"


def _manifest(root: Path) -> dict[str, Any]:
    """SOURCES.json exists only in a tree assembled by hand from stored copies of the database,
    never in a clone: `files` gives each file's repository, path and commit; `covers_from` names
    the packages whose older advisories were not copied, with the oldest version the copied ones
    fully cover; `notes` says per package what was left out and why."""
    manifest = root / "SOURCES.json"
    return json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}


def _package_folders(root: Path) -> dict[str, list[Path]]:
    """vulns/<package>/ folders by canonical name (the database does not always spell names so)."""
    vulns = root / "vulns"
    if not vulns.is_dir():
        raise SnapshotError(
            f"{root} has no vulns/ folder: give the root of a clone of pypa/advisory-database"
        )
    folders: dict[str, list[Path]] = {}
    for folder in sorted(p for p in vulns.iterdir() if p.is_dir()):
        folders.setdefault(canonicalize_name(folder.name), []).append(folder)
    return folders


def _read_tree(root: Path, packages: Iterable[str]) -> Iterator[dict[str, Any]]:
    try:
        import yaml  # only the refresh reads YAML
    except ImportError as exc:
        raise SnapshotError("--refresh-from needs PyYAML (pip install pyyaml)") from exc
    folders = _package_folders(root)
    repo, head = _git_origin(root)
    files = _manifest(root).get("files", {})
    for package in packages:
        for path in sorted(p for folder in folders.get(package, []) for p in folder.glob("*.yaml")):
            relative = path.relative_to(root).as_posix()
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or "id" not in raw:
                raise SnapshotError(f"{path} is not an OSV advisory")
            source = files.get(relative) or {"repo": repo, "path": relative, "commit": head}
            trimmed = _trim(raw, package, source)
            if trimmed:
                yield trimmed


def refresh(roots: Sequence[Path], installed: dict[str, str], old: dict[str, Any] | None) -> dict[str, Any]:
    names = sorted(installed)
    advisories = _dedupe(adv for root in roots for adv in _read_tree(root, names))
    packages: dict[str, dict[str, str]] = {name: {"audited_version": installed[name]} for name in names}
    sources: set[str] = set()
    for root in roots:
        manifest = _manifest(root)
        sources |= set(manifest.get("sources", [_git_origin(root)[0]]))
        for name, floor in manifest.get("covers_from", {}).items():
            if name in packages:
                packages[name]["covers_from"] = floor
        for name, note in manifest.get("notes", {}).items():
            if name in packages:
                packages[name]["note"] = note
    # "No known advisories" is an answer too: the packages the database has no folder for.
    # (A hand-assembled tree holds only the files that were copied; its notes name the rest.)
    with_folder = {name for root in roots for name in _package_folders(root)}
    snapshot: dict[str, Any] = {
        "built": dt.datetime.now(dt.UTC).date().isoformat(),
        "sources": sorted(sources),
        "license": "PyPA advisory database, CC-BY-4.0 (https://github.com/pypa/advisory-database)",
        "packages_without_advisory_folder": [
            n for n in names if n not in with_folder and "note" not in packages[n]
        ],
        "packages": packages,
        "advisories": advisories,
        "exceptions": (old or {}).get("exceptions", []),
    }
    if old and "npm" in old:  # the npm part does not come from the PyPA database: kept as it was
        snapshot["npm"] = old["npm"]
    return snapshot


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, stdout: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--freeze", metavar="FILE", help="`pip freeze` output to check ('-' for stdin)")
    parser.add_argument("--npm-lock", metavar="FILE", type=Path, help="also check this package-lock.json")
    parser.add_argument(
        "--refresh-from",
        metavar="CLONE",
        type=Path,
        action="append",
        help="rebuild the snapshot from a local clone of pypa/advisory-database (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        if args.freeze == "-":
            installed = installed_from_freeze(sys.stdin)
        elif args.freeze:
            installed = installed_from_freeze(Path(args.freeze).read_text(encoding="utf-8").splitlines())
        else:
            installed = installed_from_metadata()
        if not installed:
            raise SnapshotError("no installed packages to audit")
        npm_installed = installed_from_npm_lock(args.npm_lock) if args.npm_lock else None
        if args.refresh_from:
            old = load_snapshot(args.snapshot) if args.snapshot.exists() else None
            fresh = refresh(args.refresh_from, installed, old)
            args.snapshot.write_text(json.dumps(fresh, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            _out(
                stdout,
                f"wrote {args.snapshot}: {len(fresh['packages'])} packages, {len(fresh['advisories'])} advisories",
            )
        snapshot = load_snapshot(args.snapshot)
        report = audit(installed, snapshot, npm_installed)
    except (SnapshotError, OSError) as exc:
        _out(sys.stderr, f"audit_offline: {exc}")
        return 2
    print_report(report, snapshot, stdout)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
