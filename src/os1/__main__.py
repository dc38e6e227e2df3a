from os1.cli.main import main

raise SystemExit(main())
