#!/usr/bin/env bash
# Fetch the data sets for the word2vec assignment into utils/datasets/.
# Run `get_datasets.sh --help` for usage.

# `sh get_datasets.sh` runs this file with a POSIX shell: switch to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

SST_URL="http://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip"
PTB_URL="http://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"

SST_NAME="stanfordSentimentTreebank"
PTB_NAME="trainDevTestTrees_PTB"
SST_REQUIRED=(datasetSentences.txt datasetSplit.txt sentiment_labels.txt)
# Everything Stanford's zip holds; only these names are copied from a folder source.
SST_KNOWN=(README.txt SOStr.txt STree.txt datasetSentences.txt datasetSplit.txt
           dictionary.txt original_rt_snippets.txt sentiment_labels.txt)
SST_HEADER=$'sentence_index\tsentence'
PTB_REQUIRED=(train.txt dev.txt test.txt)

usage() {
    cat <<EOF
Usage: get_datasets.sh [-h|--help]

Puts the data sets for the word2vec assignment into utils/datasets/ (next to
this script; it can be run from any folder):

  utils/datasets/$SST_NAME/
      Stanford Sentiment Treebank (datasetSentences.txt, datasetSplit.txt,
      sentiment_labels.txt, ...). Needed for word2vec training.
  utils/datasets/$PTB_NAME/trees/{train,dev,test}.txt
      Sentence-level sentiment trees. Only needed for the sentiment labels;
      word2vec training works without them.

A data set that is already in place is left alone. Otherwise it is taken, in
this order, from the local copy named by the matching variable, from a zip
downloaded by hand into utils/datasets/ (under Stanford's file name), or from
the internet (wget or curl):

  SST_SOURCE=PATH  a folder holding the treebank files (or holding a
                   $SST_NAME/ subfolder), or Stanford's
                   $SST_NAME.zip.
                   Default download: $SST_URL
  PTB_SOURCE=PATH  a folder holding trees/ (or the three .txt files directly),
                   or $PTB_NAME.zip.
                   Default download: $PTB_URL

Files are unpacked into a temporary folder inside utils/datasets/, checked,
and only then moved into place, so an interrupted run leaves nothing that
looks complete.

Exit codes:
  0  success (also when the PTB trees could not be downloaded: that is only
     a warning)
  1  the treebank could not be had, or PTB_SOURCE is set but unusable
  2  bad command-line arguments

Example (no internet, local copy):
  SST_SOURCE=~/Downloads/$SST_NAME.zip sh get_datasets.sh
EOF
}

case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) echo "get_datasets.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

say()  { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
err()  { printf 'ERROR: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# Make a relative path absolute with respect to the caller's folder
# (we cd to the script's folder below).
CALLER_DIR=$PWD
absolute() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *)  printf '%s\n' "$CALLER_DIR/$1" ;;
    esac
}

cd "$(dirname "$0")"
PROJECT_DIR=$PWD
DATA_DIR="utils/datasets"
mkdir -p "$DATA_DIR"

# --- temporary folders, removed on every exit --------------------------------
TMP_DIRS=()
cleanup() {
    local d
    for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
        if [ -e "$d" ]; then
            chmod -R u+rwX "$d" 2>/dev/null || true
            rm -rf "$d"
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Sets WORK to a new empty folder inside utils/datasets/.
new_work_dir() {
    WORK=$(mktemp -d "$DATA_DIR/.tmp.XXXXXX")
    TMP_DIRS+=("$WORK")
}

# --- helpers ---------------------------------------------------------------
is_zip_file() {
    # Zip files start with "PK".
    [ -f "$1" ] && [ "$(head -c 2 "$1" 2>/dev/null)" = "PK" ]
}

unpack_zip() {  # unpack_zip ZIP DEST
    if have unzip; then
        unzip -q -o "$1" -d "$2"
    elif have python3; then
        python3 -m zipfile -e "$1" "$2"
    else
        err "cannot unpack $1: neither 'unzip' nor 'python3' was found."
        return 1
    fi
}

DOWNLOAD_ERRORS=""
download() {  # download URL OUTFILE
    local url=$1 out=$2
    DOWNLOAD_ERRORS=""
    if ! have wget && ! have curl; then
        DOWNLOAD_ERRORS="neither wget nor curl is installed"
        return 1
    fi
    if have wget; then
        say "Downloading $url with wget ..."
        if wget -q --tries=2 --timeout=30 -O "$out" "$url"; then return 0; fi
        DOWNLOAD_ERRORS="wget failed"
    fi
    if have curl; then
        say "Downloading $url with curl ..."
        if curl -fsSL --retry 1 --connect-timeout 30 -o "$out" "$url"; then return 0; fi
        DOWNLOAD_ERRORS="${DOWNLOAD_ERRORS:+$DOWNLOAD_ERRORS, }curl failed"
    fi
    return 1
}

list_problems() {  # one "  - problem" line per line of $1, to stderr
    printf '%s\n' "$1" | sed 's/^/  - /' >&2
}

first_line() {  # first line of a file, without CR and UTF-8 BOM
    local line=""
    IFS= read -r line < "$1" || true
    line=${line%$'\r'}
    line=${line#$'\xef\xbb\xbf'}
    printf '%s' "$line"
}

report_files() {  # report_files DIR : file list with line counts
    local f
    for f in "$1"/*; do
        [ -f "$f" ] || continue
        printf '  %8s lines  %s\n' "$(wc -l < "$f" | tr -d ' ')" "$f"
    done
}

# install_staged NAME TARGET WHAT : move the verified $WORK/NAME into TARGET,
# setting an incomplete TARGET aside first (it goes with $WORK on exit).
install_staged() {
    local name=$1 target=$2 what=$3
    if [ -e "$target" ]; then
        warn "replacing the incomplete folder $target"
        mv -- "$target" "$WORK/old-$name" || return 1
    fi
    if ! mv -- "$WORK/$name" "$target"; then
        err "could not move $what into $target."
        return 1
    fi
}

# --- Stanford Sentiment Treebank -------------------------------------------
# sst_problems DIR : prints one line per problem; returns 0 when DIR is usable.
sst_problems() {
    local dir=$1 f bad=0 header
    for f in "${SST_REQUIRED[@]}"; do
        if [ ! -f "$dir/$f" ]; then
            say "$f is missing"; bad=1
        elif [ ! -s "$dir/$f" ]; then
            say "$f is empty"; bad=1
        fi
    done
    if [ -s "$dir/datasetSentences.txt" ]; then
        header=$(first_line "$dir/datasetSentences.txt")
        if [ "$header" != "$SST_HEADER" ]; then
            say "datasetSentences.txt does not start with the header line" \
                "'sentence_index<TAB>sentence' (found: '${header:0:60}')"
            bad=1
        fi
    fi
    return $bad
}

sst_complete() { sst_problems "$1" >/dev/null; }

# sst_root DIR : the folder inside DIR that holds the treebank files.
sst_root() {
    if [ ! -e "$1/datasetSentences.txt" ] && [ -d "$1/$SST_NAME" ]; then
        printf '%s\n' "$1/$SST_NAME"
    else
        printf '%s\n' "$1"
    fi
}

# stage_sst ROOT LABEL : copy ROOT's treebank files to $WORK/$SST_NAME and verify.
stage_sst() {
    local root=$1 label=$2 problems f
    if ! problems=$(sst_problems "$root"); then
        err "$label is not a usable Stanford Sentiment Treebank folder ($root):"
        list_problems "$problems"
        return 1
    fi
    mkdir -p "$WORK/$SST_NAME"
    for f in "${SST_KNOWN[@]}"; do
        if [ -f "$root/$f" ]; then
            cp -- "$root/$f" "$WORK/$SST_NAME/$f"
        fi
    done
    chmod -R u+rwX "$WORK/$SST_NAME"
    if ! problems=$(sst_problems "$WORK/$SST_NAME"); then
        err "the copy of the treebank from $label failed verification:"
        list_problems "$problems"
        return 1
    fi
}

# from_source KIND PATH LABEL : stage data set KIND (sst or ptb) from a folder
# or a zip, through KIND_root (where the files are inside it) and stage_KIND.
from_source() {
    local kind=$1 src=$2 label=$3 name
    case $kind in
        sst) name="the Stanford Sentiment Treebank" ;;
        *)   name="the PTB sentiment trees" ;;
    esac
    if [ -d "$src" ]; then
        say "Copying $name from folder $src ..."
        "stage_$kind" "$("${kind}_root" "$src")" "$label"
    elif [ -f "$src" ]; then
        if ! is_zip_file "$src"; then
            err "$label ($src) is neither a folder nor a zip file."
            return 1
        fi
        say "Unpacking $name from $src ..."
        mkdir -p "$WORK/unpacked"
        if ! unpack_zip "$src" "$WORK/unpacked"; then
            err "could not unpack $label ($src): damaged zip?"
            return 1
        fi
        "stage_$kind" "$("${kind}_root" "$WORK/unpacked")" "$label"
    else
        err "$label: $src does not exist."
        return 1
    fi
}

sst_fail_hint() {
    cat >&2 <<EOF
How to fix: get a copy of the treebank and point SST_SOURCE at it, e.g.
    SST_SOURCE=/path/to/$SST_NAME.zip sh get_datasets.sh
    SST_SOURCE=/path/to/folder-with-the-treebank-files sh get_datasets.sh
or download $SST_URL
by hand into $PROJECT_DIR/$DATA_DIR/ (keep the name $SST_NAME.zip)
and run this script again: it uses that zip instead of downloading.
EOF
}

get_sst() {
    local target="$DATA_DIR/$SST_NAME" local_zip="$DATA_DIR/$SST_NAME.zip"
    if [ -d "$target" ] && sst_complete "$target"; then
        say "Stanford Sentiment Treebank is already there: $target (nothing to do)."
        return 0
    fi
    new_work_dir
    if [ -n "${SST_SOURCE:-}" ]; then
        if ! from_source sst "$(absolute "$SST_SOURCE")" "SST_SOURCE=$SST_SOURCE"; then
            sst_fail_hint
            return 1
        fi
    elif [ -f "$local_zip" ]; then
        say "Found $local_zip (downloaded by hand?), using it."
        if ! from_source sst "$PROJECT_DIR/$local_zip" "$local_zip"; then
            sst_fail_hint
            return 1
        fi
    else
        if ! download "$SST_URL" "$WORK/$SST_NAME.zip"; then
            err "could not download the Stanford Sentiment Treebank" \
                "from $SST_URL ($DOWNLOAD_ERRORS)."
            sst_fail_hint
            return 1
        fi
        if ! from_source sst "$PROJECT_DIR/$WORK/$SST_NAME.zip" "the download from $SST_URL"; then
            sst_fail_hint
            return 1
        fi
    fi
    install_staged "$SST_NAME" "$target" "the treebank" || return 1
    say "Stanford Sentiment Treebank is ready in $target:"
    report_files "$target"
    if [ ! -s "$target/dictionary.txt" ]; then
        say "Note: dictionary.txt is not there; word2vec training does not need it" \
            "(only the sentence sentiment labels do)."
    fi
}

# --- PTB sentiment trees ----------------------------------------------------
ptb_problems() {  # ptb_problems TREESDIR
    local dir=$1 f bad=0 c
    for f in "${PTB_REQUIRED[@]}"; do
        if [ ! -f "$dir/$f" ]; then
            say "trees/$f is missing"; bad=1
        elif [ ! -s "$dir/$f" ]; then
            say "trees/$f is empty"; bad=1
        else
            c=$(head -c 1 "$dir/$f")
            if [ "$c" != "(" ]; then
                say "trees/$f does not look like PTB trees (first character is not '(')"
                bad=1
            fi
        fi
    done
    return $bad
}

ptb_complete() { ptb_problems "$1" >/dev/null; }

# ptb_root DIR : the folder inside DIR that holds train/dev/test.txt.
ptb_root() {
    if [ -d "$1/trees" ]; then
        printf '%s\n' "$1/trees"
    elif [ -d "$1/$PTB_NAME/trees" ]; then
        printf '%s\n' "$1/$PTB_NAME/trees"
    else
        printf '%s\n' "$1"
    fi
}

stage_ptb() {  # stage_ptb TREESDIR LABEL
    local dir=$1 label=$2 problems f
    if ! problems=$(ptb_problems "$dir"); then
        err "$label does not hold usable PTB trees ($dir):"
        list_problems "$problems"
        return 1
    fi
    mkdir -p "$WORK/$PTB_NAME/trees"
    for f in "${PTB_REQUIRED[@]}"; do
        cp -- "$dir/$f" "$WORK/$PTB_NAME/trees/$f"
    done
    chmod -R u+rwX "$WORK/$PTB_NAME"
    if ! problems=$(ptb_problems "$WORK/$PTB_NAME/trees"); then
        err "the copy of the PTB trees from $label failed verification:"
        list_problems "$problems"
        return 1
    fi
}

ptb_warn() {
    warn "$1"
    cat >&2 <<EOF
WARNING: continuing without the PTB trees. They are only needed for the
sentiment labels; word2vec training does not need them. To add them later,
run this script again with
    PTB_SOURCE=/path/to/$PTB_NAME.zip   (or a folder holding trees/)
or download $PTB_URL by hand into
$PROJECT_DIR/$DATA_DIR/ (keep the name $PTB_NAME.zip).
EOF
}

get_ptb() {
    local target="$DATA_DIR/$PTB_NAME" local_zip="$DATA_DIR/$PTB_NAME.zip"
    if [ -d "$target/trees" ] && ptb_complete "$target/trees"; then
        say "PTB sentiment trees are already there: $target/trees (nothing to do)."
        return 0
    fi
    new_work_dir
    if [ -n "${PTB_SOURCE:-}" ]; then
        if ! from_source ptb "$(absolute "$PTB_SOURCE")" "PTB_SOURCE=$PTB_SOURCE"; then
            cat >&2 <<EOF
How to fix: point PTB_SOURCE at $PTB_NAME.zip or at a folder holding
trees/{train,dev,test}.txt, or unset PTB_SOURCE to download
$PTB_URL instead.
EOF
            return 1
        fi
    elif [ -f "$local_zip" ]; then
        say "Found $local_zip (downloaded by hand?), using it."
        if ! from_source ptb "$PROJECT_DIR/$local_zip" "$local_zip"; then
            ptb_warn "$local_zip is not usable."
            return 0
        fi
    else
        if ! download "$PTB_URL" "$WORK/$PTB_NAME.zip"; then
            ptb_warn "could not download the PTB sentiment trees from $PTB_URL ($DOWNLOAD_ERRORS)."
            return 0
        fi
        if ! from_source ptb "$PROJECT_DIR/$WORK/$PTB_NAME.zip" "the download from $PTB_URL"; then
            ptb_warn "the download from $PTB_URL is not usable."
            return 0
        fi
    fi
    install_staged "$PTB_NAME" "$target" "the PTB trees" || return 1
    say "PTB sentiment trees are ready in $target/trees:"
    report_files "$target/trees"
}

# --- main -------------------------------------------------------------------
if ! get_sst; then
    exit 1
fi
if ! get_ptb; then
    exit 1
fi
say "Done: data sets are in $PROJECT_DIR/$DATA_DIR"
