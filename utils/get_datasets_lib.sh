# shellcheck shell=bash
# The data sets get_datasets.sh installs: what they are, where they live,
# how a copy is checked, unpacked, downloaded and staged. Sourced by
# get_datasets.sh (which sets PYTHON, DATA_DIR, PROJECT_DIR and, per data
# set, WORK: its temporary folder); not meant to be run.

SST_NAME="stanfordSentimentTreebank"
PTB_NAME="trainDevTestTrees_PTB"
SST_URL="http://nlp.stanford.edu/~socherr/$SST_NAME.zip"
PTB_URL="http://nlp.stanford.edu/sentiment/$PTB_NAME.zip"
WS_URL="http://www.cs.technion.ac.il/~gabr/resources/data/wordsim353/wordsim353.zip"
SL_URL="https://fh295.github.io/SimLex-999.zip"
QW_URL="https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt"
# The benchmarks' second home: the copies in gensim's test data.
GENSIM_URL="https://raw.githubusercontent.com/piskvorky/gensim/4.3.3/gensim/test/test_data"
SST_REQUIRED=(datasetSentences.txt datasetSplit.txt sentiment_labels.txt)
SST_OPTIONAL=(README.txt SOStr.txt STree.txt dictionary.txt original_rt_snippets.txt)
PTB_FILES=(train.txt dev.txt test.txt)
BENCH_FILES=(wordsim353.tsv simlex999.txt questions-words.txt)
SST_HEADER=$'sentence_index\tsentence'
MAX_BYTES=$((64 * 1024 * 1024))      # per file: the largest real one is 8 MB
MAX_ZIP_BYTES=$((256 * 1024 * 1024))  # unpacked size of a zip

# known NAME: "<lines> <sha256>" of a file as Stanford ships it (the copy in the
# CS224N starter, see ../shared/data/README.md); "-" when no sha256 is known.
known() {
    case $1 in
        README.txt) echo "43 beff30caea91d73bceadf57b582e0a267ec0b153a57e1fa54cdfae0635cdcf10" ;;
        SOStr.txt) echo "11855 6135cedf169a822da93a6807b5655f99550d27e74a3e3961d20097ec2f764d37" ;;
        STree.txt) echo "11855 294534938c58070dbbc47d5edbc49b9ad0254f9af4814770b955688a8b1bf944" ;;
        datasetSentences.txt) echo "11856 f7ae959a5ff0565eb860c3f2e600dde118bcb49aee63df8fa9b9a806da235553" ;;
        datasetSplit.txt) echo "11856 ad567db10ae5275963f1ac3dd5ec21214b1d688c7aab582e2616ef4b3f970a5a" ;;
        original_rt_snippets.txt) echo "10605 7316ec27d131acf8d7251b8477e8365a154c98470c104adcc64ac173a53a3666" ;;
        sentiment_labels.txt) echo "239233 20cbb150106bf334304a6f2076644eb7e1d8e17c7cd3d2d347e72bcaa2b4d322" ;;
        dictionary.txt) echo "239232 -" ;;
        train.txt) echo "8544 e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7" ;;
        dev.txt) echo "1101 0e9336aed6e4730e19f58d00a77b3f0297efdb755f7b5e598c98a05e3f97ea40" ;;
        test.txt) echo "2210 6e54806dee95cf80cd918e7dfb3f6770f6df24bf826f289a4d1f709e1c8f6761" ;;
        *) return 1 ;;
    esac
}

# bench_info NAME: the benchmark's title, homes, accepted names and known form.
bench_info() {
    case $1 in
        wordsim353.tsv) B_TITLE="WordSim-353"; B_URL=$WS_URL; B_MEMBER=combined.tab; B_ROWS=353
            B_NAMES="wordsim353.tsv combined.tab wordsim353/combined.tab wordsim353.zip"
            B_SHA=f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d ;;
        simlex999.txt) B_TITLE="SimLex-999"; B_URL=$SL_URL; B_MEMBER=SimLex-999.txt; B_ROWS=999
            B_NAMES="simlex999.txt SimLex-999.txt SimLex-999/SimLex-999.txt SimLex-999.zip"
            B_SHA=d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d ;;
        *) B_TITLE="Google analogy set"; B_URL=$QW_URL; B_MEMBER=""; B_ROWS=19544
            B_NAMES="questions-words.txt"
            B_SHA=8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36 ;;
    esac
}


say()  { printf '%s\n' "$*"; }
note() { printf 'Note: %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
err()  { printf 'ERROR: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
list_problems() { printf '%s\n' "$1" | sed 's/^/  - /' >&2; }

# --- file checks ------------------------------------------------------------
sha256_of() {
    if have sha256sum; then sha256sum < "$1" | cut -d ' ' -f 1
    elif have shasum; then shasum -a 256 < "$1" | cut -d ' ' -f 1
    else "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

# file_problem FILE: says why FILE cannot be a data file (absent, a link,
# not a regular file, empty, too large) and fails; silent when it can.
file_problem() {
    local f=$1 name=${1##*/} size
    if [ -L "$f" ]; then say "$name is a symbolic link (to $(readlink "$f")): links are refused"; return 1; fi
    if [ ! -e "$f" ]; then say "$name is missing"; return 1; fi
    if [ ! -f "$f" ]; then say "$name is not a regular file (a folder, FIFO or device)"; return 1; fi
    size=$(wc -c < "$f" | tr -d ' ')
    if [ "$size" -eq 0 ]; then say "$name is empty"; return 1; fi
    if [ "$size" -gt "$MAX_BYTES" ]; then
        say "$name is $size bytes, far more than the real file: not this data set"; return 1
    fi
}

# known_problem FILE: compares a known file with the published release. A
# file of the right line count but another sha256 is accepted with a note
# (another release); a wrong line count or a cut last line is a problem.
known_problem() {
    local f=$1 name=${1##*/} info lines sha n
    info=$(known "$name") || return 0
    lines=${info% *}; sha=${info#* }
    if [ "$sha" != - ] && [ "$(sha256_of "$f")" = "$sha" ]; then return 0; fi
    n=$(awk 'END { print NR }' "$f")
    if [ "$n" != "$lines" ]; then
        say "$name is truncated or damaged: $n lines, the published file has $lines"; return 1
    fi
    if [ -n "$(tail -c 1 "$f")" ]; then say "$name is cut off (its last line has no line break)"; return 1; fi
    [ "$sha" = - ] || note "$name has the expected $lines lines but not the published sha256 (another release?)."
}

check_files() {  # check_files DIR NAME...: one line per problem; fails on any
    local dir=$1 f bad=0; shift
    for f in "$@"; do
        file_problem "$dir/$f" && known_problem "$dir/$f" || bad=1
    done
    return $bad
}

sst_problems() {  # sst_problems DIR
    local dir=$1 f bad=0 header
    check_files "$dir" "${SST_REQUIRED[@]}" || bad=1
    for f in "${SST_OPTIONAL[@]}"; do
        if [ -e "$dir/$f" ] || [ -L "$dir/$f" ]; then check_files "$dir" "$f" || bad=1; fi
    done
    if [ -f "$dir/datasetSentences.txt" ] && [ ! -L "$dir/datasetSentences.txt" ]; then
        IFS= read -r header < "$dir/datasetSentences.txt" || true
        header=${header%$'\r'}
        if [ "$header" != "$SST_HEADER" ]; then
            say "datasetSentences.txt does not start with the header line" \
                "'sentence_index<TAB>sentence' (found: '${header:0:60}')"; bad=1
        fi
    fi
    return $bad
}

ptb_problems() {  # ptb_problems TREESDIR
    local dir=$1 f bad=0
    check_files "$dir" "${PTB_FILES[@]}" || bad=1
    for f in "${PTB_FILES[@]}"; do
        if [ -f "$dir/$f" ] && [ ! -L "$dir/$f" ] && [ "$(head -c 1 "$dir/$f")" != "(" ]; then
            say "trees/$f does not look like PTB trees (first character is not '(')"; bad=1
        fi
    done
    return $bad
}

bench_problems() {  # bench_problems FILE NAME: the file of benchmark NAME
    local f=$1 counts
    file_problem "$f" || return 1
    bench_info "$2"
    [ "$(sha256_of "$f")" != "$B_SHA" ] || return 0
    # Official layouts too: '#' comments or one header line, then rows whose
    # 3rd (ours) or 4th (SimLex's own) tab-separated field is the score.
    counts=$(awk -v analogy="$([ "$2" = questions-words.txt ] && say 1)" '
        { sub(/\r$/, "") }
        analogy { if (/^: /) sections++; else if (NF == 4) rows++; else if (NF) bad++; next }
        /^#/ || !NF { next }
        { n = split($0, c, "\t"); num = "^-?[0-9]+([.][0-9]*)?$"
          if (n >= 3 && (c[3] ~ num || c[4] ~ num)) rows++; else if (rows || seen++) bad++ }
        END { printf "%d %d %d", rows, bad, sections }' "$f")
    set -- $counts "$2"
    if [ "$1" -ne "$B_ROWS" ] || [ "$2" -ne 0 ] || { [ "$4" = questions-words.txt ] && [ "$3" -ne 14 ]; }; then
        say "${f##*/} is not the whole $B_TITLE: $1 rows of $B_ROWS, $2 lines not in its format"
        return 1
    fi
    note "${f##*/} has all $B_ROWS rows of $B_TITLE in another layout than the known copy."
}

# --- zips and downloads -----------------------------------------------------
# unpack_zip ZIP DEST: refuses links, special files, paths leading out of
# DEST and oversized archives before writing anything.
unpack_zip() {
    if [ -z "$PYTHON" ]; then say "python3 is needed to unpack it and was not found"; return 1; fi
    "$PYTHON" - "$1" "$2" "$MAX_ZIP_BYTES" <<'PY'
import stat, sys, zipfile
path, dest, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
def fail(*lines):
    print("\n".join(lines))
    sys.exit(1)
try:
    zf = zipfile.ZipFile(path)
    members = zf.infolist()
except Exception as e:
    fail("it is not a readable zip file (%s)" % e)
bad = []
for m in members:
    kind, parts = stat.S_IFMT(m.external_attr >> 16), m.filename.replace("\\", "/").split("/")
    if m.filename.startswith(("/", "\\")) or ".." in parts or ":" in m.filename:
        bad.append("member %s leads out of the folder" % m.filename)
    elif kind == stat.S_IFLNK:
        target = zf.open(m).read(300).decode("utf-8", "replace")
        bad.append("member %s is a symbolic link (to %s)" % (m.filename, target))
    elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        bad.append("member %s is a special file (type %s)" % (m.filename, stat.filemode(kind)[0]))
if sum(m.file_size for m in members) > limit:
    bad.append("it unpacks to %d bytes, far more than this data set" % sum(m.file_size for m in members))
if bad:
    fail(*bad + ["a data set holds only plain files and folders: nothing was unpacked"])
try:
    zf.extractall(dest)
except OSError as e:
    fail("it could not be unpacked into %s: %s" % (dest, e))
except Exception as e:
    fail("it could not be unpacked: %s (a damaged zip?)" % e)
PY
}

# download URL OUT: one tool (curl, else wget); on failure DOWNLOAD_ERROR is
# the tool's own last message line.
download() {
    local url=$1 out=$2 log="$WORK/download.log" ok=0
    say "Downloading $url ..."
    if have curl; then
        curl -fsSL --retry 2 --connect-timeout 30 -o "$out" "$url" 2>"$log" && ok=1
    elif have wget; then
        wget -nv --tries=2 --timeout=30 -O "$out" "$url" 2>"$log" && ok=1
    else
        DOWNLOAD_ERROR="neither curl nor wget is installed"; return 1
    fi
    if [ $ok = 1 ]; then return 0; fi
    DOWNLOAD_ERROR=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)
    DOWNLOAD_ERROR=${DOWNLOAD_ERROR:-the download failed}
    rm -f -- "$out"
    return 1
}

# --- staging and installing -------------------------------------------------
sst_root() {  # the folder inside DIR holding the treebank files
    if [ ! -e "$1/datasetSentences.txt" ] && [ -d "$1/$SST_NAME" ]; then say "$1/$SST_NAME"; else say "$1"; fi
}
ptb_root() {
    if [ -d "$1/trees" ]; then say "$1/trees"
    elif [ -d "$1/$PTB_NAME/trees" ]; then say "$1/$PTB_NAME/trees"
    else say "$1"; fi
}

# stage KIND SRC LABEL: copies data set KIND (sst, ptb) from a folder or zip
# into $WORK/KIND, verified before and after the copy.
stage() {
    local kind=$1 src=$2 label=$3 root problems f
    if [ -f "$src" ]; then
        if [ "$(head -c 2 "$src")" != "PK" ]; then err "$label ($src) is neither a folder nor a zip file."; return 1; fi
        if ! problems=$(unpack_zip "$src" "$WORK/unpacked"); then
            err "cannot use $label ($src):"; list_problems "$problems"; return 1
        fi
        src="$WORK/unpacked"
    elif [ ! -d "$src" ]; then
        err "$label: $src does not exist (or is not a folder or zip file)."; return 1
    fi
    root=$("${kind}_root" "$src")
    if ! problems=$("${kind}_problems" "$root"); then
        err "$label is not usable ($root):"; list_problems "$problems"; return 1
    fi
    if [ "$kind" = sst ]; then set -- "${SST_REQUIRED[@]}" "${SST_OPTIONAL[@]}"; else set -- "${PTB_FILES[@]}"; fi
    for f in "$@"; do
        if [ -f "$root/$f" ]; then copy_file "$root/$f" "$WORK/$kind/$f" || return 1; fi
    done
    if ! problems=$("${kind}_problems" "$WORK/$kind" 2>/dev/null); then
        err "the copy of $label failed verification:"; list_problems "$problems"; return 1
    fi
}

# copy_file FILE COPY: a writable copy (links copied as links, so the check
# of the copy refuses a file swapped for a link meanwhile).
copy_file() {
    if mkdir -p "$(dirname "$2")" && cp -P -- "$1" "$2" && chmod u+rw "$2"; then return 0; fi
    err "could not copy $1 into $(dirname "$2") (the message above says why: a full disk?)."
    return 1
}

# install STAGED TARGET: moves the checked copy into place (renames within
# utils/datasets/); a damaged TARGET goes with $WORK.
install() {
    if { [ ! -e "$2" ] || mv -- "$2" "$WORK/replaced"; } && mkdir -p "$(dirname "$2")" \
        && mv -f -- "$1" "$2"; then
        return 0
    fi
    err "could not move $1 to $2 (the message above says why)."
    return 1
}

report_files() {
    local f
    for f in "$1"/*; do
        [ -f "$f" ] && printf '  %8s lines  %s\n' "$(wc -l < "$f" | tr -d ' ')" "${f#"$PROJECT_DIR"/}"
    done
    return 0
}
