"""The build wing of ``course_lib``: the tools that execute, cache, time and rehearse the book.

``runner`` executes the chapters (per profile, refreshed in place or into a run folder): it
carries out what ``planner`` decides (parameters, order, reuse; pure, no kernel), with
``kernel`` executing each chapter in its own kernel (papermill), ``notebooks`` tidying and
committing what they wrote, and ``execution_cache`` keying what a run can reuse. ``cli`` is the
``course-lib`` command, ``lab`` prepares the JupyterLab copies, ``rehearsal`` and ``estimate``
run the full profile on stand-in datasets, and ``sphinx_fixes`` is a Sphinx extension the book's
``_config.yml`` loads.

No chapter imports these modules, and the teaching library (every other module of
``course_lib``) never imports this package (``tests/test_layout.py``). The build wing starts
the kernels in which the chapters import the teaching library; both find a run folder's files
through ``course_lib.run_folder``, in the teaching wing.
"""
