"""``python -m course_lib``: the same command line as ``course-lib``."""

import sys

from course_lib.build.cli import main

sys.exit(main())
