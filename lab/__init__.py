"""The lab around the benches: what several benches share.

``lab.store`` indexes signed report packages in one results database (SQLAlchemy 2, Alembic
migrations; SQLite by default, PostgreSQL for a lab) and answers questions across campaigns;
``lab.liveview`` is ``flexbench serve``, the read-only web page of running campaigns and the store.
(The place a bench holds on a labgrid coordinator for its shared instruments is the bench's own
business: ``bench.places``.)
"""
