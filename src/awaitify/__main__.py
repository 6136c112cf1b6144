from __future__ import annotations

import sys

from awaitify.cli import main

sys.exit(main())
