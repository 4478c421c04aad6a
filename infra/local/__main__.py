"""`python -m infra.local` (what `make run` calls): start the local multi-province stack."""

import sys

from infra.local.stack import main

sys.exit(main())
