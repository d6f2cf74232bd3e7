"""``python -m tests.fakeweb --port 0 --log PATH [--scenario PATH] [--bind ADDR]``."""

from .server import main

raise SystemExit(main())
