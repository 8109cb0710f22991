"""LMS export: Canvas's and Moodle's own gradebook exports as rosters, their import files out."""

from __future__ import annotations

import csv
import io
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.cli import main
from autograder.platforms.lms import ExportError, export_grades, read_grades, read_roster

# Canvas: Grades → Export. A BOM, the "Points Possible" row second (indented, as Canvas
# writes it), read-only total columns, a test student, and a posting-policy row.
CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,conv-lab (5521),Quiz 1 (5400),"
    "Current Score,Final Score\n"
    "    Points Possible,,,,,100.00,10.00,(read only),(read only)\n"
    ",,,,,Manual Posting,,,\n"
    '"Kim, Minji",101,2026001,minji.kim,CS101-01,,8.00,80.00,40.00\n'
    '"Lee, Jun",102,2026002,jun.lee,CS101-01,,,,\n'
    '"Park, Alice",103,2026003,apark,CS101-02,,10.00,100.00,50.00\n'
    '"Choi, Daeun",104,2026004,dchoi,CS101-02,,9.00,90.00,45.00\n'
    '"Student, Test",999,,,CS101-01,,,,\n'
)

# Moodle: Grades → Export → Plain text file, default user fields.
MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: conv-lab (Real),Last downloaded from this course\n"
    "Minji,Kim,2026001,Uni,CS,minji.kim@uni.ac.kr,-,1764400000\n"
    "Jun,Lee,2026002,Uni,CS,jun.lee@uni.ac.kr,-,1764400000\n"
    "Alice,Park,2026003,Uni,CS,apark@uni.ac.kr,-,1764400000\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def grades_folder(tmp_path: Path, rows: list[tuple[str, str]], late: bool = False) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    head = "student,score,max_score" + (",late_penalty,final_score" if late else "")
    body = "".join(f"{name},{score},100" + (",10,90" if late else "") + "\n"
                   for name, score in rows)
    write(out / "grades.csv", head + "\n" + body)
    return out


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_canvas_import_keeps_every_row_and_the_points_possible_row(tmp_path):
    roster = write(tmp_path / "canvas.csv", CANVAS_EXPORT)
    out = grades_folder(tmp_path, [
        ("minji.kim", "87"),  # SIS Login ID
        ("2026003", "100"),  # SIS User ID
        ("leejun_LATE_102_77777_conv_layers", "55.5"),  # Canvas download name: ID 102
        ("ghost", "12"),  # nobody
    ])
    result = export_grades(out, roster, to="canvas", file=tmp_path / "import.csv",
                           column="conv-lab (5521)")
    assert read_csv(tmp_path / "import.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "conv-lab (5521)"],
        ["Points Possible", "", "", "", "", "100"],
        ["Kim, Minji", "101", "2026001", "minji.kim", "CS101-01", "87"],
        ["Lee, Jun", "102", "2026002", "jun.lee", "CS101-01", "55.5"],
        ["Park, Alice", "103", "2026003", "apark", "CS101-02", "100"],
        ["Choi, Daeun", "104", "2026004", "dchoi", "CS101-02", ""],  # ungraded: empty
        ["Student, Test", "999", "", "", "CS101-01", ""],
    ]
    assert (result.matched, result.ungraded) == (3, 2)
    assert len(result.unmatched) == 1 and result.unmatched[0].startswith("ghost ")


def test_moodle_import_matches_email_and_id_number(tmp_path):
    roster = write(tmp_path / "moodle.csv", MOODLE_EXPORT)
    out = grades_folder(tmp_path, [("minji.kim", "70"), ("2026002", "88"),
                                   ("apark@uni.ac.kr", "91")])
    result = export_grades(out, roster, to="moodle", file=tmp_path / "m.csv", column="conv-lab")
    assert read_csv(tmp_path / "m.csv") == [
        ["First name", "Last name", "ID number", "Institution", "Department", "Email address",
         "conv-lab"],
        ["Minji", "Kim", "2026001", "Uni", "CS", "minji.kim@uni.ac.kr", "70"],
        ["Jun", "Lee", "2026002", "Uni", "CS", "jun.lee@uni.ac.kr", "88"],
        # graded as apark_uni.ac.kr (autograder grade's safe name): still matched
        ["Alice", "Park", "2026003", "Uni", "CS", "apark@uni.ac.kr", "91"],
    ]
    assert result.unmatched == []


def test_late_final_score_is_what_is_exported(tmp_path):
    roster = write(tmp_path / "moodle.csv", MOODLE_EXPORT)
    out = grades_folder(tmp_path, [("jun.lee", "100")], late=True)
    export_grades(out, roster, to="moodle", file=tmp_path / "m.csv")
    assert read_csv(tmp_path / "m.csv")[2][-1] == "90"


def test_a_key_shared_by_two_rows_matches_neither(tmp_path):
    roster = write(tmp_path / "r.csv", "student,email\nA,kim@a.org\nB,kim@b.org\n")
    out = grades_folder(tmp_path, [("kim", "50")])
    result = export_grades(out, roster, to="csv", file=tmp_path / "x.csv")
    assert [row[-1] for row in read_csv(tmp_path / "x.csv")[1:]] == ["", ""]
    assert "shared by 2 roster rows" in result.unmatched[0]


def test_cli_lists_unmatched_names_and_exits_1(tmp_path, capsys):
    roster = write(tmp_path / "canvas.csv", CANVAS_EXPORT)
    out = grades_folder(tmp_path, [("apark", "60"), ("nobody_here", "1")])
    code = main(["export", str(out), "--roster", str(roster), "--to", "canvas",
                 "--file", str(tmp_path / "i.csv")])
    captured = capsys.readouterr()
    assert code == 1
    assert "nobody_here" in captured.err and "1 graded" in captured.out


def test_a_map_matches_names_the_roster_lacks_without_grading_again(tmp_path, capsys):
    """``--map``: graded name -> a roster key; the advice for an unmatched name leads to it."""
    roster = write(tmp_path / "canvas.csv", CANVAS_EXPORT)
    out = grades_folder(tmp_path, [("minji_final", "87"), ("conv_layers_v2", "64"),
                                   ("apark", "100"), ("typo_map", "5")])
    names = write(tmp_path / "names.csv", "student,roster key\nminji_final,minji.kim\n"
                  "conv_layers_v2,2026004\ntypo_map,no.such.login\nleft_the_course,x\n")
    argv = ["export", str(out), "--roster", str(roster), "--to", "canvas",
            "--file", str(tmp_path / "i.csv")]
    assert main(argv) == 1
    assert "--map" in capsys.readouterr().err  # the advice without a map
    assert main([*argv, "--map", str(names)]) == 1
    err = capsys.readouterr().err
    written = {row[3]: row[-1] for row in read_csv(tmp_path / "i.csv")[2:]}
    assert written == {"minji.kim": "87", "jun.lee": "", "apark": "100", "dchoi": "64", "": ""}
    unmatched = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(unmatched) == 1 and "typo_map" in unmatched[0] \
        and "no.such.login" in unmatched[0]
    assert "left_the_course" in err and "not in" in err  # a mapped name nobody was graded as


@pytest.mark.parametrize(("text", "says"), [
    ("student,roster key\nminji_final\n", "line 2: expected 'graded name,roster key'"),
    ("a,minji.kim\na,apark\n", "line 2: a is mapped twice"),
    (b"\xff\xfe,x\n", "not UTF-8"),
])
def test_a_map_that_cannot_be_read_stops_with_one_line(tmp_path, capsys, text, says):
    roster = write(tmp_path / "canvas.csv", CANVAS_EXPORT)
    out = grades_folder(tmp_path, [("apark", "60")])
    names = tmp_path / "names.csv"
    names.write_bytes(text if isinstance(text, bytes) else text.encode())
    code = main(["export", str(out), "--roster", str(roster), "--to", "canvas",
                 "--file", str(tmp_path / "i.csv"), "--map", str(names)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err and str(names) in err
    assert not (tmp_path / "i.csv").exists()


def test_points_possible_counts_an_instructors_extra_items(tmp_path):
    roster = write(tmp_path / "canvas.csv", CANVAS_EXPORT)
    out = tmp_path / "out"
    out.mkdir()
    write(out / "grades.csv", "student,score,max_score\napark,101,103\n")
    export_grades(out, roster, to="canvas", file=tmp_path / "i.csv")
    assert read_csv(tmp_path / "i.csv")[1][-1] == "103"


@pytest.mark.parametrize(("roster_text", "to", "words"), [
    (MOODLE_EXPORT, "canvas", "SIS Login ID"),
    ("Student,ID,SIS User ID,SIS Login ID,Section\n", "moodle", "Email address"),
    ("colour,size\nred,3\n", "csv", "names a student"),
])
def test_a_roster_of_the_wrong_kind_is_a_clear_error(tmp_path, roster_text, to, words):
    roster = write(tmp_path / "r.csv", roster_text)
    out = grades_folder(tmp_path, [("a", "1")])
    with pytest.raises(ExportError, match=words):
        export_grades(out, roster, to=to, file=tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_missing_or_bad_grades_name_the_file(tmp_path):
    with pytest.raises(ExportError, match=r"grades\.csv"):
        read_grades(tmp_path)
    write(tmp_path / "grades.csv", "student,score\nalice,lots\n")
    with pytest.raises(ExportError, match="line 2"):
        read_grades(tmp_path)


def test_canvas_points_possible_row_is_not_a_student():
    roster_rows = read_roster_text(CANVAS_EXPORT)
    assert roster_rows.rows[0]["Student"] == "Kim, Minji" and len(roster_rows.rows) == 5
    assert roster_rows.points_possible is not None and roster_rows.skipped == 1


def read_roster_text(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        return read_roster(write(Path(tmp) / "r.csv", text))


logins = st.text(string.ascii_lowercase, min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(st.lists(logins, min_size=1, max_size=8, unique=True),
       st.lists(st.tuples(logins, st.integers(0, 100)), max_size=10, unique_by=lambda t: t[0]))
def test_every_roster_row_kept_every_grade_written_or_listed(tmp_path_factory, roster, graded):
    """Whatever the names: one output row per roster row, in order; a matched grade lands on
    its row; an unmatched name is listed; nothing else gets a number."""
    tmp = tmp_path_factory.mktemp("prop")
    roster_file = write(tmp / "r.csv", "Email address\n" + "".join(
        f"{login}@uni.ac.kr\n" for login in roster))
    out = grades_folder(tmp, [(name, str(score)) for name, score in graded])
    result = export_grades(out, roster_file, to="csv", file=tmp / "x.csv")
    rows = read_csv(tmp / "x.csv")[1:]
    assert [r[0] for r in rows] == [f"{login}@uni.ac.kr" for login in roster]
    scores = dict(graded)
    assert [r[1] for r in rows] == [str(scores[login]) if login in scores else ""
                                    for login in roster]
    assert sorted(u.split(" ")[0] for u in result.unmatched) == sorted(
        name for name in scores if name not in roster)
