"""Who needs care, and who takes it up at a given price. Pure functions.

Need is logistic in the family's attributes; its intercept is set so that about one third of
families want care (calibration/china.md, section 2: NHC surveys 2016-2024, 33-35%).
Take-up given need falls with the fee burden (net monthly price / household income) along a
log-logistic curve: half of the families who need care give up at ``burden50``. The curve's
parameters are behavioural assumptions to be calibrated (issue: calibration).
"""

from __future__ import annotations

import numpy as np


def need_probability(
    dual_earner: np.ndarray,
    grandparent: np.ndarray,
    income: np.ndarray,
    median_income: float,
    intercept: float,
    b_dual: float,
    b_grandparent: float,
    b_log_income: float,
) -> np.ndarray:
    """Return the probability that each family needs non-family care for its child."""
    logit = (
        intercept
        + b_dual * dual_earner
        + b_grandparent * grandparent
        + b_log_income * np.log(income / median_income)
    )
    return 1.0 / (1.0 + np.exp(-logit))


def take_up_probability(burden: float, burden50: float, steepness: float) -> float:
    """Return the probability of seeking care at fee burden ``burden`` (price / income).

    ``1 / (1 + (burden / burden50) ** steepness)``: 1 at zero price, 1/2 at ``burden50``,
    falling faster the larger ``steepness``.
    """
    if burden <= 0.0:
        return 1.0
    return 1.0 / (1.0 + (burden / burden50) ** steepness)
