"""``python -m rota``: the same as the ``rota`` command."""

import sys

from rota.cli import main

if __name__ == "__main__":
    sys.exit(main())
