"""The notebook series itself.

- ``chapters``: ``CHAPTERS`` (order, needs, times), ``quick`` (the quick mode of ``PHASELAB_QUICK``)
- ``exercises``: ``EXERCISES``, with their checks in ``solutions_signal`` (01-03) and ``solutions_networks`` (04-06)
- ``site``: ``build_site`` (the book: Sphinx + MyST-NB, offline from ``file://``)
"""
