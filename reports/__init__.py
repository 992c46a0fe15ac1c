"""Campaign record -> certification report package.

Entry points: :func:`reports.package.build_package` (everything below, signed),
:func:`reports.build.build_report` (``report.json`` + ``report.html`` + ``raw/``) and
:func:`reports.build.verdict_inputs` (what :func:`bench.verdicts.campaign_verdict` judges).

Modules: ``record`` (reading the record), ``model`` (the verdict vocabulary), ``content`` and
``evidence`` (ISO/IEC 17025 7.8 content, wire-trace excerpts, raw data), ``build`` (the report
dict, canonical JSON), ``validate`` (schema check against ``schema/report-2.schema.json``),
``plotting`` (every evidence plot as one scene, drawn by ``svg`` for the HTML and ``plot_pdf`` for
the PDF), ``html`` with ``html_evidence`` and ``html_nav`` (the self-contained HTML: evidence,
contents, anchors), ``pdf`` (the printable report), ``chromium`` (the HTML as a browser renders it),
``integrity`` (SHA-256 manifest, Ed25519 signature, verification), ``diff`` (report vs report),
``cli`` (``flexbench verify``, ``diff``, ``keygen``).
"""
