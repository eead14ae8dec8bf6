from orchestration.bench import main

raise SystemExit(main())
