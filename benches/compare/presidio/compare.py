"""Vallum vs Presidio: throughput and per-entity precision/recall/F1.

Run through ``run.sh``. Presidio runs its pattern recognizers only (no-op
NLP engine, as TOOLCHAIN.md describes), Vallum runs its detector through the
``pii_eval`` binary; both see the same texts and the same entity list.
"""

import argparse
import json
import logging
import os
import platform
import subprocess
import tempfile
import time
from collections import defaultdict

logging.disable(logging.WARNING)

# presidio-evaluator's entity names → the recognizers' names.
GOLD_MAP = {"DOMAIN_NAME": "URL"}
ENTITIES = [
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "URL",
    "US_SSN",
    "DATE_TIME",
]


def corpus(samples, seed):
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.0, random_seed=seed)
    rows = faker.generate_new_fake_sentences(num_samples=samples)
    texts, gold = [], []
    for r in rows:
        texts.append(r.full_text)
        gold.append(
            [
                (GOLD_MAP.get(s.entity_type, s.entity_type), s.start_position, s.end_position)
                for s in r.spans
            ]
        )
    return texts, gold


def presidio_engine():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

    class NoOpNlpEngine(NlpEngine):
        def load(self):
            pass

        def is_loaded(self):
            return True

        def process_text(self, text, language):
            return NlpArtifacts([], [], [], [], None, language)

        def process_batch(self, texts, language, batch_size=1, n_process=1, **kw):
            for t in texts:
                yield t, self.process_text(t, language)

        def is_stopword(self, word, language):
            return False

        def is_punct(self, word, language):
            return False

        def get_supported_entities(self):
            return []

        def get_supported_languages(self):
            return ["en"]

    registry = RecognizerRegistry()
    registry.load_predefined_recognizers()
    return AnalyzerEngine(registry=registry, nlp_engine=NoOpNlpEngine(), supported_languages=["en"])


def score(pred, gold):
    """Per entity: a prediction is a true positive if it overlaps a gold span
    of the same entity not matched yet."""
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    for p_spans, g_spans in zip(pred, gold):
        g = [s for s in g_spans if s[0] in ENTITIES]
        used = [False] * len(g)
        for e, s, t in p_spans:
            if e not in ENTITIES:
                continue
            hit = next(
                (i for i, (ge, gs, gt) in enumerate(g) if not used[i] and ge == e and s < gt and gs < t),
                None,
            )
            if hit is None:
                fp[e] += 1
            else:
                used[hit] = True
                tp[e] += 1
        for i, (ge, _, _) in enumerate(g):
            if not used[i]:
                fn[ge] += 1
    out = {}
    for e in ENTITIES:
        p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else 0.0
        r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[e] = (p, r, f, tp[e] + fn[e])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vallum", required=True)
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    texts, gold = corpus(args.samples, args.seed)
    nbytes = sum(len(t.encode()) for t in texts)

    engine = presidio_engine()
    for t in texts[:50]:  # warm-up
        engine.analyze(t, language="en", entities=ENTITIES)
    t0 = time.perf_counter()
    presidio_pred = [
        [(r.entity_type, r.start, r.end) for r in engine.analyze(t, language="en", entities=ENTITIES)]
        for t in texts
    ]
    presidio_s = time.perf_counter() - t0

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"texts": texts, "entities": ENTITIES}, f)
        path = f.name
    try:
        out = json.loads(subprocess.check_output([args.vallum, path, "5"]))
    finally:
        os.unlink(path)
    vallum_s = out["seconds"]
    vallum_pred = [[tuple(x) for x in row] for row in out["findings"]]

    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}")
    print(f"corpus: {len(texts)} presidio-evaluator sentences (seed {args.seed}), {nbytes} bytes; entities: {', '.join(ENTITIES)}")
    print()
    print(f"{'':10} {'seconds':>10} {'MB/s':>10} {'µs/text':>10}")
    for name, s in (("Presidio", presidio_s), ("Vallum", vallum_s)):
        print(f"{name:10} {s:10.4f} {nbytes / s / 1e6:10.2f} {s / len(texts) * 1e6:10.2f}")
    print(f"ratio (Presidio time / Vallum time): {presidio_s / vallum_s:.0f}x")
    print()
    sp, sv = score(presidio_pred, gold), score(vallum_pred, gold)
    print(f"{'entity':15} {'gold':>5} | {'Presidio P':>10} {'R':>6} {'F1':>6} | {'Vallum P':>10} {'R':>6} {'F1':>6}")
    for e in ENTITIES:
        p1, r1, f1, n = sp[e]
        p2, r2, f2, _ = sv[e]
        print(f"{e:15} {n:5} | {p1:10.3f} {r1:6.3f} {f1:6.3f} | {p2:10.3f} {r2:6.3f} {f2:6.3f}")


if __name__ == "__main__":
    main()
