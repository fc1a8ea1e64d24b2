"""Sample submissions of keras_bias, one per student scenario, and their generator.

`submitted/` holds them in nbgrader's layout; `python -m autograder grade`
grades them when given no folder. `students/` holds each sample student's code;
`build.py` writes `submitted/` from it and the release notebooks.
"""
