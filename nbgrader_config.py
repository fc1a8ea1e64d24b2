"""nbgrader configuration for the keras_bias course.

The course directory is this repository: instructor notebooks live in
`source/keras_bias/`, `nbgrader generate_assignment keras_bias` writes the
student version to `release/keras_bias/`. The gradebook is a build product, so
it lives in the git-ignored `build/` folder.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

course_root = os.path.dirname(os.path.abspath(__file__))
build_dir = os.path.join(course_root, "build")

# sqlite creates the database file but not its folder.
os.makedirs(build_dir, exist_ok=True)

c.CourseDirectory.root = course_root
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(build_dir, "gradebook.db")
