"""`python -m refcheck`."""

from refcheck.cli import main

raise SystemExit(main())
