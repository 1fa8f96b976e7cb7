"""Reading the data sets' text files: regular UTF-8 files of bounded size, line by line.

Shared by the treebank reader (utils/treebank.py) and the label readers
(utils/labels.py, utils/label_files.py); every error is a DatasetError saying
which file (and line) and what to do.
"""

import os
import shlex

from w2v.infra.fileio import RefusedFileError, read_regular

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FILE_BYTES = 1 << 30  # largest data file read (Stanford's largest is 11 MB)


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message says where and why."""


def get_datasets_command():
    """The command that fetches the data, as typed from the current folder.

    ``sh get_datasets.sh`` in the project folder, the script's full path elsewhere.
    """
    try:
        here = os.path.samefile(os.getcwd(), PROJECT_ROOT)
    except OSError:
        here = False
    return "sh " + ("get_datasets.sh" if here
                    else shlex.quote(os.path.join(PROJECT_ROOT, "get_datasets.sh")))


def get_data_hint():
    """What to do about a missing treebank file."""
    return ("run `%s` to get it (or name the folder that holds it: run.py --data DIR,"
            " train.py --sst DIR)" % get_datasets_command())


def numbered_lines(path, what, hint=None):
    """All lines of a UTF-8 text file as ``(line_number, text)``, 1-based as an editor shows.

    Only a regular file of at most MAX_FILE_BYTES is read. Raises
    DatasetError naming the file when it is missing (with ``hint``, how to get
    it; by default ``get_data_hint()``), not a regular file, too large or
    unreadable, and the file and line for bytes that are not UTF-8.
    """
    try:
        raw = read_regular(path, MAX_FILE_BYTES, what)
    except (FileNotFoundError, NotADirectoryError):
        raise DatasetError("%s %s was not found; %s"
                           % (what, path, hint or get_data_hint())) from None
    except RefusedFileError as err:
        raise DatasetError(str(err)) from None
    except OSError as err:
        raise DatasetError("%s %s could not be read (%s)"
                           % (what, path, err.strerror or err)) from None
    lines = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            lines.append((number, line.decode("utf-8")))
        except UnicodeDecodeError as err:
            raise DatasetError("%s:%d: bytes that are not UTF-8 (%s); expected a UTF-8"
                               " text file as Stanford ships it"
                               % (path, number, err.reason)) from None
    return lines


def read_records(path, what, is_record, expected):
    """The records of a dataset file, as ``(line_number, text)``: header and blank lines out.

    The first line is the header unless ``is_record(text)`` says it is a
    record (a file saved without its header keeps its first record); every
    other non-blank line must be a record, or DatasetError says
    ``path:line: expected <expected>``. Raises DatasetError too when the file
    is missing, not UTF-8 or holds no record.
    """
    lines = numbered_lines(path, what)
    records = []
    for number, text in (lines if lines and is_record(lines[0][1]) else lines[1:]):
        if not text.strip():
            continue
        if not is_record(text):
            raise DatasetError("%s:%d: expected %s, got %r" % (path, number, expected, text[:60]))
        records.append((number, text))
    if not records:
        raise DatasetError("%s: the file is empty (expected a header line and one line per"
                           " sentence); %s." % (path, get_data_hint()))
    return records
