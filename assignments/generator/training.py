"""Notebook 5's training runs: their settings, and the numbers measured for them.

The notebook states what the graded training item asks (from
``autograder/checks/backprop.py``), how long its in-notebook run takes and what it and the
optional longer run reach. The settings are here; the times and accuracies come from
``benchmarks/bench_training.py``, which writes ``benchmarks/RESULTS_training.json``; the
build reads that file, so no number in the notebook is typed in by hand.
``tests/test_training_numbers.py`` checks the file against the settings and a fresh run.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "RESULTS_training.json"

#: The in-notebook run: this many training digits, epochs and test digits (the test
#: accuracy is printed after every epoch). About a minute with loop-style functions.
DEMO_DIGITS, DEMO_EPOCHS, DEMO_TEST = 256, 5, 200
#: The optional longer run: every training digit, the default epochs, the whole test set.
FULL_EPOCHS = 12
#: The command that measures them (README and notebook name it).
COMMAND = ".venv/bin/python benchmarks/bench_training.py --repeats 3"


def settings() -> dict:
    """The runs the benchmark measures, as the results file records them."""
    return {"demo": {"digits": DEMO_DIGITS, "epochs": DEMO_EPOCHS, "test": DEMO_TEST},
            "full": {"epochs": FULL_EPOCHS}}


def measured() -> dict:
    """The results file's numbers (seconds and accuracies per run)."""
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def minutes(seconds: float) -> str:
    """"45 s", "4.3 min": how long, as the notebook says it."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def minutes_ko(seconds: float) -> str:
    """"45초", "4.3분"."""
    return f"{seconds:.0f}초" if seconds < 90 else f"{seconds / 60:.1f}분"


def graded() -> dict:
    """What the graded training item asks (``autograder/checks/backprop.py``), and what the
    model solution scores on it (the reference, run the same way: training is seeded)."""
    import reference
    from autograder.checks import backprop

    x_train, y_train, _, _ = reference.load_digits_split()
    n = backprop.TRAIN_SIZE
    result = reference.train_tiny_cnn(x_train[:n], y_train[:n], epochs=backprop.EPOCHS,
                                      batch_size=backprop.BATCH_SIZE,
                                      lr=backprop.LEARNING_RATE, seed=0)
    held = backprop.HELD_OUT
    accuracy = reference.accuracy(
        reference.tiny_cnn_forward(x_train[held], result["params"]), y_train[held])
    history = result["loss_history"]
    return {"digits": n, "epochs": backprop.EPOCHS, "batch_size": backprop.BATCH_SIZE,
            "steps": backprop.STEPS, "lr": backprop.LEARNING_RATE,
            "min_loss_drop": backprop.MIN_LOSS_DROP, "loss_ratio": backprop.LOSS_RATIO,
            "min_move": backprop.MIN_MOVE, "max_move": backprop.MAX_MOVE,
            "held_out": held.stop - held.start, "min_accuracy": backprop.MIN_ACCURACY,
            "model_accuracy": accuracy, "model_loss_drop": 1 - history[-1] / history[0]}


def reference_runs() -> dict:
    """The demo's and the longer run's test accuracy, from the reference (seeded, so a
    student's correct functions reach the same; the benchmark checks the loop-style ones)."""
    import reference

    x_train, y_train, x_test, y_test = reference.load_digits_split()
    n, t = DEMO_DIGITS, DEMO_TEST
    demo = reference.train_tiny_cnn(x_train[:n], y_train[:n], x_test[:t], y_test[:t],
                                    epochs=DEMO_EPOCHS)
    full = reference.train_tiny_cnn(x_train, y_train, x_test, y_test, epochs=FULL_EPOCHS)
    return {"demo": demo["test_accuracy"], "full": full["test_accuracy"],
            "train_digits": len(x_train), "test_digits": len(x_test)}


def readme_sentence() -> str:
    """README's paragraph on notebook 5's training: the same numbers as the notebook
    (``tests/test_training_numbers.py`` keeps README.md holding exactly this text)."""
    g, runs, m = graded(), reference_runs(), measured()["runs"]
    demo, epoch, full = (m["demo_loops"]["seconds"], m["epoch_loops"]["seconds"],
                         m["full_fast_conv2d"]["seconds"])
    lines = [
        f"the graded item calls `train_tiny_cnn` once on {g['digits']} digits for {g['epochs']} "
        f"epochs of batch {g['batch_size']} ({g['steps']} Adam steps, lr {g['lr']}, seed 0) and "
        f"asks that the loss falls by at least {g['min_loss_drop']:.0%}, that `loss_history` "
        "belongs to the returned params (the loss the grader recomputes with them is within "
        f"{g['loss_ratio'][0]:.0%}–{g['loss_ratio'][1]:.0%} of the last epoch's mean), that "
        f"every parameter moved from `init_tiny_cnn(0)` by {g['min_move']:g} to "
        f"{g['max_move']:g}, and that at least {g['min_accuracy']:.0%} of {g['held_out']} "
        f"digits it never saw are recognised (the model solution: {g['model_accuracy']:.0%}; "
        "chance is 10%). In the notebook your own functions train on "
        f"{DEMO_DIGITS} digits for {DEMO_EPOCHS} epochs and print the loss and the accuracy on "
        f"{DEMO_TEST} test digits after each epoch: {runs['demo']:.0%} at the end, "
        f"{minutes(demo)} with the loop-style model solution on this machine (all "
        f"{runs['train_digits']:,} training digits take {minutes(epoch)} per epoch, about "
        f"{minutes(FULL_EPOCHS * epoch)} for the default {FULL_EPOCHS}). An optional, "
        "ungraded exercise writes a vectorized `conv2d_fast`; with it, a clearly optional "
        f"longer run (all digits, {FULL_EPOCHS} epochs; the backward pass still loops) took "
        f"{minutes(full)} here and reaches {runs['full']:.0%}.",
    ]
    return " ".join(lines)
