"""The offline dependency audit (security/audit_offline.py): OSV range evaluation, the verdicts
and exit statuses, the documented exceptions, and the refresh from a copy of the database."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from security import audit_offline as ao

V = Version


def rng(*events: tuple[str, str], kind: str = "ECOSYSTEM") -> dict[str, Any]:
    return {"type": kind, "events": [{k: v} for k, v in events]}


def adv(package: str, *ranges: dict[str, Any], id_: str = "PYSEC-2026-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "aliases": extra.pop("aliases", []),
        "package": package,
        "summary": extra.pop("summary", "something bad"),
        "affected": [{"ranges": list(ranges), **extra}],
        "fixed": [],
    }


def snapshot(packages: dict[str, Any], advisories: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"built": "2026-11-27", "packages": packages, "advisories": advisories, "exceptions": [], **extra}


# --- range evaluation -----------------------------------------------------------------------


def test_introduced_zero_up_to_fixed():
    events = [{"introduced": "0"}, {"fixed": "2.0"}]
    assert ao.in_range(V("0.1"), events)
    assert ao.in_range(V("1.9.9"), events)
    assert not ao.in_range(V("2.0"), events)  # the fixed release itself is clean
    assert not ao.in_range(V("2.0.1"), events)


def test_introduced_bound_is_inclusive():
    events = [{"introduced": "1.5"}, {"fixed": "2.0"}]
    assert not ao.in_range(V("1.4.9"), events)
    assert ao.in_range(V("1.5"), events)
    assert ao.in_range(V("1.5.0"), events)  # PEP 440: 1.5 == 1.5.0


def test_last_affected_is_inclusive_and_closes_the_span():
    events = [{"introduced": "0"}, {"last_affected": "4.3.2"}]
    assert ao.in_range(V("4.3.2"), events)
    assert not ao.in_range(V("4.3.3"), events)


def test_several_spans_in_one_range_as_django_publishes_them():
    events = [{"introduced": "5.2"}, {"fixed": "5.2.15"}, {"introduced": "6.0"}, {"fixed": "6.0.6"}]
    assert not ao.in_range(V("5.1.9"), events)
    assert ao.in_range(V("5.2.14"), events)
    assert not ao.in_range(V("5.2.15"), events)
    assert not ao.in_range(V("5.2.19"), events)
    assert ao.in_range(V("6.0.5"), events)
    assert not ao.in_range(V("6.0.6"), events)
    assert not ao.in_range(V("7.0"), events)


def test_events_are_evaluated_in_version_order_whatever_the_file_order():
    events = [{"fixed": "6.0.6"}, {"introduced": "6.0"}, {"fixed": "5.2.15"}, {"introduced": "5.2"}]
    assert ao.in_range(V("5.2.3"), events)
    assert not ao.in_range(V("5.3"), events)


def test_pre_releases_order_before_their_release():
    assert ao.in_range(V("2.0rc1"), [{"introduced": "0"}, {"fixed": "2.0"}])  # rc of the fix: affected
    assert not ao.in_range(V("2.0b1"), [{"introduced": "2.0"}, {"fixed": "3.0"}])  # before 2.0
    assert ao.in_range(V("2.0.0rc2"), [{"introduced": "2.0.0rc1"}, {"fixed": "3.0.6"}])


def test_limit_events_are_ignored_and_unknown_events_refused():
    assert ao.in_range(V("1.0"), [{"introduced": "0"}, {"limit": "9.9"}])
    with pytest.raises(ao.SnapshotError):
        ao.in_range(V("1.0"), [{"introduced": "0"}, {"patched": "2.0"}])


def test_explicit_versions_list_matches_by_pep440_equality():
    entry = {"ranges": [], "versions": ["1.0", "1.1", "not-a-version"]}
    assert ao.is_affected(V("1.0.0"), entry)
    assert ao.is_affected(V("1.1"), entry)
    assert not ao.is_affected(V("1.2"), entry)


def test_git_ranges_are_not_evaluated_but_ecosystem_ranges_in_the_same_entry_are():
    entry = {
        "ranges": [
            rng(("introduced", "0"), ("fixed", "abc123"), kind="GIT"),
            rng(("introduced", "0"), ("fixed", "3.7")),
        ]
    }
    assert ao.is_affected(V("3.6"), entry)
    assert not ao.is_affected(V("3.7"), entry)


# --- verdicts -------------------------------------------------------------------------------


def test_an_affected_version_fails_and_a_fixed_one_passes():
    snap = snapshot(
        {"idna": {"audited_version": "3.6"}}, [adv("idna", rng(("introduced", "0"), ("fixed", "3.7")))]
    )
    assert ao.audit({"idna": "3.6"}, snap).failed
    assert not ao.audit({"idna": "3.7"}, snap).failed


def test_a_package_missing_from_the_snapshot_fails():
    snap = snapshot({"idna": {"audited_version": "3.7"}}, [])
    report = ao.audit({"idna": "3.7", "brand-new-dep": "1.0"}, snap)
    assert report.failed
    assert report.missing == [("PyPI", "brand-new-dep", "1.0")]


def test_names_are_compared_in_canonical_form():
    snap = snapshot(
        {"PyYAML": {"audited_version": "6.0.4"}}, [adv("PyYAML", rng(("introduced", "0"), ("fixed", "5.4")))]
    )
    report = ao.audit({"pyyaml": "5.3"}, snap)
    assert [f.package for f in report.findings] == ["pyyaml"]


def test_a_version_below_what_the_snapshot_covers_fails():
    snap = snapshot({"django": {"audited_version": "5.2.19", "covers_from": "5.2"}}, [])
    report = ao.audit({"django": "4.2.1"}, snap)
    assert report.failed
    assert report.uncovered == [("django", "4.2.1", "5.2")]
    assert not ao.audit({"django": "5.2.19"}, snap).failed


def test_a_documented_exception_passes_and_is_printed_but_only_for_its_version():
    snap = snapshot(
        {"setuptools": {"audited_version": "65.5.0"}},
        [adv("setuptools", rng(("introduced", "0"), ("fixed", "70.0.0")), aliases=["CVE-2024-6345"])],
        exceptions=[
            {
                "package": "setuptools",
                "id": "CVE-2024-6345",
                "versions": ["65.5.0"],
                "reason": "not reachable",
            }
        ],
    )
    report = ao.audit({"setuptools": "65.5.0"}, snap)
    assert not report.failed
    out = io.StringIO()
    ao.print_report(report, snap, out)
    assert "EXCEPTED setuptools 65.5.0" in out.getvalue()
    assert "documented exception: not reachable" in out.getvalue()
    other = ao.audit({"setuptools": "66.0.0"}, snap)
    assert other.failed
    assert other.unused_exceptions  # and the stale exception is reported


def test_an_exception_for_a_package_not_installed_here_is_not_called_stale():
    # CI installs the test and lint extras only: an exception for a load-extra package is not stale there.
    snap = snapshot(
        {"idna": {"audited_version": "3.11"}, "flask-cors": {"audited_version": "6.0.5"}},
        [adv("flask-cors", rng(("introduced", "0")), id_="PYSEC-2024-271")],
        exceptions=[{"package": "Flask_Cors", "id": "PYSEC-2024-271", "versions": ["6.0.5"], "reason": "r"}],
    )
    assert ao.audit({"idna": "3.11"}, snap).unused_exceptions == []
    assert ao.audit({"flask-cors": "6.0.5"}, snap).unused_exceptions == []
    assert ao.audit({"flask-cors": "6.0.5"}, {**snap, "advisories": []}).unused_exceptions  # stale


def test_npm_packages_are_checked_against_the_npm_section():
    npm = {
        "packages": {"zrender": {"audited_version": "6.1.0"}},
        "advisories": [
            adv(
                "zrender",
                rng(
                    ("introduced", "0"),
                    ("last_affected", "4.3.2"),
                    ("introduced", "5.0.0"),
                    ("fixed", "5.2.1"),
                ),
            )
        ],
    }
    snap = snapshot({}, [], npm=npm)
    assert not ao.audit({}, snap, {"zrender": "6.1.0"}).failed
    assert ao.audit({}, snap, {"zrender": "5.1.0"}).failed
    assert ao.audit({}, snap, {"zrender": "6.1.0", "left-pad": "1.0.0"}).missing == [
        ("npm", "left-pad", "1.0.0")
    ]


# --- command line ---------------------------------------------------------------------------


def run(tmp_path: Path, snap: dict[str, Any], freeze: str, *extra: str) -> tuple[int, str]:
    (tmp_path / "snap.json").write_text(json.dumps(snap))
    (tmp_path / "freeze.txt").write_text(freeze)
    out = io.StringIO()
    code = ao.main(
        ["--snapshot", str(tmp_path / "snap.json"), "--freeze", str(tmp_path / "freeze.txt"), *extra], out
    )
    return code, out.getvalue()


def test_exit_status_follows_the_verdict(tmp_path: Path):
    snap = snapshot(
        {"urllib3": {"audited_version": "2.8.0"}},
        [adv("urllib3", rng(("introduced", "0"), ("fixed", "2.7.0")))],
    )
    assert run(tmp_path, snap, "urllib3==2.8.0\n")[0] == 0
    code, out = run(tmp_path, snap, "urllib3==2.6.3\n")
    assert code == 1
    assert "AFFECTED urllib3 2.6.3: PYSEC-2026-1" in out
    code, out = run(tmp_path, snap, "urllib3==2.8.0\nnewdep==0.1\n")
    assert code == 1
    assert "NOT IN SNAPSHOT PyPI newdep 0.1" in out


def test_bad_input_is_refused_with_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    snap = snapshot({"idna": {"audited_version": "3.7"}}, [])
    assert run(tmp_path, snap, "-e git+https://example.org/x#egg=x\n")[0] == 2
    no_reason = snapshot({}, [], exceptions=[{"package": "idna", "id": "X", "reason": " "}])
    assert run(tmp_path, no_reason, "idna==3.7\n")[0] == 2
    assert "needs a package, an advisory id and a reason" in capsys.readouterr().err


# --- refresh from a copy of the database ----------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_refresh_reads_osv_go_dumps_and_the_legacy_layout_and_dedupes(tmp_path: Path):
    pytest.importorskip("yaml")
    root = tmp_path / "advisory-database"
    write(
        root / "vulns/Django/PYSEC-0000-CVE-2026-3902.yaml",  # a Go-struct dump, as stored in the mirror
        "id: PYSEC-0000-CVE-2026-3902\nmodified: {seconds: 1776101885, nanos: 0}\naliases: [CVE-2026-3902]\n"
        "summary: ''\ndetails: 'ASGIRequest header spoofing.\n\n  more'\naffected:\n- package: {name: django, ecosystem: PyPI}\n"
        "  ranges:\n  - type: 3\n    events:\n    - {introduced: '5.2', fixed: '', limit: '', lastaffected: ''}\n"
        "    - {introduced: '', fixed: 5.2.13, limit: '', lastaffected: ''}\n  versions: []\n",
    )
    write(  # the assigned id of the same vulnerability: kept instead of the pending name
        root / "vulns/Django/PYSEC-2026-77.yaml",
        "id: PYSEC-2026-77\nmodified: '2026-04-01T00:00:00Z'\naliases: [CVE-2026-3902]\nsummary: ASGI spoofing\n"
        "affected:\n- package: {name: Django, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n"
        "    events: [{introduced: '5.2'}, {fixed: 5.2.13}]\n",
    )
    write(
        root / "vulns/django/PYSEC-2026-78.yaml",
        "id: PYSEC-2026-78\nwithdrawn: '2026-05-01T00:00:00Z'\naliases: []\naffected:\n"
        "- package: {name: django, ecosystem: PyPI}\n  ranges: [{type: ECOSYSTEM, events: [{introduced: '0'}]}]\n",
    )
    write(
        root / "vulns/pydantic/PYSEC-2021-47.yaml",  # the 2021 pre-OSV layout
        "id: PYSEC-2021-47\npackage: {name: pydantic, ecosystem: PyPI}\nsummary: inf dates\naffects:\n  ranges:\n"
        "  - {type: GIT, fixed: 7e83fdd}\n  - {type: ECOSYSTEM, introduced: '1.8', fixed: 1.8.2}\n"
        "  - {type: ECOSYSTEM, fixed: 1.6.2}\naliases: [CVE-2021-29510]\nmodified: '2021-05-13T19:15:00Z'\n",
    )
    write(
        root / "vulns/pillow/PYSEC-0000-pillow.yaml",  # names another package: not a pillow advisory
        "id: PYSEC-0000-pillow\naffected:\n- package: {name: imagecodecs, ecosystem: PyPI}\n"
        "  ranges: [{type: ECOSYSTEM, events: [{introduced: '0'}, {fixed: 10.0.1}]}]\n",
    )
    write(
        root / "SOURCES.json", json.dumps({"covers_from": {"django": "5.2"}, "notes": {"django": "partial"}})
    )
    installed = {"django": "5.2.12", "pydantic": "1.8.1", "pillow": "13.0.0", "polib": "1.2.0"}
    old = snapshot(
        {},
        [],
        exceptions=[{"package": "x", "id": "Y", "reason": "kept"}],
        npm={"packages": {}, "advisories": []},
    )

    fresh = ao.refresh([root], installed, old)

    assert [(a["package"], a["id"]) for a in fresh["advisories"]] == [
        ("django", "PYSEC-2026-77"),
        ("pydantic", "PYSEC-2021-47"),
    ]
    django, pydantic = fresh["advisories"]
    assert django["affected"] == [
        {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.2"}, {"fixed": "5.2.13"}]}]}
    ]
    assert django["source"]["path"] == "vulns/Django/PYSEC-2026-77.yaml"
    assert pydantic["fixed"] == ["1.6.2", "1.8.2"]
    assert fresh["packages"]["django"] == {
        "audited_version": "5.2.12",
        "covers_from": "5.2",
        "note": "partial",
    }
    assert fresh["packages_without_advisory_folder"] == ["polib"]
    assert fresh["exceptions"] == old["exceptions"]
    assert fresh["npm"] == old["npm"]
    assert ao.audit(installed, fresh).failed  # django 5.2.12 < 5.2.13 and pydantic 1.8.1 < 1.8.2
    assert not ao.audit({**installed, "django": "5.2.13", "pydantic": "1.8.2"}, fresh).failed


def test_refresh_needs_a_vulns_folder(tmp_path: Path):
    pytest.importorskip("yaml")
    with pytest.raises(ao.SnapshotError, match="no vulns/ folder"):
        ao.refresh([tmp_path], {"idna": "3.7"}, None)


# --- the committed snapshot -----------------------------------------------------------------


def test_the_committed_snapshot_is_well_formed_and_traceable():
    snap = ao.load_snapshot(ao.DEFAULT_SNAPSHOT)
    packages = set(snap["packages"])
    assert len(packages) >= 80
    for entry in [*snap["advisories"], *snap["npm"]["advisories"]]:
        assert {"repo", "path", "commit"} <= set(entry["source"]), entry["id"]
        for affected in entry["affected"]:
            for r in affected["ranges"]:
                ao.in_range(V("1.0"), r["events"])  # every bound is a PEP 440 version
    assert {a["package"] for a in snap["advisories"]} <= packages
    for entry in snap["exceptions"]:
        assert entry["reason"].strip()


def _requirement_closure(root: str, extra: str) -> dict[str, str]:
    """The installed distributions `root[extra]` pulls in, by canonical name, with their versions."""
    import importlib.metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    todo = [(root, extra)]
    while todo:
        name, wanted = todo.pop()
        dist = importlib.metadata.distribution(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker and not req.marker.evaluate({"extra": wanted}):
                continue
            key = canonicalize_name(req.name)
            if key not in found:
                found[key] = importlib.metadata.version(req.name)
                todo += [(req.name, e) for e in sorted(req.extras) or [""]]
    return found


def test_the_load_extra_is_in_the_committed_snapshot():
    """`make load` installs the load extra into the same venv `make lint` audits: every package it
    brings must be in the snapshot, or the audit fails after a load test."""
    import importlib.metadata
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    snap = ao.load_snapshot(ao.DEFAULT_SNAPSHOT)
    pyproject = tomllib.loads((ao.HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    load = [Requirement(r) for r in pyproject["project"]["optional-dependencies"]["load"]]
    assert load
    assert {canonicalize_name(r.name) for r in load} <= set(snap["packages"])
    try:
        closure = _requirement_closure("openltc", "load")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the load extra is not installed here (make load installs it)")
    assert "locust" in closure
    assert sorted(set(closure) - set(snap["packages"]) - ao.SELF) == []
    assert not ao.audit(closure, snap).failed


def test_the_flask_cors_exception_holds_for_the_audited_release_only():
    # PYSEC-2024-271 has an open range (no fix event): a newer flask-cors has to be judged again.
    snap = ao.load_snapshot(ao.DEFAULT_SNAPSHOT)
    report = ao.audit({"flask-cors": "6.0.5"}, snap)
    assert not report.failed
    assert [(f.advisory, bool(f.exception)) for f in report.findings] == [("PYSEC-2024-271", True)]
    later = ao.audit({"flask-cors": "6.0.6"}, snap)
    assert later.failed
    assert [f.advisory for f in later.findings] == ["PYSEC-2024-271"]
    assert not ao.audit({"flask-cors": "6.0.6"}, {**snap, "advisories": []}).failed
