"""``rota gate``: the verdict before a merge, from exact metrics and same-run timing.

Without a base, every exact metric of the working tree is compared with the committed
``results/baseline.json``. With ``base=REF``, REF is checked out into a temporary git
worktree; its exact metrics replace the baseline as the reference, and timing is compared
base against head with alternating worker processes (:mod:`rota.perf.gate_timing`).
The gate never passes by default: no baseline, a corrupt one or an unknown version is a
usage problem (exit 2), not a pass.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rota.datasets.tiers import get_tier
from rota.errors import ResultsError, UsageError
from rota.perf.atomic import write_atomic
from rota.perf.gate_config import GateConfig
from rota.perf.gate_exact import (
    ENVIRONMENT_METRICS,
    Finding,
    compare_exact,
    environment_mismatch,
    instructions_mismatch,
    quality_skips,
)
from rota.perf.gate_timing import TimingRun, measure_pairs
from rota.perf.results import ResultsStore, RunResults, encode
from rota.perf.runner import SourceTree, WorkerApiError
from rota.perf.suite import exact_results

__all__ = ["EXIT", "GateReport", "head_tree", "run_gate", "update_baseline"]

EXIT = {"pass": 0, "regression": 1, "usage": 2, "broken": 3}
BASELINE = Path("results/baseline.json")

Progress = Callable[[str], None]


@dataclass(slots=True)
class GateReport:
    """What one gate run compared and decided."""

    reference: str  # "baseline results/baseline.json" or "base 1a2b3c4"
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    timing: TimingRun | None = None
    config: GateConfig = field(default_factory=GateConfig)

    @property
    def regressions(self) -> list[str]:
        """One line per regression (exact or timing)."""
        lines = [
            f"{f.benchmark} {f.metric}: {_num(f.base)} -> {_num(f.head)}"
            + (f" ({f.note})" if f.note else "")
            for f in self.findings
            if f.status == "regression"
        ]
        if self.timing is not None:
            lines += [
                f"{v.benchmark} time: x{v.ratio:.3f} [{v.ci_low:.3f}, {v.ci_high:.3f}]"
                for v in self.timing.verdicts
                if v.verdict == "slower"
                or (v.verdict == "inconclusive" and self.config.inconclusive_fails)
            ]
        return lines

    @property
    def broken(self) -> list[str]:
        """Benchmarks whose schedule broke a rule."""
        return [
            f"{f.benchmark}: {_num(f.head)} violations"
            for f in self.findings
            if f.status == "broken"
        ]

    @property
    def exit_code(self) -> int:
        """0 pass, 1 regression, 3 a benchmark broke a rule."""
        if self.broken:
            return EXIT["broken"]
        return EXIT["regression"] if self.regressions else EXIT["pass"]

    @property
    def verdict(self) -> str:
        """One line: the decision and why."""
        if self.broken:
            return f"BROKEN: {len(self.broken)} benchmark(s) broke a rule"
        if self.regressions:
            return f"REGRESSION: {len(self.regressions)} metric(s) worse than allowed"
        return "PASS: nothing got slower, hungrier or worse beyond its threshold"


def head_tree(start: Path | None = None) -> tuple[SourceTree, Path | None]:
    """The tree under review: the checkout around ``start`` if it holds rota, else installed."""
    top = _git_output(start or Path.cwd(), "rev-parse", "--show-toplevel")
    if top is not None and (Path(top) / "src" / "rota" / "__init__.py").is_file():
        return SourceTree.checkout(Path(top), "head"), Path(top)
    return SourceTree.installed(), None


def load_baseline(path: Path) -> RunResults:
    """The committed baseline, or a one-line usage error saying how to create it."""
    if not path.is_file():
        raise UsageError(
            f"{path}: no baseline to compare with; create it with 'rota gate --update-baseline' "
            "and commit it (the gate never passes without one)"
        )
    try:
        return ResultsStore(path.parent).load(path)
    except ResultsError as exc:
        raise UsageError(
            f"{exc}; recreate it with 'rota gate --update-baseline' and review the change"
        ) from None


def update_baseline(
    config: GateConfig, path: Path, *, db_url: str | None = None, progress: Progress | None = None
) -> RunResults:
    """Measure the exact metrics of the working tree and write them to ``path`` atomically."""
    tree, _ = head_tree()
    with tempfile.TemporaryDirectory(prefix="rota-gate-") as scratch:
        if progress:
            progress("measuring exact metrics of the working tree")
        results = exact_results(
            tree,
            [get_tier(t) for t in config.exact_tiers],
            Path(scratch),
            db_url=db_url,
            instruction_tiers=config.instruction_tiers,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, encode(results))
    return results


def run_gate(
    config: GateConfig,
    *,
    base: str | None = None,
    baseline: Path = BASELINE,
    db_url: str | None = None,
    budget_seconds: float | None = None,
    head_env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    timing_progress: Callable[[str, int, int], None] | None = None,
) -> GateReport:
    """Run the gate; see the module docstring."""
    tell = progress or (lambda _what: None)
    tree, top = head_tree()
    with tempfile.TemporaryDirectory(prefix="rota-gate-") as scratch_dir:
        scratch = Path(scratch_dir)
        if base is None:
            reference = load_baseline(baseline)
            report = GateReport(reference=f"baseline {baseline}", config=config)
            tell("measuring exact metrics of the working tree")
            head_results = _exact(tree, config, scratch / "head", db_url)
        else:
            if top is None:
                raise UsageError("--base needs a git checkout of rota to run in")
            report = GateReport(reference=f"base {base}", config=config)
            with _worktree(top, base, scratch / "base-tree") as (base_root, label):
                report.reference = f"base {label}"
                _check_dependencies(top, base_root, label)
                base_tree: SourceTree | None = SourceTree.checkout(base_root, f"base {label}")
                assert base_tree is not None
                try:
                    tell(f"measuring exact metrics of base {label}")
                    reference = _exact(base_tree, config, scratch / "base", db_url)
                except WorkerApiError as exc:
                    report.skipped.append(f"base {label} skipped: {exc}")
                    reference = load_baseline(baseline)
                    report.reference = f"baseline {baseline} (base {label} predates the runner)"
                    base_tree = None
                tell("measuring exact metrics of the working tree")
                head_results = _exact(tree, config, scratch / "head", db_url)
                if base_tree is not None:
                    names = [
                        b.name
                        for b in head_results.benchmarks
                        if b.tier in config.timing_tiers and reference.benchmark(b.name)
                    ]
                    tell(f"timing {len(names)} benchmarks, base against head")
                    report.timing = measure_pairs(
                        base_tree,
                        tree,
                        names,
                        config,
                        scratch / "timing",
                        db_url=db_url,
                        head_env=head_env,
                        budget_seconds=budget_seconds,
                        progress=timing_progress,
                    )
        mismatch = environment_mismatch(reference, head_results)
        if mismatch is not None:
            report.skipped.append(f"{', '.join(ENVIRONMENT_METRICS)} not compared: {mismatch}")
        elif config.instruction_tiers:
            unlike = instructions_mismatch(reference, head_results)
            if unlike is not None:
                report.skipped.append(f"instructions not compared: {unlike}")
        report.skipped.extend(quality_skips(reference, head_results))
        report.findings = compare_exact(reference, head_results, config)
    return report


def _exact(tree: SourceTree, config: GateConfig, scratch: Path, db_url: str | None) -> RunResults:
    # The timing tiers too: the gate times the benchmarks it has measured exactly.
    tiers = sorted(
        {*config.exact_tiers, *config.timing_tiers}, key=lambda t: get_tier(t).resident_sessions
    )
    return exact_results(
        tree,
        [get_tier(t) for t in tiers],
        scratch,
        db_url=db_url,
        instruction_tiers=config.instruction_tiers,
    )


@contextlib.contextmanager
def _worktree(top: Path, ref: str, where: Path) -> Iterator[tuple[Path, str]]:
    """Check ``ref`` out into a temporary worktree; remove it afterwards."""
    commit = _git_output(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit is None:
        raise UsageError(f"--base {ref}: no such commit in {top} (try a branch, tag or hash)")
    added = subprocess.run(
        ["git", "-C", str(top), "worktree", "add", "--detach", "--quiet", str(where), commit],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        raise UsageError(f"--base {ref}: git worktree add failed: {added.stderr.strip()}")
    _lend_extension(where)
    try:
        yield where, commit[:7]
    finally:
        subprocess.run(
            ["git", "-C", str(top), "worktree", "remove", "--force", str(where)],
            capture_output=True,
            check=False,
        )


def _lend_extension(root: Path) -> None:
    """Copy this rota's built callgrind extension into a checkout that can count with it.

    A fresh worktree has the C source but nothing built; the extension only makes
    callgrind's client requests, the same for any commit, so the head's serves the base.
    """
    import rota.perf

    perf = root / "src" / "rota" / "perf"
    if not (perf / "instructions_child.py").is_file():
        return  # a commit from before the instruction pass
    for built in Path(rota.perf.__file__).parent.glob("_callgrind*.so"):
        shutil.copy2(built, perf / built.name)


def _check_dependencies(head_root: Path, base_root: Path, label: str) -> None:
    """Refuse a base that needs other dependencies than the environment the gate runs in."""
    head_deps, base_deps = _dependencies(head_root), _dependencies(base_root)
    if head_deps != base_deps:
        changed = sorted(set(head_deps) ^ set(base_deps))
        raise UsageError(
            f"base {label} declares other dependencies ({', '.join(changed)}); both sides run "
            "in this environment, which would not be a fair comparison: compare against a "
            "base with the same [project] dependencies"
        )


def _dependencies(root: Path) -> list[str]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []
    return sorted(project.get("project", {}).get("dependencies", []))


def _git_output(path: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
