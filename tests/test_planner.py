"""The planner: what a run executes, with which parameters, in which order, and what it reuses,
decided without a kernel (course_lib.build.planner)."""

import ast

import nbformat
import pytest
import yaml

from course_lib.build.planner import (Schedule, chapter_dependencies, chapter_order,
                                      chapters_without, declared_parameters, find_root,
                                      list_chapters, load_profiles, longest_remaining_seconds,
                                      plan_run)
from tests.conftest import ROOT


def _book(tmp_path, chapters, parameters="seed: int = 0  # seed"):
    """A book of toy chapters, ``{name: course_lib metadata}``, in table-of-contents order,
    each with one parameters cell, and a quick profile that overrides nothing."""
    root = tmp_path / "course"
    (root / "book").mkdir(parents=True)
    toc = {"format": "jb-book", "root": "book/intro",
           "chapters": [{"file": f"book/{name}"} for name in chapters]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    (root / "book" / "intro.md").write_text("# A book\n")
    (root / "book" / "profiles.yml").write_text("quick: {}\n")
    for name, metadata in chapters.items():
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        notebook = nbformat.v4.new_notebook(cells=[cell], metadata={
            "course_lib": metadata, "kernelspec": {"name": "python3", "language": "python",
                                                   "display_name": "Python 3"}})
        nbformat.write(notebook, root / "book" / f"{name}.ipynb")
    return root


def test_chapters_come_from_the_table_of_contents():
    chapters = list_chapters(ROOT)
    assert chapters[0] == "01_recap"
    assert "intro" not in chapters  # a markdown page, nothing to execute


@pytest.mark.parametrize("profile", sorted(load_profiles(ROOT)))
def test_every_profile_names_real_parameters_with_compatible_types(profile):
    plan = plan_run(ROOT, profile)
    assert [name for name, _ in plan] == list_chapters(ROOT)


def test_quick_profile_overrides_nothing():
    assert all(parameters == {} for _, parameters in plan_run(ROOT, "quick"))


def test_the_planner_reads_every_chapters_parameters_as_papermill_does():
    """The planner parses the parameters cell itself (it imports no papermill); papermill
    injects the values, so both must see the same names and types."""
    import papermill

    for chapter in list_chapters(ROOT):
        path = ROOT / "book" / f"{chapter}.ipynb"
        assert declared_parameters(ROOT, chapter) == papermill.inspect_notebook(str(path)), chapter


@pytest.mark.parametrize("source", [
    "units: int = 32  # units of the layer",
    "rate: float = 1e-3  # learning rate",
    "sizes: list[int] = [16, 32]  # a list",
    "name: 'str' = \"sample\"  # a quoted annotation",
    "steps = 3  # type: int the step count",
    "ratio = 0.5",
    "label: str = \"°C\"  # a non-ASCII default",
])
def test_a_parameters_line_reads_as_papermill_reads_it(tmp_path, source):
    import papermill

    root = _book(tmp_path, {"01_x": {}}, parameters=source)
    assert declared_parameters(root, "01_x") == papermill.inspect_notebook(
        str(root / "book" / "01_x.ipynb"))


def test_a_parameters_cell_that_is_not_python_is_refused_naming_the_chapter(tmp_path):
    root = _book(tmp_path, {"01_x": {}}, parameters="units: int = = 3")
    with pytest.raises(ValueError, match="Chapter '01_x': its parameters cell is not Python"):
        plan_run(root, "quick")


def _lecture_settings():
    return yaml.safe_load((ROOT / "book" / "lecture_settings.yml").read_text())


def _full_profile_values(chapter):
    """What a chapter runs with under the full profile: the profile's value, else its default."""
    defaults = {name: ast.literal_eval(spec["default"])
                for name, spec in declared_parameters(ROOT, chapter).items()}
    return {**defaults, **dict(plan_run(ROOT, "full", [chapter]))[chapter]}


@pytest.mark.parametrize("chapter", sorted(_lecture_settings()))
def test_the_full_profile_runs_each_chapter_with_the_lectures_settings(chapter):
    runs_with = _full_profile_values(chapter)
    differences = {name: (runs_with.get(name, "not a parameter"), lecture)
                   for name, lecture in _lecture_settings()[chapter].items()
                   if runs_with.get(name, "not a parameter") != lecture}
    assert not differences, f"{chapter}: full profile vs the lecture (name: (full, lecture)): {differences}"


def test_a_derived_profile_takes_the_lectures_values_and_shared_settings_where_declared(tmp_path):
    root = _book(tmp_path, {"01_a": {}, "02_b": {}, "03_c": {}})
    switch = nbformat.v4.new_code_cell("seed: int = 0  # seed\njit_compile: bool = False  # XLA",
                                       metadata={"tags": ["parameters"]})
    nbformat.write(nbformat.v4.new_notebook(cells=[switch], metadata={"course_lib": {}}),
                   root / "book" / "02_b.ipynb")
    (root / "book" / "lecture_settings.yml").write_text("01_a:\n  seed: 7\n02_b:\n  seed: 8\n")
    (root / "book" / "profiles.yml").write_text(
        "quick: {}\nfull:\n  lecture_settings: true\n  every_chapter:\n    jit_compile: true\n")
    assert load_profiles(root)["full"] == {"01_a": {"seed": 7},
                                           "02_b": {"seed": 8, "jit_compile": True}}
    assert dict(plan_run(root, "full")) == {
        "01_a": {"seed": 7}, "02_b": {"seed": 8, "jit_compile": True}, "03_c": {}}
    (root / "book" / "profiles.yml").write_text(
        "full:\n  lecture_settings: true\n  01_a:\n    seed: 1\n")
    with pytest.raises(ValueError, match=r"Profile 'full' derives .* Received: \['01_a'\]"):
        load_profiles(root)


# Full-profile settings that choose how the steps run, not what is trained: the lecture's Keras
# had no such switch, so its table cannot vouch for them.
HOW_NOT_WHAT = {"jit_compile"}


def test_the_full_profile_sets_nothing_the_lecture_table_does_not_vouch_for():
    lecture = _lecture_settings()
    unvouched = {chapter: sorted(set(overrides) - set(lecture.get(chapter, {})) - HOW_NOT_WHAT)
                 for chapter, overrides in load_profiles(ROOT)["full"].items()}
    assert not any(unvouched.values()), unvouched


@pytest.mark.parametrize("kwargs, message", [
    (dict(profile="fast"), r"Unknown profile. Received: profile='fast'. Valid: \['full', 'quick'\]"),
    (dict(profile="quick", chapters=["99_nope"]), r"Unknown chapters. Received: chapters=\['99_nope'\]. Valid: \['01_recap'"),
    (dict(profile="quick", chapters=[]), r"Unknown chapters. Received: chapters=\[\]"),
    (dict(profile="quick", overrides={"epochz": 3}),
     r"No selected chapter has a parameter 'epochz'. Received: epochz=3. Valid: \[.*'units'"),
    (dict(profile="quick", chapters=["01_recap"], overrides={"epochs": 3}),
     r"No selected chapter has a parameter 'epochs'. Received: epochs=3. Valid: \['batch_size'"),
    (dict(profile="quick", overrides={"run_folder": "/tmp/elsewhere"}),  # the runner's own
     r"No selected chapter has a parameter 'run_folder'. Received: run_folder='/tmp/elsewhere'"),
    (dict(profile="quick", overrides={"report_lessons": True}),
     r"No selected chapter has a parameter 'report_lessons'. Received: report_lessons=True"),
    (dict(profile="quick", overrides={"units": "many"}),
     r"parameter `units` must be of type int. Received: units='many'"),
    (dict(profile="quick", overrides={"units": True}),
     r"parameter `units` must be of type int. Received: units=True"),
])
def test_bad_names_and_types_are_refused_before_running(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_run(ROOT, **kwargs)


def test_an_override_applies_to_every_chapter_that_declares_it():
    plan = plan_run(ROOT, "quick", overrides={"seed": 1})
    seeded = [name for name, parameters in plan if parameters.get("seed") == 1]
    assert "07_forecasting" in seeded and "01_recap" in seeded
    assert chapters_without(plan, {"seed": 1})["seed"] == ["13_comparison", "errata"]


def test_find_root_outside_the_book_is_a_clear_error(tmp_path):
    with pytest.raises(OSError, match="No _toc.yml found"):
        find_root(tmp_path)


def test_dependencies_come_from_notebook_metadata():
    needs = chapter_dependencies(ROOT, list_chapters(ROOT))
    assert needs["06_gru"] == {"04_simple_rnn", "05_lstm"}
    assert needs["13_comparison"] == set(list_chapters(ROOT)) - {"13_comparison"}
    assert chapter_dependencies(ROOT, ["06_gru"]) == {"06_gru": set()}  # run alone: computes its own


def test_a_dependency_cycle_is_refused_not_waited_on(tmp_path):
    root = _book(tmp_path, {"01_a": {"after": ["02_b"]}, "02_b": {"after": ["01_a"]}, "03_c": {}})
    needs = chapter_dependencies(root, list_chapters(root))
    with pytest.raises(ValueError, match=r"Chapters wait on each other in a cycle: \['01_a', '02_b'\]"):
        Schedule(needs)
    with pytest.raises(ValueError, match="cycle"):
        chapter_order(needs)
    Schedule(chapter_dependencies(root, ["01_a", "03_c"]))  # without 02_b, no cycle


def test_long_chains_start_first_when_timings_are_known():
    needs = {"a": set(), "b": set(), "c": {"b"}, "z": {"a", "b", "c"}}
    chains = longest_remaining_seconds(needs, {"a": 50, "b": 10, "c": 60, "z": 5})
    assert chains == {"a": 55, "b": 75, "c": 65, "z": 5}  # b first: c waits on it
    assert set(longest_remaining_seconds(needs, {}).values()) == {0.0}  # unknown: book order


def _never(name):
    raise AssertionError(f"asked whether {name} can be reused")


def _run(schedule, reusable, jobs):
    """Drive a schedule as the runner does, finishing the chapters in the order they started:
    the steps taken, as (reused, started) pairs."""
    steps, running = [], []
    while schedule.active:
        step = schedule.next(reusable, jobs - len(running))
        steps.append((step.reused, step.started))
        running += step.started
        if running:
            schedule.done(running.pop(0))
    return steps


def test_the_longest_chain_starts_first_and_no_more_than_the_free_slots():
    needs = {"a": set(), "b": set(), "c": {"b"}, "z": {"a", "b", "c"}}
    schedule = Schedule(needs, {"a": 50, "b": 10, "c": 60, "z": 5}, reuse=False)
    assert schedule.next(_never, 1).started == ["b"]
    assert schedule.next(_never, 0).started == []  # no slot free while b runs
    schedule.done("b")
    assert schedule.next(_never, 2).started == ["c", "a"]


def test_without_timings_chapters_start_in_book_order():
    steps = _run(Schedule({"a": set(), "b": set(), "c": set()}, reuse=False), _never, jobs=2)
    assert [started for _, started in steps] == [["a", "b"], ["c"], []]


def test_a_chapter_starts_only_after_every_chapter_it_waits_for():
    needs = {"a": set(), "b": {"a"}, "c": {"a", "b"}}
    steps = _run(Schedule(needs, reuse=False), _never, jobs=2)
    assert [started for _, started in steps] == [["a"], ["b"], ["c"]]


def test_reuse_is_asked_once_per_chapter_once_it_is_ready_and_frees_its_dependents_at_once():
    asked = []

    def reusable(name):
        asked.append(name)
        return name in {"a", "b"}

    needs = {"a": set(), "b": {"a"}, "c": {"b"}, "d": set()}
    schedule = Schedule(needs)
    step = schedule.next(reusable, 1)
    assert step.reused == ["a", "b"] and step.started == ["c"]  # b was ready once a was reused
    assert asked == ["a", "d", "b", "c"]
    assert schedule.next(reusable, 0).started == [] and asked == ["a", "d", "b", "c"]
    schedule.done("c")
    assert schedule.next(reusable, 1).started == ["d"] and len(asked) == 4
    schedule.done("d")
    assert not schedule.active


def test_a_forced_run_reuses_nothing_and_asks_no_cache():
    """``force``, ``refresh`` and a rehearsal: every chapter executes."""
    steps = _run(Schedule({"a": set(), "b": {"a"}}, reuse=False), _never, jobs=2)
    assert steps == [([], ["a"]), ([], ["b"])]


def test_the_chapters_waiting_for_an_unfinished_chapter_never_start():
    """A chapter that failed is never done: what waits for it is never handed out."""
    schedule = Schedule({"a": set(), "b": {"a"}, "c": set()}, reuse=False)
    assert schedule.next(_never, 2).started == ["a", "c"]
    schedule.done("c")
    assert schedule.next(_never, 2).started == [] and schedule.active
