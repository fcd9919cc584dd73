"""The project's promises about itself: packaging in sync, two README commands, notebook rules."""

import re
import tomllib

import nbformat
import pytest
import yaml

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def _requirement_names(requirements):
    return {re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower(): req for req in requirements}


def test_environment_yml_installs_what_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["book"] + \
        project["optional-dependencies"]["test"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    listed = [req for req in pip_section if not req.startswith("-e")]
    assert sorted(listed) == sorted(declared)
    assert "-e ." in pip_section
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_stack_is_the_one_the_user_fixed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = _requirement_names(project["dependencies"] + project["optional-dependencies"]["book"])
    assert names["jupyter-book"] == "jupyter-book>=1.0.4.post1,<2"
    assert {"tensorflow", "keras", "numpy", "matplotlib", "papermill"} <= set(names)


def test_readme_commands_are_makefile_targets_and_ci_runs_make_test():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    commands = set(re.findall(r"^\s*make (\w+)", readme, flags=re.M))
    assert {"book", "test"} <= commands
    for target in commands:
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"README's `make {target}` has no target"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)
    assert re.search(r"^make nbval BACKEND=jax$", ci, flags=re.M)  # the chapters on JAX too


def test_every_toc_chapter_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = re.findall(r"file: (\S+)", (ROOT / "_toc.yml").read_text()) + [toc["root"]]
    for name in files:
        assert (ROOT / f"{name}.md").is_file() or (ROOT / f"{name}.ipynb").is_file(), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_book_rules(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    import papermill

    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be `parameters`"
    for line in code[0].source.splitlines():
        if line.strip():
            assert re.match(r"^\w+: \w+(\[.*\])? = .+  # \S", line), f"untyped or uncommented knob: {line!r}"
    declared = {line.split(":")[0] for line in code[0].source.splitlines() if line.strip()}
    assert set(papermill.inspect_notebook(str(path))) == declared, "papermill must see every knob"
    assert all(c.execution_count for c in code), "committed with outputs (run `make refresh`)"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    for cell in code:
        if "glue(" in cell.source:
            assert "nbval-ignore-output" in cell.metadata.get("tags", []), "glue cells are not compared"
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in code)
    wide = [line for c in code for line in c.source.splitlines() if len(line) > 88]
    assert not wide, f"code lines over 88 columns scroll off the page: {wide}"
    for cell in code:
        if any("image/png" in output.get("data", {}) for output in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert alt.strip(), f"a figure without alt text: {cell.source[:80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_console_noise_or_run_timing(path):
    notebook = nbformat.read(path, as_version=4)
    stderr = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.get("name") == "stderr"]
    assert not stderr, "TensorFlow's start-up log belongs to no reader (make refresh strips it)"
    assert "seconds" not in notebook.metadata.get("course_lib", {})  # book/recorded_run/timings.json has it


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_run_folder_is_not_a_knob_of_any_chapter(path):
    """The runner tells a kernel its run folder and lesson mode through the environment
    (course_lib.run_context): the parameters a reader sees are knobs a reader may turn."""
    import papermill

    notebook = nbformat.read(path, as_version=4)
    assert not {"run_folder", "report_lessons"} & set(papermill.inspect_notebook(str(path)))
    assert not re.search(r"\b(run_folder|report_lessons)\b", "\n".join(visible_code(notebook)))


def test_both_convnets_of_chapter_11_reach_the_comparison_page():
    from course_lib import results
    from course_lib.comparison import rows

    recorded = results.load_results(ROOT / "book" / "recorded_run")
    for task in ("reviews", "weather"):
        assert ("11_conv1d", "Conv1D") in {(r.chapter, r.model) for r in rows(recorded, task)}
    page = nbformat.read(ROOT / "book" / "13_comparison.ipynb", as_version=4)
    tables = [o["text"] for c in page.cells if c.cell_type == "code" for o in c.outputs
              if o.get("name") == "stdout" and "parameters" in o.get("text", "")]
    assert len(tables) == 2 and all("Conv1D (ch. 11)" in table for table in tables)


def test_nbval_checks_the_chapters_on_another_kernel_path_than_the_refresh():
    """`make refresh` writes outputs with TensorFlow's default kernels; `make nbval` must
    re-execute with oneDNN off and one thread, so a round-off-dependent output fails here."""
    makefile = (ROOT / "Makefile").read_text()
    nbval = re.search(r"^nbval:.*\n\t(.+)$", makefile, flags=re.M).group(1)
    assert nbval.startswith("env $(OTHER_KERNEL_PATH) ")
    assert "course-lib kernel-path onednn-off" in makefile  # tests/test_lessons.py: its values
    from course_lib.lessons import KERNEL_PATHS

    other_path = KERNEL_PATHS["onednn-off"]
    assert other_path["TF_ENABLE_ONEDNN_OPTS"] == "0" and other_path["TF_NUM_INTRAOP_THREADS"] == "1"
    refresh = re.search(r"^refresh:.*\n\t(.+)$", makefile, flags=re.M).group(1)
    assert "ONEDNN" not in refresh


def test_make_test_runs_every_suite_and_nbval_trains_each_model_once():
    """`make test` runs its suites at once: each must still be there, the book must be built
    before the browser opens it, and nbval must recall other chapters' models from the
    committed run (course_lib.results.recall_folder) rather than train them again."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert all(suite in recipe for suite in ("unit-test", "nbval", "browser-check")), recipe
    assert re.search(r"^browser-check: book-check$", makefile, flags=re.M)
    nbval = re.search(r"^nbval:.*\n\t(.+)$", makefile, flags=re.M).group(1)
    assert "COURSE_LIB_RECALL_FROM=$(CURDIR)/book/recorded_run " in nbval
    assert "--no-loadscope-reorder" in makefile  # keeps conftest's longest-first order


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glued_values_are_pasted_as_text(path):
    """`{glue:}` pastes a value's repr, so a glued string reads 'beats' with its quotes in the
    book; `{glue:text}` pastes the value itself."""
    notebook = nbformat.read(path, as_version=4)
    prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "{glue:}`" not in prose


def test_every_course_lib_run_command_in_the_book_names_real_chapters_and_parameters():
    """The "other things to try" and the tips are commands a student copies: each must name a
    chapter that exists and parameters that chapter declares."""
    import papermill

    commands = []
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        commands += re.findall(r"course-lib run [^`\n]*--chapter [^`\n]*", text)
    assert len(commands) >= len(NOTEBOOKS) + 5, commands  # a tip per chapter, five experiments
    for command in commands:
        chapter = re.search(r"--chapter (\S+)", command).group(1)
        assert (ROOT / "book" / f"{chapter}.ipynb").is_file(), command
        declared = papermill.inspect_notebook(str(ROOT / "book" / f"{chapter}.ipynb"))
        for name in re.findall(r"-p (\w+)=", command):
            assert name in declared, f"{command}: {chapter} has no parameter {name!r}"


def test_quoted_library_code_fits_a_code_cell():
    """``{literalinclude}`` with ``:pyobject:`` shows a library function on the page: its lines
    must fit the 88 columns a rendered code cell shows."""
    import ast

    quoted = 0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        for module, name in re.findall(
                r"```\{literalinclude\}\s+\.\./(\S+)\n(?::\w+: .*\n)*?:pyobject: (\w+)", text):
            source = (ROOT / module).read_text()
            node = next(n for n in ast.walk(ast.parse(source))
                        if isinstance(n, ast.FunctionDef) and n.name == name)
            lines = source.splitlines()[node.lineno - 1:node.end_lineno]
            assert max(map(len, lines)) <= 88, f"{module}:{name} is wider than 88 columns"
            quoted += 1
    assert quoted >= 3  # lstm_forward, gru_forward, standardize_review


def test_cells_that_glue_are_hidden_from_the_reader():
    """Glue is the book's machinery, not the lecture: such a cell is removed from the page
    (nbval still executes it) and its output, a training figure, is not compared."""
    glued = 0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "glue(" in cell.source:
                tags = set(cell.metadata.get("tags", []))
                assert {"remove-cell", "nbval-ignore-output"} <= tags, (path.name, cell.source[:60])
                glued += 1
    assert glued >= 20


MACHINERY = re.compile(r"glue\(|\brun_folder\b|\breport_lessons\b|architecture\(|\.record\(|"
                       r"record_baseline\(|(?<![\w.])check\(")


def visible_code(notebook) -> list[str]:
    """The code cells a reader of the rendered page sees."""
    return [c.source for c in notebook.cells if c.cell_type == "code"
            and not {"remove-cell", "remove-input"} & set(c.metadata.get("tags", []))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_page_shows_the_lecture_and_hides_the_machinery(path):
    """A reader sees the models, the data and the `fit` calls; the cells that glue numbers into
    the prose, record results, compare a model with the library's builder or keep lesson
    margins are removed from the page (nbval still runs them)."""
    notebook = nbformat.read(path, as_version=4)
    shown = visible_code(notebook)
    leaks = [match.group(0) for source in shown for match in MACHINERY.finditer(source)]
    assert not leaks, f"machinery in a visible cell: {leaks}"
    everything = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    if re.search(r"\.record\(", everything):  # a chapter that trains a model
        assert any(".fit(" in source for source in shown), "no visible `fit` call"


def test_the_machinery_check_finds_a_leak():
    leaky = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'check("simple_rnn_learns", margin)\ntask.record("04", run)')])
    assert len(MACHINERY.findall(visible_code(leaky)[0])) == 2
    leaky.cells[0].metadata["tags"] = ["remove-cell"]
    assert visible_code(leaky) == []


OUTPUT_COLUMNS = 78  # what a printed line may hold before its box on the page scrolls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_their_box_on_the_page(path):
    """The rendered output box is narrower than the code cell: a longer printed line makes the
    reader scroll sideways (the browser test measures the pages; this finds it before a build)."""
    notebook = nbformat.read(path, as_version=4)
    wide = [line for cell in notebook.cells if cell.cell_type == "code"
            and "remove-cell" not in cell.metadata.get("tags", [])
            for output in cell.outputs if output.get("output_type") == "stream"
            for line in output["text"].splitlines() if len(line) > OUTPUT_COLUMNS]
    assert not wide, f"printed lines wider than {OUTPUT_COLUMNS} columns: {wide}"


BUILDERS = {"recurrent_classifier", "recurrent_regressor", "conv_regressor"}


def _xla_set_up(notebook) -> tuple[list[str], list[str], int]:
    """Where a chapter's code handles XLA: the ``reproducible`` calls that pass the chapter's
    ``jit_compile``, the ``.compile`` and course_lib builder calls that name ``jit_compile``
    at all, and how many lines of the code a reader sees mention it, the parameters cell
    aside."""
    import ast

    set_up, naming, visible = [], [], 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        if "remove-cell" not in cell.metadata.get("tags", []):
            visible += sum("jit_compile" in line for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            passed = {k.arg: k.value for k in node.keywords}
            line = ast.get_source_segment(cell.source, node).splitlines()[0]
            if name == "reproducible":
                value = passed.get("jit_compile")
                if isinstance(value, ast.Name) and value.id == "jit_compile":
                    set_up.append(line)
            elif name in BUILDERS | {"compile"} and "jit_compile" in passed:
                naming.append(line)
    return set_up, naming, visible


def test_a_chapter_states_its_xla_choice_once_and_every_model_follows_it():
    """A chapter's ``jit_compile`` is a knob of its parameters cell, applied once, by its
    set-up (``reproducible``, in a cell hidden from the page: run machinery), and no
    ``compile`` or builder call names it: every model then follows the set-up (tested in
    tests/test_library.py), so the full profile, which sets it in every chapter that has it,
    still compiles every model's steps with XLA, and the quick profile none."""
    from course_lib.build.planner import declared_parameters, load_profiles

    full = load_profiles(ROOT)["full"]
    with_switch = []
    for path in sorted((ROOT / "book").glob("[0-9]*.ipynb")):
        if "jit_compile" not in declared_parameters(ROOT, path.stem):
            continue
        with_switch.append(path.stem)
        set_up, naming, visible = _xla_set_up(nbformat.read(path, as_version=4))
        assert (len(set_up), naming, visible) == (1, [], 0), path.stem  # set up in a hidden cell
        assert full[path.stem].get("jit_compile") is True, path.stem
    assert len(with_switch) == 9, with_switch  # chapters 4 to 12


def _seedings_again_before_fit(notebook) -> list[str]:
    """The seedings a chapter's code does again before a ``fit``: a second seeding in a cell
    with no ``fit`` since the first, or one whose next statement (a timer aside) is the
    ``fit``. Each model is seeded once, before it is built; its ``fit`` starts from the
    chapter's seed by the set-up (``training.fits_start_from``)."""
    again = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        lines = [line for line in cell.source.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        seeded = False
        for number, line in enumerate(lines):
            if "set_random_seed(" in line:
                following = [later for later in lines[number + 1:number + 3]
                             if "EpochTimer()" not in later][:1]
                if seeded or any(".fit(" in later for later in following):
                    again.append(line.strip())
                seeded = True
            if ".fit(" in line:
                seeded = False
    return again


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if re.match(r"0[3-9]|1[0-2]", p.name)],
                         ids=lambda p: p.name)
def test_a_chapter_seeds_each_model_it_trains_once(path):
    """The set-up seeds every ``fit``, so the page seeds a model once, before building it."""
    assert _seedings_again_before_fit(nbformat.read(path, as_version=4)) == []


def test_the_seeding_check_finds_a_seeding_before_fit():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "keras.utils.set_random_seed(seed)\nmodel = build()\n"
        "keras.utils.set_random_seed(seed)  # again\ntimer = EpochTimer()\n"
        "history = model.fit(x, y)\nkeras.utils.set_random_seed(seed)\nother = build()")])
    assert _seedings_again_before_fit(notebook) == ["keras.utils.set_random_seed(seed)  # again"]


def test_the_xla_check_finds_a_model_that_names_its_own_setting():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("jit_compile: bool = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("reproducible(seed, jit_compile=jit_compile)\n"
                                  "model.compile(loss='mae')\n"
                                  "other = recurrent_regressor(3, jit_compile=True)\n"
                                  "pattern = re.compile('x')"),
    ])
    assert _xla_set_up(notebook) == (["reproducible(seed, jit_compile=jit_compile)"],
                                     ["recurrent_regressor(3, jit_compile=True)"], 2)
