"""`python -m orchestration.reports`: the same as `omsorgslager report`."""

from orchestration.reports.build import main

raise SystemExit(main())
