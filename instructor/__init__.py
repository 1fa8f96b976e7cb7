"""The instructor's side of CS224N Assignment 2: the student starter and the autograder.

``python -m instructor.make_starter OUTDIR`` writes the student's version;
``python -m instructor.grade assignment2.zip`` scores a submission;
``python -m instructor.make_autograder OUT.zip`` builds Gradescope's zip.
"""
