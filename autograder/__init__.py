"""Sandboxed, parallel grading of the keras_bias assignment."""

ASSIGNMENT = "keras_bias"
