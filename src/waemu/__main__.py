"""``python -m waemu`` is the ``waemu`` command."""

from waemu.cli import main

raise SystemExit(main())
