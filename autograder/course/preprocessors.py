"""nbgrader preprocessors this course adds (named in ``config`` by dotted path)."""

from __future__ import annotations

from nbgrader.preprocessors import Execute, OverwriteCells


class OverwriteCellsSafely(OverwriteCells):
    """nbgrader 0.9.6's OverwriteCells, without one crash.

    When a student duplicates a cell, DeduplicateIds empties the nbgrader metadata of all but
    the last copy; with ``add_missing_cells`` on, ``add_missing_task_cells`` then reads the
    ``grade_id`` of such an emptied cell and raises KeyError, and nbgrader drops the whole
    student (nbgrader issue #1083's neighbourhood). Emptied metadata is removed first.
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)



class SandboxedExecute(Execute):
    """nbgrader's Execute, with each notebook's kernel inside bubblewrap.

    nbgrader passes its own ``kernel_manager_class`` to nbclient (configuring nbclient's
    option has no effect), so the kernel manager is chosen here: the student's kernel can
    write only the notebook's own autograded folder (see ``autograder.course.kernel``)."""

    def __init__(self, *args, **kwargs):
        from .kernel import SandboxedKernelManager

        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
