"""``python -m tpsdesk ...``: the same command as the ``tpsdesk`` script."""

from tpsdesk.cli import main

if __name__ == "__main__":
    main()
