"""Reports: the period report (computation, narrative, charts and rendering to HTML, XLSX and JSON)."""
