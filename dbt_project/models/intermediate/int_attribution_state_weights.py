"""One row per data-driven model (markov, shapley) + level (channel, campaign) + state.

The paths are every contact's touches (int_attribution_paths), converting and not. At channel
level a touch's state is its channel; at campaign level it is its ad campaign (ad touches) or
its channel (the rest). The models are solved exactly in `attribution.data_driven`: Markov
removal effects from the absorbing chain, Shapley values in closed form. `weight` is what a
touch of that state weighs when a contact's credit is split (the removal effect or the Shapley
value); `credited_conversions` scales the weights to the observed conversions.

It runs on either engine: the paths are read as one Arrow table (DuckDB's relation, or Spark's
DataFrame collected through Arrow), solved in this process, and written back as a DuckDB or a
Spark table. On Spark the dbt process runs it (`ads-analytics-dbt`, orchestration/dbt_cli.py).
"""

import numpy as np
import pandas as pd

from attribution.data_driven import encode, state_weights

# A path starts at its touch number 1: numbering the paths from those starts in this process
# replaces a dense_rank over the whole table (a window with one partition, which runs on one
# thread and carries every contact id).
PATHS = """
    select
        touch_number = 1 as is_start,
        channel,
        campaign_state,
        is_converted
    from paths
    order by contact_id, touch_number
"""


def model(dbt, session):
    dbt.config(materialized="table")
    paths = dbt.ref("int_attribution_paths")
    on_spark = hasattr(paths, "createOrReplaceTempView")
    if on_spark:
        paths.createOrReplaceTempView("paths")
        touches = session.sql(PATHS).toArrow()
    else:
        touches = paths.query("paths", PATHS).fetch_arrow_table()
    starts = touches.column("is_start").to_numpy(zero_copy_only=False)
    path = np.cumsum(starts) - 1
    converted = touches.column("is_converted").to_numpy(zero_copy_only=False)[starts]
    rows = []
    for level, column in (("channel", "channel"), ("campaign", "campaign_state")):
        encoded, names = encode(path, touches.column(column), converted, ~converted)
        rows.extend(state_weights(encoded, names, level))
    frame = pd.DataFrame(rows, columns=["attribution_model", "level", "state", "removal_effect",
                                        "shapley_value", "weight", "credited_conversions"])
    frame = frame.astype({"removal_effect": "float64", "shapley_value": "float64"})
    return session.createDataFrame(frame) if on_spark else frame
