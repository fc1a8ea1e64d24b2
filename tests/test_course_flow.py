"""A whole course run with nbgrader's own commands, and the kit beside autograde.

A throwaway course folder and exchange stand in for a JupyterHub server's. The
instructor releases with `nbgrader generate_assignment` and
`release_assignment`; two students fetch and submit (ada the answer key, bob the
release with only `build_model` answered); the instructor collects. Then the
kit grades instead of `nbgrader autograde`, and what nbgrader does next
(formgrader's gradebook, feedback, `nbgrader export`) must show the kit's
scores. The second test runs `nbgrader autograde` on the same submissions,
where the hidden test cells call the same checks inside the student's kernel,
and asks for the same score in every grade cell.
"""

from __future__ import annotations

import csv
import html
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from grading_helpers import (
    ASSIGNMENT,
    ENVIRONMENT,
    ROOT,
    SAMPLES,
    load_results,
    run_grader,
    scores_by_grade_id,
)

NBGRADER = Path(sys.executable).parent / "nbgrader"
COURSE_ID = "keras_bias_course"
NOTEBOOKS = ("1_initializing_bias.ipynb", "2_bias_in_training.ipynb")
# bob answers build_model only: its three grade cells, 2 points each.
BOB_ANSWERS = {"build_model_solution"}
EXPECTED_TOTALS = {"ada": (28.0, 28.0), "bob": (6.0, 28.0)}
# Honest samples with a wrong answer in each notebook; nbgrader autograde costs
# some 10 s a notebook (a kernel importing TensorFlow), so the list stays short.
AUTOGRADE_SAMPLES = ("chen", "dara")


@dataclass
class Course:
    """A course folder, its exchange and the students' folders, in one place."""

    base: Path

    @property
    def folder(self) -> Path:
        return self.base / "course"

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    def student(self, student_id: str) -> Path:
        return self.base / "students" / student_id

    def student_flags(self, student_id: str) -> list[str]:
        """A student has no course folder: exchange, course and cache as options."""
        cache = self.student(student_id) / ".nbgrader_cache"
        return [
            f"--course={COURSE_ID}",
            f"--Exchange.root={self.exchange}",
            f"--Exchange.cache={cache}",
            f"--student={student_id}",
        ]

    def copy(self, folder: Path) -> Path:
        """Returns a copy of the course folder, gradebook included."""
        shutil.copytree(self.folder, folder)
        return folder

    def environment(self) -> dict[str, str]:
        """Returns the environment for nbgrader: alembic on PATH, no user config."""
        return {
            **ENVIRONMENT,
            "PATH": os.pathsep.join([str(NBGRADER.parent), os.environ["PATH"]]),
            "JUPYTER_CONFIG_DIR": str(self.base / "jupyter_config"),
            "JUPYTER_DATA_DIR": str(self.base / "jupyter_data"),
        }

    def run(self, command: list[str], cwd: Path, timeout: float = 300) -> None:
        """Runs a command to the end; fails the test with its output if it fails."""
        result = subprocess.run(
            command,
            cwd=cwd,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command[:3])} exited with {result.returncode}\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )

    def nbgrader(self, *arguments: str, cwd: Path, timeout: float = 300) -> None:
        self.run([str(NBGRADER), *arguments], cwd, timeout)


def answer(notebook_path: Path, answers: set[str]) -> None:
    """Puts the answer key's code into the solution cells named by grade_id."""
    key = json.loads((ROOT / "solutions" / ASSIGNMENT / notebook_path.name).read_text())
    by_id = {
        cell["metadata"].get("nbgrader", {}).get("grade_id"): cell
        for cell in key["cells"]
    }
    notebook = json.loads(notebook_path.read_text())
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = by_id[grade_id]["source"]
    notebook_path.write_text(json.dumps(notebook))


def submit(course: Course, student_id: str, answers: set[str] | None) -> None:
    """Fetches the release as `student_id`, answers, and submits.

    `answers=None` hands in the answer key; otherwise the listed solution cells.
    """
    home = course.student(student_id)
    home.mkdir(parents=True)
    flags = course.student_flags(student_id)
    course.nbgrader("fetch_assignment", ASSIGNMENT, *flags, cwd=home)
    for name in NOTEBOOKS:
        fetched = home / ASSIGNMENT / name
        if answers is None:
            shutil.copyfile(ROOT / "solutions" / ASSIGNMENT / name, fetched)
        else:
            answer(fetched, answers)
    course.nbgrader("submit", ASSIGNMENT, *flags, cwd=home)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """Returns a course after release, two submissions and collect."""
    course = Course(tmp_path_factory.mktemp("course_flow"))
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course.folder / "source" / ASSIGNMENT)
    (course.folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(course.exchange)!r}\n"
        "c.HTMLExporter.sanitize_html = True\n"  # as make course-release writes it
    )
    course.nbgrader("generate_assignment", ASSIGNMENT, cwd=course.folder)
    course.nbgrader("release_assignment", ASSIGNMENT, cwd=course.folder)
    assert oct(course.exchange.stat().st_mode & 0o777) == "0o777", "exchange: ugo+rwx"
    inbound = course.exchange / COURSE_ID / "inbound"
    assert oct(inbound.stat().st_mode & 0o7777) == "0o2733", "inbound: write-only"

    submit(course, "ada", None)
    submit(course, "bob", BOB_ANSWERS)
    course.nbgrader("collect", ASSIGNMENT, cwd=course.folder)
    for student_id in ("ada", "bob"):
        for name in NOTEBOOKS:
            assert (
                course.folder / "submitted" / student_id / ASSIGNMENT / name
            ).is_file()
    return course


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def gradebook_scores(course_folder: Path) -> dict[str, dict[str, float | None]]:
    """Returns each student's auto_score per grade cell, from the gradebook."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float | None]] = {}
    url = f"sqlite:///{course_folder / 'gradebook.db'}"
    with Gradebook(url, COURSE_ID) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            cells = scores.setdefault(submission.student.id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = grade.auto_score
                    assert not grade.needs_manual_grade, (submission, grade.name)
    return scores


def test_the_kit_grades_reach_nbgrader_feedback_and_export(
    collected: Course, tmp_path: Path
) -> None:
    """The kit's scores are what the gradebook, feedback and export show."""
    course = collected.copy(tmp_path / "course")
    results = course / "results"
    run_grader(course / "submitted", results, "--source", str(course / "source"))
    collected.run(
        [sys.executable, "-m", "autograder", "to-gradebook", str(results)]
        + ["--course-dir", str(course)],
        ROOT,
    )

    kit = {row["student_id"]: row for row in read_csv(results / "grades.csv")}
    totals = {s: (float(r["total"]), float(r["max_score"])) for s, r in kit.items()}
    assert totals == EXPECTED_TOTALS

    stored = gradebook_scores(course)
    for student_id in kit:
        expected = scores_by_grade_id(load_results(results, student_id))
        assert len(expected) == 14
        assert stored[student_id] == expected, student_id

    collected.nbgrader("export", "--to", "export.csv", cwd=course)
    exported = {row["student_id"]: row for row in read_csv(course / "export.csv")}
    assert set(exported) == set(kit)
    for student_id, row in kit.items():
        line = exported[student_id]
        assert float(line["raw_score"]) == float(row["total"]), student_id
        assert float(line["score"]) == float(row["total"]), student_id
        assert float(line["max_score"]) == float(row["max_score"]), student_id

    collected.nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    collected.nbgrader("release_feedback", ASSIGNMENT, cwd=course)
    for student_id in kit:
        home = collected.student(student_id)
        flags = collected.student_flags(student_id)
        collected.nbgrader("fetch_feedback", ASSIGNMENT, *flags, cwd=home)
        pages = {
            p.name: p.read_text() for p in home.glob(f"{ASSIGNMENT}/feedback/*/*.html")
        }
        assert sorted(pages) == ["1_initializing_bias.html", "2_bias_in_training.html"]
        assert all("run_check" not in page for page in pages.values()), student_id
    bob = (collected.student("bob") / ASSIGNMENT / "feedback").glob("*/1_*.html")
    page = next(bob).read_text()
    # Notebook 1 holds 19 points; build_model's three cells give bob 6 of them.
    assert "Score: 6.0 / 19.0" in page
    tests = {
        test["extra_data"]["grade_id"]: test
        for test in load_results(results, "bob")["tests"]
    }
    assert f"Hidden check passed: {tests['build_model_shapes']['name']}" in page
    failed = tests["initial_bias_constant"]
    assert f"Hidden check failed: {failed['name']}" in page
    assert html.escape(failed["output"].strip()) in page


def honest_samples() -> list[Path]:
    """Returns the chosen sample students whose notebooks all read as JSON."""
    chosen = []
    for student_id in AUTOGRADE_SAMPLES:
        folder = SAMPLES / student_id
        try:
            for name in NOTEBOOKS:
                json.loads((folder / ASSIGNMENT / name).read_text())
        except (OSError, ValueError):
            continue
        chosen.append(folder)
    return chosen


def autograded_outputs(course_folder: Path, student_id: str) -> dict[str, list]:
    """Returns the outputs of each grade cell as `nbgrader autograde` ran it."""
    outputs = {}
    for name in NOTEBOOKS:
        path = course_folder / "autograded" / student_id / ASSIGNMENT / name
        if path.is_file():
            for cell in json.loads(path.read_text())["cells"]:
                grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
                outputs[grade_id] = cell.get("outputs", [])
    return outputs


def only_stderr(outputs: list[dict]) -> bool:
    """Tells whether a cell wrote to stderr without raising.

    nbgrader scores such a grade cell 0 (its rule: any stderr output means no
    credit), although every assert in it passed, e.g. for NumPy 2's
    DeprecationWarning from `np.array(layer.bias)`.
    """
    kinds = {(output["output_type"], output.get("name")) for output in outputs}
    return ("stream", "stderr") in kinds and not any(k[0] == "error" for k in kinds)


def test_nbgrader_autograde_gives_every_grade_cell_the_kit_score(
    collected: Course, tmp_path: Path
) -> None:
    """Same score per grade cell, save where nbgrader's stderr rule alone differs."""
    course = collected.copy(tmp_path / "course")
    for folder in honest_samples():
        shutil.copytree(folder, course / "submitted" / folder.name)
    students = sorted(p.name for p in (course / "submitted").iterdir())

    collected.nbgrader("autograde", ASSIGNMENT, cwd=course, timeout=900)
    run_grader(
        course / "submitted", tmp_path / "kit", "--source", str(course / "source")
    )

    autograde = gradebook_scores(course)
    assert sorted(autograde) == students
    unexplained, stderr_only = {}, {}
    for student_id in students:
        results = load_results(tmp_path / "kit", student_id)
        points = {t["extra_data"]["grade_id"]: t["max_score"] for t in results["tests"]}
        kit = scores_by_grade_id(results)
        assert len(kit) == 14
        outputs = autograded_outputs(course, student_id)
        for grade_id, score in kit.items():
            theirs = autograde[student_id].get(grade_id)
            if theirs == score:
                continue
            difference = f"{student_id} {grade_id}: nbgrader {theirs}, kit {score}"
            if (
                theirs == 0
                and score == points[grade_id]
                and only_stderr(outputs.get(grade_id, []))
            ):
                stderr_only[difference] = outputs[grade_id]
            else:
                unexplained[difference] = outputs.get(grade_id)
    assert not unexplained, f"nbgrader autograde and the kit disagree: {unexplained}"
    # Shown with -rP: the cells nbgrader zeroed only for writing to stderr.
    for difference, cell_outputs in stderr_only.items():
        print(f"{difference} (stderr: {cell_outputs[0].get('text', '')!r:.160})")


# --- to-gradebook on a hand-made gradebook: seconds, no kernels ----------------

CELLS = {"build_model_shapes": 2.0, "get_biases_copies": 1.0}


@pytest.fixture(scope="module")
def small_gradebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns a gradebook with one notebook of two grade cells, made once."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("small_gradebook") / "gradebook.db"
    # nbgrader starts `alembic` by name when it creates a gradebook.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "PATH", os.pathsep.join([str(NBGRADER.parent), os.environ["PATH"]])
        )
        with Gradebook(f"sqlite:///{path}", COURSE_ID) as gradebook:
            gradebook.add_assignment(ASSIGNMENT)
            gradebook.add_notebook("1_initializing_bias", ASSIGNMENT)
            for name, points in CELLS.items():
                gradebook.add_grade_cell(
                    name,
                    "1_initializing_bias",
                    ASSIGNMENT,
                    max_score=points,
                    cell_type="code",
                )
    return path


@pytest.fixture
def small_course(small_gradebook: Path, tmp_path: Path) -> Path:
    """Returns a course folder with its own copy of the small gradebook."""
    shutil.copyfile(small_gradebook, tmp_path / "gradebook.db")
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
    )
    return tmp_path


def results_for(scores: dict[str, tuple[float, float]]) -> dict[str, dict]:
    """Returns one student's results.json data: grade_id -> (score, max_score)."""
    tests = [
        {"score": score, "max_score": points, "extra_data": {"grade_id": grade_id}}
        for grade_id, (score, points) in scores.items()
    ]
    return {"ada": {"tests": tests}}


@pytest.mark.parametrize(
    "scores, message",
    [
        pytest.param(
            {"build_model_shapes": (2.0, 3.0), "get_biases_copies": (1.0, 1.0)},
            "build_model_shapes: the gradebook gives it 2 points, the results 3",
            id="points-differ",
        ),
        pytest.param(
            {"build_model_shapes": (2.0, 2.0)},
            "ada: no score for the grade cells get_biases_copies",
            id="cell-missing",
        ),
        pytest.param(
            {
                **{name: (0.0, p) for name, p in CELLS.items()},
                "fit_line_origin": (0, 2),
            },
            "ada: the results score grade cell 'fit_line_origin', which the gradebook",
            id="unknown-cell",
        ),
    ],
)
def test_to_gradebook_refuses_results_from_another_source(
    small_course: Path, scores: dict, message: str
) -> None:
    from autograder.gradebook import GradebookError, course_settings, import_results

    course = course_settings(small_course)
    with pytest.raises(GradebookError, match=message):
        import_results(results_for(scores), course, ASSIGNMENT)


def test_to_gradebook_keeps_a_manual_score_and_flags_it(small_course: Path) -> None:
    from nbgrader.api import Gradebook

    from autograder.gradebook import course_settings, import_results

    course = course_settings(small_course)
    scores = {name: (points, points) for name, points in CELLS.items()}
    assert import_results(results_for(scores), course, ASSIGNMENT) == 2
    with Gradebook(course.db_url, COURSE_ID) as gradebook:
        grade = gradebook.find_grade(
            "build_model_shapes", "1_initializing_bias", ASSIGNMENT, "ada"
        )
        assert (grade.auto_score, grade.needs_manual_grade) == (2.0, False)
        grade.manual_score = 1.5
        gradebook.db.commit()

    scores["build_model_shapes"] = (0.0, 2.0)
    import_results(results_for(scores), course, ASSIGNMENT)
    with Gradebook(course.db_url, COURSE_ID) as gradebook:
        grade = gradebook.find_grade(
            "build_model_shapes", "1_initializing_bias", ASSIGNMENT, "ada"
        )
        assert (grade.auto_score, grade.score, grade.needs_manual_grade) == (
            0.0,
            1.5,
            True,
        )
        assert gradebook.find_submission(ASSIGNMENT, "ada").score == 2.5
