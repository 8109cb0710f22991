"""Notebook 5 says what the training item grades and what its runs reach, with numbers no
one typed: the grader's constants, accuracies from a fresh seeded run, times from
``benchmarks/bench_training.py``'s results file. README and notebook say the same."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np

import reference
from assignments.generator import training
from autograder.checks import backprop

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "assignments" / "source" / "conv_layers" / "05_backprop_and_training.ipynb"


def notebook_text() -> str:
    return "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_results_file_measured_the_runs_the_notebook_describes():
    measured = training.measured()
    assert measured["settings"] == training.settings()
    assert measured["command"] == training.COMMAND
    assert set(measured["runs"]) == {"demo_loops", "epoch_loops", "full_fast_conv2d",
                                     "full_reference"}
    for run in measured["runs"].values():
        assert run["seconds"] == sorted(run["runs"])[len(run["runs"]) // 2]  # a median


def test_the_stated_accuracies_are_what_a_fresh_run_reaches():
    """Training is seeded: the reference reaches exactly what the benchmark's loop-style
    functions reached, and what the notebook states."""
    runs = training.reference_runs()
    measured = training.measured()["runs"]
    assert measured["demo_loops"]["accuracy"] == runs["demo"]
    assert measured["full_fast_conv2d"]["accuracy"] == runs["full"]
    assert measured["full_reference"]["accuracy"] == runs["full"]
    text = flat(notebook_text())
    assert f"**{runs['demo']:.0%}**" in text and f"**{runs['full']:.0%}**" in text
    x_train, y_train, x_test, y_test = reference.load_digits_split()
    n, t = training.DEMO_DIGITS, training.DEMO_TEST
    fresh = reference.train_tiny_cnn(x_train[:n], y_train[:n], x_test[:t], y_test[:t],
                                     epochs=training.DEMO_EPOCHS)
    assert fresh["test_accuracy"] == runs["demo"]
    assert fresh["loss_history"][-1] < fresh["loss_history"][0]


def test_the_notebook_states_what_the_training_item_grades():
    text = flat(notebook_text())
    graded = training.graded()
    for fact in (f"{backprop.TRAIN_SIZE} digits for {backprop.EPOCHS} epochs of batch "
                 f"{backprop.BATCH_SIZE} ({backprop.STEPS} Adam steps)",
                 f"`lr={backprop.LEARNING_RATE}`",
                 f"at least {backprop.MIN_LOSS_DROP:.0%}",
                 f"{backprop.LOSS_RATIO[0]:.0%}–{backprop.LOSS_RATIO[1]:.0%}",
                 f"at least {backprop.MIN_MOVE:g}, at most {backprop.MAX_MOVE:g}",
                 f"at least {backprop.MIN_ACCURACY:.0%} of {graded['held_out']} digits",
                 f"model solution gets {graded['model_accuracy']:.0%}"):
        assert fact in text, fact
    assert "97%" not in text  # no requirement that is not graded
    # the model solution's own result clears every bar the notebook states
    assert graded["model_accuracy"] >= backprop.MIN_ACCURACY
    assert graded["model_loss_drop"] >= backprop.MIN_LOSS_DROP


def test_the_notebook_times_are_the_measured_ones():
    measured = training.measured()["runs"]
    text = flat(notebook_text())
    for seconds in (measured["demo_loops"]["seconds"], measured["epoch_loops"]["seconds"],
                    measured["full_fast_conv2d"]["seconds"]):
        assert training.minutes(seconds) in text and training.minutes_ko(seconds) in text
    # the demo cell runs the settings the benchmark measured, printing every epoch
    d, e, t = training.DEMO_DIGITS, training.DEMO_EPOCHS, training.DEMO_TEST
    assert f"train_tiny_cnn(x_train[:{d}], y_train[:{d}], x_test[:{t}], y_test[:{t}]," in text
    assert f"epochs={e}, verbose=True)" in text
    assert re.search(r"RUN_LONG = False", text)


def test_readme_says_what_the_notebook_says():
    readme = flat((ROOT / "README.md").read_text(encoding="utf-8"))
    assert flat(training.readme_sentence()) in readme


def test_verbose_training_prints_one_line_per_epoch(capsys):
    x_train, y_train, x_test, y_test = reference.load_digits_split()
    reference.train_tiny_cnn(x_train[:16], y_train[:16], x_test[:8], y_test[:8], epochs=2,
                             verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2: loss ")
    assert all("test accuracy" in line for line in lines)
    reference.train_tiny_cnn(x_train[:16], y_train[:16], epochs=1)
    assert capsys.readouterr().out == ""
    assert np.isfinite(training.measured()["runs"]["demo_loops"]["seconds"])
