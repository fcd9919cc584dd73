"""The build wing of ``course_lib``: the tools that execute, cache, time and rehearse the book.

``runner`` executes the chapters with papermill (per profile, refreshed in place or into a run
folder), ``execution_cache`` decides which chapters a run can reuse, ``cli`` is the
``course-lib`` command, ``lab`` prepares the JupyterLab copies, ``rehearsal`` and ``estimate``
run the full profile on stand-in datasets, and ``sphinx_fixes`` is a Sphinx extension the book's
``_config.yml`` loads.

No chapter imports these modules, and the teaching library (every other module of
``course_lib``) never imports this package (``tests/test_layout.py``). The build wing starts
the kernels in which the chapters import the teaching library.
"""
