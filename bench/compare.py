"""The product against the naive serial baseline, in one run: ``python -m bench.compare [--quick]``.

Runs ``bench.sync_bench`` three times, one after the other (each with its own sandboxes, database and
workers), and prints product ÷ baseline ratios at the end:

1. 3 realms on a 10× clock, then the naive baseline (``bench/naive_baseline.py``) on a part of the same
   records in new companies of the same QuickBooks sandbox;
2. the same at real QuickBooks time (scale 1);
3. the backlog-fairness scenario (``--sizes 1400,200,200``, 10× clock, no baseline).

The QuickBooks sandbox enforces Intuit's 10 requests/second per realm (and 500/minute) in every run. The
baseline sleeps a (scaled) minute on each 429, so it is slow: it runs on ``--baseline`` records per realm
(the first orders with the suppliers and products they use) and its rates are per record.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

PLANS = {
    # name: (records per realm at ×10, baseline records at ×10, records at ×1, baseline at ×1, fairness sizes)
    "full": (700, 60, 700, 20, "1400,200,200"),
    "quick": (150, 30, 100, 12, "280,40,40"),
}


# --- the baseline inside a sync_bench run ------------------------------------------------------------


def baseline_subset(plain: list[dict], wanted: int, ratio: str) -> list[dict]:
    """``wanted`` records in creation order: the mix's share of orders, the suppliers and products those
    orders use, topped up with the first others up to the mix's counts (so every lookup finds its object)."""
    from bench.sync_bench import split_mix

    mix = split_mix(wanted, ratio)
    orders = [r for r in plain if r["kind"] == "purchase_order"][: mix.orders]
    used_suppliers = {o["supplier"] for o in orders}
    used_products = {name for o in orders for name, _, _ in o["lines"]}
    suppliers = _top_up([r for r in plain if r["kind"] == "supplier"], used_suppliers, mix.suppliers)
    products = _top_up([r for r in plain if r["kind"] == "product"], used_products, mix.products)
    return (
        [r for r in plain if r["kind"] == "supplier" and r["name"] in suppliers]
        + [r for r in plain if r["kind"] == "product" and r["name"] in products]
        + orders
    )


def _top_up(records: list[dict], names: set[str], count: int) -> set[str]:
    chosen = set(names)
    for record in records:
        if len(chosen) >= count:
            break
        chosen.add(record["name"])
    return chosen


def run_baseline(args, procs, qbo: str, realms: list, scratch: Path) -> dict:
    """One naive script process per realm (in parallel, each serial), on new companies; returns the figures."""
    from bench.sync_bench import PYTHON, QuickBooksSandbox, seconds_of
    from sandbox.quickbooks.companies import SUGGESTED_MAPPINGS

    sandbox = QuickBooksSandbox(qbo)
    accounts = {role: qbo_id for role, (qbo_id, _, _) in SUGGESTED_MAPPINGS.items()}
    jobs = []
    for realm in realms:
        company = f"46209{realm.index:011d}"
        sandbox.add_company(company, f"Baseline Company {realm.index}", "Plus", "USD", multicurrency=False)
        records = baseline_subset(realm.plain, min(args.baseline, len(realm.plain)), args.mix)
        job = {"qbo": qbo, "realm": company, "scale": args.scale, "accounts": accounts, "records": records}
        job["deadline_seconds"] = args.baseline_timeout
        path = scratch / f"baseline-{realm.index}.json"
        path.write_text(json.dumps(job))
        jobs.append((realm, company, records, path))
    print(
        f"\nnaive serial baseline: {len(jobs)} script(s) in parallel, each serial, "
        f"{', '.join(str(len(r)) for _, _, r, _ in jobs)} records; 429 → sleep {60 / args.scale:g} s …",
        flush=True,
    )
    sandbox.reset_counters()
    started = time.monotonic()
    children = [
        procs.start(f"baseline-{realm.index}", [PYTHON, "-m", "bench.naive_baseline", str(path), f"{path}.out"])
        for realm, _, _, path in jobs
    ]
    for child in children:
        procs.wait(child, args.baseline_timeout + 120)
    wall = time.monotonic() - started
    counters = sandbox.counters()["realms"]
    figures = Counter()
    for (_realm, company, records, path), child in zip(jobs, children, strict=True):
        seen = json.loads(Path(f"{path}.out").read_text()) if Path(f"{path}.out").exists() else {}
        qbo_counts = counters.get(company, {})
        mix = Counter(r["kind"] for r in records[: seen.get("records", 0)])
        print(
            f"  realm {company}: {seen.get('records', 0)} of {len(records)} records ({dict(mix)}) in "
            f"{seen.get('wall_seconds', float('nan')):.1f} s; requests {qbo_counts.get('requests', 0)} "
            f"(reads {qbo_counts.get('reads', 0)}, writes {qbo_counts.get('writes', 0)}); 429s "
            f"{qbo_counts.get('throttled', 0)}; slept {seen.get('slept_seconds', 0):.0f} s; "
            f"cpu {seen.get('cpu_seconds', 0):.2f} s after start-up ({seconds_of(child.rusage):.2f} s in all); "
            f"exit {child.popen.returncode}" + ("; STOPPED at the timeout" if seen.get("stopped_early") else "")
        )
        figures.update({key: value for key, value in seen.items() if ":" in key})  # per kind of record
        figures.update(
            synced=seen.get("records", 0),
            requests=qbo_counts.get("requests", 0),
            reads=qbo_counts.get("reads", 0),
            throttled=qbo_counts.get("throttled", 0),
            cpu_seconds=seen.get("cpu_seconds", 0),
            slept_seconds=seen.get("slept_seconds", 0),
        )
    mix = Counter()
    for realm in realms:
        mix.update({kind: realm.created[kind] for kind in ("supplier", "product", "purchase_order")})
    return {**figures, "wall_seconds": wall, "product_mix": dict(mix)}


def weighted(baseline: dict, key: str) -> float:
    """The baseline's ``key`` per record (429s not counted) had it pushed the product's mix of records: its
    part is richer in suppliers and products, which cost fewer lookups than orders."""
    mix, total, cost = baseline.get("product_mix", {}), 0, 0.0
    for kind, count in mix.items():
        done = baseline.get(f"records:{kind}", 0)
        if not done:
            return float("nan")
        spent = baseline.get(f"{key}:{kind}", 0) - (baseline.get(f"throttled:{kind}", 0) if key == "requests" else 0)
        total, cost = total + count, cost + count * spent / done
    return cost / total if total else float("nan")


# --- the comparison ------------------------------------------------------------------------------------


def per_record(figures: dict, key: str) -> float:
    return figures.get(key, 0) / figures["synced"] if figures.get("synced") else float("nan")


def admitted(figures: dict) -> float:
    """QuickBooks requests per record that were served (the sandbox counts a refused 429 as a request too)."""
    return per_record(figures, "requests") - per_record(figures, "throttled")


def per_minute(figures: dict, window: float = 60.0) -> float:
    wall = figures.get("wall_seconds") or float("nan")
    return figures.get("synced", 0) / (wall / window)


def comparison_rows(product: dict, baseline: dict, window: float) -> list[tuple[str, float, float]]:
    """(figure, product, baseline) for the table; per-record figures make different record counts comparable."""
    return [
        ("records/min (real minutes)", per_minute(product), per_minute(baseline)),
        ("records/QuickBooks minute", per_minute(product, window), per_minute(baseline, window)),
        ("QBO requests/record (no 429s)", admitted(product), admitted(baseline)),
        ("QBO reads/record", per_record(product, "reads"), per_record(baseline, "reads")),
        ("  requests/record, same mix", admitted(product), weighted(baseline, "requests")),
        ("  reads/record, same mix", per_record(product, "reads"), weighted(baseline, "reads")),
        ("429s", product.get("throttled", 0), baseline.get("throttled", 0)),
        ("429s/record", per_record(product, "throttled"), per_record(baseline, "throttled")),
        ("CPU ms/record", 1000 * per_record(product, "cpu_seconds"), 1000 * per_record(baseline, "cpu_seconds")),
        ("wall s/record", per_record(product, "wall_seconds"), per_record(baseline, "wall_seconds")),
    ]


def print_comparison(args, summary: dict) -> None:
    """The product ÷ baseline table of one sync_bench run (the baseline's wall time extrapolated)."""
    product, baseline = summary["product"], summary["baseline"]
    window = 60.0 / args.scale
    print(f"\nproduct vs naive serial baseline (×{args.scale:g} clock, {args.realms} realms)")
    print(f"  {'figure':<28} {'product':>11} {'baseline':>11} {'product ÷ baseline':>19}")
    for name, ours, theirs in comparison_rows(product, baseline, window):
        ratio = ours / theirs if theirs else float("nan")
        print(f"  {name:<28} {ours:>11.2f} {theirs:>11.2f} {ratio:>19.2f}")
    if baseline.get("synced"):
        rate = baseline["synced"] / baseline["wall_seconds"]
        guess = product["synced"] / rate if rate else float("nan")
        print(
            f"  wall time for the product's {product['synced']} records: product {product['wall_seconds']:.1f} s, "
            f"baseline ≈ {guess:.0f} s at its measured rate (×{guess / product['wall_seconds']:.1f})"
        )
    summary["rows"] = comparison_rows(product, baseline, window)


# --- the driver ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer records (see PLANS in bench/compare.py)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis-db", type=int, help="Redis database for every run (flushed)")
    parser.add_argument("--database", choices=("auto", "postgres", "sqlite"), default="auto")
    parser.add_argument("--skip", default="", help="comma-separated runs to skip: x10, x1, fairness")
    parser.add_argument("--timeout", type=float, default=900.0, help="per run: seconds to wait for the rows")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from bench import sync_bench

    args = parse_args(argv)
    fast, fast_base, real, real_base, sizes = PLANS["quick" if args.quick else "full"]
    common = ["--workers", str(args.workers), "--database", args.database, "--timeout", f"{args.timeout:g}"]
    common += ["--redis-db", str(args.redis_db)] if args.redis_db is not None else []
    runs = {
        "x10": ["--realms", "3", "--records", str(fast), "--scale", "10", "--baseline", str(fast_base)],
        "x1": ["--realms", "3", "--records", str(real), "--scale", "1", "--baseline", str(real_base)],
        "fairness": ["--sizes", sizes, "--scale", "10"],
    }
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    results, codes = {}, {}
    for name, extra in runs.items():
        if name in skipped:
            continue
        print(f"\n===== {name}: python -m bench.sync_bench {' '.join(extra + common)}", flush=True)
        results[name], environ = {}, dict(os.environ)
        try:
            codes[name] = sync_bench.main(extra + common, results[name])
        finally:  # a run puts its settings (scratch paths included) in os.environ: the next starts clean
            os.environ.clear()
            os.environ.update(environ)
    print_summary(results, codes)
    return max(codes.values(), default=0)


def print_summary(results: dict, codes: dict) -> None:
    print(f"\n===== summary ({os.cpu_count()} CPU(s); ratios are product ÷ baseline)")
    for name in ("x10", "x1"):
        rows = results.get(name, {}).get("rows")
        if rows:
            shown = "; ".join(f"{label} {ours:.2f} vs {theirs:.2f}" for label, ours, theirs in rows)
            print(f"  {name}: {shown} (exit {codes[name]})")
    fair = results.get("fairness", {}).get("product")
    if fair:
        realms = fair["realms"]
        firsts = " / ".join(f"{r['first_row']:.1f}" for r in realms)
        spans = " / ".join(f"{r['span']:.1f}" for r in realms)
        print(
            f"  fairness: first row synced after its poll was queued {firsts} s; push spans {spans} s; "
            f"CPU {1000 * per_record(fair, 'cpu_seconds'):.1f} ms/record; 429s {fair['throttled']}; "
            f"duplicates {fair['duplicates']} (exit {codes['fairness']})"
        )


if __name__ == "__main__":
    sys.exit(main())
