#!/usr/bin/env python
"""Nearest neighbours and analogies of saved vectors: ``python -m w2v explore``."""

import sys

from w2v.commands.explore import main

if __name__ == "__main__":
    sys.exit(main())
