"""Build helpers behind ``installer/build.py``: freezing, the .deb, the MSI, and the
generated IT artefacts (Group Policy templates, policy reference, Intune rules, macOS
profile). Every generated file is made from ``devicecheck.policy.schema.LEAVES`` so the
templates can never name a setting the app does not read."""
