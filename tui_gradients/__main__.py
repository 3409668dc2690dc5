from tui_gradients.cli import main

raise SystemExit(main())
