import sys

from vibmpo.cli import main

sys.exit(main())
