import sys

from fault_correlator.cli import main

sys.exit(main())
