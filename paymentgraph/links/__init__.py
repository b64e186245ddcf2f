"""Links join entities of different modules; see :mod:`paymentgraph.links.definition`."""
