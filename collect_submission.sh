#!/usr/bin/env bash
# Build assignment2.zip for submission. Run `collect_submission.sh --help` for usage.

# `sh collect_submission.sh` runs this file with a POSIX shell: switch to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

ZIP_NAME="assignment2.zip"
REQUIRED=(word2vec.py sgd.py run.py word_vectors.png saved_params_40000.npy)

usage() {
    cat <<EOF
Usage: collect_submission.sh [-h|--help]

Makes $ZIP_NAME in the project folder (next to this script; it can be run
from any folder). The zip holds:
  - the top-level *.py files,
  - the .py files under utils/ (not utils/datasets/, not __pycache__/),
  - word_vectors.png and saved_params_40000.npy (both written by
    \`python run.py\`).

An old $ZIP_NAME is removed first (also when the run fails). If one of ${REQUIRED[*]}
is missing, the script says which one and how to produce it, and exits
without making the zip.

Exit codes: 0 zip written, 1 a required file is missing or zipping failed,
2 bad command-line arguments.
EOF
}

case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) echo "collect_submission.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }

cd "$(dirname "$0")"
PROJECT_DIR=$PWD

# An old zip goes first, so that a failed run never leaves a stale one behind.
rm -f "$ZIP_NAME"

# --- required files ---------------------------------------------------------
missing=0
for f in "${REQUIRED[@]}"; do
    if [ ! -f "$f" ]; then
        missing=1
        case "$f" in
            word_vectors.png|saved_params_40000.npy)
                echo "ERROR: $f is missing. Run \`python run.py\` in $PROJECT_DIR to train" \
                     "the word vectors: it writes word_vectors.png and saved_params_40000.npy" \
                     "(get the data first with \`sh get_datasets.sh\`)." >&2 ;;
            *)
                echo "ERROR: $f is missing. It is part of the assignment code; restore it" \
                     "(and complete it) before collecting the submission." >&2 ;;
        esac
    fi
done
if [ "$missing" -ne 0 ]; then
    echo "No $ZIP_NAME was made." >&2
    exit 1
fi

# --- file list --------------------------------------------------------------
files=()
for f in *.py; do
    [ -f "$f" ] && files+=("$f")
done
if [ -d utils ]; then
    while IFS= read -r -d '' f; do
        files+=("${f#./}")
    done < <(find utils \( -path utils/datasets -o -name __pycache__ \) -prune \
                  -o -type f -name '*.py' -print0 | LC_ALL=C sort -z)
fi
files+=(word_vectors.png saved_params_40000.npy)

# --- zip --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/collect_submission.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if have zip; then
    zip -q -X "$WORK/$ZIP_NAME" "${files[@]}"
elif have python3; then
    # `python3 -m zipfile -c` stores each named file under its base name, so
    # copy the files into a staging folder and zip its top-level entries.
    mkdir -p "$WORK/stage"
    for f in "${files[@]}"; do
        mkdir -p "$WORK/stage/$(dirname "$f")"
        cp -- "$f" "$WORK/stage/$f"
    done
    entries=()
    for f in "$WORK/stage"/*; do
        entries+=("$(basename "$f")")
    done
    (cd "$WORK/stage" && python3 -m zipfile -c "$WORK/$ZIP_NAME" "${entries[@]}")
else
    echo "ERROR: neither 'zip' nor 'python3' was found; cannot make $ZIP_NAME." >&2
    exit 1
fi
mv -- "$WORK/$ZIP_NAME" "$ZIP_NAME"

echo "Wrote $PROJECT_DIR/$ZIP_NAME with ${#files[@]} files:"
printf '  %s\n' "${files[@]}"
