"""``devicecheck pilot``: a guided test of meeting and recording detection on one laptop.

gather (``runner.py``: every signal source, the Teams window's interface names, the
clients' data folders) -> judge (``steps.py``, ``learn.py``, ``uncovered.py``: pure)
-> show (``render.py``: the JSON report and the text table). No Qt outside ``runner.py``.
"""
