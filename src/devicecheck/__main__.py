"""``python -m devicecheck``: the same entry point as the ``devicecheck`` script."""

import sys

from devicecheck.cli import main

sys.exit(main())
