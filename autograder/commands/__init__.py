"""What each ``autograder`` verb does with its options: ``main(args)`` per verb, called by
the one command line (:mod:`autograder.cli`), which only parses.

- :mod:`.grade`: ``grade`` and ``demo``
- :mod:`.history`: ``history`` and ``replay``
- :mod:`.check`: ``check`` (for students)

``report`` is :func:`autograder.classreport.command.main_report`; ``gradescope-*`` and
``export`` are in :mod:`autograder.platforms`; ``course`` in :mod:`autograder.course.cli`.
"""
