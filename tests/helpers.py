"""Small builders for hand-worked test cases."""

from __future__ import annotations

import pandas as pd

from kpitrack.data.actuals import city_code, observations
from kpitrack.plan.catalogue import EndTarget, ImpliedBase, Measure, YearlyTarget


def measure(mid="K99.x", *, unit="亿元", direction="higher", value_type="level", growth_model="compound",
            end_kind="level", end_value=None, end_years=(), yearly=(), implied_base=None, end_text="测试目标",
            yearly_text="年度") -> Measure:
    return Measure(
        id=mid, kpi_id=mid.split(".")[0], name_zh="测试", name_en="test", unit=unit, direction=direction,
        value_type=value_type, growth_model=growth_model,
        end_target=EndTarget(2020, end_kind, end_text, end_value, tuple(end_years)),
        yearly_targets=tuple(YearlyTarget(tuple(y), k, yearly_text, v) for y, k, v in yearly),
        implied_base=ImpliedBase(2015, implied_base, "推算") if implied_base is not None else None,
    )


def obs(mid: str, values: dict[int, float], *, quality="reported", method="official", known_from="2019-01-01",
        region=None) -> pd.DataFrame:
    region = region or city_code()
    rows = [{"measure_id": mid, "region": region, "period": str(y), "value": float(v), "unit": "u", "quality": quality,
             "method": method, "source": "test", "note": "", "known_from": known_from, "vintage": 1} for y, v in values.items()]
    return observations(pd.DataFrame(rows))
