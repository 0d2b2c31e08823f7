"""Everything that writes markdown, CSV and figure files: the report layer.

* :mod:`~stochlim.report.tables` - the one markdown/CSV table formatter;
* :mod:`~stochlim.report.reproduce` - ``stochlim reproduce``: printed values against the corrected
  equations, the figures, and ``report.md`` assembled from the sections below;
* :mod:`~stochlim.report.verify`, :mod:`~stochlim.report.lim`, :mod:`~stochlim.report.coarse`,
  :mod:`~stochlim.report.optimal` - the sections (and, for ``stochlim coarse``, the tables and
  figure) of the Monte Carlo verification, the learning-in-memory optimiser, the coarse-graining
  check and the paper's update against the least work (with its figure);
* :mod:`~stochlim.report.control`, :mod:`~stochlim.report.fluctuations` - the files of
  ``stochlim optimize`` (protocol table, summary, figure) and the report of
  ``stochlim fluctuations`` (exact cumulants, sampled laws against the exact ones, figures).

The physics packages never import this one; it imports them. No function here selects a
matplotlib backend (the command line does).
"""
