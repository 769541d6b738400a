"""``python -m sim.runs.sweep SPEC ...``: run or resume a sweep (the same as ``spiral sweep``)."""

import sys

from sim.runs.sweep.run import main

sys.exit(main())
