"""The web workspace (`westaudit serve`): an office uploads its workbook, reads its self-check, downloads its
reports and builds the package it sends up (docs/workspace.md).

    settings.py    where things are kept and how large an upload may be
    staging.py     an upload (workbook, zip or CSV files) turned into a package folder in the data folder
    selfcheck.py   the self-check of a staged package: store, receipt, downloads, what changed
    outcome.py     what the result page shows, built from the typed results (verdict, problems, duties)
    records.py     the workspace's own table of checks, beside the audit store (SQLAlchemy)
    submission.py  the zip an office sends to its supervisor
    app.py         the FastAPI application: routes, templates, limits

FastAPI and uvicorn are imported by app.py and the `serve` command only, so `westaudit --help` stays fast.
"""
