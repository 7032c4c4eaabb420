"""``python -m maladmin_nlp``: the ``maladmin-nlp`` command line (see :mod:`maladmin_nlp.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
