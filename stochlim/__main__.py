import sys

from .cli import main

if __name__ == "__main__":  # importing the module (e.g. for documentation) runs nothing
    sys.exit(main())
