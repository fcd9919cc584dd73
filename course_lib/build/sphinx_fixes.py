"""A Sphinx extension for the book's HTML: works around one upstream bug readers would see.

With Jupyter Book 1 (Sphinx 7, sphinx-thebe 0.3, sphinx-togglebutton 0.4), the inline scripts
that extensions add while the builder starts end up twice in every page. Declaring
``const THEBE_JS_URL`` twice is a JavaScript error in every reader's console (and fails the
browser test). The two copies differ only in how they spell "no file" (``None`` or ``""``);
dropping such duplicates from the page's script list removes the error and nothing else.
"""

from __future__ import annotations


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for script in scripts:
            # the copies differ only in `filename`: None in one, "" in the other
            key = (script.filename or None, script.priority, tuple(sorted(script.attributes.items())))
            if key not in seen:
                seen.add(key)
                unique.append(script)
        context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
