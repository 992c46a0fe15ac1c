"""``flexbench serve``: a read-only web page of the lab (docs/live-view.md).

:mod:`lab.liveview.tail` follows a record as it grows, :mod:`lab.liveview.campaigns` finds campaign
folders and keeps what the page shows of each, :mod:`lab.liveview.results` answers the results-store
panel from :mod:`lab.store`, :mod:`lab.liveview.app` is the Starlette application (GET routes only,
server-sent events) and ``static/`` the page itself (plain JavaScript and inline SVG, nothing external).
"""
