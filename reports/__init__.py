"""Campaign record -> certification report (``report.json``, ``report.html``).

Entry points: :func:`reports.build.build_report`, :func:`reports.build.campaign_verdict` and
:data:`reports.build.EXIT_CODES`. Modules: ``record`` (reading the record), ``model`` (verdict
aggregation), ``build`` (the report dict, canonical JSON), ``validate`` (schema check against
``schema/report-1.schema.json``), ``html`` and ``svg`` (the self-contained HTML with plots).
"""
