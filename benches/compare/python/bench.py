"""Per-call overhead of the Python package over the Rust call.

Times the calls of ``calls.json`` through ``vallum`` (the extension's
``Core`` directly, and the ``Vallum`` object model on top of it) and reads
the Rust figures of the same calls from criterion
(``target/criterion/bindings/*/new/estimates.json``, written by
``cargo bench -p vallum --bench bindings``). Run through ``run.sh``.
"""

import argparse
import json
import pathlib
import platform
import timeit

import vallum

HERE = pathlib.Path(__file__).resolve().parent


def per_call_ns(fn, target_s=0.2, repeat=21):
    """The best of `repeat` runs of the mean time per call, in ns (the
    minimum filters this VM's scheduling noise; criterion's median is
    robust on its own)."""
    n = 1
    while True:
        t = timeit.timeit(fn, number=n)
        if t > target_s / 10:
            break
        n *= 2
    n = max(1, int(n * (target_s / 10) / t * 10 / 10))
    runs = timeit.repeat(fn, number=n, repeat=repeat)
    return min(runs) / n * 1e9


def criterion_ns(root, name):
    est = json.loads((root / "bindings" / name / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", required=True, type=pathlib.Path)
    args = ap.parse_args()

    calls = json.loads((HERE / "calls.json").read_text())
    v = vallum.Vallum(config={"enterpriseSecurity": {"piiProtection": {"enabled": True}}},
                      master_key=bytes(range(32)), in_memory=True)
    for p in calls["policies"]:
        v.policy.add(p)
    core = v._core
    entity, card = calls["validate"]
    request, prompt = calls["request"], calls["prompt_1k"]
    assert v.pii.validate(entity, card) is True
    assert v.policy.evaluate(request)["effect"] == "allow"
    assert v.pii.mask(prompt)["text"].count("<") >= 5

    rows = [
        ("trivial: pii.validate(entity, card)", "trivial_validate",
         lambda: core.call("pii.validate", entity, card), lambda: v.pii.validate(entity, card)),
        ("typical: policy.evaluate(request dict)", "typical_evaluate_request",
         lambda: core.call("policy.evaluate", request), lambda: v.policy.evaluate(request)),
        ("pii.mask(1 KB prompt)", "mask_1k",
         lambda: core.call_blocking("pii.mask", prompt), lambda: v.pii.mask(prompt)),
    ]
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, vallum {vallum.__version__}")
    print("| call | Rust (criterion median) | Python `_vallum.Core` | overhead | "
          "Python `Vallum` | overhead |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, name, direct, wrapped in rows:
        rust = criterion_ns(args.criterion, name)
        d = per_call_ns(direct)
        w = per_call_ns(wrapped)
        print(f"| {label} | {rust:,.0f} ns | {d:,.0f} ns | **{d - rust:,.0f} ns** | "
              f"{w:,.0f} ns | {w - rust:,.0f} ns |")


if __name__ == "__main__":
    main()
