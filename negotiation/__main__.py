"""``python -m negotiation``: the same command line as the ``negotiation`` script."""

import sys

from negotiation.cli import main

sys.exit(main())
