"""How tests/data/reports_before.json.xz was made (test_reports_before_after.py reads it).

From a checkout of the code before ``autograder/reports`` (commit 7de981b): build the
example class (``autograder.examples.build_class``) into B/class and grade it with
``autograder grade B/class --workers 2 --quiet --seed 0 --out B/<variant>`` plus each
variant's options below (the late one: ``--due 2026-12-01T23:59Z --late-penalty 10
--late-floor 50``); then run this with B set to that folder. It keeps 8 students' files,
the stored records each run graded them into, the times the late run used, and their
grades.csv rows."""
import json
import lzma
import sys
from pathlib import Path

from autograder.store import Store

B = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("baseline-reports")
STUDENTS = ["loops", "bug_kernel_flipped", "bug_conv_backward_dx_padded", "stub",
            "crash_on_import", "hangs", "bug_dense_w_transposed", "truncated_upload"]
VARIANTS = {
    "default": {"lang": "ko+en"},
    "en": {"lang": "en"},
    "ko": {"lang": "ko"},
    "vis": {"lang": "ko+en", "visibility": "after_due_date",
            "expected_visibility": "after_due_date"},
    "late": {"lang": "ko+en", "due": "2026-12-01T23:59Z", "late_penalty": 10,
             "late_floor": 50},
}
data = {"students": STUDENTS, "variants": VARIANTS, "records": {}, "files": {}, "times": {}}
for variant in VARIANTS:  # each run's own records: their grading times differ
    with Store.open(B / variant, create=False) as store:
        data["records"][variant] = {s: store.latest(s).record_json for s in STUDENTS}
    files = {}
    for s in STUDENTS:
        for p in sorted((B / variant / s).iterdir()):
            files[f"{s}/{p.name}"] = p.read_text(encoding="utf-8")
        if variant == "late":
            late = json.loads((B / variant / s / "results.json").read_text())["extra_data"]["late"]
            data["times"][s] = late["submitted"]
    lines = (B / variant / "grades.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    files["grades.csv"] = lines[0] + "".join(
        line for line in lines[1:] if line.split(",", 1)[0] in STUDENTS)
    data["files"][variant] = files
raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
out = Path("tests/data/reports_before.json.xz")
out.write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
print(len(raw), out.stat().st_size)
