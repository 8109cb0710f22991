"""The teaching text and figures of each notebook, ``p01`` … ``p05`` (Korean, then English).

Each module has ``cells(lesson)`` returning the notebook's cells top to bottom. The
facts and worked examples follow lecture 11-1 of 모두를 위한 딥러닝 (ConvNet의 Conv 레이어
만들기); the sentences are our own.
"""
