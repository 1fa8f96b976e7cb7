"""``python -m w2v COMMAND ...``: the library's commands."""

import importlib
import os
import sys

COMMANDS = {
    "train": "train word vectors on your text (skip-gram or CBOW; neg, hs or softmax)",
    "evaluate": "score vectors on WordSim-353, SimLex-999 and Google's analogies",
    "explore": "nearest neighbours and analogies of saved vectors",
    "export": "vectors for the TensorFlow Embedding Projector, or to a word2vec file",
    "phrases": "join frequent bigrams with _ (word2phrase, gensim's Phrases), compiled",
}


def usage():
    lines = ["usage: python -m w2v COMMAND [options]   (python -m w2v COMMAND --help)", "",
             "commands:"]
    lines += ["  %-10s %s" % item for item in COMMANDS.items()]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print("%s\n\nerror: unknown command %r" % (usage(), name), file=sys.stderr)
        return 2
    command = importlib.import_module("w2v.commands." + name)
    # argparse's usage line names the command as it was typed.
    launcher = "w2v" if os.path.basename(sys.argv[0]) == "w2v" else "python -m w2v"
    sys.argv[0] = "%s %s" % (launcher, name)
    return command.main(rest)


if __name__ == "__main__":
    sys.exit(main())
