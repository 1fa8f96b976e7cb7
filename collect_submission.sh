#!/usr/bin/env bash
# Build assignment2.zip for submission. Run `collect_submission.sh --help` for usage.

# `sh collect_submission.sh` runs this file with a POSIX shell: switch to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

ZIP_NAME="assignment2.zip"
# The assignment's own files; the rest of the code is found below.
REQUIRED_CODE=(word2vec.py sgd.py run.py utils/__init__.py utils/gradcheck.py
               utils/treebank.py utils/utils.py)
REQUIRED_OUTPUTS=(word_vectors.png saved_params_40000.npy)
# Folders with an __init__.py that are not part of the submission.
NOT_SUBMITTED=(tests bench docs instructor)

# The help text is a quoted here-document: nothing in it is expanded or run.
# fill replaces each ${NAME} of the NAME=VALUE pairs given with VALUE.
fill() {
    local text pair
    text=$(cat)
    for pair in "$@"; do
        text=${text//"\${${pair%%=*}}"/"${pair#*=}"}
    done
    printf '%s\n' "$text"
}

usage() {
    fill "ZIP_NAME=$ZIP_NAME" "NOT_SUBMITTED=${NOT_SUBMITTED[*]}" \
        "REQUIRED_CODE=${REQUIRED_CODE[*]}" "REQUIRED_OUTPUTS=${REQUIRED_OUTPUTS[*]}" <<'EOF'
Usage: collect_submission.sh [-h|--help]

Makes ${ZIP_NAME} in the project folder (next to this script; it can be run
from any folder). The zip holds:
  - the top-level *.py files (word2vec.py, sgd.py, run.py, ...),
  - the .py files of every package folder (a folder with __init__.py:
    utils/, engines/, ...), without utils/datasets/ and __pycache__/;
    not ${NOT_SUBMITTED},
  - word_vectors.png and saved_params_40000.npy (both written by
    `python run.py`).

An old ${ZIP_NAME} is removed first (also when the run fails). If a required
file is missing (${REQUIRED_CODE}
${REQUIRED_OUTPUTS}), the script names each one and how to produce
it, and exits without making the zip.

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
err() { printf 'ERROR: %s\n' "$*" >&2; }

CALLER_DIR=$PWD
cd "$(dirname "$0")"
PROJECT_DIR=$PWD
# How the user can run the project's scripts from where they are.
if [ "$CALLER_DIR" = "$PROJECT_DIR" ]; then HERE=""; else HERE="$PROJECT_DIR/"; fi

# An old zip goes first, so that a failed run never leaves a stale one behind.
rm -f "$ZIP_NAME"

# --- required files ---------------------------------------------------------
missing=0
for f in "${REQUIRED_CODE[@]}"; do
    if [ ! -f "$f" ]; then
        missing=1
        err "$f is missing. It is part of the assignment code; restore it (git checkout -- $f)" \
            "before collecting the submission."
    fi
done
for f in "${REQUIRED_OUTPUTS[@]}"; do
    if [ ! -f "$f" ]; then
        missing=1
        err "$f is missing. Train the word vectors: \`cd $PROJECT_DIR && python run.py\`" \
            "writes word_vectors.png and saved_params_40000.npy there (get the data first" \
            "with \`sh ${HERE}get_datasets.sh\`)."
    fi
done
if [ "$missing" -ne 0 ]; then
    echo "No $ZIP_NAME was made." >&2
    exit 1
fi

# --- file list --------------------------------------------------------------
files=()
for f in *.py; do
    if [ -f "$f" ]; then files+=("$f"); fi
done
packages=()
for d in */; do
    d=${d%/}
    case " ${NOT_SUBMITTED[*]} " in *" $d "*) continue ;; esac
    if [ -f "$d/__init__.py" ] && [ ! -L "$d" ]; then packages+=("$d"); fi
done
while IFS= read -r -d '' f; do
    files+=("${f#./}")
done < <(find "${packages[@]}" \( -path utils/datasets -o -name __pycache__ \) -prune \
              -o -type f -name '*.py' -print0 | LC_ALL=C sort -z)
files+=("${REQUIRED_OUTPUTS[@]}")

# --- zip --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/collect_submission.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if have zip; then
    zip -q -X "$WORK/$ZIP_NAME" "${files[@]}"
elif have python3; then
    # Store each file under its path inside the project, as zip does.
    python3 - "$WORK/$ZIP_NAME" "${files[@]}" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as zf:
    for name in sys.argv[2:]:
        zf.write(name, name)
PY
else
    err "neither 'zip' nor 'python3' was found; cannot make $ZIP_NAME."
    exit 1
fi
mv -- "$WORK/$ZIP_NAME" "$ZIP_NAME"

echo "Wrote $PROJECT_DIR/$ZIP_NAME with ${#files[@]} files:"
printf '  %s\n' "${files[@]}"
