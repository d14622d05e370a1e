"""``python -m lrwidget``: the ``lrwidget`` command (``lrwidget.cli``)."""

import sys

from lrwidget.cli import main

if __name__ == "__main__":
    sys.exit(main())
