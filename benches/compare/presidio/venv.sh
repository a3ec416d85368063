# Sourced by the comparison scripts: makes $VENV, a venv with Presidio's
# analyzer, anonymizer and evaluator from PyPI (pinned), idempotently.
VENV="$ROOT/target/presidio-venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  "presidio-analyzer==2.2.366" "presidio-anonymizer==2.2.366" "presidio-evaluator==0.3.2"
# Presidio's e-mail recognizer (tldextract) must not fetch the suffix list.
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=
