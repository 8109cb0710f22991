"""nbgrader preprocessors this course adds (named in ``config`` by dotted path)."""

from __future__ import annotations

import copy

from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute, OverwriteCells


class OverwriteCellsSafely(OverwriteCells):
    """nbgrader 0.9.6's OverwriteCells, without one crash and without one false alarm.

    The crash: when a student duplicates a cell, DeduplicateIds empties the nbgrader
    metadata of all but the last copy; with ``add_missing_cells`` on,
    ``add_missing_task_cells`` then reads the ``grade_id`` of such an emptied cell and
    raises KeyError, and nbgrader drops the whole student (nbgrader issue #1083's
    neighbourhood). Emptied metadata is removed first.

    The false alarm: the gradebook keeps a locked cell's checksum and source as in
    ``source/``, hidden tests included, while students receive the cell without them.
    OverwriteCells compares the submitted cell with the source's checksum, so every graded
    cell of every untouched submission is reported as "Attribute 'checksum' … has
    changed!" (nbgrader issue #1961), and a real change cannot be told from none. Here a
    locked cell equal to its released form (the gradebook's source with the hidden tests
    removed, as ``generate_assignment`` removes them) gets its hidden tests back silently;
    any other difference is reported and restored as before (``autograder course audit``
    lists such cells per student: :func:`autograder.course.audit.changed_cells`).
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell):
            source = self._source_cell(cell)
            if source is not None and source.locked and cell.source != source.source \
                    and cell.cell_type == source.cell_type \
                    and cell.source == released_source(source.source, self.config):
                cell.source = source.source  # as handed out: put the hidden tests back
        return super().preprocess_cell(cell, resources, cell_index)

    def _source_cell(self, cell):
        try:
            return self.gradebook.find_source_cell(cell.metadata.nbgrader["grade_id"],
                                                   self.notebook_id, self.assignment_id)
        except (MissingEntry, KeyError):
            return None  # the parent says so, as nbgrader always has


def released_source(source: str, config=None) -> str:
    """A cell's source as ``generate_assignment`` releases it: its hidden-test region
    removed (nbgrader's own ClearHiddenTests, with the course's delimiters)."""
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(copy.copy(source))
    ClearHiddenTests(config=config)._remove_hidden_test_region(cell)
    return cell.source



class SandboxedExecute(Execute):
    """nbgrader's Execute, with each notebook's kernel inside bubblewrap.

    nbgrader passes its own ``kernel_manager_class`` to nbclient (configuring nbclient's
    option has no effect), so the kernel manager is chosen here: the student's kernel can
    write only the notebook's own autograded folder (see ``autograder.course.kernel``)."""

    def __init__(self, *args, **kwargs):
        from .kernel import SandboxedKernelManager

        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
