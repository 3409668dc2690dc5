"""The chain network: one neuron per layer, its forward and backward pass written once."""
