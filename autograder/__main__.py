"""Lets `python -m autograder` run the command line."""

import sys

from autograder.cli import main

sys.exit(main())
