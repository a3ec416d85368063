"""Masking 1 KB prompts in one Python process: ``vallum`` against Presidio.

The same corpus for both: prompts of about 1 KB assembled from
presidio-evaluator's seeded synthetic sentences (names, e-mails, phones,
cards, IBANs, IPs, URLs, dates, SSNs). Presidio runs its pattern recognizers
with a no-op NLP engine (no spaCy model; see ``compare.py``) and its
anonymizer's default ``replace`` operator (``<ENTITY_TYPE>``); Vallum runs
``Vallum.pii.mask`` with its defaults (which renders the same placeholders).
Each side: a warm-up pass, then the best of five timed passes over the whole
corpus. Run through ``run.sh --mask`` (which installs the freshly built
wheel into the Presidio venv).
"""

import argparse
import logging
import platform
import statistics
import time

import vallum
from compare import ENTITIES, corpus, presidio_engine

logging.disable(logging.WARNING)


def prompts(n, seed, size=1024):
    """`n` prompts of about `size` bytes, whole sentences each."""
    texts, _ = corpus(n * 20, seed)
    out, cur = [], ""
    for t in texts:
        cur = f"{cur} {t}" if cur else t
        if len(cur.encode()) >= size:
            out.append(cur)
            cur = ""
            if len(out) == n:
                break
    return out


def best_of(passes, fn, items):
    times = []
    for _ in range(passes):
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=300)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    texts = prompts(args.prompts, args.seed)
    mean_len = sum(len(t.encode()) for t in texts) / len(texts)

    from presidio_anonymizer import AnonymizerEngine

    analyzer = presidio_engine()
    anonymizer = AnonymizerEngine()

    def presidio_mask(text):
        found = analyzer.analyze(text, language="en", entities=ENTITIES)
        return anonymizer.anonymize(text=text, analyzer_results=found).text

    v = vallum.Vallum(config={"enterpriseSecurity": {"piiProtection": {
        "enabled": True, "entities": ENTITIES}}}, master_key=bytes(range(32)), in_memory=True)

    def vallum_mask(text):
        return v.pii.mask(text)["text"]

    for t in texts[:20]:  # warm-up
        presidio_mask(t)
        vallum_mask(t)
    p_best, p_med = best_of(5, presidio_mask, texts)
    v_best, v_med = best_of(5, vallum_mask, texts)

    sample = texts[0][:200]
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"corpus: {len(texts)} prompts, mean {mean_len:.0f} bytes, seed {args.seed}, "
          f"entities {', '.join(ENTITIES)}")
    print(f"example in : {sample}")
    print(f"presidio   : {presidio_mask(texts[0])[:200]}")
    print(f"vallum     : {vallum_mask(texts[0])[:200]}")
    n = len(texts)
    print("| library | per 1 KB prompt (best of 5) | median pass | prompts/s |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Presidio 2.2.366 (analyze + anonymize) | {p_best / n * 1e6:,.1f} µs | "
          f"{p_med / n * 1e6:,.1f} µs | {n / p_best:,.0f} |")
    print(f"| vallum {vallum.__version__} (pii.mask) | {v_best / n * 1e6:,.1f} µs | "
          f"{v_med / n * 1e6:,.1f} µs | {n / v_best:,.0f} |")
    print(f"ratio (best): {p_best / v_best:,.0f}x")


if __name__ == "__main__":
    main()
