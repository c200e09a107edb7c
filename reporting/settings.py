"""The report settings a deployment keeps beside its warehouse: the ROI inputs of the `estimate`
ROI setting, read by the CLI, the summary, the published reports and the dashboard alike.

    # ads_analytics.toml beside the warehouse (or the file $ADS_ANALYTICS_SETTINGS names)
    [roi]
    average_sale_price = 1200        # in the company currency
    contact_to_customer_rate = 0.08  # from 0 to 1

Each value comes from the first of: a command-line option (`--average-sale-price`,
`--contact-to-customer-rate`, or the argument of `Reports.open`), this file, the dbt project's
vars (`dbt_project.yml`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.layout import REPORT_SETTINGS_FILE as SETTINGS_FILE  # noqa: F401 (its name here)
from core.paths import dbt_project_vars
from core.settings import REPORT_SETTINGS_ENV as SETTINGS_ENV  # noqa: F401 (its name here)
from core.settings import Settings
from reporting.errors import ReportError

ROI_KEYS = ("average_sale_price", "contact_to_customer_rate")
DBT_VARS = "dbt_project.yml"


class SettingsError(ReportError):
    """A settings file or ROI input the reports cannot use."""


@dataclass(frozen=True)
class RoiInputs:
    average_sale_price: float
    contact_to_customer_rate: float
    # input -> where it came from: "option", the settings file's path, or "dbt_project.yml"
    sources: dict[str, str]

    def describe(self) -> str:
        """`average sale price 1,200.00 (ads_analytics.toml), contact-to-customer rate 8.00%
        (option)`: the inputs as a caption states them."""
        return (f"average sale price {self.average_sale_price:,.2f} "
                f"({Path(self.sources['average_sale_price']).name}), contact-to-customer rate "
                f"{self.contact_to_customer_rate:.2%} "
                f"({Path(self.sources['contact_to_customer_rate']).name})")


def settings_file(warehouse: Path) -> Path:
    """`ADS_ANALYTICS_SETTINGS`, else `ads_analytics.toml` beside the warehouse."""
    return Settings.from_environment(warehouse=warehouse).report_settings


def checked(name: str, value: object, where: str) -> float:
    """An ROI input as a number: a price of 0 or more, a rate from 0 to 1."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if name == "contact_to_customer_rate":
        if not (ok and 0 <= value <= 1):
            raise SettingsError(f"{where}: contact_to_customer_rate must be a number from 0 to "
                                f"1 (0.08 is 8%), got {value!r}")
    elif not (ok and value >= 0):
        raise SettingsError(f"{where}: average_sale_price must be a number of 0 or more (in "
                            f"the company currency), got {value!r}")
    return float(value)


def _file_inputs(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    try:
        settings = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read the settings file {path}: {exc}") from None
    unknown = sorted(set(settings) - {"roi"})
    roi = settings.get("roi", {})
    if not isinstance(roi, dict):
        unknown.append("roi (not a table)")
    else:
        unknown += [f"roi.{key}" for key in sorted(set(roi) - set(ROI_KEYS))]
    if unknown:
        raise SettingsError(f"{path}: unknown setting {', '.join(unknown)}; the file takes "
                            f"[roi] {' and '.join(ROI_KEYS)}")
    return {key: checked(key, value, f"{path}: [roi]") for key, value in roi.items()}


def roi_inputs(warehouse: Path, average_sale_price: float | None = None,
               contact_to_customer_rate: float | None = None) -> RoiInputs:
    """The ROI inputs: each from its option when given, else the settings file, else the dbt
    project's vars."""
    path = settings_file(warehouse)
    options = {"average_sale_price": average_sale_price,
               "contact_to_customer_rate": contact_to_customer_rate}
    from_file = _file_inputs(path)
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for key in ROI_KEYS:
        if options[key] is not None:
            values[key] = checked(key, options[key], f"--{key.replace('_', '-')}")
            sources[key] = "option"
        elif key in from_file:
            values[key], sources[key] = from_file[key], str(path)
        else:
            values[key] = checked(key, dbt_project_vars()[key], DBT_VARS)
            sources[key] = DBT_VARS
    return RoiInputs(values["average_sale_price"], values["contact_to_customer_rate"], sources)
