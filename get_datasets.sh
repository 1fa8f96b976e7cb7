#!/usr/bin/env bash
# Fetch the data sets of the word2vec assignment into utils/datasets/.
# Run `get_datasets.sh --help` for usage.

# `sh get_datasets.sh` runs this file with a POSIX shell: switch to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

# Data facts, checks and transfers live in utils/get_datasets_lib.sh.
LIB="$(dirname "$0")/utils/get_datasets_lib.sh"
if [ ! -f "$LIB" ]; then
    echo "get_datasets.sh: $LIB is missing; it is part of the project (restore it from git)." >&2
    exit 1
fi
# shellcheck source=utils/get_datasets_lib.sh
. "$LIB"

# The help text is a quoted here-document: nothing in it is expanded or run
# (backticks in an unquoted one ran `sh get_datasets.sh && python run.py`).
# fill replaces each ${NAME} of the variables named with its value.
fill() {
    local text name value
    text=$(cat)
    for name in "$@"; do
        value=${!name}
        text=${text//"\${$name}"/"$value"}
    done
    printf '%s\n' "$text"
}

usage() {
    fill GENSIM_URL PTB_NAME PTB_URL QW_URL SL_URL SST_NAME SST_URL WS_URL <<'EOF'
Usage: get_datasets.sh [-h|--help]

Puts the data sets into utils/datasets/ next to this script (run it from any
folder). A data set already in place and intact is left alone.

  ${SST_NAME}/     the Stanford Sentiment Treebank: run.py, sentiment.py
  ${PTB_NAME}/trees/   sentence sentiment trees: the labels of
                                 sentiment.py when the treebank has no dictionary.txt
  benchmarks/                    wordsim353.tsv, simlex999.txt, questions-words.txt
                                 (WordSim-353, SimLex-999, Google analogies): evaluate.py

Local copies (when one of these is set, nothing is downloaded):
  SST_SOURCE=PATH   the treebank folder, a folder holding ${SST_NAME}/,
                    or Stanford's ${SST_NAME}.zip
  PTB_SOURCE=PATH   a folder holding trees/ (or train/dev/test.txt directly),
                    or ${PTB_NAME}.zip
  BENCH_SOURCE=DIR  a folder holding the benchmarks under the names above or
                    the official ones (combined.tab or wordsim353.zip,
                    SimLex-999.txt or SimLex-999.zip, questions-words.txt)
  A data set without its own variable is looked for beside the others: in
  the folder named and in the folder holding it. So SST_SOURCE=~/data also
  finds ~/data/${PTB_NAME}/ and ~/data/benchmarks/, and
  SST_SOURCE=~/Downloads/${SST_NAME}.zip finds ${PTB_NAME}.zip,
  wordsim353.zip, SimLex-999.zip and questions-words.txt in ~/Downloads.

Downloads (no variable set), with curl or wget; files of these names saved
by hand into utils/datasets/ are used instead:
  ${SST_URL}
  ${PTB_URL}
  ${WS_URL}
  ${SL_URL}
  ${QW_URL}
  (a benchmark whose home fails comes from ${GENSIM_URL})

Checks: zips are unpacked into a temporary folder in utils/datasets/ and
moved into place only when complete. Links, special files and paths out of
the folder are refused, in zips and in folders. Every known file is checked
against the published release (line count, sha256): a truncated file is never
taken as ready. A run killed midway leaves a temporary folder that the next
run removes. One run at a time per project (a lock).

Exit codes:
  0  the treebank is in place, so run.py works; if another data set is
     missing, the summary at the end says which, what needs it and how to
     get it (so `sh get_datasets.sh && python run.py` still trains)
  1  no treebank; or a *_SOURCE is unusable; or another run holds the lock
  2  bad command-line arguments

Example (no internet, local copy):
  SST_SOURCE=~/Downloads/${SST_NAME}.zip sh get_datasets.sh
EOF
}

case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) echo "get_datasets.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac


CALLER_DIR=$PWD
absolute() {  # a path given by the user, relative to the caller's folder
    case "$1" in /*) say "$1" ;; *) say "$CALLER_DIR/$1" ;; esac
}
cd "$(dirname "$0")"
PROJECT_DIR=$PWD
DATA_DIR="$PROJECT_DIR/utils/datasets"
# How the user can run this script again from where they are.
if [ "$CALLER_DIR" = "$PROJECT_DIR" ]; then SELF="get_datasets.sh"; else SELF="$PROJECT_DIR/get_datasets.sh"; fi
if ! mkdir -p "$DATA_DIR" || [ ! -w "$DATA_DIR" ]; then
    err "cannot write into $DATA_DIR: make it writable (or free space) and run \`sh $SELF\` again."
    exit 1
fi

PYTHON=""
for p in python3 python; do
    if have "$p" && "$p" -c 'import sys; sys.exit(sys.version_info < (3,))' 2>/dev/null; then
        PYTHON=$p; break
    fi
done

# --- one run at a time; temporary folders .tmp.<pid>.* -------------------
# The lock needs flock(1) (util-linux). Without it runs are not serialised,
# but the pid in each temporary folder's name keeps one run from removing
# another's.
LOCK="$DATA_DIR/.get_datasets.lock"
if have flock; then
    exec 9>>"$LOCK"
    if ! flock -n 9; then
        err "another get_datasets.sh (pid $(head -n 1 "$LOCK" 2>/dev/null || say '?')) is" \
            "filling $DATA_DIR; wait for it to finish, then run \`sh $SELF\` again."
        exit 1
    fi
    printf '%s\n' "$$" > "$LOCK"
fi

pid_alive() {
    if [ -d /proc/self ]; then [ -d "/proc/$1" ]; else kill -0 "$1" 2>/dev/null || ps -p "$1" >/dev/null 2>&1; fi
}
remove_dir() { chmod -R u+rwX "$1" 2>/dev/null || true; rm -rf -- "$1"; }

# A temporary folder is stale when the run named in it (.tmp.<pid>.*) is gone;
# the older nameless ones (.tmp.XXXXXX) when untouched for an hour.
for d in "$DATA_DIR"/.tmp.*; do
    [ -d "$d" ] && [ ! -L "$d" ] || continue
    pid=${d##*/.tmp.}; pid=${pid%%.*}
    case $pid in
        ''|*[!0-9]*) [ -n "$(find "$d" -maxdepth 0 -mmin +60)" ] || continue ;;
        *) if [ "$pid" = "$$" ] || pid_alive "$pid"; then continue; fi ;;
    esac
    say "Removing ${d#"$PROJECT_DIR"/}, left by an interrupted run."
    remove_dir "$d"
done

TMP_DIRS=()
cleanup() {
    local d
    for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do [ -e "$d" ] && remove_dir "$d"; done
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
new_work_dir() {  # WORK: a new temporary folder, removed on exit
    if WORK=$(mktemp -d "$DATA_DIR/.tmp.$$.XXXXXX"); then TMP_DIRS+=("$WORK"); return 0; fi
    err "could not make a temporary folder in $DATA_DIR (full disk? read-only?)."
    return 1
}

# Local copies: the folders searched for data sets without a variable (the
# folder each variable names and the folder holding it); LOOK: those that
# locate searches now.
SEARCH_DIRS=()
OFFLINE=0
for var in SST_SOURCE PTB_SOURCE BENCH_SOURCE; do
    if [ -n "${!var:-}" ]; then
        OFFLINE=1
        p=$(absolute "${!var}")
        if [ -d "$p" ]; then SEARCH_DIRS+=("$p"); fi
        SEARCH_DIRS+=("$(dirname "$p")")
    fi
done
SEARCH_DIRS+=("$DATA_DIR")
LOOK=()

# locate CANDIDATE...: the first candidate in a searched folder, never an
# installed data set itself.
locate() {
    local d c
    for d in "${LOOK[@]}"; do
        for c in "$@"; do
            c="$d/$c"
            if [ -e "$c" ] && ! [ "$c" -ef "$DATA_DIR/$SST_NAME" ] && ! [ "$c" -ef "$DATA_DIR/$PTB_NAME" ] \
                && ! [ "$c" -ef "$DATA_DIR/benchmarks" ] && ! [ "$(dirname "$c")" -ef "$DATA_DIR/benchmarks" ]; then
                say "$c"; return 0
            fi
        done
    done
    return 1
}

not_found() {  # not_found TITLE NAMES VAR: a data set not beside the local copies
    local dirs
    dirs=$(printf '%s, ' "${SEARCH_DIRS[@]}")
    err "$1: not found beside the local copies (looked for $2 in ${dirs%, })."
    say "  How to fix: set $3=PATH, or run \`sh $SELF\` without *_SOURCE variables to" \
        "download it (what is in place stays)." >&2
}

# get KIND TITLE VAR URL CANDIDATES: installs data set KIND (sst or ptb).
get() {
    local kind=$1 title=$2 var=$3 url=$4 cands=$5 target problems src label
    if [ "$kind" = sst ]; then target="$DATA_DIR/$SST_NAME"; else target="$DATA_DIR/$PTB_NAME/trees"; fi
    if [ -e "$target" ]; then
        if problems=$("${kind}_problems" "$target" 2>/dev/null); then
            say "$title: already in place, ${target#"$PROJECT_DIR"/} (nothing to do)."; return 0
        fi
        warn "the $title in ${target#"$PROJECT_DIR"/} is damaged; getting it again:"
        list_problems "$problems"
    fi
    new_work_dir || return 1
    LOOK=("${SEARCH_DIRS[@]}")
    if [ -n "${!var:-}" ]; then
        src=$(absolute "${!var}"); label="$var=${!var}"
    elif src=$(locate $cands); then
        label="the copy found at $src"
    elif [ $OFFLINE = 1 ]; then
        not_found "$title" "${cands// /, }" "$var"; return 2
    else
        src="$WORK/download.zip"; label="the download from $url"
        if ! download "$url" "$src"; then
            err "could not download the $title from $url: $DOWNLOAD_ERROR"
            say "  How to fix: download it by hand into $DATA_DIR/ (keep its name ${url##*/})," \
                "or set $var=PATH to a local copy, and run \`sh $SELF\` again." >&2
            return 2
        fi
    fi
    say "$title: checking and copying $label ..."
    stage "$kind" "$src" "$label" && install "$WORK/$kind" "$target" || return 1
    say "$title: ready in ${target#"$PROJECT_DIR"/}:"
    report_files "$target"
}

# get_bench NAME: one benchmark file into utils/datasets/benchmarks/.
get_bench() {
    local name=$1 target="$DATA_DIR/benchmarks/$1" src="" problems member d
    bench_info "$name"
    if [ -e "$target" ] || [ -L "$target" ]; then
        if problems=$(bench_problems "$target" "$name" 2>/dev/null); then
            say "$B_TITLE: already in place, ${target#"$PROJECT_DIR"/} (nothing to do)."; return 0
        fi
        warn "${target#"$PROJECT_DIR"/} is damaged ($problems); getting it again."
    fi
    new_work_dir || return 1
    LOOK=()
    if [ -n "${BENCH_SOURCE:-}" ]; then set -- "$(absolute "$BENCH_SOURCE")"; else set -- "${SEARCH_DIRS[@]}"; fi
    for d in "$@"; do LOOK+=("$d/benchmarks" "$d"); done
    if [ -n "${BENCH_SOURCE:-}" ]; then
        src=$(locate $B_NAMES) || {
            err "BENCH_SOURCE=$BENCH_SOURCE holds no $B_TITLE (looked for ${B_NAMES// /, })."; return 1; }
    elif src=$(locate $B_NAMES); then
        :
    elif [ $OFFLINE = 1 ]; then
        return 3  # main says it once for all benchmarks
    else
        src="$WORK/${B_URL##*/}"
        if ! download "$B_URL" "$src"; then
            note "$B_URL failed ($DOWNLOAD_ERROR); trying gensim's copy."
            src="$WORK/$name"
            if ! download "$GENSIM_URL/$name" "$src"; then
                err "could not download $B_TITLE from $B_URL or $GENSIM_URL/$name: $DOWNLOAD_ERROR"
                say "  How to fix: save it by hand into $DATA_DIR/ and run \`sh $SELF\` again." >&2
                return 2
            fi
        fi
    fi
    if [ "${src##*.}" = zip ]; then
        if ! problems=$(unpack_zip "$src" "$WORK/unpacked"); then
            err "cannot use $src:"; list_problems "$problems"; return 1
        fi
        member=$(find "$WORK/unpacked" -name "$B_MEMBER" ! -path '*__MACOSX*' | head -n 1)
        if [ -z "$member" ]; then err "$src holds no $B_MEMBER."; return 1; fi
        src=$member
    fi
    if ! problems=$(bench_problems "$src" "$name"); then
        err "$src is not usable: $problems"; return 1
    fi
    copy_file "$src" "$WORK/bench/$name" || return 1
    if ! bench_problems "$WORK/bench/$name" "$name" >/dev/null 2>&1; then
        err "the copy of $src failed verification."; return 1
    fi
    install "$WORK/bench/$name" "$target" || return 1
    say "$B_TITLE: ready in ${target#"$PROJECT_DIR"/} (from ${src#"$WORK"/})."
}

# --- main -------------------------------------------------------------------
STATUS=0
MISSING=()
outcome() {  # outcome RC WHAT: records a data set that is not in place
    case $1 in
        0) ;;
        1) STATUS=1; MISSING+=("$2; its source is unusable (see above)") ;;
        *) MISSING+=("$2") ;;  # optional: said in the summary, run.py still works
    esac
}
rc=0; get sst "Stanford Sentiment Treebank" SST_SOURCE "$SST_URL" "$SST_NAME $SST_NAME.zip" || rc=$?
if [ $rc != 0 ]; then
    say "No treebank: run.py cannot train without it." >&2
    exit 1
fi
rc=0; get ptb "PTB sentiment trees" PTB_SOURCE "$PTB_URL" "$PTB_NAME $PTB_NAME.zip trees" || rc=$?
if [ -s "$DATA_DIR/$SST_NAME/dictionary.txt" ]; then
    outcome $rc "the PTB sentiment trees (sentiment.py can use dictionary.txt instead)"
else
    outcome $rc "the PTB sentiment trees (sentiment.py needs them: the treebank has no dictionary.txt)"
fi
not_beside=()
for b in "${BENCH_FILES[@]}"; do
    rc=0; get_bench "$b" || rc=$?
    if [ $rc = 3 ]; then not_beside+=("$b"); fi
    outcome $rc "benchmarks/$b (evaluate.py)"
done
if [ ${#not_beside[@]} != 0 ]; then
    b=$(printf '%s, ' "${not_beside[@]}")
    not_found "Benchmarks (${b%, })" "benchmarks/ or their files (see --help)" BENCH_SOURCE
fi
if [ ${#MISSING[@]} = 0 ]; then
    say "Done: every data set is in $DATA_DIR."
else
    say "" >&2
    say "Incomplete: the treebank is in place (run.py works), but not:" >&2
    printf '  - %s\n' "${MISSING[@]}" >&2
fi
exit $STATUS
