"""The optimisers the stored network references were trained with: read by the script that
writes them with torch (`make_network_reference.py`) and by the tests that compare with them,
which must run where torch is not installed."""

from tui_gradients.core.optimisation.optimizers import Hyperparameters
from tui_gradients.core.optimisation.schedules import Schedule

TRAINED = {
    "gd": Hyperparameters(optimizer="gd", lr=0.05),
    "momentum": Hyperparameters(optimizer="momentum", lr=0.02),
    "adam": Hyperparameters(optimizer="adam", lr=0.01),
    "adam_cosine": Hyperparameters(
        optimizer="adam", lr=0.01, schedule=Schedule("cosine", (("T_max", 50.0),))
    ),
}
