import sys

from quizwire.cli import main

sys.exit(main())
