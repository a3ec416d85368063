"""Vallum on a presidio-evaluator corpus with every entity type: exact-span
precision/recall/F1 per entity and the leak rate.

    benches/compare/presidio/names.sh [samples] [seed]

A finding matches a labelled span when the entity is the same and their
intersection over union is at least 0.9 (the evaluator's GPE is scored as
LOCATION, DOMAIN_NAME as URL). A labelled span leaks unless findings of any
entity cover at least 90 % of its characters. Results: docs/pii.md.
"""

import argparse
import collections
import json
import logging
import os
import subprocess
import tempfile

logging.disable(logging.WARNING)
GOLD_MAP = {"GPE": "LOCATION", "DOMAIN_NAME": "URL"}


def corpus(samples, seed):
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=seed)
    rows = faker.generate_new_fake_sentences(num_samples=samples)
    texts = [r.full_text for r in rows]
    gold = [[(GOLD_MAP.get(s.entity_type, s.entity_type), s.start_position, s.end_position) for s in r.spans] for r in rows]
    return texts, gold


def iou(a, b):
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vallum", required=True)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--show", metavar="ENTITY", help="print this entity's misses and false positives")
    args = ap.parse_args()
    texts, gold = corpus(args.samples, args.seed)
    entities = sorted({e for g in gold for e, _, _ in g} | {"LOCATION"})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"texts": texts, "entities": entities}, f)
        path = f.name
    try:
        out = json.loads(subprocess.check_output([args.vallum, path, "5"]))
    finally:
        os.unlink(path)
    pred = [[tuple(x) for x in row] for row in out["findings"]]
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    leak, total = collections.Counter(), collections.Counter()
    for text, ps, gs in zip(texts, pred, gold):
        used = [False] * len(gs)
        for e, s, t in ps:
            hit = next((i for i, (ge, a, b) in enumerate(gs) if not used[i] and ge == e and iou((s, t), (a, b)) >= 0.9), None)
            if hit is None:
                fp[e] += 1
                if args.show == e:
                    print(f"FP {e}: {text[s:t]!r} in {text!r}")
            else:
                used[hit] = True
                tp[e] += 1
        for i, (ge, a, b) in enumerate(gs):
            total[ge] += 1
            if not used[i]:
                fn[ge] += 1
                if args.show == ge:
                    got = [(pe, text[s:t]) for pe, s, t in ps if s < b and a < t]
                    print(f"FN {ge}: {text[a:b]!r} got {got} in {text!r}")
            covered = set()
            for _, s, t in ps:
                covered |= set(range(max(s, a), min(t, b)))
            if len(covered) < 0.9 * (b - a):
                leak[ge] += 1
                if args.show == ge:
                    print(f"LEAK {ge}: {text[a:b]!r} in {text!r}")
    spans = sum(total.values())
    print(f"corpus: {len(texts)} sentences (seed {args.seed}), {out['bytes']} bytes, {spans} labelled spans")
    print(f"throughput: {out['bytes'] / out['seconds'] / 1e6:.1f} MB/s (best of 5 after a warm-up)")
    print(f"spans leaked: {sum(leak.values()) / spans:.1%}")
    print(f"{'entity':18} {'spans':>5} {'P':>5} {'R':>5} {'F1':>5} {'leaked':>7}")
    for e in sorted(set(total) | set(fp)):
        p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else 0.0
        r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        lk = leak[e] / total[e] if total[e] else 0.0
        print(f"{e:18} {total[e]:5} {p:5.2f} {r:5.2f} {f1:5.2f} {lk:7.1%}")


if __name__ == "__main__":
    main()
