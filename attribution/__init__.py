"""Data-driven attribution: Markov removal effects and Shapley values, computed exactly.

The rule-based models (first/last interaction, linear, U/W/J shapes, time decay) are SQL in the
dbt project; these two need the whole population of paths at once, so they are numpy here and
run as a dbt Python model (`int_data_driven_attribution_weights`).
"""

from attribution.data_driven import (
    MarkovResult,
    Paths,
    ShapleyResult,
    markov_removal_effects,
    shapley_values,
)

__all__ = ["MarkovResult", "Paths", "ShapleyResult", "markov_removal_effects", "shapley_values"]
