"""The ``phaselab`` command line (:mod:`phaselab.cli.main`); every ``argparse`` parser of the package lives here.

One module per group of commands: :mod:`~phaselab.cli.data` (``phaselab data``),
:mod:`~phaselab.cli.movie`, :mod:`~phaselab.cli.demos` (``choir``, ``griffin-lim``),
:mod:`~phaselab.cli.site`, :mod:`~phaselab.cli.train` (``train``, ``evaluate``, ``predict``),
and :mod:`~phaselab.cli.ship` (``make model``'s last step).
"""
