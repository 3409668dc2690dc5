"""The loss surfaces: formulas parsed once into trees, presets, fits to data, the theory of a
step, contour levels and the window a plot shows."""
