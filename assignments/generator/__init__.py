"""Generates every student-facing file of conv-lab from ``reference/`` and the rubric.

- ``extract``   reads the reference's source (ast): definitions, bodies, dependencies
- ``modules``   the standalone ``.py`` files: model solution and student stubs
- ``cells`` / ``notebooks``  nbgrader notebook cells and whole notebooks
- ``parts``     the bilingual teaching text and figures of each notebook
"""
