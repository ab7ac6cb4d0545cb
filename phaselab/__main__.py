"""``python -m phaselab``: the same as the ``phaselab`` console script."""

import sys

from phaselab.cli.main import main

sys.exit(main())
