"""Plugging a spaCy pipeline into Vallum as a PII recognizer.

Vallum's built-in recognizers find names, places and addresses without a
model; a team that already runs a spaCy (or GLiNER, or Presidio) pipeline can
plug it in, and its spans are merged with the built-in findings by the same
overlap rules in every path: detection, masking, the guard and session
vaults. Here the pipeline is ``spacy.blank("en")`` with an entity ruler for
the organisation's own project code names, so it runs without downloading a
model; swap in ``spacy.load("en_core_web_sm")`` (``pip install
en-core-web-sm`` from spaCy's releases) for a statistical one.

    pip install vallum spacy
    python examples/python/spacy_recognizer.py
"""

from __future__ import annotations

from typing import Iterator, Tuple

import spacy

import vallum

nlp = spacy.blank("en")
ruler = nlp.add_pipe("entity_ruler")
ruler.add_patterns([  # type: ignore[attr-defined]
    {"label": "PROJECT", "pattern": [{"LOWER": "project"}, {"IS_TITLE": True}]},
    {"label": "MEDICAL_CONDITION", "pattern": [{"LOWER": "type"}, {"LIKE_NUM": True}, {"LOWER": "diabetes"}]},
])


def recognize(text: str) -> Iterator[Tuple[str, int, int, float]]:
    """spaCy's entities as Vallum spans: label, character offsets, score."""
    for ent in nlp(text).ents:
        yield ent.label_, ent.start_char, ent.end_char, 0.9


def main() -> None:
    v = vallum.Vallum(master_key=bytes(range(32)), in_memory=True, config={
        "enterpriseSecurity": {"piiProtection": {"enabled": True}},
    })
    v.pii.add_recognizer("spacy", recognize, entities=["PROJECT", "MEDICAL_CONDITION"])
    text = "Dana Scott (dana@example.com) leads Project Nightingale and has type 2 diabetes."
    for f in v.pii.detect(text):
        print(f"{f['entity']:18} {text[f['start']:f['end']]!r:32} by {f['recognizer']}")
    print("masked:", v.pii.mask(text)["text"])
    verdict = v.guard.prompt({"principal": {"id": "dana"}, "organization": "acme", "session": "s1",
                              "text": "Draft an update on Project Nightingale", "model": "gpt-4o"})
    print("to the model:", verdict["text_to_send"])
    print("entities:", sorted(e for e in v.pii.entities() if e in ("PROJECT", "MEDICAL_CONDITION")))


if __name__ == "__main__":
    main()
