"""Optimisers: each rule written once (`rules`), run on arrays as optax-style transformations
(`optimizers`), with torch.optim's defaults, learning-rate schedules and L-BFGS."""
