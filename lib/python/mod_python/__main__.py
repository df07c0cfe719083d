"""``python -m mod_python``: the mod_python command-line tool."""

import sys

from mod_python.cli import main

sys.exit(main())
